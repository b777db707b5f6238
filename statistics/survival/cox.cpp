#include "statistics/survival/cox.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cstring>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "core/double2.h"
#include "statistics/survival/two_arm_pass.h"

namespace trialsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// qnorm((1 + level) / 2), as summary.coxph; the last level is remembered (per thread) because a
// simulation fits thousands of models at one level.
double wald_critical_value(double level) {
  thread_local double cached_level = NaN, cached_z = 0.0;
  if (level != cached_level) {
    cached_z =
        boost::math::quantile(boost::math::normal_distribution<double>(), (1.0 + level) / 2.0);
    cached_level = level;
  }
  return cached_z;
}

// Log partial likelihood at beta (internal scale), with score ws.cox_u and information
// ws.cox_imat. ws.order / ws.cox_x / ws.cox_stratum_end describe the sorted cohort.
double cox_iteration(const SurvivalData& data, SurvivalWorkspace& ws, const Eigen::VectorXd& beta,
                     CoxTies ties) {
  const Eigen::Index p = beta.size();
  const std::size_t n = ws.order.size();
  auto& u = ws.cox_u;
  auto& imat = ws.cox_imat;
  auto& a = ws.cox_a;
  auto& a2 = ws.cox_a2;
  auto& cmat = ws.cox_cmat;
  auto& cmat2 = ws.cox_cmat2;
  u.setZero();
  imat.setZero();
  double loglik = 0.0, denom = 0.0;
  auto xrow = [&](std::size_t k) { return Eigen::Map<const Eigen::VectorXd>(&ws.cox_x[k * p], p); };

  for (std::size_t k = n; k-- > 0;) {
    // k is the last (latest) subject of a block of tied times.
    if (ws.cox_stratum_end[k]) {
      denom = 0.0;
      a.setZero();
      cmat.setZero();
    }
    const double dtime = data.time[ws.order[k]];
    int ndead = 0;
    double denom2 = 0.0;
    a2.setZero();
    cmat2.setZero();
    for (std::size_t j = k + 1; j-- > 0;) {
      const auto x = xrow(j);
      const double zbeta = x.dot(beta);
      const double risk = std::exp(zbeta);
      if (data.status[ws.order[j]] == 0) {
        denom += risk;
        a.noalias() += risk * x;
        cmat.noalias() += risk * x * x.transpose();
      } else {
        ++ndead;
        denom2 += risk;
        loglik += zbeta;
        u += x;
        a2.noalias() += risk * x;
        cmat2.noalias() += risk * x * x.transpose();
      }
      k = j;
      if (j == 0 || ws.cox_stratum_end[j - 1] || data.time[ws.order[j - 1]] != dtime) break;
    }
    if (ndead == 0) continue;
    if (ties == CoxTies::breslow || ndead == 1) {
      denom += denom2;
      loglik -= ndead * std::log(denom);
      a += a2;
      cmat += cmat2;
      u.noalias() -= (ndead / denom) * a;
      imat.noalias() += (ndead / denom) * cmat;
      imat.noalias() -= (ndead / (denom * denom)) * a * a.transpose();
    } else {
      for (int j = 0; j < ndead; ++j) {
        denom += denom2 / ndead;
        loglik -= std::log(denom);
        a.noalias() += a2 / ndead;
        cmat.noalias() += cmat2 / ndead;
        u.noalias() -= a / denom;
        imat.noalias() += cmat / denom;
        imat.noalias() -= (1.0 / (denom * denom)) * a * a.transpose();
      }
    }
  }
  return loglik;
}

bool factorise(SurvivalWorkspace& ws, double toler_chol) {
  ws.cox_ldlt.compute(ws.cox_imat);
  if (ws.cox_ldlt.info() != Eigen::Success) return false;
  const double dmax = ws.cox_imat.diagonal().cwiseAbs().maxCoeff();
  const auto d = ws.cox_ldlt.vectorD();
  return std::isfinite(dmax) && dmax > 0.0 && d.minCoeff() > toler_chol * dmax;
}

// Which columns of the information at beta = 0 (ws.cox_imat) are aliased: coxfit6's cholesky2,
// a Cholesky decomposition in column order that sets a pivot to zero when it is below
// toler_chol * (the largest diagonal element), so a column that is (numerically) a combination
// of the columns before it is dropped, as coxph reports it NA ("X matrix deemed to be
// singular"). One change: column k's reference is at least its uncancelled scale
// deaths * max_i x_ik^2 (design as centred and scaled; every death adds to I_kk the
// risk-weighted variance E_w[x_k^2] - E_w[x_k]^2 <= max_i x_ik^2). For a column with no
// information those two terms cancel and leave rounding of order eps_mach * deaths * max x^2: a
// 0/1 column that is 1 for everyone is not centred, its I_kk is 1 - 1 per death, noise such as
// 1e-16 that a tolerance relative to I's own diagonal accepts (se ~1e8). Marks aliased[k] = 1
// (ws.cox_a2), uses ws.cox_var as the work matrix; returns the number of aliased columns.
Eigen::Index mark_aliased_columns(const SurvivalData& data, SurvivalWorkspace& ws,
                                  double toler_chol) {
  auto& m = ws.cox_var;
  auto& aliased = ws.cox_a2;
  m = ws.cox_imat;
  const Eigen::Index p = m.rows();
  const std::size_t n = ws.order.size();
  double deaths = 0.0;
  for (const std::uint32_t i : ws.order) deaths += data.status[i] != 0 ? 1.0 : 0.0;
  const double largest = m.diagonal().maxCoeff();
  Eigen::Index count = 0;
  for (Eigen::Index i = 0; i < p; ++i) {
    double max_square = 0.0;
    for (std::size_t k = 0; k < n; ++k)
      max_square = std::max(max_square, ws.cox_x[k * p + i] * ws.cox_x[k * p + i]);
    double tolerance = toler_chol * std::max(largest, deaths * max_square);
    if (!(tolerance > 0.0)) tolerance = toler_chol;  // cholesky2: no positive diagonal
    const double pivot = m(i, i);
    aliased[i] = std::isfinite(pivot) && pivot >= tolerance ? 0.0 : 1.0;
    if (aliased[i] != 0.0) {
      ++count;
      continue;
    }
    for (Eigen::Index j = i + 1; j < p; ++j) {
      const double ratio = m(j, i) / pivot;
      m(j, j) -= ratio * m(j, i);
      for (Eigen::Index k = j + 1; k < p; ++k) m(k, j) -= ratio * m(k, i);
    }
  }
  return count;
}

// fit_cox's steps: the design matrix, the Newton-Raphson iteration, and the coefficients on the
// original scale. Each is a stage of coxfit6 (Therneau's survival package) with its own job.

// Covariates in sorted order (ws.order), centred and scaled as coxfit6 (except {-1, 0, 1}
// columns, left as they are), into ws.cox_x; the per-column mean and scale into ws.cox_mean and
// ws.cox_scale; which sorted subject ends its stratum into ws.cox_stratum_end; and the
// iteration's buffers sized for p covariates.
// `columns` picks the covariate columns to use (empty: all p).
template <class Covariate>
void prepare_cox_design(const SurvivalData& data, std::span<const Eigen::Index> columns,
                        Eigen::Index p, Covariate covariate, SurvivalWorkspace& ws,
                        bool stratified) {
  const std::size_t n = ws.order.size();
  ws.cox_x.resize(n * static_cast<std::size_t>(p));
  ws.cox_mean.setZero(p);
  ws.cox_scale.setOnes(p);
  for (Eigen::Index c = 0; c < p; ++c) {
    const Eigen::Index source = columns.empty() ? c : columns[static_cast<std::size_t>(c)];
    bool zero_one = true;
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      const double v = covariate(ws.order[k], source);
      if (!std::isfinite(v)) throw std::invalid_argument("cox_ph: covariates must be finite");
      zero_one = zero_one && (v == 0.0 || v == 1.0 || v == -1.0);
      ws.cox_x[k * p + c] = v;
      sum += v;
    }
    if (zero_one || n == 0) continue;
    const double mean = sum / static_cast<double>(n);
    double abs_dev = 0.0;
    for (std::size_t k = 0; k < n; ++k) abs_dev += std::abs(ws.cox_x[k * p + c] -= mean);
    const double scale = abs_dev > 0.0 ? static_cast<double>(n) / abs_dev : 1.0;
    for (std::size_t k = 0; k < n; ++k) ws.cox_x[k * p + c] *= scale;
    ws.cox_mean[c] = mean;
    ws.cox_scale[c] = scale;
  }
  ws.cox_stratum_end.assign(n, 0);
  for (std::size_t k = 0; k < n; ++k)
    ws.cox_stratum_end[k] =
        k + 1 == n || (stratified && data.stratum[ws.order[k]] != data.stratum[ws.order[k + 1]]);
  for (auto* v : {&ws.cox_u, &ws.cox_a, &ws.cox_a2, &ws.cox_step}) v->resize(p);
  for (auto* m : {&ws.cox_imat, &ws.cox_cmat, &ws.cox_cmat2}) m->resize(p, p);
}

struct NewtonOutcome {
  bool ok;  // the information at the final beta factorises
  bool converged;
  int iterations;
  double loglik;             // at the final beta
  Eigen::Index aliased = 0;  // columns aliased at beta = 0 (then no iteration; see ws.cox_a2)
};

// Newton-Raphson with step halving (coxfit6) from beta = 0: ends with beta in ws.cox_beta and
// the score, information and its factorisation at it in ws; the null log likelihood in
// out.loglik_null. If the information at beta = 0 has aliased columns (mark_aliased_columns),
// stops there with ok = false.
NewtonOutcome newton_raphson(const SurvivalData& data, Eigen::Index p, SurvivalWorkspace& ws,
                             CoxFit& out, const CoxOptions& opt) {
  auto& beta = ws.cox_beta;
  auto& newbeta = ws.cox_new_beta;
  beta.setZero(p);
  out.loglik_null = cox_iteration(data, ws, beta, opt.ties);
  out.loglik_evaluations = 1;
  double best = out.loglik_null, newlk = best;
  const Eigen::Index aliased = mark_aliased_columns(data, ws, opt.toler_chol);
  if (aliased > 0) return {false, false, 0, newlk, aliased};
  bool ok = factorise(ws, opt.toler_chol);
  bool converged = false;
  int iter = 0, halving = 0;
  if (ok) {
    ws.cox_step = ws.cox_ldlt.solve(ws.cox_u);
    newbeta = beta + ws.cox_step;
    for (iter = 1; iter <= opt.max_iter; ++iter) {
      newlk = cox_iteration(data, ws, newbeta, opt.ties);
      ++out.loglik_evaluations;
      ok = factorise(ws, opt.toler_chol);
      const bool finite = std::isfinite(newlk) && ws.cox_u.allFinite() && ws.cox_imat.allFinite();
      if (finite && ok && std::abs(1.0 - best / newlk) <= opt.eps) {
        beta = newbeta;
        converged = true;
        break;
      }
      if (!finite || !ok || newlk < best) {
        ++halving;
        newbeta = (newbeta + halving * beta) / (halving + 1.0);
      } else {
        halving = 0;
        best = newlk;
        ws.cox_step = ws.cox_ldlt.solve(ws.cox_u);
        beta = newbeta;
        newbeta = beta + ws.cox_step;
      }
    }
    if (!converged) {
      iter = opt.max_iter;
      newlk = cox_iteration(data, ws, beta, opt.ties);  // last good beta
      ++out.loglik_evaluations;
      ok = factorise(ws, opt.toler_chol);
    }
  }
  return {ok, converged, iter, newlk, 0};
}

// The variance and the Wald coefficients at the final beta, back on the original scale:
// beta_k * scale_k, var_jk * scale_j * scale_k, u_k / scale_k; a coefficient whose next Newton
// step is still large (coxph's `infs` rule) is an infinite estimate.
void wald_coefficients(Eigen::Index p, bool converged, SurvivalWorkspace& ws, CoxFit& out,
                       const CoxOptions& opt) {
  const auto& beta = ws.cox_beta;
  out.variance.setIdentity();
  ws.cox_ldlt.solveInPlace(out.variance);
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index k = 0; k < p; ++k) out.variance(j, k) *= ws.cox_scale[j] * ws.cox_scale[k];
  ws.cox_u.array() /= ws.cox_scale.array();
  ws.cox_step.noalias() = out.variance * ws.cox_u;  // the next Newton step (coxph's `infs`)
  const double zcrit = wald_critical_value(opt.level);
  bool any_infinite = false;
  for (Eigen::Index k = 0; k < p; ++k) {
    CoxCoefficient& c = out.coef[static_cast<std::size_t>(k)];
    const double b = beta[k] * ws.cox_scale[k];
    const double step = std::abs(ws.cox_step[k]);
    c.aliased = false;
    c.infinite =
        !std::isfinite(ws.cox_u[k]) || (step > opt.eps && step > opt.toler_inf * std::abs(b));
    if (c.infinite) {
      any_infinite = true;
      c.beta = std::copysign(std::numeric_limits<double>::infinity(), b);
      c.hr = std::exp(c.beta);
      c.se = c.lower = c.upper = NaN;
      continue;
    }
    c.beta = b;
    c.se = std::sqrt(out.variance(k, k));
    c.hr = std::exp(b);
    c.lower = std::exp(b - zcrit * c.se);
    c.upper = std::exp(b + zcrit * c.se);
  }
  out.status = any_infinite ? CoxStatus::infinite_estimate
                            : (converged ? CoxStatus::converged : CoxStatus::not_converged);
}

// A coefficient with no estimate (coxph: NA).
constexpr CoxCoefficient NOT_ESTIMABLE{NaN, NaN, NaN, NaN, NaN, false, true};

// A fit with no estimate: status singular, every coefficient NaN and not estimable.
void singular_fit(Eigen::Index p, CoxFit& out) {
  out.status = CoxStatus::singular;
  out.coef.assign(static_cast<std::size_t>(p), NOT_ESTIMABLE);
  out.variance.resize(p, p);
  out.variance.setConstant(NaN);
}

// The fit of the estimable columns `kept` (out, kept.size() coefficients) spread back over all
// p columns: the aliased ones NaN and marked, as coxph's NA; status singular (the model as asked
// for has no unique MLE) whatever the reduced fit's status was.
void spread_reduced_fit(std::span<const Eigen::Index> kept, Eigen::Index p, CoxFit& out) {
  Eigen::MatrixXd variance = Eigen::MatrixXd::Constant(p, p, NaN);
  std::vector<CoxCoefficient> coef(static_cast<std::size_t>(p), NOT_ESTIMABLE);
  for (std::size_t a = 0; a < kept.size(); ++a) {
    coef[static_cast<std::size_t>(kept[a])] = out.coef[a];
    for (std::size_t b = 0; b < kept.size(); ++b)
      variance(kept[a], kept[b]) =
          out.variance(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
  }
  out.coef = std::move(coef);
  out.variance = std::move(variance);
  out.status = CoxStatus::singular;
}

// One pass: design (of `columns`, empty = all), Newton-Raphson, coefficients. Returns the
// number of aliased columns found at beta = 0 (then out is left for the caller to fill).
template <class Covariate>
Eigen::Index fit_columns(const SurvivalData& data, std::span<const Eigen::Index> columns,
                         Eigen::Index p, Covariate covariate, SurvivalWorkspace& ws, CoxFit& out,
                         const CoxOptions& opt) {
  prepare_cox_design(data, columns, p, covariate, ws, opt.stratified);
  const NewtonOutcome newton = newton_raphson(data, p, ws, out, opt);
  out.iterations = newton.iterations;
  out.loglik = newton.loglik;
  if (newton.aliased > 0) return newton.aliased;
  if (!newton.ok) {
    singular_fit(p, out);
    return 0;
  }
  out.coef.resize(static_cast<std::size_t>(p));
  out.variance.resize(p, p);
  wald_coefficients(p, newton.converged, ws, out, opt);
  return 0;
}

// As coxph: columns aliased at beta = 0 are dropped and the rest refitted (their coefficients
// are then those of the model without the aliased columns); the fit's status is singular.
template <class Covariate>
void fit_cox(const SurvivalData& data, Eigen::Index p, Covariate covariate, SurvivalWorkspace& ws,
             CoxFit& out, const CoxOptions& opt) {
  check_survival_data(data, "cox_ph", 1);
  if (opt.stratified && !data.has_stratum())
    throw std::invalid_argument("cox_ph: stratified model requested but data.stratum is empty");
  if (p < 1) throw std::invalid_argument("cox_ph: at least one covariate is required");
  sort_subjects(data, ws, opt.stratified);
  const Eigen::Index aliased = fit_columns(data, {}, p, covariate, ws, out, opt);
  if (aliased == 0) return;
  if (aliased == p) {  // nothing estimable (no events, or every column constant)
    singular_fit(p, out);
    return;
  }
  std::vector<Eigen::Index> kept;
  for (Eigen::Index k = 0; k < p; ++k)
    if (ws.cox_a2[k] == 0.0) kept.push_back(k);
  const Eigen::Index reduced = static_cast<Eigen::Index>(kept.size());
  if (fit_columns(data, kept, reduced, covariate, ws, out, opt) > 0) {
    singular_fit(p, out);  // not expected: the kept columns were independent at beta = 0
    return;
  }
  spread_reduced_fit(kept, p, out);
}

// ---- One binary covariate (the arm) ----------------------------------------------------------
// With x in {0, 1} every risk score is 1 or e^beta, so the risk-set sums at an event time are
// functions of the numbers at risk per arm: S0 = n0 + n1 e^beta, S1 = S2 = n1 e^beta (x^2 = x).
// One O(n) pass builds the table of distinct event times (ws.arm_risk); each Newton iteration is
// then O(events) with one exp and one division per event, instead of O(n) exps and Eigen products.
// The iteration, convergence rule, step halving and infinite-estimate rule are fit_cox's; the sums
// are the same in exact arithmetic (they may differ from fit_cox's in the last bits).

// Sum of log(x) over many x as one log of a running product, renormalised by frexp (the last
// events of arm_iteration, after its vector loop).
struct LogSum {
  double product = 1.0;
  int exponent = 0;

  void add(double x) {
    product *= x;
    if (!(product >= 0x1p-500 && product <= 0x1p+500)) [[unlikely]] {
      int e = 0;
      product = std::frexp(product, &e);
      exponent += e;
    }
  }
  double value() const { return std::log(product) + exponent * std::numbers::ln2; }
};

// Rows from subjects in analysis order (strata contiguous, time ascending within a stratum),
// walked backwards as coxfit6 does: `time(k)`, `status(k)`, `arm(k)`, `stratum_end(k)` (k is the
// last subject of its stratum).
template <class Time, class Status, class Arm, class StratumEnd>
void build_arm_risk(std::size_t n, Time time, Status status, Arm arm, StratumEnd stratum_end,
                    std::vector<ArmRiskRow>& rows) {
  // At most one row per subject: every block writes its row, and keeps it if it has events
  // (arithmetic instead of unpredictable branches on arm and status).
  rows.resize(n);
  std::size_t kept = 0;
  double at_risk0 = 0.0, at_risk1 = 0.0;
  for (std::size_t k = n; k-- > 0;) {
    if (stratum_end(k)) at_risk0 = at_risk1 = 0.0;
    const double t = time(k);
    double events0 = 0.0, events1 = 0.0;
    for (std::size_t j = k + 1; j-- > 0;) {
      const double a = arm(j), e = status(j);
      at_risk1 += a;
      at_risk0 += 1.0 - a;
      events1 += a * e;
      events0 += e - a * e;
      k = j;
      if (j == 0 || stratum_end(j - 1) || time(j - 1) != t) break;
    }
    rows[kept] = {{at_risk0, at_risk1}, {events0, events1}};
    kept += events0 + events1 > 0.0 ? 1 : 0;
  }
  rows.resize(kept);
}

// The risk table as the iterations read it: one term (a, b) per event, whose risk-set sum at
// beta is a + b e^beta and whose weighted mean of x is b e^beta / (a + b e^beta). For an event
// time with n0, n1 at risk and e0, e1 events (d = e0 + e1):
//   Breslow: each of the d events has (a, b) = (n0, n1);
//   Efron: the j-th of them (j = 1..d) sees the risk set less (1 - j / d) of the tied events,
//          (a, b) = (n0 - e0 + j (e0 / d), n1 - e1 + j (e1 / d)) (Efron 1977).
// These do not depend on beta, so each Newton iteration is one branch-free loop over the events
// (one division each) instead of a loop per event time whose length varies with the ties.
struct ArmEventTerms {
  const double* a = nullptr;  // a of each event
  const double* b = nullptr;  // b of each event
  std::size_t events = 0;
  double events1 = 0.0;  // events in arm 1 (the score's constant term)
};

ArmEventTerms arm_event_terms(const std::vector<ArmRiskRow>& rows, CoxTies ties,
                              SurvivalWorkspace& ws) {
  double total = 0.0, events1 = 0.0;
  for (const ArmRiskRow& row : rows) {
    total += row.events[0] + row.events[1];
    events1 += row.events[1];
  }
  const auto events = static_cast<std::size_t>(total);
  auto& terms = ws.arm_event_terms;  // a[0..events), then b[0..events)
  terms.resize(2 * events);
  double* a = terms.data();
  double* b = a + events;
  if (events == rows.size()) {
    // No tied events: every row has events (each builder keeps only the times with events), so
    // as many events as rows means one per row, and each event's (a, b) is its row's (n0, n1),
    // as below with d = 1, for Breslow and Efron alike.
    for (std::size_t k = 0; k < events; ++k) {
      a[k] = rows[k].at_risk[0];
      b[k] = rows[k].at_risk[1];
    }
    return {a, b, events, events1};
  }
  std::size_t k = 0;
  for (const ArmRiskRow& row : rows) {
    const double n0 = row.at_risk[0], n1 = row.at_risk[1];
    const double e0 = row.events[0], e1 = row.events[1], d = e0 + e1;
    if (d == 1.0 || ties == CoxTies::breslow) {
      for (double j = 1.0; j <= d; j += 1.0, ++k) {
        a[k] = n0;
        b[k] = n1;
      }
      continue;
    }
    // (j / d) e = j (e / d): one division per event time, not per event.
    const double share0 = e0 / d, share1 = e1 / d;
    for (double j = 1.0; j <= d; j += 1.0, ++k) {
      a[k] = (n0 - e0) + j * share0;
      b[k] = (n1 - e1) + j * share1;
    }
  }
  return {a, b, events, events1};
}

// Double2 (core/double2.h): two events per instruction, and in particular two divisions per divpd.

// Brings the lanes of a running product back within [2^-500, 2^500] by exact powers of two,
// counted in `exponent`. Arithmetic only: a call in the loop (frexp) made the compiler keep every
// accumulator in memory, since calls clobber all SSE registers. Products of denominators
// a + b e^beta stay finite for |beta| < 360 (denominators < 2^520); beyond, the log-likelihood is
// not finite and the Newton step is halved, as for any non-finite value.
inline void rescale(Double2& product, int& exponent) noexcept {
  for (int lane = 0; lane < 2; ++lane) {
    if (product[lane] > 0x1p+500) {
      product[lane] *= 0x1p-500;
      exponent += 500;
    } else if (product[lane] < 0x1p-500) {
      product[lane] *= 0x1p+500;
      exponent -= 500;
    }
  }
}

bool in_range(Double2 product) noexcept {
  return product[0] >= 0x1p-500 && product[0] <= 0x1p+500 && product[1] >= 0x1p-500 &&
         product[1] <= 0x1p+500;
}

// Log partial likelihood at beta with score u, information imat and e^beta (coxfit6's sums for
// x = arm). Events run two per register in two registers (four independent dependency chains);
// the log-denominators are a running product per lane, rescaled by powers of two. The mode:
// exact, the log-likelihood as coxph's fit is compared with (five logs); none, the same score
// and information (the same operations, so the same bits) without it (NaN: no products, no
// logs); one_log, the log-likelihood from one log of the lanes' product (the bounded iteration's
// estimate of L(0), which differs from the exact one in the last bits).
enum class Loglik { exact, none, one_log };

template <Loglik MODE>
double arm_iteration(const ArmEventTerms& terms, double beta, double& u, double& imat, double& eb) {
  eb = beta == 0.0 ? 1.0 : std::exp(beta);  // exp(0) = 1 exactly: the null model's iteration
  Double2 score[2] = {{0.0, 0.0}, {0.0, 0.0}}, information[2] = {{0.0, 0.0}, {0.0, 0.0}};
  Double2 product[2] = {{1.0, 1.0}, {1.0, 1.0}};
  int exponent = 0;
  const std::size_t n = terms.events;
  std::size_t i = 0;
  for (; i + 3 < n; i += 4) {
    for (int half = 0; half < 2; ++half) {
      Double2 a, b;
      std::memcpy(&a, terms.a + i + 2 * half, sizeof a);
      std::memcpy(&b, terms.b + i + 2 * half, sizeof b);
      const Double2 risk1 = b * eb;
      const Double2 denom = a + risk1;
      const Double2 r = risk1 / denom;  // weighted mean of x over the (Efron-reduced) risk set
      score[half] -= r;
      information[half] += r * (1.0 - r);
      if constexpr (MODE != Loglik::none) {
        product[half] *= denom;
        if (!in_range(product[half])) [[unlikely]]
          rescale(product[half], exponent);
      }
    }
  }
  double rest_score = 0.0, rest_information = 0.0;  // the last n % 4 events
  LogSum rest_log_denominators;
  for (; i < n; ++i) {
    const double risk1 = terms.b[i] * eb;
    const double denom = terms.a[i] + risk1;
    const double r = risk1 / denom;
    if constexpr (MODE != Loglik::none) rest_log_denominators.add(denom);
    rest_score -= r;
    rest_information += r * (1.0 - r);
  }
  const Double2 s = score[0] + score[1], info = information[0] + information[1];
  u = terms.events1 + ((s[0] + s[1]) + rest_score);
  imat = (info[0] + info[1]) + rest_information;
  if constexpr (MODE == Loglik::none) return NaN;
  if constexpr (MODE == Loglik::one_log) {
    // The four lanes, each in [2^-500, 2^500], into the rest's running product: one log.
    for (const Double2& lanes : product) {
      rest_log_denominators.add(lanes[0]);
      rest_log_denominators.add(lanes[1]);
    }
    return terms.events1 * beta - (rest_log_denominators.value() + exponent * std::numbers::ln2);
  }
  const double log_product = (std::log(product[0][0]) + std::log(product[0][1])) +
                             (std::log(product[1][0]) + std::log(product[1][1])) +
                             exponent * std::numbers::ln2;
  return terms.events1 * beta - (log_product + rest_log_denominators.value());
}

// Where fit_arm's Newton-Raphson ends: the final beta with the score, information and e^beta
// at it, the log-likelihood there (NaN when not computed), the iterations, and whether the
// information is usable and the iteration converged.
struct ArmNewton {
  double beta = 0.0, u = 0.0, imat = 0.0, eb = 1.0, loglik = NaN;
  int iterations = 0;
  int loglik_evaluations = 0;
  bool ok = false, converged = false;
};

bool usable_information(double imat) { return std::isfinite(imat) && imat > 0.0; }

// coxfit6's rule for one Newton step to newbeta from a beta whose log-likelihood is `best`: the
// score, information and e^beta at newbeta into `end` (and whether the information is usable),
// its log-likelihood into newlk; converged when |1 - best / newlk| <= eps, else the step is
// halved when newlk < best (or anything is not finite or usable), else accepted.
enum class StepOutcome { converged, halve, accept };

StepOutcome coxph_step(const ArmEventTerms& terms, double newbeta, double best,
                       const CoxOptions& opt, ArmNewton& end, double& newlk) {
  newlk = arm_iteration<Loglik::exact>(terms, newbeta, end.u, end.imat, end.eb);
  ++end.loglik_evaluations;
  end.ok = usable_information(end.imat);
  const bool finite = std::isfinite(newlk) && std::isfinite(end.u);
  if (finite && end.ok && std::abs(1.0 - best / newlk) <= opt.eps) return StepOutcome::converged;
  if (!finite || !end.ok || newlk < best) return StepOutcome::halve;
  return StepOutcome::accept;
}

// The change of the log partial likelihood over a step, D = L(to) - L(from), bounded without
// computing L. With Delta = to - from, h = |Delta|, sg = sgn Delta, U and I = -U' the score and
// information:
//   D = U(to) Delta + int_0^h x I(to - x sg) dx = U(from) Delta - int_0^h x I(from + x sg) dx
// (integrating U' = -I twice), and along the step |I'| <= I, since I' = sum r(1 - r)(1 - 2r)
// over the events (r, an event's weighted mean of x, is in [0, 1]; I = sum r(1 - r)), so
// I(s) >= I(to) e^-|to - s| and I(s) >= I(from) e^-|s - from|. Integrated, with
// g1(h) = h - 1 + e^-h and g2(h) = 1 - (1 + h) e^-h:
//   D >= U(to) Delta + max(I(to) g1, I(from) g2),   D <= U(from) Delta - max(I(from) g1, I(to) g2).
// `slack` bounds the rounding of the computed log-likelihoods (fit_arm's, at both ends) and of
// these bounds, so that a decision the bounds settle is the one computed log-likelihoods make.
struct StepChange {
  double lower, upper, slack;
};

StepChange bound_step_change(const ArmEventTerms& terms, double from, double to, double u_from,
                             double imat_from, double u_to, double imat_to, double loglik_size) {
  const double delta = to - from, h = std::abs(delta);
  double g1 = 0.0, g2 = 0.0;  // lower bounds of g1(h), g2(h)
  if (h <= 1.0) {
    // e^-h between its Taylor polynomials of degrees 5 (below) and 4 (above), whose terms
    // decrease for h <= 1 (no cancellation, no exp):
    //   g1 >= h^2/2 - h^3/6 + h^4/24 - h^5/120,  g2 >= h^2/2 - h^3/3 + h^4/8 - h^5/24.
    g1 = h * h * (1.0 / 2 - h * (1.0 / 6 - h * (1.0 / 24 - h / 120)));
    g2 = h * h * (1.0 / 2 - h * (1.0 / 3 - h * (1.0 / 8 - h / 24)));
  } else {
    const double e = std::exp(-h);
    g1 = h - 1.0 + e;
    g2 = 1.0 - (1.0 + h) * e;
  }
  // (1 - 1e-9): the rounding of g1, g2 and of the informations (relative, ~events x 2^-53).
  const double safe = 1.0 - 1e-9;
  const double lower = u_to * delta + safe * std::max(imat_to * g1, imat_from * g2);
  const double upper = u_from * delta - safe * std::max(imat_from * g1, imat_to * g2);
  // Each computed log-likelihood is within ~(4 events + 8 |L| + 8 |events1 beta|) 2^-53 of its
  // exact value (a rounding per denominator and product, one per log); each score within
  // ~4 events 2^-53. 1e-14 is 45 x 2^-53: room to spare.
  const auto events = static_cast<double>(terms.events);
  const double slack =
      1e-14 * (events * (1.0 + h) + loglik_size + terms.events1 * (std::abs(from) + std::abs(to)) +
               std::abs(u_to * delta) + std::abs(u_from * delta) + 8.0);
  return {lower, upper, slack};
}

// What the bounds settle about a step whose change is d and whose L(newbeta) lies in
// [low, high]: converged (the largest |D| they allow passes |1 - L(beta) / L(newbeta)| <= eps),
// ascent (the smallest D fails it and is positive: no step halving), or open. The computed test
// is |D / L(newbeta)| within the slacks and the division's rounding (2^-53 on a ratio near 1;
// 2.3e-16 covers it); multiplied out, (1 -/+ 1e-6) covers the products' rounding.
enum class StepDecision { converged, ascent, open };

StepDecision decide_by_bounds(const StepChange& d, double low, double high, double eps) {
  if (!(high < -d.slack)) return StepDecision::open;  // L(newbeta) may be near 0
  const double size_min = -high - d.slack, size_max = -low + d.slack;
  const double change_max = std::max(std::abs(d.lower), std::abs(d.upper)) + 2.0 * d.slack;
  if (change_max <= ((eps - 2.3e-16) * (1.0 - 1e-6)) * size_min) return StepDecision::converged;
  const double change_min = d.lower - 2.0 * d.slack;
  if (change_min > ((eps + 2.3e-16) * (1.0 + 1e-6)) * size_max) return StepDecision::ascent;
  return StepDecision::open;
}

// L(0) from one log (Loglik::one_log) as an interval that holds the exact value (the slack as
// bound_step_change's); the score, information and e^0 at beta = 0 into `end`.
std::pair<double, double> null_loglik_interval(const ArmEventTerms& terms, ArmNewton& end) {
  const double estimate = arm_iteration<Loglik::one_log>(terms, 0.0, end.u, end.imat, end.eb);
  const double slack = 1e-14 * (static_cast<double>(terms.events) + std::abs(estimate) + 8.0);
  end.loglik_evaluations = 1;
  return {estimate - slack, estimate + slack};
}

// The step to newbeta settled by the bounds, if they can: the score, information and e^beta at
// newbeta into `end` (no log-likelihood), and the interval [low, high] that holds L(newbeta).
// Open when |newbeta| > 50 (beyond, a denominator a + b e^beta may overflow or vanish and L
// not be finite), when L(beta) may be near 0, or when the information is not usable.
StepDecision settle_by_bounds(const ArmEventTerms& terms, const CoxOptions& opt, double beta,
                              double newbeta, double u_best, double imat_best, double best_low,
                              double best_high, ArmNewton& end, double& low, double& high) {
  if (!(std::abs(newbeta) <= 50.0 && best_high < 0.0)) return StepDecision::open;
  arm_iteration<Loglik::none>(terms, newbeta, end.u, end.imat, end.eb);
  end.ok = usable_information(end.imat);
  if (!end.ok || !std::isfinite(end.u)) return StepDecision::open;
  const StepChange d =
      bound_step_change(terms, beta, newbeta, u_best, imat_best, end.u, end.imat, -best_low);
  low = best_low + d.lower;
  high = best_high + d.upper;
  return decide_by_bounds(d, low, high, opt.eps);
}

// coxfit6's iteration for the arm table: Newton-Raphson from beta = 0 with step halving and a
// 1 x 1 "factorisation" (the information must be finite and positive, which is fit_cox's
// toler_chol test for p = 1). Each step's decision compares L(newbeta) with L(beta): converged
// when |1 - L(beta) / L(newbeta)| <= eps, else a step halving when L(newbeta) < L(beta).
// With opt.loglik false the same iterates, decisions and result, bit for bit, without the
// log-likelihoods where the bounds settle a decision (settle_by_bounds): an interval holding
// L(beta) is carried from an estimate of L(0) (one log instead of five); "converged" is settled
// when even the largest |D| the bounds allow passes the test, "not converged, no halving" when
// even the smallest D fails it, each beyond the rounding slack; otherwise both log-likelihoods
// are computed as the full iteration computes them and its rule decides. On ordinary data every
// decision is settled (one log a fit instead of about 25): the curvature term keeps the bounds
// tight on the last steps, where |D| nears eps |L|. Large overshooting steps (hazard ratios far
// from 1) need the log-likelihoods, as do monotone likelihoods whose L nears 0. Then
// loglik_null and the final log-likelihood are NaN (not computed).
ArmNewton newton_arm(const ArmEventTerms& terms, const CoxOptions& opt, double& loglik_null) {
  const bool bounded = !opt.loglik;
  ArmNewton end;
  double& beta = end.beta;
  // L(beta) lies in [best_low, best_high]; once best_exact, `best` is L(beta) as computed.
  double best = NaN, best_low = NaN, best_high = NaN;
  bool best_exact = !bounded;
  if (bounded) {
    std::tie(best_low, best_high) = null_loglik_interval(terms, end);
  } else {
    best = best_low = best_high =
        arm_iteration<Loglik::exact>(terms, beta, end.u, end.imat, end.eb);
    end.loglik_evaluations = 1;
  }
  loglik_null = best;
  double newlk = best, u_best = end.u, imat_best = end.imat;  // at beta
  end.ok = usable_information(end.imat);
  int iter = 0, halving = 0;
  if (end.ok) {
    double newbeta = beta + end.u / end.imat;
    const auto accept = [&](double low, double high) {
      halving = 0;
      best_low = low;
      best_high = high;
      u_best = end.u;
      imat_best = end.imat;
      beta = newbeta;
      newbeta = beta + end.u / end.imat;
    };
    for (iter = 1; iter <= opt.max_iter; ++iter) {
      double low = NaN, high = NaN;
      const StepDecision decision =
          bounded ? settle_by_bounds(terms, opt, beta, newbeta, u_best, imat_best, best_low,
                                     best_high, end, low, high)
                  : StepDecision::open;
      if (decision == StepDecision::ascent) {
        best_exact = false;
        accept(low, high);
        continue;
      }
      StepOutcome outcome = StepOutcome::converged;
      if (decision == StepDecision::open) {
        if (!best_exact) {  // L(beta) as the full iteration has it
          double u_at, imat_at, eb_at;
          best = best_low = best_high =
              arm_iteration<Loglik::exact>(terms, beta, u_at, imat_at, eb_at);
          best_exact = true;
          ++end.loglik_evaluations;
        }
        outcome = coxph_step(terms, newbeta, best, opt, end, newlk);
      }
      if (outcome == StepOutcome::converged) {
        beta = newbeta;
        end.converged = true;
        break;
      }
      if (outcome == StepOutcome::halve) {
        ++halving;
        newbeta = (newbeta + halving * beta) / (halving + 1.0);
      } else {
        best = newlk;
        accept(best, best);
      }
    }
    if (!end.converged) {
      iter = opt.max_iter;  // the last good beta
      if (bounded) {
        arm_iteration<Loglik::none>(terms, beta, end.u, end.imat, end.eb);
      } else {
        newlk = arm_iteration<Loglik::exact>(terms, beta, end.u, end.imat, end.eb);
        ++end.loglik_evaluations;
      }
      end.ok = usable_information(end.imat);
    }
  }
  end.iterations = iter;
  end.loglik = bounded ? NaN : newlk;
  return end;
}

// fit_cox for the arm table: the Newton-Raphson of newton_arm, then the Wald coefficient.
void fit_arm(const std::vector<ArmRiskRow>& rows, SurvivalWorkspace& ws, CoxFit& out,
             const CoxOptions& opt) {
  const ArmEventTerms terms = arm_event_terms(rows, opt.ties, ws);
  const ArmNewton end = newton_arm(terms, opt, out.loglik_null);
  const double beta = end.beta, u = end.u;
  out.iterations = end.iterations;
  out.loglik = end.loglik;
  out.loglik_evaluations = end.loglik_evaluations;
  out.coef.resize(1);
  out.variance.resize(1, 1);
  CoxCoefficient& c = out.coef[0];
  if (!end.ok) {
    out.status = CoxStatus::singular;
    out.variance.setConstant(NaN);
    c = NOT_ESTIMABLE;
    return;
  }
  const double variance = 1.0 / end.imat;
  out.variance(0, 0) = variance;
  const double step = std::abs(variance * u);  // the next Newton step (coxph's `infs`)
  c.aliased = false;
  c.infinite = !std::isfinite(u) || (step > opt.eps && step > opt.toler_inf * std::abs(beta));
  if (c.infinite) {
    c.beta = std::copysign(std::numeric_limits<double>::infinity(), beta);
    c.hr = std::exp(c.beta);
    c.se = c.lower = c.upper = NaN;
    out.status = CoxStatus::infinite_estimate;
    return;
  }
  const double zcrit = wald_critical_value(opt.level);
  c.beta = beta;
  c.se = std::sqrt(variance);
  c.hr = end.eb;  // exp(beta): the last iteration's beta is beta, converged or not
  c.lower = std::exp(beta - zcrit * c.se);
  c.upper = std::exp(beta + zcrit * c.se);
  out.status = end.converged ? CoxStatus::converged : CoxStatus::not_converged;
}

}  // namespace

void cox_ph(const SurvivalData& data, const CovariateMatrix& x, SurvivalWorkspace& ws, CoxFit& out,
            const CoxOptions& options) {
  if (x.n_cols == 0 || x.values.size() != data.size() * x.n_cols)
    throw std::invalid_argument("cox_ph: covariate matrix must be n x p with p >= 1 (row-major)");
  const std::size_t p = x.n_cols;
  fit_cox(
      data, static_cast<Eigen::Index>(p),
      [&](std::uint32_t i, Eigen::Index c) {
        return x.values[i * p + static_cast<std::size_t>(c)];
      },
      ws, out, options);
}

void cox_ph_arm(const SurvivalData& data, SurvivalWorkspace& ws, CoxFit& out,
                const CoxOptions& options) {
  if (!data.has_arm()) throw std::invalid_argument("cox_ph_arm: data.arm is required");
  check_survival_data(data, "cox_ph", 1);
  if (!options.stratified) {
    sort_cohort(data, ws);
    cox_ph_arm(ws.sorted, ws, out, options);
    return;
  }
  if (!data.has_stratum())
    throw std::invalid_argument("cox_ph: stratified model requested but data.stratum is empty");
  sort_subjects(data, ws, /*by_stratum=*/true);
  const auto& order = ws.order;
  build_arm_risk(
      order.size(), [&](std::size_t k) { return data.time[order[k]]; },
      [&](std::size_t k) { return static_cast<double>(data.status[order[k]]); },
      [&](std::size_t k) { return static_cast<double>(data.arm[order[k]]); },
      [&](std::size_t k) {
        return k + 1 == order.size() || data.stratum[order[k]] != data.stratum[order[k + 1]];
      },
      ws.arm_risk);
  fit_arm(ws.arm_risk, ws, out, options);
}

void cox_ph_arm_from_table(SurvivalWorkspace& ws, CoxFit& out, const CoxOptions& options) {
  if (options.stratified)
    throw std::invalid_argument(
        "cox_ph_arm_from_table: the table is unstratified; options.stratified must be false");
  fit_arm(ws.arm_risk, ws, out, options);
}

void cox_ph_arm(std::span<const SortedSubject> cohort, SurvivalWorkspace& ws, CoxFit& out,
                const CoxOptions& options) {
  if (options.stratified)
    throw std::invalid_argument(
        "cox_ph_arm: a presorted cohort is unstratified; options.stratified must be false");
  const std::size_t n = cohort.size();
  build_arm_risk(
      n, [&](std::size_t k) { return cohort[k].time; },
      [&](std::size_t k) { return static_cast<double>(cohort[k].status); },
      [&](std::size_t k) { return static_cast<double>(cohort[k].arm); },
      [&](std::size_t k) { return k + 1 == n; }, ws.arm_risk);
  fit_arm(ws.arm_risk, ws, out, options);
}

}  // namespace trialsim
