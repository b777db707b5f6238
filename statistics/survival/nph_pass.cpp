#include "statistics/survival/nph_pass.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {

void check_plan(std::span<const FhWeight> fh, double tau, std::span<const double> milestones) {
  check_fh_set(fh, "NphPlan");
  std::ostringstream msg;
  msg.precision(17);
  if (!(std::isfinite(tau) && tau > 0.0)) {
    msg << "NphPlan: rmst_tau = " << tau << ", expected a finite time > 0 (months)";
  } else if (milestones.size() > MAX_MILESTONES) {
    msg << "NphPlan: " << milestones.size() << " milestones, expected at most " << MAX_MILESTONES;
  } else {
    for (std::size_t i = 0; i < milestones.size(); ++i) {
      const double t = milestones[i];
      if (std::isfinite(t) && t >= 0.0 && (i == 0 || t > milestones[i - 1])) continue;
      msg << "NphPlan: milestones[" << i << "] = " << t
          << ", expected finite times >= 0 in increasing order (months)";
      break;
    }
  }
  if (!msg.str().empty()) throw std::invalid_argument(msg.str());
}

std::span<const FhWeight> checked(std::span<const FhWeight> fh, double tau,
                                  std::span<const double> milestones) {
  check_plan(fh, tau, milestones);
  return fh;
}

}  // namespace

NphPlan::NphPlan(std::span<const FhWeight> fh, double rmst_tau, std::span<const double> milestones)
    : fh_count_(fh.size()),
      rmst_tau_(rmst_tau),
      milestone_count_(milestones.size()),
      evaluator_(checked(fh, rmst_tau, milestones)) {
  for (std::size_t k = 0; k < fh.size(); ++k) fh_[k] = fh[k];
  for (std::size_t i = 0; i < milestones.size(); ++i) milestones_[i] = milestones[i];
}

namespace {

// The walk, for a set of M FH tests (M = 0: any size, read from the plan).
template <std::size_t M>
void walk_nph(std::span<const SortedSubject> cohort, const NphPlan& plan, NphAnalysis& out,
              std::vector<ArmRiskRow>* cox_table) {
  const std::size_t size = cohort.size();
  const double tau = plan.rmst_tau();
  const std::span<const double> milestones = plan.milestones();
  // The sums are local: a store through `out` might alias the cohort's times (both double), so
  // the walk would reload them after every store.
  LogRankResult log_rank{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, size > 0 ? 1 : 0};
  WeightedLogRankSet fh;
  fh.size = plan.fh().size();
  for (std::size_t k = 0; k < fh.size; ++k) fh.weight[k] = plan.fh()[k];
  double n1 = 0.0;
  for (const SortedSubject& s : cohort) n1 += s.arm;
  KmHorizonWalk walk[2];
  walk[0].start(static_cast<double>(size) - n1);
  walk[1].start(n1);
  double surv[MAX_MILESTONES][2], var_log[MAX_MILESTONES][2];
  std::size_t next_milestone = 0;
  const auto capture_milestones_before = [&](double t) {
    for (; next_milestone < milestones.size() && t > milestones[next_milestone]; ++next_milestone) {
      for (int a = 0; a < 2; ++a) {
        surv[next_milestone][a] = walk[a].surv;
        var_log[next_milestone][a] = walk[a].var_log;
      }
    }
  };

  if (cox_table) cox_table->resize(size);
  std::size_t cox_rows = 0;
  std::array<double, MAX_FH_TESTS> weights{};
  double at_risk = static_cast<double>(size), at_risk1 = n1, pooled_surv = 1.0;
  for (std::size_t k = 0; k < size;) {
    const double t = cohort[k].time;
    double d_arm[2] = {0.0, 0.0}, m_arm[2] = {0.0, 0.0};
    do {
      const std::size_t a = cohort[k].arm;
      m_arm[a] += 1.0;
      d_arm[a] += cohort[k].status;
      ++k;
    } while (k < size && cohort[k].time == t);
    const double d = d_arm[0] + d_arm[1];
    if (d > 0.0) {
      add_logrank_time(log_rank, d, d_arm[1], at_risk, at_risk1);
      plan.weights().evaluate(pooled_surv, weights.data());  // S(t-), before the update
      add_weighted_logrank_time_of<M>(fh, weights.data(), d, d_arm[1], at_risk, at_risk1);
      pooled_surv *= (at_risk - d) / at_risk;
      // The Cox risk table row (at risk: time >= t), as analyse_two_arm builds it.
      if (cox_table)
        (*cox_table)[cox_rows++] = {{at_risk - at_risk1, at_risk1}, {d_arm[0], d_arm[1]}};
    }
    capture_milestones_before(t);
    for (int a = 0; a < 2; ++a) walk[a].add(t, d_arm[a], m_arm[a], tau);
    at_risk -= m_arm[0] + m_arm[1];
    at_risk1 -= m_arm[1];
  }
  capture_milestones_before(std::numeric_limits<double>::infinity());
  if (cox_table) finish_forward_arm_risk(*cox_table, cox_rows);
  finish_logrank(log_rank);
  finish_weighted_logrank(fh);
  out.log_rank = log_rank;
  out.fh = fh;
  out.rmst = finish_rmst(walk, tau);
  const double last[2] = {walk[0].last_observed, walk[1].last_observed};
  out.milestone_count = milestones.size();
  for (std::size_t i = 0; i < milestones.size(); ++i)
    out.milestone[i] = compare_milestone(milestones[i], surv[i], var_log[i], last);
}

}  // namespace

void analyse_nph(std::span<const SortedSubject> cohort, const NphPlan& plan, NphAnalysis& out,
                 std::vector<ArmRiskRow>* cox_table) {
  // The default MaxCombo set has 4 tests: its walk unrolls the covariance sums (10 per event
  // time); other sizes share the general walk. The same bits either way.
  if (plan.fh().size() == DEFAULT_MAX_COMBO_SET.size())
    walk_nph<DEFAULT_MAX_COMBO_SET.size()>(cohort, plan, out, cox_table);
  else
    walk_nph<0>(cohort, plan, out, cox_table);
}

}  // namespace trialsim
