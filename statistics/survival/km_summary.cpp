#include "statistics/survival/km_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace trialsim {
namespace {

enum class Curve { surv, lower, upper };

// survival:::findq(x = c(0, time), y = c(0, 1 - curve), p, tol) for one curve. The points are
// generated on the fly; censoring-only rows repeat the previous values (R's duplicated() drops
// them) except the rows before the first event, which matter only when the curve is NaN there.
std::optional<double> findq(const KaplanMeierCurve& km, SurvivalWorkspace& ws, Curve which,
                            CiType type, double z, double p) {
  const double tol = std::sqrt(std::numeric_limits<double>::epsilon());
  auto value = [&](double s, double var_log) {
    if (which == Curve::surv) return s;
    const Interval ci = pointwise_ci(s, var_log, type, z);
    return which == Curve::lower ? ci.lower : ci.upper;
  };
  // Build (x, y) points into ws.pairs (y, position) and the x's into ws.event_time.
  ws.pairs.clear();
  ws.event_time.clear();
  auto add = [&](double x, double y) {
    ws.pairs.emplace_back(y, static_cast<std::uint32_t>(ws.event_time.size()));
    ws.event_time.push_back(x);
  };
  add(0.0, 0.0);
  if (km.n > 0 && (km.size() == 0 || km.first_time < km.time.front()))
    add(km.first_time, 1.0 - value(1.0, 0.0));
  for (std::size_t i = 0; i < km.size(); ++i)
    add(km.time[i], 1.0 - value(km.surv[i], km.var_log[i]));

  // indx1 / indx2: the first-occurring point with the smallest y such that y + tol >= p
  // (resp. y - tol >= p), i.e. approx(y +/- tol, 1:n, p, "constant", f = 1).
  std::size_t k1 = SIZE_MAX, k2 = SIZE_MAX;
  for (const auto& [y, k] : ws.pairs) {
    if (std::isnan(y)) continue;
    if (y + tol >= p && (k1 == SIZE_MAX || y < ws.pairs[k1].first)) k1 = k;
    if (y - tol >= p && (k2 == SIZE_MAX || y < ws.pairs[k2].first)) k2 = k;
  }
  if (k1 == SIZE_MAX) return std::nullopt;

  // y[n] after duplicated(): the value whose first occurrence comes last (NaN equals NaN).
  std::sort(ws.pairs.begin(), ws.pairs.end(), [](const auto& a, const auto& b) {
    const bool na = std::isnan(a.first), nb = std::isnan(b.first);
    if (na != nb) return nb;
    if (!na && a.first != b.first) return a.first < b.first;
    return a.second < b.second;
  });
  std::uint32_t last_first = 0;
  double y_last = 0.0;
  for (std::size_t j = 0; j < ws.pairs.size(); ++j) {
    const bool new_value =
        j == 0 || (std::isnan(ws.pairs[j].first) != std::isnan(ws.pairs[j - 1].first)) ||
        (!std::isnan(ws.pairs[j].first) && ws.pairs[j].first != ws.pairs[j - 1].first);
    if (new_value && ws.pairs[j].second >= last_first) {
      last_first = ws.pairs[j].second;
      y_last = ws.pairs[j].first;
    }
  }
  const double x1 = ws.event_time[k1];
  if (!std::isnan(y_last) && std::abs(p - y_last) < tol) return (x1 + km.last_time) / 2.0;
  if (k2 == SIZE_MAX) return std::nullopt;
  return (x1 + ws.event_time[k2]) / 2.0;
}

}  // namespace

QuantilePointTracker::QuantilePointTracker(double p)
    : p_(p),
      tol_(std::sqrt(std::numeric_limits<double>::epsilon())),
      skip_above_(1.0 - p + 2.0 * tol_) {
  if (!(p > 0.0 && p < 1.0))
    throw std::invalid_argument("survival_quantile_point: p must be in (0, 1)");
}

std::optional<double> QuantilePointTracker::result(std::size_t n, double last_surv,
                                                   double last_time) const {
  if (n == 0 || !have_below_) return std::nullopt;
  const double y_last = 1.0 - last_surv;
  if (std::abs(p_ - y_last) < tol_) return (first_ + last_time) / 2.0;
  if (!have_above_) return std::nullopt;
  return (first_ + second_) / 2.0;
}

bool survival_quantile_reached(std::size_t n, double last_surv, double p) {
  QuantilePointTracker tracker(p);
  tracker.start();
  tracker.visit(0.0, last_surv);  // the time does not matter to whether it is reached
  return tracker.result(n, last_surv, 0.0).has_value();
}

std::optional<double> survival_quantile_point(const KaplanMeierCurve& km, double p) {
  // findq's points (0, 0), [(first_time, 0)], (time_i, 1 - surv_i): y never decreases and is
  // never NaN, so the first-occurring smallest y with y + tol >= p (resp. y - tol >= p) is the
  // first point that satisfies it, and the last distinct value is the last point's.
  QuantilePointTracker tracker(p);
  if (km.n == 0) return std::nullopt;
  tracker.start();
  for (std::size_t i = 0; i < km.size() && !tracker.done(); ++i)
    tracker.visit(km.time[i], km.surv[i]);
  return tracker.result(km.n, km.size() == 0 ? 1.0 : km.surv.back(), km.last_time);
}

MedianEstimate survival_quantile(const KaplanMeierCurve& curve, SurvivalWorkspace& ws, double p,
                                 CiType type, double level) {
  if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("survival_quantile: p must be in (0, 1)");
  const double z = normal_critical_value(level);
  MedianEstimate m;
  if (curve.n == 0) return m;
  m.median = survival_quantile_point(curve, p);
  m.lower = findq(curve, ws, Curve::lower, type, z, p);
  m.upper = findq(curve, ws, Curve::upper, type, z, p);
  return m;
}

MedianEstimate median_survival(const KaplanMeierCurve& curve, SurvivalWorkspace& ws, CiType type,
                               double level) {
  return survival_quantile(curve, ws, 0.5, type, level);
}

RmstEstimate restricted_mean(const KaplanMeierCurve& km, double tau) {
  if (!std::isfinite(tau) || tau < 0.0)
    throw std::invalid_argument("restricted_mean: tau must be finite and >= 0 (months)");
  // Rows with t_j <= tau; rectangles between consecutive event times (censoring-only times
  // do not change S), then from the last one to tau.
  const std::size_t m = static_cast<std::size_t>(
      std::upper_bound(km.time.begin(), km.time.end(), tau) - km.time.begin());
  double area = 0.0, prev_t = 0.0, prev_s = 1.0;
  for (std::size_t j = 0; j < m; ++j) {
    area += (km.time[j] - prev_t) * prev_s;
    prev_t = km.time[j];
    prev_s = km.surv[j];
  }
  area += (tau - prev_t) * prev_s;
  // Variance: walk back from tau, accumulating the area beyond t_j.
  double beyond = 0.0, var = 0.0, next_t = tau;
  for (std::size_t j = m; j-- > 0;) {
    beyond += (next_t - km.time[j]) * km.surv[j];
    next_t = km.time[j];
    const double nr = km.n_risk[j], d = km.n_event[j];
    if (nr > d) var += beyond * beyond * (d / (nr * (nr - d)));
  }
  return {tau, area, std::sqrt(var)};
}

}  // namespace trialsim
