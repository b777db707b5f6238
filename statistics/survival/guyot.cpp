#include "statistics/survival/guyot.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

namespace trialsim {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("reconstruct_ipd: " + what);
}

void check_at_risk(std::span<const NumberAtRisk> at_risk, std::optional<int> total_events) {
  if (at_risk.empty()) fail("at_risk is empty, expected at least the number at time 0");
  if (at_risk.front().time != 0.0) fail("at_risk[0].time is not 0, expected the number at time 0");
  if (at_risk.front().number <= 0) fail("at_risk[0].number is not positive");
  for (std::size_t i = 1; i < at_risk.size(); ++i) {
    std::ostringstream where;
    where << "at_risk[" << i << "]";
    if (!std::isfinite(at_risk[i].time) || !(at_risk[i].time > at_risk[i - 1].time))
      fail(where.str() + ".time is not finite and above the previous time");
    if (at_risk[i].number < 0 || at_risk[i].number > at_risk[i - 1].number)
      fail(where.str() + ".number is not in [0, the previous number]");
  }
  if (total_events && (*total_events < 0 || *total_events > at_risk.front().number))
    fail("total_events is not in [0, at_risk[0].number]");
}

// Step value of a cleaned curve at t (the last point with time <= t; 1 before the first).
double step_value(const std::vector<DigitisedPoint>& curve, double t) {
  const auto after = std::upper_bound(curve.begin(), curve.end(), t,
                                      [](double x, const DigitisedPoint& p) { return x < p.time; });
  return after == curve.begin() ? 1.0 : std::prev(after)->survival;
}

// The cleaned curve, extended flat to at-risk times beyond it, with a point at every at-risk
// time (so each interval starts exactly at its table time).
std::vector<DigitisedPoint> prepare_curve(std::span<const DigitisedPoint> points,
                                          std::span<const NumberAtRisk> at_risk) {
  std::vector<DigitisedPoint> curve = clean_digitised_curve(points);
  for (const NumberAtRisk& row : at_risk) {
    const auto at = std::lower_bound(curve.begin(), curve.end(), row.time,
                                     [](const DigitisedPoint& p, double x) { return p.time < x; });
    if (at != curve.end() && at->time == row.time) continue;
    curve.insert(at, DigitisedPoint{row.time, step_value(curve, row.time)});
  }
  return curve;
}

// Points [lower, upper] of one interval [start, end).
struct IntervalSpan {
  std::size_t lower = 0, upper = 0;
  double start = 0.0, end = 0.0;
};

struct IntervalOutcome {
  int at_risk_end = 0;   // still at risk after the interval
  double km_last = 1.0;  // reconstructed KM after the interval
  int events = 0, censored = 0;
  double max_gap = 0.0;  // max over the interval's points of |reconstructed KM - digitised S|
};

// Steps 2-3 of the algorithm for one interval with `n_censor` censoring times spread evenly
// over (start, end): events at each point from the inverted KM step, then the censorings up to
// the next point. Appends the patients to `out` when given.
IntervalOutcome simulate_interval(const std::vector<DigitisedPoint>& curve, const IntervalSpan& s,
                                  int n_start, double km_last, int n_censor,
                                  std::vector<ReconstructedPatient>* out) {
  IntervalOutcome r{n_start, km_last, 0, 0};
  int& n = r.at_risk_end;
  const double spacing = (s.end - s.start) / (n_censor + 1.0);
  int j = 1;  // next censoring time: start + j * spacing
  for (std::size_t k = s.lower; k <= s.upper; ++k) {
    int d = 0;
    if (n > 0 && r.km_last > 0.0) {
      const double expected = n * (1.0 - curve[k].survival / r.km_last);
      d = std::clamp(static_cast<int>(std::lround(expected)), 0, n);
    }
    if (d > 0) r.km_last *= 1.0 - static_cast<double>(d) / n;
    r.max_gap = std::max(r.max_gap, std::abs(r.km_last - curve[k].survival));
    n -= d;
    r.events += d;
    if (out) out->insert(out->end(), static_cast<std::size_t>(d), {curve[k].time, 1});
    const double next = k < s.upper ? curve[k + 1].time : s.end;
    for (; j <= n_censor && (k == s.upper || s.start + j * spacing < next); ++j) {
      if (n == 0) continue;  // more censorings than patients left: the excess is dropped
      --n;
      ++r.censored;
      if (out) out->push_back({s.start + j * spacing, 0});
    }
  }
  return r;
}

// Step 4: corrects the number censored by the discrepancy it causes (positive: too few
// censored) until it vanishes, keeping the integer with the smallest discrepancy when none
// makes it vanish (a cycle, or the bound reached). `discrepancy(c)` is non-increasing in c up
// to rounding, so this converges in a few steps.
template <class Discrepancy>
int solve_censoring(int guess, int max_censor, Discrepancy&& discrepancy) {
  int c = std::clamp(guess, 0, max_censor);
  int best = c, best_gap = -1;
  for (int iteration = 0; iteration < 100; ++iteration) {
    const int gap = discrepancy(c);
    if (best_gap < 0 || std::abs(gap) < best_gap || (std::abs(gap) == best_gap && c < best)) {
      best = c;
      best_gap = std::abs(gap);
    }
    if (gap == 0) break;
    const int next = std::clamp(c + gap, 0, max_censor);
    if (next == c) break;
    c = next;
  }
  return best;
}

std::vector<IntervalSpan> interval_spans(const std::vector<DigitisedPoint>& curve,
                                         std::span<const NumberAtRisk> at_risk) {
  std::vector<IntervalSpan> spans(at_risk.size());
  auto first_at = [&](double t) {
    return static_cast<std::size_t>(
        std::lower_bound(curve.begin(), curve.end(), t,
                         [](const DigitisedPoint& p, double x) { return p.time < x; }) -
        curve.begin());
  };
  for (std::size_t i = 0; i < spans.size(); ++i) {
    spans[i].lower = first_at(at_risk[i].time);
    spans[i].start = at_risk[i].time;
    const bool last = i + 1 == spans.size();
    spans[i].upper = last ? curve.size() - 1 : first_at(at_risk[i + 1].time) - 1;
    spans[i].end = last ? curve.back().time : at_risk[i + 1].time;
  }
  return spans;
}

// Number censored in the last interval (no closing number at risk): matched to the total number
// of events when given, else at the earlier intervals' censoring rate per month (none when
// there is no earlier interval).
int last_interval_censoring(const std::vector<DigitisedPoint>& curve, const IntervalSpan& s,
                            int n_start, double km_last, int earlier_events, int earlier_censored,
                            std::optional<int> total_events) {
  if (total_events) {
    return solve_censoring(0, n_start, [&](int c) {
      const IntervalOutcome r = simulate_interval(curve, s, n_start, km_last, c, nullptr);
      return earlier_events + r.events - *total_events;
    });
  }
  if (s.start <= 0.0) return 0;
  const double rate = earlier_censored / s.start;  // earlier intervals span [0, s.start)
  const int guess = std::min(static_cast<int>(std::lround(rate * (s.end - s.start))), n_start);
  // The rate is an upper bound: fewer censorings are used when they reproduce the curve over the
  // interval clearly better (a curve that ends at 0 cannot have censored its last patient): the
  // largest c <= guess whose largest |KM - S| over the interval's points is within 0.005
  // (5 digitisation units) of the smallest achievable.
  std::vector<double> gap(static_cast<std::size_t>(guess) + 1);
  for (int c = 0; c <= guess; ++c)
    gap[static_cast<std::size_t>(c)] =
        simulate_interval(curve, s, n_start, km_last, c, nullptr).max_gap;
  const double best = *std::min_element(gap.begin(), gap.end());
  int c = guess;
  while (gap[static_cast<std::size_t>(c)] > best + 0.005) --c;
  return c;
}

}  // namespace

std::vector<DigitisedPoint> clean_digitised_curve(std::span<const DigitisedPoint> points) {
  if (points.empty()) fail("points is empty, expected a digitised curve");
  std::vector<DigitisedPoint> curve;
  curve.reserve(points.size() + 1);
  double time = 0.0, survival = 1.0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i].time) || !std::isfinite(points[i].survival)) {
      std::ostringstream msg;
      msg << "points[" << i << "] is not finite";
      fail(msg.str());
    }
    time = std::max(time, points[i].time);  // running maximum: no step back in time
    survival = std::clamp(std::min(survival, points[i].survival), 0.0, 1.0);  // running minimum
    if (time == 0.0) survival = 1.0;                                          // no drop at the axis
    if (i == 0 && time > 0.0) curve.push_back({0.0, 1.0});
    curve.push_back({time, survival});
  }
  return curve;
}

GuyotReconstruction reconstruct_km_data(std::span<const DigitisedPoint> points,
                                        std::span<const NumberAtRisk> at_risk,
                                        std::optional<int> total_events) {
  check_at_risk(at_risk, total_events);
  GuyotReconstruction result;
  result.curve = prepare_curve(points, at_risk);
  const std::vector<IntervalSpan> spans = interval_spans(result.curve, at_risk);
  const auto& curve = result.curve;
  int n = at_risk.front().number, events = 0, censored = 0;
  double km_last = 1.0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const IntervalSpan& s = spans[i];
    int c = 0;
    if (i + 1 < spans.size()) {
      const int target = at_risk[i + 1].number;
      const double s0 = curve[s.lower].survival, s1 = curve[s.upper + 1].survival;
      const double guess = s0 > 0.0 ? n * s1 / s0 - target : 0.0;  // step 1
      c = solve_censoring(static_cast<int>(std::lround(guess)), n, [&](int censor) {
        return simulate_interval(curve, s, n, km_last, censor, nullptr).at_risk_end - target;
      });
    } else {
      c = last_interval_censoring(curve, s, n, km_last, events, censored, total_events);
    }
    const IntervalOutcome r = simulate_interval(curve, s, n, km_last, c, &result.patients);
    GuyotInterval summary{s.start, s.end, n, r.events, r.censored, 0};
    if (i + 1 < spans.size()) summary.at_risk_mismatch = r.at_risk_end - at_risk[i + 1].number;
    result.intervals.push_back(summary);
    n = r.at_risk_end;
    km_last = r.km_last;
    events += r.events;
    censored += r.censored;
  }
  result.censored_at_end = n;
  result.patients.insert(result.patients.end(), static_cast<std::size_t>(n),
                         {curve.back().time, 0});
  result.total_events = events;
  if (total_events) result.total_events_mismatch = events - *total_events;
  std::stable_sort(result.patients.begin(), result.patients.end(),
                   [](const ReconstructedPatient& a, const ReconstructedPatient& b) {
                     return a.time < b.time || (a.time == b.time && a.event > b.event);
                   });
  return result;
}

std::vector<ReconstructedPatient> reconstruct_ipd(std::span<const DigitisedPoint> points,
                                                  std::span<const NumberAtRisk> at_risk,
                                                  std::optional<int> total_events) {
  return reconstruct_km_data(points, at_risk, total_events).patients;
}

PatientColumns to_columns(std::span<const ReconstructedPatient> patients) {
  PatientColumns columns;
  columns.time.reserve(patients.size());
  columns.status.reserve(patients.size());
  for (const ReconstructedPatient& p : patients) {
    columns.time.push_back(p.time);
    columns.status.push_back(p.event);
  }
  return columns;
}

}  // namespace trialsim
