#pragma once
// Every analysis a non-proportional-hazards trial makes of one cohort (issue 16, item 2), in one
// walk over the distinct times of a cohort sorted by sort_cohort:
//   * the log-rank test                          = log_rank(cohort), bit-identical
//   * the Fleming-Harrington tests FH(rho, gamma) and their covariance = weighted_log_rank
//   * the RMST difference and ratio at tau        = rmst_comparison(cohort, tau)
//   * the milestone differences at times t_1 < .. = milestone_comparison(cohort, t_i)
// MaxCombo is then max_combo(result.fh) (p-value) or max_combo_rejects(result.fh, alpha)
// (decision; bounds first, quadrature only near alpha): the walk gives its correlation.
// The plan (sets, horizons) is checked once; the pass itself allocates nothing and throws
// nothing. Times in months. Conventions (signs, ties, variances) as in logrank.h,
// weighted_logrank.h and rmst.h.
#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "statistics/survival/logrank.h"
#include "statistics/survival/rmst.h"
#include "statistics/survival/weighted_logrank.h"

namespace trialsim {

inline constexpr std::size_t MAX_MILESTONES = 8;

// What to compute. Throws std::invalid_argument on a bad set (see check_fh_set), tau not finite
// and > 0, more than MAX_MILESTONES milestones, or milestones not finite, >= 0 and increasing.
class NphPlan {
 public:
  explicit NphPlan(std::span<const FhWeight> fh = DEFAULT_MAX_COMBO_SET, double rmst_tau = 12.0,
                   std::span<const double> milestones = {});

  std::span<const FhWeight> fh() const noexcept { return {fh_.data(), fh_count_}; }
  double rmst_tau() const noexcept { return rmst_tau_; }
  std::span<const double> milestones() const noexcept {
    return {milestones_.data(), milestone_count_};
  }
  const FhWeightEvaluator& weights() const noexcept { return evaluator_; }

 private:
  std::array<FhWeight, MAX_FH_TESTS> fh_{};
  std::size_t fh_count_ = 0;
  double rmst_tau_ = 0.0;
  std::array<double, MAX_MILESTONES> milestones_{};
  std::size_t milestone_count_ = 0;
  FhWeightEvaluator evaluator_;
};

struct NphAnalysis {
  LogRankResult log_rank{};
  WeightedLogRankSet fh;  // in the plan's order; fh.z, fh.covariance
  RmstComparison rmst;
  std::array<MilestoneComparison, MAX_MILESTONES> milestone{};
  std::size_t milestone_count = 0;
};

// With cox_table, the walk also fills the per-time risk table of the Cox model on the arm (rows
// in coxfit6's order, as cox_ph_arm(cohort, ...) builds them; for cox_ph_arm_from_table). The
// vector keeps its capacity between calls: no allocation once it has held a cohort this large.
void analyse_nph(std::span<const SortedSubject> cohort, const NphPlan& plan, NphAnalysis& out,
                 std::vector<ArmRiskRow>* cox_table = nullptr);

}  // namespace trialsim
