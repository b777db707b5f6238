#include "designs/two_arm_survival/nph_tally.h"

#include <cmath>

#include "statistics/survival/max_combo.h"

namespace trialsim {
namespace {

// Labels use only [0-9a-z._-]: the numbers' decimal points stay, signs cannot occur (rho, gamma,
// tau and milestones are non-negative).
std::string number_label(double value) { return format_number(value); }

}  // namespace

std::string fh_label(const FhWeight& weight) {
  return "fh_" + number_label(weight.rho) + "_" + number_label(weight.gamma);
}

NphTally::NphTally(const NphOptions& options, std::size_t looks)
    : fh_rejection_(options.fleming_harrington.size()),
      fh_z_(options.fleming_harrington.size()),
      combo_best_(options.fleming_harrington.size()),
      milestone_rejection_(options.milestones.size()),
      milestone_difference_(options.milestones.size()),
      fh_efficacy_stop_(options.sequential ? options.fleming_harrington.size() * looks : 0),
      fh_futility_stop_(options.sequential ? options.fleming_harrington.size() * looks : 0),
      looks_(looks) {}

void NphTally::reset() {
  for (auto& a : fh_rejection_) a = {};
  for (auto& a : fh_z_) a = {};
  for (auto& a : combo_best_) a = {};
  for (auto& a : milestone_rejection_) a = {};
  for (auto& a : milestone_difference_) a = {};
  for (auto& a : fh_efficacy_stop_) a = {};
  for (auto& a : fh_futility_stop_) a = {};
  combo_rejection_ = rmst_rejection_ = rmst_log_ratio_ = {};
  rmst_difference_ = {};
}

void NphTally::merge(const NphTally& o) {
  for (std::size_t k = 0; k < fh_rejection_.size(); ++k) {
    fh_rejection_[k].merge(o.fh_rejection_[k]);
    fh_z_[k].merge(o.fh_z_[k]);
    combo_best_[k].merge(o.combo_best_[k]);
  }
  for (std::size_t k = 0; k < milestone_rejection_.size(); ++k) {
    milestone_rejection_[k].merge(o.milestone_rejection_[k]);
    milestone_difference_[k].merge(o.milestone_difference_[k]);
  }
  for (std::size_t k = 0; k < fh_efficacy_stop_.size(); ++k) {
    fh_efficacy_stop_[k].merge(o.fh_efficacy_stop_[k]);
    fh_futility_stop_[k].merge(o.fh_futility_stop_[k]);
  }
  combo_rejection_.merge(o.combo_rejection_);
  rmst_rejection_.merge(o.rmst_rejection_);
  rmst_difference_.merge(o.rmst_difference_);
  rmst_log_ratio_.merge(o.rmst_log_ratio_);
}

void NphTally::add(const NphOptions& options, const NphAnalysis& analysis, double alpha,
                   double confidence_level, const NphTruth& truth) {
  // One-sided critical value z_{1-alpha}; the intervals' two-sided z_{(1+level)/2}.
  const double critical = normal_critical_value(1.0 - 2.0 * alpha);
  const double half_width_z = normal_critical_value(confidence_level);
  const WeightedLogRankSet& fh = analysis.fh;
  for (std::size_t k = 0; k < fh_rejection_.size(); ++k) {
    const double z = fh.z[k];
    fh_rejection_[k].add(z <= -critical ? 1.0 : 0.0);  // NaN never rejects
    if (std::isfinite(z)) fh_z_[k].add(z);
  }
  if (options.max_combo && !fh_rejection_.empty()) {
    combo_rejection_.add(max_combo_rejects(fh, alpha) ? 1.0 : 0.0);
    // The winner: the test with the smallest z (the combo's statistic), first on ties.
    std::size_t best = 0;
    for (std::size_t k = 1; k < fh.size; ++k) {
      if (fh.z[k] < fh.z[best]) best = k;
    }
    for (std::size_t k = 0; k < combo_best_.size(); ++k) combo_best_[k].add(k == best ? 1.0 : 0.0);
  }
  const RmstComparison& rmst = analysis.rmst;
  // Estimable only when tau is within both arms' follow-up (as survRM2 requires).
  const bool rmst_usable = rmst.arm[0].tau_within_follow_up && rmst.arm[1].tau_within_follow_up &&
                           std::isfinite(rmst.difference_z);
  rmst_rejection_.add(rmst_usable && rmst.difference_z >= critical ? 1.0 : 0.0);
  rmst_difference_.add(rmst_usable, rmst.difference,
                       rmst.difference - half_width_z * rmst.difference_se,
                       rmst.difference + half_width_z * rmst.difference_se, truth.rmst_difference);
  if (std::isfinite(rmst.ratio) && rmst.ratio > 0.0) rmst_log_ratio_.add(std::log(rmst.ratio));
  for (std::size_t k = 0; k < milestone_rejection_.size(); ++k) {
    const MilestoneComparison& m = analysis.milestone[k];
    const bool usable = m.estimable && std::isfinite(m.difference_z);
    milestone_rejection_[k].add(usable && m.difference_z >= critical ? 1.0 : 0.0);
    const double true_difference = k < truth.milestone_difference.size()
                                       ? truth.milestone_difference[k]
                                       : std::numeric_limits<double>::quiet_NaN();
    milestone_difference_[k].add(usable, m.difference,
                                 m.difference - half_width_z * m.difference_se,
                                 m.difference + half_width_z * m.difference_se, true_difference);
  }
}

void NphTally::add_sequential(std::span<const SequentialTestOutcome> outcomes) {
  for (std::size_t j = 0; j < outcomes.size() && j < fh_rejection_.size(); ++j) {
    const SequentialTestOutcome& o = outcomes[j];
    fh_rejection_[j].add(o.rejected ? 1.0 : 0.0);
    if (std::isfinite(o.z)) fh_z_[j].add(o.z);
    for (std::size_t k = 0; k < looks_; ++k) {
      fh_efficacy_stop_[j * looks_ + k].add(o.rejected && o.stopped_at == k ? 1.0 : 0.0);
      fh_futility_stop_[j * looks_ + k].add(o.futility_stop && o.stopped_at == k ? 1.0 : 0.0);
    }
  }
}

void NphTally::add_rmst_rows(const NphOptions& options, const std::string& scenario,
                             std::vector<OcRow>& rows) const {
  const auto add = [&](const std::string& analysis, const std::string& metric,
                       const MomentAccumulator& acc) {
    rows.push_back({scenario, analysis, metric, acc.mean(), acc.mcse(), acc.count()});
  };
  const std::string rmst = "rmst_" + number_label(options.rmst_tau);
  add(rmst, "rejection_probability", rmst_rejection_);
  add(rmst, "estimable_probability", rmst_difference_.estimable);
  add(rmst, "mean_difference", rmst_difference_.estimate);
  add(rmst, "difference_bias", rmst_difference_.error);
  add(rmst, "difference_ci_coverage", rmst_difference_.coverage);
  add(rmst, "mean_difference_ci_width", rmst_difference_.width);
  add(rmst, "mean_log_ratio", rmst_log_ratio_);
}

void NphTally::add_rows(const NphOptions& options, const std::string& scenario,
                        std::vector<OcRow>& rows) const {
  const auto add = [&](const std::string& analysis, const std::string& metric,
                       const MomentAccumulator& acc) {
    rows.push_back({scenario, analysis, metric, acc.mean(), acc.mcse(), acc.count()});
  };
  for (std::size_t k = 0; k < fh_rejection_.size(); ++k) {
    const std::string label = fh_label(options.fleming_harrington[k]);
    add(label, "rejection_probability", fh_rejection_[k]);
    add(label, "mean_z", fh_z_[k]);
    if (!options.sequential) continue;
    for (std::size_t look = 0; look < looks_; ++look) {
      const std::string suffix = "_look" + std::to_string(look + 1);
      add(label, "efficacy_stop_probability" + suffix, fh_efficacy_stop_[k * looks_ + look]);
      if (look + 1 < looks_)
        add(label, "futility_stop_probability" + suffix, fh_futility_stop_[k * looks_ + look]);
    }
  }
  if (options.max_combo && !fh_rejection_.empty()) {
    add("max_combo", "rejection_probability", combo_rejection_);
    for (std::size_t k = 0; k < combo_best_.size(); ++k)
      add("max_combo", fh_label(options.fleming_harrington[k]) + "_wins_probability",
          combo_best_[k]);
  }
  if (options.rmst) add_rmst_rows(options, scenario, rows);
  for (std::size_t k = 0; k < milestone_rejection_.size(); ++k) {
    const std::string label = "milestone_" + number_label(options.milestones[k]);
    const IntervalEstimateTally& t = milestone_difference_[k];
    add(label, "rejection_probability", milestone_rejection_[k]);
    add(label, "estimable_probability", t.estimable);
    add(label, "mean_difference", t.estimate);
    add(label, "difference_bias", t.error);
    add(label, "difference_ci_coverage", t.coverage);
    add(label, "mean_difference_ci_width", t.width);
  }
}

}  // namespace trialsim
