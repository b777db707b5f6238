#pragma once
// The analytic approximation a designer checks a simulated power against, for any two arm
// models, proportional hazards or not: the asymptotic (weighted) log-rank test under the
// design's expected accrual, dropout and analysis time.
//
// With p_a the allocation fraction of arm a, S_a its true survival, C_a(u) = e^{-delta_a u}
// N(T - u) / n the probability that a patient of arm a is still under observation u months after
// entry at an analysis at calendar time T (design dropout delta_a; N(c) the expected number
// enrolled by calendar time c), the expected events per unit time dD_a(u) = n p_a f_a(u) C_a(u),
// the experimental share of those at risk pi(u) = p_e S_e C_e / (p_c S_c C_c + p_e S_e C_e),
// and a weight w(u) (FH(rho, gamma) on the pooled S(u) = p_c S_c(u) + p_e S_e(u)):
//   E[U] = integral w(u) (dD_e(u) - pi(u) dD(u)),   Var U = integral w(u)^2 pi(u)(1 - pi(u)) dD(u),
//   power = Phi(-E[U] / sqrt(Var U) - z_{1-alpha})       (U < 0 favours the experimental arm).
// For proportional hazards and equal censoring this is Schoenfeld's (1981) formula; for
// non-proportional hazards it is the approach of Lakatos (1988) in continuous time (as lrstat
// and the average-hazard-ratio method of gsDesign2 use it), so the difference from simulation
// shows the small-sample and variance-approximation error, not a model error.
// The integrals are sums over a grid of GRID_CELLS cells up to the analysis time (S_a from each
// model's true_survival). The analysis time T: calendar trigger its time; after the last
// enrolment the expected end of accrual + follow-up; events trigger the T at which the expected
// events reach the target (bisection); a minimum follow-up, when set, applied after (never before
// the last entry + it).
#include <vector>

#include "designs/two_arm_survival/two_arm_survival.h"
#include "models/patient_model.h"

namespace trialsim {

struct AnalyticTrial {
  double analysis_time = 0.0;    // calendar months
  double expected_events = 0.0;  // at the analysis
  bool target_reachable = true;  // events trigger: the target is below the expected total
  std::vector<double> power;     // per weight asked for
  std::vector<double> drift;     // -E[U] / sqrt(Var U), per weight
  // The limit of the Cox estimate's log HR under the trial's expected conduct (the root of the
  // expected partial-likelihood score; log HR under proportional hazards): the estimand of the
  // Cox estimate when the hazards are not proportional. NaN without events.
  double cox_limit_log_hr = 0.0;
};

AnalyticTrial analytic_logrank_power(const PatientModel& control, const PatientModel& experimental,
                                     PatientOutcome endpoint, const TwoArmSurvivalDesign& design,
                                     const std::vector<FhWeight>& weights);

}  // namespace trialsim
