#include "engine/survival/kaplan_meier.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace trialsim {
namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();
}  // namespace

double KaplanMeierCurve::std_err(std::size_t i) const { return surv[i] * std::sqrt(var_log[i]); }

void kaplan_meier(const SurvivalData& data, SurvivalWorkspace& ws, KaplanMeierCurve& out, int arm) {
  check_survival_data(data, "kaplan_meier", 1);
  if (arm >= 0 && !data.has_arm())
    throw std::invalid_argument("kaplan_meier: arm selected but data.arm is empty");
  sort_subjects(data, ws, /*by_stratum=*/false, arm);
  out.time.clear();
  out.n_risk.clear();
  out.n_event.clear();
  out.surv.clear();
  out.var_log.clear();
  const std::size_t n = ws.order.size();
  out.n = n;
  out.first_time = n ? data.time[ws.order.front()] : NaN;
  out.last_time = n ? data.time[ws.order.back()] : NaN;

  double s = 1.0, v = 0.0;
  std::size_t at_risk = n;
  for (std::size_t k = 0; k < n;) {
    const double t = data.time[ws.order[k]];
    std::size_t d = 0, m = 0;
    for (; k < n && data.time[ws.order[k]] == t; ++k, ++m) d += data.status[ws.order[k]];
    if (d > 0) {
      const double nr = static_cast<double>(at_risk), de = static_cast<double>(d);
      s *= (nr - de) / nr;
      v += at_risk > d ? de / (nr * (nr - de)) : INF;
      out.time.push_back(t);
      out.n_risk.push_back(static_cast<int>(at_risk));
      out.n_event.push_back(static_cast<int>(d));
      out.surv.push_back(s);
      out.var_log.push_back(v);
    }
    at_risk -= m;
  }
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
      const double se2 = z * se;
      return {std::exp(std::log(p) - se2), std::min(std::exp(std::log(p) + se2), 1.0)};
    }
    case CiType::log_log: {
      if (p == 0.0 || p == 1.0 || std::isnan(se)) return {NaN, NaN};
      const double se2 = z * se / std::log(p);
      const double ll = std::log(-std::log(p));
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
  LandmarkEstimate e{false, NaN, NaN, NaN, NaN};
  if (curve.n == 0 || std::isnan(t) || t > curve.last_time) return e;
  e.estimable = true;
  if (t < curve.first_time) {
    e.surv = 1.0;
    e.std_err = 0.0;
    e.lower = e.upper = 1.0;
    return e;
  }
  // Last event time <= t.
  const auto it = std::upper_bound(curve.time.begin(), curve.time.end(), t);
  if (it == curve.time.begin()) {
    e.surv = 1.0;
    e.std_err = 0.0;
    const Interval ci = pointwise_ci(1.0, 0.0, type, z);
    e.lower = ci.lower;
    e.upper = ci.upper;
    return e;
  }
  const std::size_t i = static_cast<std::size_t>(it - curve.time.begin()) - 1;
  e.surv = curve.surv[i];
  e.std_err = curve.std_err(i);
  const Interval ci = pointwise_ci(curve.surv[i], curve.var_log[i], type, z);
  e.lower = ci.lower;
  e.upper = ci.upper;
  return e;
}

}  // namespace trialsim
