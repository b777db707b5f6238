#pragma once
// Kaplan-Meier product-limit estimate with Greenwood variance and survfit-style pointwise
// confidence intervals; survival at a landmark time.
//
// Matches R: survfit(Surv(time, status) ~ 1, conf.type = ...) and summary() of it.
//   S(t_j)      = prod_{i <= j} (1 - d_i / n_i)                       (Kaplan & Meier 1958)
//   Var(log S)  = sum_{i <= j} d_i / (n_i (n_i - d_i))  (Greenwood 1926; +Inf when n_i = d_i)
//   std.err(S)  = S * sqrt(Var(log S))    (the std.err column of summary.survfit)
// Pointwise intervals at z = qnorm(1 - (1 - level) / 2), exactly as survfit_confint:
//   plain   : [max(S - z se(S), 0), min(S + z se(S), 1)]
//   log     : S exp(-/+ z sqrt(Var log S)), upper clipped at 1; NaN when S = 0
//   log-log : exp(-exp(log(-log S) -/+ z sqrt(Var log S) / log S)); NaN when S = 0 or S = 1
// Times in months.
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "statistics/interval.h"
#include "statistics/survival/survival_data.h"

namespace trialsim {

// One curve, tabulated at its distinct event times (summary.survfit's rows).
struct KaplanMeierCurve {
  std::vector<double> time;     // distinct event times, ascending (months)
  std::vector<int> n_risk;      // subjects with time >= t
  std::vector<int> n_event;     // events at t
  std::vector<double> surv;     // S(t)
  std::vector<double> var_log;  // Greenwood Var(log S(t)); +Inf once n_risk == n_event
  std::size_t n = 0;            // subjects in the curve
  double first_time = 0.0;      // earliest observed time (event or censoring); NaN if n == 0
  double last_time = 0.0;       // latest observed time (event or censoring); NaN if n == 0

  std::size_t size() const noexcept { return time.size(); }
  // Standard error of S(t) at row i (NaN where S = 0 and Var = Inf, as R reports).
  double std_err(std::size_t i) const;
};

// Kaplan-Meier curve of the subjects with arm == `arm` (all subjects when arm < 0); strata are
// ignored (pooled curve). Reuses out's vectors. Throws std::invalid_argument on bad input.
void kaplan_meier(const SurvivalData& data, SurvivalWorkspace& ws, KaplanMeierCurve& out,
                  int arm = -1);

// The same curve from a cohort sorted by sort_cohort. `reverse` swaps events and censorings
// (the reverse Kaplan-Meier estimate of follow-up, Schemper & Smith 1996).
void kaplan_meier(std::span<const SortedSubject> cohort, KaplanMeierCurve& out, int arm = -1,
                  bool reverse = false);

// survfit_confint(p = surv, se = sqrt(var_log), logse = TRUE, conf.type, conf.int):
// `z` from normal_critical_value(level).
Interval pointwise_ci(double surv, double var_log, CiType type, double z);

// Row i of the curve's confidence band.
Interval km_ci(const KaplanMeierCurve& curve, std::size_t i, CiType type, double level = 0.95);

// Survival at a landmark time t, as summary(fit, times = t, extend = FALSE):
//  * t beyond the last observed time (event or censoring): not estimable, every field NaN
//    (R drops the row). Also not estimable for an empty curve or NaN t.
//  * t before the first observed time: S = 1, std_err = 0, interval [1, 1] (survfit0's row).
//  * otherwise the right-continuous step value at the last event time <= t (S = 1, std_err = 0
//    before the first event, where the log-log interval is NaN as in R).
struct LandmarkEstimate {
  bool estimable = false;
  double surv, std_err, lower, upper;
};
LandmarkEstimate survival_at(const KaplanMeierCurve& curve, double t, CiType type = CiType::log,
                             double level = 0.95);

// A curve's state at a time t: S and Greenwood Var(log S) at the last event time <= t (S = 1,
// Var = 0 before the first event, which survival_at reports with the same arithmetic).
struct KaplanMeierState {
  double surv = 1.0, var_log = 0.0;
};

// Standard error of S from S and Greenwood Var(log S): S sqrt(Var) (summary.survfit's std.err).
inline double km_std_err(double surv, double var_log) { return surv * std::sqrt(var_log); }

// survival_at from the state at t of a curve of n subjects observed from first_time to
// last_time (z = normal_critical_value(level)): the same rules and arithmetic, for walks that
// summarise a curve without tabulating it (statistics/survival/two_arm_pass.h).
LandmarkEstimate landmark_from_state(std::size_t n, double first_time, double last_time, double t,
                                     const KaplanMeierState& state, CiType type, double z);

}  // namespace trialsim
