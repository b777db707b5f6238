#include "designs/two_arm_survival/analytic_power.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

namespace trialsim {
namespace {

constexpr int GRID_CELLS = 4000;
constexpr double HORIZON_AFTER_ACCRUAL = 240.0;  // months: the latest analysis considered

// Expected patients enrolled by calendar time c (the accrual model's mean), at most n.
double expected_enrolled(const AccrualModel& accrual, double n, double c) {
  if (c <= 0.0) return 0.0;
  if (accrual.kind == AccrualModel::Kind::uniform)
    return accrual.duration > 0.0 ? n * std::min(1.0, c / accrual.duration) : n;
  double enrolled = 0.0, start = 0.0;
  for (const AccrualSegment& segment : accrual.segments) {
    const double span = std::min(segment.duration, c - start);
    if (span <= 0.0) break;
    enrolled += segment.rate * span;
    start += segment.duration;
  }
  return std::min(n, enrolled);
}

// The expected calendar time of the last entry: uniform, the mean of the largest of n uniform
// entries, D n / (n + 1); piecewise, when the expected count reaches n.
double expected_accrual_end(const AccrualModel& accrual, double n) {
  if (accrual.kind == AccrualModel::Kind::uniform) return accrual.duration * n / (n + 1.0);
  double enrolled = 0.0, start = 0.0;
  for (const AccrualSegment& segment : accrual.segments) {
    if (enrolled + segment.rate * segment.duration >= n)
      return start + (n - enrolled) / segment.rate;
    enrolled += segment.rate * segment.duration;
    start += segment.duration;
  }
  return start;
}

struct Curves {
  double step = 0.0;
  std::vector<double> surv[2];  // S_a at k * step, k = 0..GRID_CELLS
};

// Expected events of each arm in cell k (from k*step to (k+1)*step after entry) at analysis T.
void cell_events(const Curves& c, const TwoArmSurvivalDesign& design, double T, int k,
                 const double fraction[2], double events[2]) {
  const double n = design.sample_size;
  const double dropout[2] = {design.dropout_rate_control, design.dropout_rate_experimental};
  const double mid = (k + 0.5) * c.step;
  const double observed = expected_enrolled(design.accrual, n, T - mid) / n;
  for (int a = 0; a < 2; ++a) {
    const double density =
        c.surv[a][static_cast<std::size_t>(k)] - c.surv[a][static_cast<std::size_t>(k) + 1];
    events[a] = n * fraction[a] * density * std::exp(-dropout[a] * mid) * observed;
  }
}

double expected_events(const Curves& c, const TwoArmSurvivalDesign& design, double T,
                       const double fraction[2]) {
  double total = 0.0, events[2];
  const int cells = std::min(GRID_CELLS, static_cast<int>(std::ceil(T / c.step)));
  for (int k = 0; k < cells; ++k) {
    cell_events(c, design, T, k, fraction, events);
    total += events[0] + events[1];
  }
  return total;
}

double analysis_time(const Curves& c, const TwoArmSurvivalDesign& design, double accrual_end,
                     const double fraction[2], AnalyticTrial& out) {
  const AnalysisTiming& timing = design.timing;
  double T = 0.0;
  if (timing.trigger == AnalysisTiming::Trigger::calendar) {
    T = timing.calendar_time;
  } else if (timing.trigger == AnalysisTiming::Trigger::after_last_enrolment) {
    T = accrual_end + timing.follow_up_after_last;
  } else {
    double low = 0.0, high = c.step * GRID_CELLS;
    out.target_reachable = expected_events(c, design, high, fraction) >= timing.target_events;
    for (int iteration = 0; iteration < 60 && out.target_reachable; ++iteration) {
      const double middle = 0.5 * (low + high);
      (expected_events(c, design, middle, fraction) < timing.target_events ? low : high) = middle;
    }
    T = high;
  }
  // As the simulated cut-off (models/conduct.h): never before the last entry + the minimum
  // follow-up when one is set; without one, an event target can be reached during accrual.
  return timing.minimum_follow_up > 0.0 ? std::max(T, accrual_end + timing.minimum_follow_up) : T;
}

// One grid cell of the expected trial: events per arm in it, patients at risk per arm at its
// start (as fractions of n), and the pooled survival at its start (the FH weights' base).
struct Cell {
  double events[2];
  double at_risk[2];
  double pooled_survival;
};
using Cells = std::vector<Cell>;

Cells expected_cells(const Curves& c, const TwoArmSurvivalDesign& design, double T,
                     const double fraction[2]) {
  const double n = design.sample_size;
  const double dropout[2] = {design.dropout_rate_control, design.dropout_rate_experimental};
  const int count = std::min(GRID_CELLS, static_cast<int>(std::ceil(T / c.step)));
  Cells cells(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) {
    const auto i = static_cast<std::size_t>(k);
    Cell& cell = cells[i];
    cell_events(c, design, T, k, fraction, cell.events);
    const double observed = expected_enrolled(design.accrual, n, T - k * c.step);
    for (int a = 0; a < 2; ++a)
      cell.at_risk[a] = fraction[a] * c.surv[a][i] * std::exp(-dropout[a] * k * c.step) * observed;
    cell.pooled_survival = fraction[0] * c.surv[0][i] + fraction[1] * c.surv[1][i];
  }
  return cells;
}

// The limit of the Cox estimate (log HR, experimental vs control) under the trial's expected
// conduct: the root of the expected partial-likelihood score,
//   sum_cells [ D_e - D e^b Y_e / (Y_c + e^b Y_e) ] = 0
// (Struthers & Kalbfleisch 1986), by bisection (the score falls as b rises). Under
// proportional hazards it is log HR; otherwise an average of the log hazard ratio over time
// weighted by the trial's own events and censoring. NaN without events.
double cox_limit(const Cells& cells) {
  const auto score = [&](double b) {
    double u = 0.0;
    for (const Cell& cell : cells) {
      const double risk = cell.at_risk[0] + std::exp(b) * cell.at_risk[1];
      if (risk <= 0.0) continue;
      u +=
          cell.events[1] - (cell.events[0] + cell.events[1]) * std::exp(b) * cell.at_risk[1] / risk;
    }
    return u;
  };
  double low = -20.0, high = 20.0;
  if (!(score(low) > 0.0 && score(high) < 0.0)) return std::numeric_limits<double>::quiet_NaN();
  for (int iteration = 0; iteration < 200 && high - low > 1e-13; ++iteration) {
    const double middle = 0.5 * (low + high);
    (score(middle) > 0.0 ? low : high) = middle;
  }
  return 0.5 * (low + high);
}

}  // namespace

AnalyticTrial analytic_logrank_power(const PatientModel& control, const PatientModel& experimental,
                                     PatientOutcome endpoint, const TwoArmSurvivalDesign& design,
                                     const std::vector<FhWeight>& weights) {
  const double total = design.allocation_control + design.allocation_experimental;
  const double fraction[2] = {design.allocation_control / total,
                              design.allocation_experimental / total};
  const double accrual_end = expected_accrual_end(design.accrual, design.sample_size);
  const double horizon =
      std::max(accrual_end + HORIZON_AFTER_ACCRUAL, design.timing.calendar_time + 1.0);
  Curves c;
  c.step = horizon / GRID_CELLS;
  std::vector<double> grid(GRID_CELLS + 1);
  for (int k = 0; k <= GRID_CELLS; ++k) grid[static_cast<std::size_t>(k)] = k * c.step;
  c.surv[0] = control.true_survival(endpoint, grid);
  c.surv[1] = experimental.true_survival(endpoint, grid);

  AnalyticTrial out;
  out.analysis_time = analysis_time(c, design, accrual_end, fraction, out);
  out.expected_events = expected_events(c, design, out.analysis_time, fraction);
  const Cells cells = expected_cells(c, design, out.analysis_time, fraction);
  const boost::math::normal standard;
  const double critical = boost::math::quantile(standard, 1.0 - design.alpha);
  for (const FhWeight& weight : weights) {
    double mean = 0.0, variance = 0.0;
    for (const Cell& cell : cells) {
      if (cell.at_risk[0] + cell.at_risk[1] <= 0.0) continue;
      const double share = cell.at_risk[1] / (cell.at_risk[0] + cell.at_risk[1]);
      const double w = std::pow(cell.pooled_survival, weight.rho) *
                       std::pow(1.0 - cell.pooled_survival, weight.gamma);
      const double all = cell.events[0] + cell.events[1];
      mean += w * (cell.events[1] - share * all);
      variance += w * w * share * (1.0 - share) * all;
    }
    const double drift = variance > 0.0 ? -mean / std::sqrt(variance) : 0.0;
    out.drift.push_back(drift);
    out.power.push_back(boost::math::cdf(standard, drift - critical));
  }
  out.cox_limit_log_hr = cox_limit(cells);
  return out;
}

}  // namespace trialsim
