#include "statistics/survival/rmst.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

void check_horizon(double t, bool positive, const char* function, const char* name) {
  if (std::isfinite(t) && (positive ? t > 0.0 : t >= 0.0)) return;
  std::ostringstream msg;
  msg.precision(17);
  msg << function << ": " << name << " = " << t << ", expected a finite time "
      << (positive ? "> 0" : ">= 0") << " (months)";
  throw std::invalid_argument(msg.str());
}

// Feeds every distinct time of the cohort to both arms' walks; `before_time(t)` is called
// before the time t is added (the curves then hold S(t-)).
template <class BeforeTime>
void walk_arms(std::span<const SortedSubject> cohort, double tau, KmHorizonWalk walk[2],
               const BeforeTime& before_time) {
  double n1 = 0.0;
  for (const SortedSubject& s : cohort) n1 += s.arm;
  walk[0].start(static_cast<double>(cohort.size()) - n1);
  walk[1].start(n1);
  const std::size_t n = cohort.size();
  for (std::size_t k = 0; k < n;) {
    const double t = cohort[k].time;
    double d[2] = {0.0, 0.0}, m[2] = {0.0, 0.0};
    for (; k < n && cohort[k].time == t; ++k) {
      m[cohort[k].arm] += 1.0;
      d[cohort[k].arm] += cohort[k].status;
    }
    before_time(t);
    for (int a = 0; a < 2; ++a) walk[a].add(t, d[a], m[a], tau);
  }
}

}  // namespace

RmstComparison finish_rmst(const KmHorizonWalk walk[2], double tau) {
  RmstComparison out;
  out.tau = tau;
  for (int a = 0; a < 2; ++a) {
    const KmHorizonWalk& w = walk[a];
    const double mu = w.area + (tau - w.area_time) * w.surv_at_tau;
    // sum (mu - a_j)^2 g_j, expanded; rounding can leave a tiny negative remainder.
    const double var = mu * mu * w.sum_g - 2.0 * mu * w.sum_ag + w.sum_aag;
    out.arm[a] = {mu, std::max(var, 0.0), tau <= w.last_observed};
  }
  const RmstArm &e = out.arm[1], &c = out.arm[0];
  out.difference = e.rmst - c.rmst;
  out.difference_se = std::sqrt(e.variance + c.variance);
  out.difference_z = out.difference_se > 0.0 ? out.difference / out.difference_se : NaN;
  out.ratio = e.rmst / c.rmst;
  out.log_ratio_se = std::sqrt(e.variance / (e.rmst * e.rmst) + c.variance / (c.rmst * c.rmst));
  out.log_ratio_z = out.log_ratio_se > 0.0 ? std::log(out.ratio) / out.log_ratio_se : NaN;
  return out;
}

MilestoneComparison compare_milestone(double t, const double surv[2], const double var_log[2],
                                      const double last_observed[2]) {
  MilestoneComparison out;
  out.time = t;
  // Each arm's estimate where that arm is followed to t (as survival_at); the comparison only
  // where both are.
  double cloglog_var = 0.0;
  for (int a = 0; a < 2; ++a) {
    const bool followed = t <= last_observed[a];
    out.surv[a] = followed ? surv[a] : NaN;
    out.std_err[a] = followed ? surv[a] * std::sqrt(var_log[a]) : NaN;  // NaN if S = 0 (as R)
    const double log_s = std::log(surv[a]);
    cloglog_var += var_log[a] / (log_s * log_s);
  }
  out.estimable = t <= last_observed[0] && t <= last_observed[1];
  if (!out.estimable) {
    out.difference = out.difference_se = out.difference_z = out.cloglog_z = NaN;
    return out;
  }
  out.difference = out.surv[1] - out.surv[0];
  out.difference_se = std::sqrt(out.std_err[0] * out.std_err[0] + out.std_err[1] * out.std_err[1]);
  out.difference_z = out.difference_se > 0.0 ? out.difference / out.difference_se : NaN;
  const bool interior = surv[0] > 0.0 && surv[0] < 1.0 && surv[1] > 0.0 && surv[1] < 1.0;
  out.cloglog_z =
      interior && cloglog_var > 0.0
          ? (std::log(-std::log(surv[0])) - std::log(-std::log(surv[1]))) / std::sqrt(cloglog_var)
          : NaN;
  return out;
}

RmstComparison rmst_comparison(std::span<const SortedSubject> cohort, double tau) {
  check_horizon(tau, true, "rmst_comparison", "tau");
  KmHorizonWalk walk[2];
  walk_arms(cohort, tau, walk, [](double) {});
  return finish_rmst(walk, tau);
}

MilestoneComparison milestone_comparison(std::span<const SortedSubject> cohort, double t) {
  check_horizon(t, false, "milestone_comparison", "t");
  KmHorizonWalk walk[2];
  double surv[2] = {1.0, 1.0}, var_log[2] = {0.0, 0.0};
  bool captured = false;
  walk_arms(cohort, t, walk, [&](double time) {
    if (captured || time <= t) return;
    captured = true;
    for (int a = 0; a < 2; ++a) {
      surv[a] = walk[a].surv;
      var_log[a] = walk[a].var_log;
    }
  });
  if (!captured) {
    for (int a = 0; a < 2; ++a) {
      surv[a] = walk[a].surv;
      var_log[a] = walk[a].var_log;
    }
  }
  const double last[2] = {walk[0].last_observed, walk[1].last_observed};
  return compare_milestone(t, surv, var_log, last);
}

}  // namespace trialsim
