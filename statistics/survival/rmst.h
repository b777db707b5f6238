#pragma once
// Two-arm comparisons of Kaplan-Meier curves at a horizon: the restricted mean survival time
// (RMST) difference and ratio at tau, and the milestone difference in survival at a time t.
// Times in months. Arm 0 = control, arm 1 = experimental; every difference is experimental minus
// control, and every z here is > 0 when the experimental arm does better (the opposite sign of
// the log-rank z of logrank.h, whose z < 0 favours arm 1: a survival difference and an excess
// of events point in opposite directions). One-sided p for benefit: 1 - Phi(z).
//
// RMST (Royston & Parmar 2013; Uno et al. 2014, R package survRM2; survival's print(fit,
// rmean = tau)): mu = integral_0^tau S(u) du under each arm's Kaplan-Meier curve, held flat
// beyond the arm's last observed time (then tau_within_follow_up is false; survRM2 refuses such
// a tau), and
//   Var mu = sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j)),  A_j = integral_{t_j}^tau S(u) du
// (terms with n_j = d_j contribute 0), as restricted_mean (km_summary.h), which matches R.
//   difference = mu_1 - mu_0,   Var = Var mu_1 + Var mu_0
//   ratio      = mu_1 / mu_0,   Var log ratio = Var mu_1 / mu_1^2 + Var mu_0 / mu_0^2 (delta)
// One walk: with a_j = integral_0^t_j S, A_j = mu - a_j, so
//   Var mu = mu^2 sum g_j - 2 mu sum a_j g_j + sum a_j^2 g_j,  g_j = d_j / (n_j (n_j - d_j)),
// three sums accumulated forward (no second pass, no stored curve).
//
// Milestone (Klein et al. 2007): S_a(t) per arm, Greenwood Var log S = sum d / (n (n - d)) as
// kaplan_meier, std_err S = S sqrt(Var log S), the step value at the last event time <= t;
// estimable when t <= the arm's last observed time (as survival_at). The test is on the plain
// scale (the standard default; Klein et al. found it adequate at moderate n):
//   difference = S_1(t) - S_0(t),   se = sqrt(se_1^2 + se_0^2),   z = difference / se.
// Also given: the complementary log-log test (better coverage in small samples, Klein et al.)
//   cloglog_z = (log(-log S_0) - log(-log S_1)) / sqrt(V_1 / log(S_1)^2 + V_0 / log(S_0)^2)
// with V_a = Var log S_a (delta method); NaN when some S_a is 0 or 1.
#include <limits>
#include <span>

#include "statistics/survival/survival_data.h"

namespace trialsim {

// One arm's Kaplan-Meier curve walked forward, with the running sums of the RMST at tau.
// Feed every distinct time of the cohort in order (d events among m leaving subjects of this
// arm, both possibly 0); read surv/var_log for the curve just before the next time.
struct KmHorizonWalk {
  double at_risk = 0.0;
  double surv = 1.0, var_log = 0.0;  // S and Greenwood Var log S after the times fed so far
  double last_observed = -1.0;       // the arm's latest time so far (event or censoring)
  // RMST sums over event times t_j <= tau: area to the last event time, sum g, a g, a^2 g.
  double area = 0.0, area_time = 0.0, sum_g = 0.0, sum_ag = 0.0, sum_aag = 0.0;
  double surv_at_tau = 1.0;  // S(tau)

  void start(double subjects) noexcept { *this = KmHorizonWalk{subjects}; }
  void add(double t, double d, double m, double tau) noexcept {
    if (m > 0.0) last_observed = t;
    if (d > 0.0) {
      if (t <= tau) {
        area += (t - area_time) * surv;
        area_time = t;
      }
      // One division for both: q = 1 / (n (n - d)), factor = (n - d)^2 q = (n - d) / n,
      // g = d q; when n = d, q = 0 gives factor 0 (and g is not used).
      const double left = at_risk - d;
      const double q = at_risk > d ? 1.0 / (at_risk * left) : 0.0;
      const double factor = left * left * q;
      const double g = d * q;
      surv *= factor;
      // Greenwood as kaplan_meier: +Inf once every subject at risk has the event.
      var_log += at_risk > d ? g : std::numeric_limits<double>::infinity();
      if (t <= tau) {
        surv_at_tau = surv;
        sum_g += g;
        sum_ag += area * g;
        sum_aag += area * area * g;
      }
    }
    at_risk -= m;
  }
};

struct RmstArm {
  double rmst = 0.0;                  // months
  double variance = 0.0;              // Var rmst
  bool tau_within_follow_up = false;  // tau <= the arm's last observed time
};

struct RmstComparison {
  double tau = 0.0;
  RmstArm arm[2];
  double difference = 0.0, difference_se = 0.0, difference_z = 0.0;  // mu_1 - mu_0
  double ratio = 0.0, log_ratio_se = 0.0, log_ratio_z = 0.0;         // mu_1 / mu_0, log scale
};

struct MilestoneComparison {
  double time = 0.0;
  bool estimable = false;  // t <= both arms' last observed times (else the comparison is NaN)
  double surv[2] = {0.0, 0.0}, std_err[2] = {0.0, 0.0};  // per arm; NaN beyond its follow-up
  double difference = 0.0, difference_se = 0.0, difference_z = 0.0;  // plain scale, S_1 - S_0
  double cloglog_z = 0.0;  // complementary log-log scale; > 0 favours arm 1
};

// The comparisons from each arm's finished walk (at tau, resp. its values at t).
RmstComparison finish_rmst(const KmHorizonWalk walk[2], double tau);
MilestoneComparison compare_milestone(double t, const double surv[2], const double var_log[2],
                                      const double last_observed[2]);

// From a cohort sorted by sort_cohort (arm 0/1). tau finite and > 0, t finite and >= 0;
// throws std::invalid_argument otherwise.
RmstComparison rmst_comparison(std::span<const SortedSubject> cohort, double tau);
MilestoneComparison milestone_comparison(std::span<const SortedSubject> cohort, double t);

}  // namespace trialsim
