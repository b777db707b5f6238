#include "statistics/survival/kaplan_meier.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trialsim {
namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();
}  // namespace

double KaplanMeierCurve::std_err(std::size_t i) const { return km_std_err(surv[i], var_log[i]); }

void kaplan_meier(const SurvivalData& data, SurvivalWorkspace& ws, KaplanMeierCurve& out, int arm) {
  check_survival_data(data, "kaplan_meier", 1);
  if (arm >= 0 && !data.has_arm())
    throw std::invalid_argument("kaplan_meier: arm selected but data.arm is empty");
  sort_cohort(data, ws);
  kaplan_meier(ws.sorted, out, arm);
}

void kaplan_meier(std::span<const SortedSubject> cohort, KaplanMeierCurve& out, int arm,
                  bool reverse) {
  const std::size_t size = cohort.size();
  const std::uint8_t flip = reverse ? 1 : 0;
  std::size_t n = size;
  double first = size ? cohort.front().time : NaN, last = size ? cohort.back().time : NaN;
  if (arm >= 0) {
    n = 0;
    first = last = NaN;
    for (const SortedSubject& s : cohort) {
      if (s.arm != arm) continue;
      if (n++ == 0) first = s.time;
      last = s.time;
    }
  }
  out.n = n;
  out.first_time = first;
  out.last_time = last;
  // At most one row per subject; rows are written unconditionally and kept when they have
  // events (few unpredictable branches), then the vectors are cut to the rows kept.
  out.time.resize(size);
  out.n_risk.resize(size);
  out.n_event.resize(size);
  out.surv.resize(size);
  out.var_log.resize(size);
  std::size_t rows = 0;
  double s = 1.0, v = 0.0;
  std::size_t at_risk = n;
  for (std::size_t k = 0; k < size;) {
    const double t = cohort[k].time;
    std::size_t d = 0, m = 0;
    do {
      const std::size_t selected = arm < 0 || cohort[k].arm == arm ? 1 : 0;
      m += selected;
      d += selected & static_cast<std::size_t>(cohort[k].status ^ flip);
      ++k;
    } while (k < size && cohort[k].time == t);
    // With d = 0 the factor is exactly 1 and the variance term exactly 0 (no change).
    const double nr = at_risk > 0 ? static_cast<double>(at_risk) : 1.0, de = static_cast<double>(d);
    s *= (nr - de) / nr;
    v += d == 0 ? 0.0 : (at_risk > d ? de / (nr * (nr - de)) : INF);
    out.time[rows] = t;
    out.n_risk[rows] = static_cast<int>(at_risk);
    out.n_event[rows] = static_cast<int>(d);
    out.surv[rows] = s;
    out.var_log[rows] = v;
    rows += d > 0 ? 1 : 0;
    at_risk -= m;
  }
  out.time.resize(rows);
  out.n_risk.resize(rows);
  out.n_event.resize(rows);
  out.surv.resize(rows);
  out.var_log.resize(rows);
}

Interval pointwise_ci(double p, double var_log, CiType type, double z) {
  const double se = std::sqrt(var_log);
  switch (type) {
    case CiType::plain: {
      const double se2 = se * p * z;
      if (std::isnan(se2)) return {NaN, NaN};
      return {std::max(p - se2, 0.0), std::min(p + se2, 1.0)};
    }
    case CiType::log: {
      if (p == 0.0 || std::isnan(se)) return {NaN, NaN};
      const double se2 = z * se, log_p = std::log(p);  // one log: calls are not merged (errno)
      return {std::exp(log_p - se2), std::min(std::exp(log_p + se2), 1.0)};
    }
    case CiType::log_log: {
      if (p == 0.0 || p == 1.0 || std::isnan(se)) return {NaN, NaN};
      const double log_p = std::log(p);
      const double se2 = z * se / log_p;
      const double ll = std::log(-log_p);
      return {std::exp(-std::exp(ll - se2)), std::exp(-std::exp(ll + se2))};
    }
  }
  return {NaN, NaN};
}

Interval km_ci(const KaplanMeierCurve& curve, std::size_t i, CiType type, double level) {
  return pointwise_ci(curve.surv[i], curve.var_log[i], type, normal_critical_value(level));
}

LandmarkEstimate survival_at(const KaplanMeierCurve& curve, double t, CiType type, double level) {
  const double z = normal_critical_value(level);
  KaplanMeierState state;
  // Last event time <= t.
  const auto it = std::upper_bound(curve.time.begin(), curve.time.end(), t);
  if (it != curve.time.begin()) {
    const std::size_t i = static_cast<std::size_t>(it - curve.time.begin()) - 1;
    state = {curve.surv[i], curve.var_log[i]};
  }
  return landmark_from_state(curve.n, curve.first_time, curve.last_time, t, state, type, z);
}

LandmarkEstimate landmark_from_state(std::size_t n, double first_time, double last_time, double t,
                                     const KaplanMeierState& state, CiType type, double z) {
  LandmarkEstimate e{false, NaN, NaN, NaN, NaN};
  if (n == 0 || std::isnan(t) || t > last_time) return e;
  e.estimable = true;
  if (t < first_time) {
    e.surv = 1.0;
    e.std_err = 0.0;
    e.lower = e.upper = 1.0;
    return e;
  }
  // Before the first event the state is S = 1, Var = 0: std_err 0 and the interval of (1, 0)
  // (NaN for log-log, as in R).
  e.surv = state.surv;
  e.std_err = km_std_err(state.surv, state.var_log);
  const Interval ci = pointwise_ci(state.surv, state.var_log, type, z);
  e.lower = ci.lower;
  e.upper = ci.upper;
  return e;
}

}  // namespace trialsim
