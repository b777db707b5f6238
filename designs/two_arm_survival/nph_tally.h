#pragma once
// The analyses made for non-proportional hazards (`design.nph`), each with its own one-sided
// decision at design.alpha and its Monte Carlo tallies, computed at the final analysis on the
// same cut cohort as the log-rank test (statistics/survival/nph_pass.h, one walk):
//   fh_<rho>_<gamma>    Fleming–Harrington weighted log-rank, reject when z <= -z_{1-alpha}
//   max_combo           the minimum z of the FH set, p from the multivariate normal with the
//                       estimated correlation (max_combo.h), reject when p <= alpha; and which FH
//                       test attains it ("wins")
//   rmst_<tau>          RMST difference (experimental - control) at tau, reject when its z >=
//                       z_{1-alpha}; the difference's bias and interval coverage against the true
//                       RMST difference of the arms' models
//   milestone_<t>       difference in Kaplan–Meier survival at t (Greenwood, plain scale), reject
//                       when its z >= z_{1-alpha} (not estimable: no rejection); bias and coverage
//                       against the true survival difference
// Estimands are the arms' true curves (PatientModel::true_survival, true_restricted_mean), which
// exist whatever the hazards do.
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/output.h"
#include "statistics/survival/nph_pass.h"

namespace trialsim {

struct NphOptions {
  bool enabled = false;
  std::vector<FhWeight> fleming_harrington;  // each tested alone; together in MaxCombo
  bool max_combo = true;
  double rmst_tau = 0.0;           // months
  bool rmst = true;                // the RMST comparison at rmst_tau is reported
  std::vector<double> milestones;  // months, increasing
  NphPlan plan;                    // built from the above (nph_pass.h)
  // With design.interim: each FH test is a group-sequential trial of its own (add_sequential);
  // MaxCombo, RMST and milestones are then off (their group-sequential boundaries are not
  // provided; the config refuses them).
  bool sequential = false;
};

// One FH test's group-sequential trial in one cohort.
struct SequentialTestOutcome {
  bool stopped = false, rejected = false, futility_stop = false;
  std::size_t stopped_at = 0;                           // the look that ended it
  double z = std::numeric_limits<double>::quiet_NaN();  // its z there
};

// The true values the estimates are measured against, per scenario (NaN: unknown).
struct NphTruth {
  double rmst_difference = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> milestone_difference;  // per milestone
};

class NphTally {
 public:
  NphTally() = default;
  // `looks`: the looks of a sequential design (options.sequential), for the per-look tallies.
  explicit NphTally(const NphOptions& options, std::size_t looks = 1);
  void reset();
  void merge(const NphTally& other);
  // One cohort's analyses (`analysis` from analyse_nph with options.plan).
  void add(const NphOptions& options, const NphAnalysis& analysis, double alpha,
           double confidence_level, const NphTruth& truth);
  // One cohort's group-sequential FH trials (options.sequential), in the set's order.
  void add_sequential(std::span<const SequentialTestOutcome> outcomes);
  void add_rows(const NphOptions& options, const std::string& scenario,
                std::vector<OcRow>& rows) const;

  template <class Archive>
  void visit(Archive& archive) {
    archive(fh_rejection_, fh_z_, combo_rejection_, combo_best_, rmst_rejection_, rmst_difference_,
            rmst_log_ratio_, milestone_rejection_, milestone_difference_, fh_efficacy_stop_,
            fh_futility_stop_);
  }

 private:
  void add_rmst_rows(const NphOptions& options, const std::string& scenario,
                     std::vector<OcRow>& rows) const;
  std::vector<MomentAccumulator> fh_rejection_, fh_z_;
  MomentAccumulator combo_rejection_;
  std::vector<MomentAccumulator> combo_best_;  // per FH test: P(its z is the combo's minimum)
  MomentAccumulator rmst_rejection_;
  IntervalEstimateTally rmst_difference_;
  MomentAccumulator rmst_log_ratio_;
  std::vector<MomentAccumulator> milestone_rejection_;
  std::vector<IntervalEstimateTally> milestone_difference_;
  // Sequential: [test * looks + look], P(the test's trial stopped there for efficacy / futility).
  std::vector<MomentAccumulator> fh_efficacy_stop_, fh_futility_stop_;
  std::size_t looks_ = 1;
};

// "fh_0_1", "rmst_24", "milestone_12" (numbers as format_number writes them).
std::string fh_label(const FhWeight& weight);

}  // namespace trialsim
