#pragma once
// One pass over a two-arm cohort (sorted by sort_cohort) that computes together what a simulated
// two-arm trial analyses at its final look:
//   * the unstratified log-rank test          = log_rank(cohort)
//   * the Kaplan-Meier curve of each arm       = kaplan_meier(cohort, curve, arm)
//   * the reverse Kaplan-Meier curve           = kaplan_meier(cohort, curve, -1, true)
//   * the risk table of the Cox model on arm   = what cox_ph_arm(cohort, ...) builds
// with the same arithmetic in the same order, so every number is bit-identical to the separate
// calls. One walk replaces five, rows are written without data-dependent branches, and the
// Kaplan-Meier factors (n - 1) / n and 1 / (n (n - 1)) of single events come from a table
// computed once (the same divisions, done once per n instead of once per event). Times in months.
#include <span>

#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/logrank.h"

namespace trialsim {

struct TwoArmCurves {
  KaplanMeierCurve arm[2];   // control (0) and experimental (1)
  KaplanMeierCurve reverse;  // censoring as the event (follow-up; Schemper & Smith 1996)
};

// Fills `curves` and ws.arm_risk (for cox_ph_arm_from_table) and returns the log-rank test.
LogRankResult analyse_two_arm(std::span<const SortedSubject> cohort, SurvivalWorkspace& ws,
                              TwoArmCurves& curves);

// The Cox model on the arm from the risk table in ws.arm_risk (as built by analyse_two_arm):
// the same fit as cox_ph_arm(cohort, ws, out, options) (options.stratified must be false).
void cox_ph_arm_from_table(SurvivalWorkspace& ws, CoxFit& out, const CoxOptions& options = {});

}  // namespace trialsim
