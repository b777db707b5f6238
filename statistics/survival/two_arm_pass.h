#pragma once
// One pass over a two-arm cohort (sorted by sort_cohort, or as three sorted runs) that computes
// together what a simulated two-arm trial analyses at its final look:
//   * the unstratified log-rank test          = log_rank(cohort)
//   * each arm's Kaplan-Meier curve at the capture times (landmarks, a band grid) and whether its
//     median is reached                       = survival_at / survival_quantile_point of
//                                               kaplan_meier(cohort, curve, arm)
//   * the median of the reverse Kaplan-Meier curve (follow-up)
//                                             = survival_quantile_point(kaplan_meier(cohort,
//                                               curve, -1, true))
//   * the risk table of the Cox model on arm   = what cox_ph_arm(cohort, ...) builds
// with the same arithmetic in the same order, so every number is bit-identical to the separate
// calls. One walk replaces five, and no curve is tabulated: each keeps its running S and
// Greenwood sum, read off where a summary needs it; the log-rank sums are then added over the
// risk table's rows (the times with events: the others add exact zeros). The Kaplan-Meier
// factors (n - 1) / n and 1 / (n (n - 1)) of single events come from a table computed once (the
// same divisions, done once per n instead of once per event). Times in months.
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/km_summary.h"
#include "statistics/survival/logrank.h"

namespace trialsim {

// What the final analysis reads off one arm's Kaplan-Meier curve.
struct ArmCurveSummary {
  std::size_t n = 0;                 // subjects in the arm
  double first_time = 0.0;           // earliest observed time in the arm (NaN if n == 0)
  double last_time = 0.0;            // latest observed time in the arm (NaN if n == 0)
  std::vector<KaplanMeierState> at;  // the curve's state at each capture time
  bool median_reached = false;       // survival_quantile_point(curve, 0.5) has a value

  // survival_at(curve, t, type, level) for t = capture time `capture` (z from the level).
  LandmarkEstimate landmark(std::size_t capture, double t, CiType type, double z) const {
    return landmark_from_state(n, first_time, last_time, t, at[capture], type, z);
  }
  // landmark's estimate alone (no standard error, no interval): S at capture time `capture` (t),
  // or NaN where landmark says it is not estimable.
  double surv_at(std::size_t capture, double t) const {
    if (n == 0 || std::isnan(t) || t > last_time) return std::numeric_limits<double>::quiet_NaN();
    return t < first_time ? 1.0 : at[capture].surv;
  }
};

struct TwoArmSummary {
  ArmCurveSummary arm[2];                // control (0) and experimental (1)
  std::optional<double> reverse_median;  // follow-up by reverse KM (Schemper & Smith 1996)
  std::size_t events = 0;                // events in the cohort
  // The median of the m observed times: the (m/2)-th smallest (from 0), and for even m the mean
  // with the one below it (NaN when m == 0).
  double observed_time_median = 0.0;
};

// Fills `summary` at `capture_times` (ascending) and ws.arm_risk (for cox_ph_arm_from_table), and
// returns the log-rank test.
LogRankResult analyse_two_arm(std::span<const SortedSubject> cohort,
                              std::span<const double> capture_times, SurvivalWorkspace& ws,
                              TwoArmSummary& summary);

// The same on a cohort given as three runs (a data cut without dropout): every result
// bit-identical to analyse_two_arm on the sorted cohort the runs merge into. It merges them
// (merge_cohort_runs, into ws.merged) instead of sorting the cohort.
LogRankResult analyse_two_arm(const CohortRuns& cohort, std::span<const double> capture_times,
                              SurvivalWorkspace& ws, TwoArmSummary& summary);

// The Cox model on the arm from the risk table in ws.arm_risk (as built by analyse_two_arm):
// the same fit as cox_ph_arm(cohort, ws, out, options) (options.stratified must be false).
void cox_ph_arm_from_table(SurvivalWorkspace& ws, CoxFit& out, const CoxOptions& options = {});

}  // namespace trialsim
