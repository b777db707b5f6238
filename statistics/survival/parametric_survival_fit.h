#pragma once
// Maximum-likelihood fits of parametric survival models to right-censored individual data (for
// example data reconstructed from a published curve by statistics/survival/guyot.h).
//
// Models (times in months; k shape, lambda scale, pi cure fraction):
//   exponential          S(t) = exp(-t / lambda)                          (k = 1 fixed)
//   Weibull              S(t) = exp(-(t / lambda)^k)
//   Weibull mixture cure S(t) = pi + (1 - pi) exp(-(t / lambda)^k)      (Farewell 1982)
// Log-likelihood sum_i [d_i log f(t_i) + (1 - d_i) log S(t_i)], maximised on the working scale
// theta = (log k, log lambda[, logit pi]) by Newton-Raphson with the observed information
// (Levenberg damping when it is not positive definite, step halving until the likelihood
// rises). Weibull derivatives are analytic; the cure model's are central finite differences.
//
// Standard errors and the covariance are the inverse observed information at the maximum. With
// flat priors on the working parameters this is the Laplace (normal) approximation to the
// posterior: theta | data ~ N(theta_hat, I(theta_hat)^-1), so `std_error` is read as the
// posterior SD of each working parameter.
#include <array>

#include "statistics/survival/survival_data.h"

namespace trialsim {

enum class ParametricFamily { exponential, weibull, weibull_mixture_cure };

struct WorkingEstimate {
  double estimate = 0.0, std_error = 0.0;  // std_error 0 for a parameter held fixed
};

struct ParametricSurvivalFit {
  ParametricFamily family = ParametricFamily::weibull;
  WorkingEstimate log_shape;   // exponential: 0 (k = 1) fixed
  WorkingEstimate log_scale;   // log lambda (months)
  WorkingEstimate logit_cure;  // mixture cure only; else -inf fixed (pi = 0)
  // Covariance of (log k, log lambda, logit pi); rows/columns of fixed parameters are 0.
  std::array<std::array<double, 3>, 3> covariance{};
  double log_likelihood = 0.0;
  int iterations = 0;
  bool converged = false;
  int events = 0;

  double shape() const;
  double scale() const;
  double cure_fraction() const;
  double survival(double t) const;
};

// Each throws std::invalid_argument on bad data (check_survival_data), on an event at time 0
// (zero density for k > 1, infinite for k < 1), or with no event at all (no maximum). Arm and
// stratum columns are ignored. Deterministic.
ParametricSurvivalFit fit_exponential(const SurvivalData& data);
ParametricSurvivalFit fit_weibull(const SurvivalData& data);
ParametricSurvivalFit fit_weibull_cure(const SurvivalData& data);

}  // namespace trialsim
