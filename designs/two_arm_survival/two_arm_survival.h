#pragma once
// Two-arm randomised study with a time-to-event endpoint (e.g. overall survival), conducted in
// calendar time: patients enter by an accrual model, are randomised in permuted blocks, may drop
// out, and the data are cut at an analysis trigger (calendar date, follow-up after the last
// entry, or a target number of events).
//
// Patient model: exponential event times. Control hazard lambda_c (per month), experimental
// hazard HR * lambda_c. Patient i draws one unit exponential E_i from the replicate's `outcomes`
// stream and one D_i from its `dropout` stream; T_i = E_i / hazard(arm_i), dropout at
// D_i / dropout_rate(arm_i). Entry times (`enrolment`) and arms (`randomisation`) are shared by
// all scenarios of a replicate, so scenarios differ only by the hazard ratio (common random
// numbers).
//
// Analysis of each cohort: one-sided log-rank test (reject when z <= -z_{1-alpha}; z < 0 favours
// the experimental arm), Cox HR with Wald CI, Kaplan–Meier survival per arm at landmarks with
// the chosen CI, medians per arm, and conduct facts (duration, events, median follow-up by
// reverse Kaplan–Meier and by the simple median of observed times). With design.estimates
// false: the log-rank test and the conduct facts but the median follow-up.
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/output.h"
#include "core/rng.h"
#include "designs/two_arm_survival/nph_tally.h"
#include "models/conduct.h"
#include "statistics/group_sequential.h"
#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/km_summary.h"
#include "statistics/survival/logrank.h"
#include "statistics/survival/two_arm_pass.h"

namespace trialsim {

struct TwoArmSurvivalDesign {
  int sample_size = 0;
  int allocation_control = 1;  // allocation ratio control : experimental
  int allocation_experimental = 1;
  AccrualModel accrual;
  double dropout_rate_control = 0.0;  // exponential dropout hazard, per month
  double dropout_rate_experimental = 0.0;
  AnalysisTiming timing;
  double alpha = 0.025;  // one-sided level of the log-rank test
  double confidence_level = 0.95;
  CiType landmark_ci = CiType::log_log;
  std::vector<double> landmarks{12.0};  // months
  CoxTies ties = CoxTies::efron;
  double duration_resolution = 0.01;  // months; quantiles of study duration are this precise
  // Group-sequential: interim analyses at these event counts (the final analysis is the
  // `timing` above), with efficacy boundaries on the benefit z scale (-log-rank z) for every look
  // (interims then final) and non-binding futility boundaries for the interims (-inf: none).
  // Empty: a single analysis tested at z_{1-alpha}.
  std::vector<int> interim_events;
  std::vector<double> efficacy_boundaries;
  std::vector<double> futility_boundaries;
  std::vector<double> information_fractions;  // of every look (for reports)
  std::string spending;                       // spending function name (for reports)
  SpendingFunction spending_function = SpendingFunction::obrien_fleming;
  double spending_gamma = 0.0;
  // Calendar-time interims instead of event counts (months since the study start; the final
  // analysis stays event-driven). Their information is not known in advance, so each cohort's
  // boundaries are computed look by look on the information it shows
  // (ObservedInformationBoundaries): spending time = events at the look / the final target,
  // information = events (log-rank; rpact's convention) or the weighted log-rank variance (the
  // FH tests of design.nph). A calendar look at or after the final analysis's cut-off is not
  // made. efficacy_boundaries is empty then.
  std::vector<double> interim_calendar;
  bool group_sequential() const noexcept {
    return !interim_events.empty() || !interim_calendar.empty();
  }
  // Interims and the final analysis (1 without interims).
  std::size_t looks() const noexcept { return 1 + interim_events.size() + interim_calendar.size(); }
  // Stratified log-rank and stratified Cox by the workspace's `stratum` (randomisation strata).
  bool stratified = false;
  // The estimation work (Cox HR and CI, Kaplan-Meier landmarks, medians per arm, reverse-KM
  // follow-up). false: only the test and the conduct facts are computed and reported, for a
  // designer who needs the test's operating characteristics alone; the log-rank results are
  // the same bits either way.
  bool estimates = true;
  // design.nph: the analyses for non-proportional hazards at the final analysis (nph_tally.h).
  NphOptions nph;
  // Tally each arm's Kaplan–Meier curve on the band grid (curves.csv, the report's simulated
  // survival bands): on with a model per arm or design.nph (with design.estimates).
  bool km_bands = false;
};

// The band grid: S(t) at t = k * TWO_ARM_BAND_STEP, k < TWO_ARM_BAND_POINTS (0..60 months),
// tallied to TWO_ARM_BAND_RESOLUTION (quantiles exact to half of it).
inline constexpr double TWO_ARM_BAND_STEP = 1.0;
inline constexpr int TWO_ARM_BAND_POINTS = 61;
inline constexpr double TWO_ARM_BAND_RESOLUTION = 0.005;

struct SurvivalScenario {
  std::string name;
  double control_hazard = 0.0;  // per month
  double hazard_ratio = 1.0;    // experimental vs control
};

// Per-thread buffers, sized once per cohort size and reused (no allocation per replicate).
struct TwoArmSurvivalWorkspace {
  std::vector<double> entry, unit_event, unit_dropout, event_time, dropout_time, time, reverse_time;
  std::vector<int> arm, status, reverse_status, analysed_arm, stratum, analysed_stratum;
  std::vector<std::uint32_t> index;
  std::vector<double> scratch;
  SurvivalWorkspace survival;
  KaplanMeierCurve curve;
  TwoArmSummary summary;  // the final look's curve summaries, from analyse_two_arm
  CoxFit cox;
  EventCutoffs cutoffs;  // the analysis cut-offs of every look
  NphAnalysis nph;       // design.nph: the final analysis's NPH analyses
  // Boundaries on observed information (calendar looks, design.nph's FH tests with interims):
  // [0] the log-rank test, [1 + j] FH test j; made on first use.
  std::vector<ObservedInformationBoundaries> boundaries;
  // Without dropout, draw_cohort lists each arm's patients by their unit event draw: the order
  // of their event times in every scenario (T = E / hazard of the arm), so the looks that need
  // the test alone (interims; every look with design.estimates false) take it straight from
  // the cut (cut_log_rank_no_dropout) without building and sorting the cohort.
  std::vector<std::uint32_t> event_order[2];
  std::vector<std::uint32_t> presort_bucket;  // draw_cohort's bucket of each unit event draw
  bool event_order_ready = false;
  // The looks a group-sequential trial made (test_looks): its per-look table (calendar time,
  // events, patients enrolled at each look's cut-off).
  struct LookRecord {
    std::size_t look;
    double calendar_time;
    double events, enrolled;
  };
  std::vector<LookRecord> looks_made;
  void resize(std::size_t n);
};

// The scenario-independent part of a replicate: entry times, arms and latent unit exponentials.
void draw_cohort(const TwoArmSurvivalDesign& design, std::uint64_t seed, std::uint64_t replicate,
                 TwoArmSurvivalWorkspace& ws);

// What one analysed cohort looked like (one row of replicates.csv).
struct SurvivalReplicateSummary {
  double study_duration;  // calendar months to the cut-off
  int patients_analysed;
  int events;
  double logrank_z;
  bool rejected;
  double hazard_ratio;  // Cox estimate; Inf/0 for an infinite estimate
};

// Monte Carlo tallies of one scenario.
class TwoArmSurvivalTally {
 public:
  explicit TwoArmSurvivalTally(const TwoArmSurvivalDesign& design);
  void reset();
  void merge(const TwoArmSurvivalTally& other);

  // Applies the scenario to the drawn cohort, cuts the data, analyses and tallies.
  SurvivalReplicateSummary simulate_and_add(const TwoArmSurvivalDesign& design,
                                            const SurvivalScenario& scenario,
                                            TwoArmSurvivalWorkspace& ws,
                                            const NphTruth& nph_truth = {});

  // The analysis part alone, for cohorts whose true times another patient model filled in:
  // ws.entry (calendar), ws.arm, ws.event_time, ws.dropout_time (own clock) and, when the
  // design is stratified, ws.stratum. `true_hazard_ratio` is the target of the Cox estimate;
  // `true_survival(arm, t)` the true S(t) per arm (NaN: unknown, coverage not tallied).
  // `nph_truth`: the true values of the design.nph estimates (NaN/empty: unknown).
  SurvivalReplicateSummary analyse_and_add(const TwoArmSurvivalDesign& design,
                                           double true_hazard_ratio,
                                           const std::function<double(int, double)>& true_survival,
                                           TwoArmSurvivalWorkspace& ws,
                                           const NphTruth& nph_truth = {});

  std::vector<OcRow> oc_rows(const TwoArmSurvivalDesign& design,
                             const SurvivalScenario& scenario) const;
  std::uint64_t replicates() const noexcept { return rejection_.count(); }
  // Calendar months from the start of accrual (time 0) to the analysis cut-off, over the cohorts
  // (for reports).
  QuantisedDistribution study_durations() const { return duration_distribution(); }
  // Per arm, the cohorts' KM estimates at each band time where estimable (design.km_bands).
  const std::vector<QuantisedDistribution>& km_band(int arm) const { return km_bands_[arm]; }
  std::uint64_t cohorts() const noexcept { return rejection_.count(); }

  // Every member, for shard files, checkpoints and MPI (core/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(rejection_, logrank_z_, efficacy_stop_, futility_stop_, look_time_, look_events_,
            look_enrolled_, cox_infinite_, log_hr_, log_hr_error_, hr_, hr_coverage_, landmarks_,
            median_reached_, duration_, events_, target_reached_, analysed_, follow_up_reverse_km_,
            follow_up_simple_, duration_distribution_, event_distribution_, pending_durations_,
            pending_events_);
    nph_.visit(archive);
    archive(km_bands_[0], km_bands_[1]);
  }

 private:
  MomentAccumulator rejection_, logrank_z_;
  std::vector<MomentAccumulator> efficacy_stop_, futility_stop_;  // per look (group-sequential)
  // Per look, over the trials that made it: calendar time, events and patients enrolled at its
  // cut-off (the per-look table; group-sequential).
  std::vector<MomentAccumulator> look_time_, look_events_, look_enrolled_;
  MomentAccumulator cox_infinite_, log_hr_, log_hr_error_, hr_, hr_coverage_;
  std::vector<IntervalEstimateTally> landmarks_;  // [arm * landmarks + k]
  MomentAccumulator median_reached_[2];
  MomentAccumulator duration_, events_, target_reached_, analysed_, follow_up_reverse_km_,
      follow_up_simple_;
  QuantisedDistribution duration_distribution_;
  QuantisedDistribution event_distribution_{1.0};
  // This tally's own durations and event counts since reset(), folded into the distributions
  // above on merge(): a per-block tally then holds at most a block of values instead of a dense
  // histogram over every duration it has ever seen, so memory stays flat as the range widens.
  std::vector<double> pending_durations_, pending_events_;
  NphTally nph_;                                    // design.nph (empty without)
  std::vector<QuantisedDistribution> km_bands_[2];  // design.km_bands (empty without)
  // The times the final analysis reads each arm's curve at (analyse_two_arm's capture times):
  // the landmarks and the band grid, ascending without repeats, and where each one is.
  std::vector<double> capture_times_;
  std::vector<std::size_t> landmark_capture_, band_capture_;
  // The truth at the landmarks and log(true HR) of the last truth_from. simulate_and_add
  // computes them once per scenario (not per replicate): they are those of the scenario whose
  // (control hazard, hazard ratio) is truth_scenario_ (NaN: none yet). Not tallied state.
  std::vector<double> landmark_truth_;
  double log_true_hazard_ratio_ = 0.0;
  double truth_scenario_[2] = {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::quiet_NaN()};
  // One look's cut and test (test_look).
  struct Look {
    CutoffResult cutoff{};
    LogRankResult logrank{};
    std::size_t analysed = 0;   // patients entered before the cut-off
    std::size_t events = 0;     // events at the cut, when the cohort was not built
    bool cohort_built = true;   // the cut cohort is in ws (false: the test came from the cut)
    bool curves_ready = false;  // analyse_two_arm has filled ws.summary and the Cox risk table
  };
  // The test through the looks (test_looks): the look that ended the trial and its verdict.
  struct Trial {
    Look look;
    bool rejected = false, futility_stop = false;
    std::size_t stopped_at = 0;  // index of that look
  };
  Look test_look(const TwoArmSurvivalDesign& design, std::size_t k, std::size_t looks,
                 TwoArmSurvivalWorkspace& ws, bool presorted) const;
  LogRankResult analyse_final_runs(Look& look, TwoArmSurvivalWorkspace& ws) const;
  Trial test_looks(const TwoArmSurvivalDesign& design, TwoArmSurvivalWorkspace& ws,
                   bool presorted) const;
  // What the estimates are compared with: the true hazard ratio and its log (NaN: none), and
  // the true S(t) at each landmark, [arm * landmarks + k] (NaN: unknown).
  struct Truth {
    double hazard_ratio = 0.0, log_hazard_ratio = 0.0;
    std::span<const double> landmark_survival;
  };
  // Truth from the true hazard ratio and S(arm, t), held in landmark_truth_ and
  // log_true_hazard_ratio_.
  Truth truth_from(const TwoArmSurvivalDesign& design, double true_hazard_ratio,
                   const std::function<double(int, double)>& true_survival);
  // analyse_and_add; `presorted`: ws.event_order lists each arm's patients by event time and
  // nobody drops out (simulate_and_add after draw_cohort).
  SurvivalReplicateSummary analyse(const TwoArmSurvivalDesign& design, const Truth& truth,
                                   TwoArmSurvivalWorkspace& ws, bool presorted,
                                   const NphTruth& nph_truth);
  // design.nph: the NPH analyses of the final look's cut cohort (ws.survival.sorted, built here
  // when the look computed the test alone), tallied.
  void add_nph(const TwoArmSurvivalDesign& design, Look& look, TwoArmSurvivalWorkspace& ws,
               const NphTruth& truth);
  // design.nph with interims: each FH test's group-sequential trial (two_arm_survival.cpp).
  void add_sequential_nph(const TwoArmSurvivalDesign& design, TwoArmSurvivalWorkspace& ws);
  void add_test_and_conduct(const CutoffResult& cutoff, const LogRankResult& logrank, bool rejected,
                            std::size_t m, std::size_t events);
  void add_cox_estimate(const TwoArmSurvivalDesign& design, const Truth& truth, std::size_t m,
                        TwoArmSurvivalWorkspace& ws);
  void add_landmarks(const TwoArmSurvivalDesign& design, const Truth& truth,
                     const TwoArmSurvivalWorkspace& ws);
  void add_follow_up(std::size_t m, const TwoArmSurvivalWorkspace& ws);
  // design.estimates false: tallies the test and the conduct facts but follow-up.
  SurvivalReplicateSummary add_test_only(const CutoffResult& cutoff, const LogRankResult& logrank,
                                         bool rejected, std::size_t m, std::size_t events);
  // Events in the cut cohort (ws.survival.sorted, or stratified the m cut statuses).
  static std::size_t count_events(const TwoArmSurvivalDesign& design, std::size_t m,
                                  const TwoArmSurvivalWorkspace& ws);
  // The rows of the estimates (Cox, Kaplan-Meier landmarks, medians), in oc.csv order.
  void add_estimate_rows(const TwoArmSurvivalDesign& design, const SurvivalScenario& scenario,
                         std::vector<OcRow>& rows) const;
  // The distributions with the pending values added (what oc_rows reports).
  QuantisedDistribution duration_distribution() const;
  QuantisedDistribution event_distribution() const;
};

// Schoenfeld (1981) approximation to the power of the one-sided log-rank test with D events and
// allocation fraction r to the experimental arm: Phi(sqrt(D r (1-r)) |log HR| - z_{1-alpha}).
double schoenfeld_power(double events, double hazard_ratio, double alpha,
                        double allocation_experimental);

}  // namespace trialsim
