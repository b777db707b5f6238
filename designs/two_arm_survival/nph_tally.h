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
#include <limits>
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
  std::vector<double> milestones;  // months, increasing
  NphPlan plan;                    // built from the above (nph_pass.h)
};

// The true values the estimates are measured against, per scenario (NaN: unknown).
struct NphTruth {
  double rmst_difference = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> milestone_difference;  // per milestone
};

class NphTally {
 public:
  NphTally() = default;
  explicit NphTally(const NphOptions& options);
  void reset();
  void merge(const NphTally& other);
  // One cohort's analyses (`analysis` from analyse_nph with options.plan).
  void add(const NphOptions& options, const NphAnalysis& analysis, double alpha,
           double confidence_level, const NphTruth& truth);
  void add_rows(const NphOptions& options, const std::string& scenario,
                std::vector<OcRow>& rows) const;

  template <class Archive>
  void visit(Archive& archive) {
    archive(fh_rejection_, fh_z_, combo_rejection_, combo_best_, rmst_rejection_, rmst_difference_,
            rmst_log_ratio_, milestone_rejection_, milestone_difference_);
  }

 private:
  std::vector<MomentAccumulator> fh_rejection_, fh_z_;
  MomentAccumulator combo_rejection_;
  std::vector<MomentAccumulator> combo_best_;  // per FH test: P(its z is the combo's minimum)
  MomentAccumulator rmst_rejection_;
  IntervalEstimateTally rmst_difference_;
  MomentAccumulator rmst_log_ratio_;
  std::vector<MomentAccumulator> milestone_rejection_;
  std::vector<IntervalEstimateTally> milestone_difference_;
};

// "fh_0_1", "rmst_24", "milestone_12" (numbers as format_number writes them).
std::string fh_label(const FhWeight& weight);

}  // namespace trialsim
