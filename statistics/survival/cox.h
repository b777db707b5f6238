#pragma once
// Cox proportional-hazards regression by Newton-Raphson, as R's
//   coxph(Surv(time, status) ~ x1 + ... [+ strata(stratum)], ties = "breslow" | "efron").
// The iteration reproduces survival's coxfit6: start at beta = 0; Newton steps on the log
// partial likelihood; step halving when the log-likelihood decreases; converged when
// |1 - loglik_old / loglik_new| <= eps (default 1e-9) within max_iter (default 20) steps.
// Covariates not confined to {-1, 0, 1} are centred and scaled internally (as coxph does;
// the estimates do not depend on it). se = sqrt(diag(I^-1)) at the final beta (observed
// information). Wald CI exp(beta -/+ qnorm((1 + level) / 2) se), two-sided Wald p-value
// pchisq((beta / se)^2, 1, lower.tail = FALSE), as summary.coxph.
// Breslow: each tied death uses the full risk set. Efron: the j-th of d tied deaths
// (j = 0..d-1) uses the risk-set sums minus j/d of the tied deaths' sums (Efron 1977).
// Strata: separate baseline hazards; risk sets and ties never cross strata.
//
// Infinite estimates (monotone likelihood, e.g. no events in one arm): detected with coxph's
// rule — the next Newton step |(I^-1 U)_k| exceeds eps and toler_inf |beta_k| — applied
// whether or not the log-likelihood converged. Such coefficients are reported as beta = +/-Inf
// (hr = 0 or Inf) with se, z, p and CI NaN, and status = infinite_estimate; R instead returns
// its 20th iterate (beta near -21) with a warning. Times in months.
//
// Singular information (no events; a covariate constant overall or within every stratum; a
// covariate that is a linear combination of others): detected at beta = 0 with coxfit6's
// cholesky2 rule — a Cholesky decomposition in column order in which a column whose pivot is
// below toler_chol times the largest diagonal element is aliased — except that column k's
// reference is at least its uncancelled scale, deaths * max_i x_ik^2 (design as centred and
// scaled), so that rounding noise (a 0/1 column that is 1 for every patient has I = 1 - 1 per
// death, ~1e-16, se ~1e8) is not taken for information. As coxph (coefficient NA, "X matrix
// deemed to be singular"), the aliased columns are dropped and the others fitted: their
// coefficients, se, log-likelihood and iterations are those of the model without the aliased
// columns; the aliased coefficients are NaN with aliased = true; variance rows/columns of
// aliased columns are NaN (coxph: 0); status = singular whatever the reduced fit's status. With
// nothing estimable (no events, every column aliased) every coefficient is NaN and aliased.
// When the check finds no aliased column the fit is computed exactly as before it existed.
#include <cmath>
#include <span>
#include <vector>

#include "statistics/survival/survival_data.h"

namespace trialsim {

enum class CoxTies { breslow, efron };

enum class CoxStatus {
  converged,          // finite MLE
  infinite_estimate,  // at least one coefficient diverges (see header comment)
  not_converged,      // ran out of iterations with finite-looking estimates
  singular,           // information matrix singular (no events, constant or collinear
                      // covariates): see "Singular information" above
};

struct CoxOptions {
  CoxTies ties = CoxTies::efron;               // coxph's default
  bool stratified = false;                     // requires data.stratum
  double level = 0.95;                         // Wald CI level
  int max_iter = 20;                           // coxph.control(iter.max)
  double eps = 1e-9;                           // coxph.control(eps)
  double toler_inf = 3.1622776601683795e-05;   // coxph.control(toler.inf) = sqrt(eps)
  double toler_chol = 1.8189894035458617e-12;  // coxph.control(toler.chol) = eps_mach^0.75
  // cox_ph_arm only: false when the caller reads the coefficient alone. The iteration then
  // settles its convergence and step-halving decisions from bounds on the log-likelihood's
  // change where they suffice (the same iterates, decisions and estimates, bit for bit; see
  // newton_arm in cox.cpp), and CoxFit::loglik_null and loglik are NaN.
  bool loglik = true;
};

struct CoxCoefficient {
  double beta, se, hr, lower, upper;
  bool infinite;
  bool aliased;  // not estimable (coxph: NA): no information given the columns before it

  // Derived when asked for, as LogRankResult's: the designs read beta, hr and the interval.
  double z() const { return beta / se; }  // Wald z (NaN when se is)
  double p_value() const {                // Wald p-value, two-sided (NaN with z)
    const double wald = z();
    return chisq1_upper_tail(wald * wald);
  }
};

struct CoxFit {
  CoxStatus status = CoxStatus::singular;
  int iterations = 0;
  double loglik_null = 0.0;    // log partial likelihood at beta = 0
  double loglik = 0.0;         // at the final beta (NaN: not computed, CoxOptions::loglik)
  int loglik_evaluations = 0;  // log-likelihoods computed, loglik_null's (or its estimate) included
  std::vector<CoxCoefficient> coef;  // one per covariate column (reused between calls)
  Eigen::MatrixXd variance;          // inverse observed information, original scale
};

// General model: covariates row-major n x p. Reuses out's storage.
void cox_ph(const SurvivalData& data, const CovariateMatrix& x, SurvivalWorkspace& ws, CoxFit& out,
            const CoxOptions& options = {});

// Single binary covariate: the treatment arm (data.arm required); coef[0] is log HR of arm 1
// versus arm 0. Computed from the numbers at risk and events per arm at each distinct event time
// (one exp per Newton iteration, no per-subject work after one pass), with cox_ph's iteration and
// rules; estimates agree with cox_ph on the same data to rounding.
void cox_ph_arm(const SurvivalData& data, SurvivalWorkspace& ws, CoxFit& out,
                const CoxOptions& options = {});

// The same (unstratified) model on a cohort already sorted by sort_cohort.
void cox_ph_arm(std::span<const SortedSubject> cohort, SurvivalWorkspace& ws, CoxFit& out,
                const CoxOptions& options = {});

}  // namespace trialsim
