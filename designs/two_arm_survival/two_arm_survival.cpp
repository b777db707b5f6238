#include "designs/two_arm_survival/two_arm_survival.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "core/double2.h"
#include "core/samplers.h"

namespace trialsim {

void TwoArmSurvivalWorkspace::resize(std::size_t n) {
  for (auto* v :
       {&entry, &unit_event, &unit_dropout, &event_time, &dropout_time, &time, &reverse_time}) {
    v->resize(n);
  }
  for (auto* v : {&arm, &status, &reverse_status, &analysed_arm}) v->resize(n);
  index.resize(n);
  scratch.reserve(n);
}

void draw_cohort(const TwoArmSurvivalDesign& design, std::uint64_t seed, std::uint64_t replicate,
                 TwoArmSurvivalWorkspace& ws) {
  const auto n = static_cast<std::size_t>(design.sample_size);
  ws.resize(n);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  sample_entry_times(design.accrual, enrolment, ws.entry, ws.scratch);

  // Permuted blocks of 2 * (a_c + a_e): within a block, a Fisher–Yates shuffle of the fixed
  // allocation list, so every block is balanced to the allocation ratio.
  Rng randomisation = make_stream(seed, replicate, StreamPurpose::randomisation);
  const std::size_t block =
      2 * static_cast<std::size_t>(design.allocation_control + design.allocation_experimental);
  const std::size_t control_per_block = 2 * static_cast<std::size_t>(design.allocation_control);
  for (std::size_t start = 0; start < n; start += block) {
    const std::size_t end = std::min(n, start + block);
    int list[64];  // block <= 64 is enforced by the config (allocation ratios up to 16:16)
    for (std::size_t j = 0; j < block; ++j) list[j] = j < control_per_block ? 0 : 1;
    for (std::size_t j = block - 1; j > 0; --j) {
      const auto k =
          static_cast<std::size_t>(uniform01(randomisation) * static_cast<double>(j + 1));
      std::swap(list[j], list[k]);
    }
    for (std::size_t i = start; i < end; ++i) ws.arm[i] = list[i - start];
  }

  Rng outcomes = make_stream(seed, replicate, StreamPurpose::outcomes);
  // Dropout has a stream of its own, so without dropout it need not be drawn at all (unused:
  // dropout times are NEVER) and nothing else changes.
  ws.event_order_ready = false;
  const bool dropout = design.dropout_rate_control > 0.0 || design.dropout_rate_experimental > 0.0;
  // Each arm's patients by unit event draw, sorted once here for all scenarios (ties in any
  // order): every unstratified look is then cut from them (cut_log_rank_no_dropout for the test
  // alone, cut_runs_no_dropout and a merge for the final analysis) and none sorts its cohort.
  // Entry times are sorted, as the cut requires. Not with dropout, nor for a single look with
  // the NPH analyses, which sort the cut cohort anyway (add_nph) and share it with the final
  // analysis.
  if (dropout || design.stratified || (design.nph.enabled && !design.group_sequential())) {
    for (std::size_t i = 0; i < n; ++i) ws.unit_event[i] = exponential(1.0, outcomes);
    if (dropout) {
      Rng dropout_stream = make_stream(seed, replicate, StreamPurpose::dropout);
      for (std::size_t i = 0; i < n; ++i) ws.unit_dropout[i] = exponential(1.0, dropout_stream);
    }
    return;
  }
  // Sorted in 2n buckets of equal width in 1 - U, U the uniform each draw inverted (draws in
  // decreasing U), which holds about as many draws each as the uniform does: equal-width buckets
  // of the draws themselves crowd near 0, where the exponential density is highest.
  auto& records = ws.survival.sorted_scratch;
  records.resize(n);
  const std::size_t buckets = 2 * n;
  ws.presort_bucket.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double uniform;
    ws.unit_event[i] = exponential(1.0, outcomes, uniform);
    records[i] = {ws.unit_event[i], static_cast<std::uint32_t>(i), 0,
                  static_cast<std::uint8_t>(ws.arm[i])};
    ws.presort_bucket[i] = static_cast<std::uint32_t>(std::min(
        buckets - 1, static_cast<std::size_t>((1.0 - uniform) * static_cast<double>(buckets))));
  }
  sort_cohort_records(ws.survival, ws.presort_bucket, buckets);
  for (int a = 0; a < 2; ++a) ws.event_order[a].resize(n);
  // The two counts in registers, as arm_extents counts: `count[s.arm] += 1` made each increment
  // wait for the store of the one before.
  std::size_t count0 = 0, count1 = 0;
  for (const SortedSubject& s : ws.survival.sorted) {
    // Written to both lists, kept in its own arm's (no branch on the arm).
    ws.event_order[0][count0] = s.index;
    ws.event_order[1][count1] = s.index;
    count1 += s.arm;
    count0 += 1u - s.arm;
  }
  ws.event_order[0].resize(count0);
  ws.event_order[1].resize(count1);
  ws.event_order_ready = true;
}

TwoArmSurvivalTally::TwoArmSurvivalTally(const TwoArmSurvivalDesign& design)
    : efficacy_stop_(design.group_sequential() ? design.looks() : 0),
      futility_stop_(design.group_sequential() ? design.looks() : 0),
      look_time_(design.group_sequential() ? design.looks() : 0),
      look_events_(design.group_sequential() ? design.looks() : 0),
      look_enrolled_(design.group_sequential() ? design.looks() : 0),
      landmarks_(2 * design.landmarks.size()),
      duration_distribution_(design.duration_resolution),
      nph_(design.nph, design.looks()) {
  std::vector<double> band_times;
  if (design.km_bands) {
    for (auto& band : km_bands_)
      band.assign(TWO_ARM_BAND_POINTS, QuantisedDistribution(TWO_ARM_BAND_RESOLUTION));
    for (int k = 0; k < TWO_ARM_BAND_POINTS; ++k)
      band_times.push_back(static_cast<double>(k) * TWO_ARM_BAND_STEP);
  }
  capture_times_ = design.landmarks;
  capture_times_.insert(capture_times_.end(), band_times.begin(), band_times.end());
  std::sort(capture_times_.begin(), capture_times_.end());
  capture_times_.erase(std::unique(capture_times_.begin(), capture_times_.end()),
                       capture_times_.end());
  const auto position = [&](double t) {
    return static_cast<std::size_t>(
        std::lower_bound(capture_times_.begin(), capture_times_.end(), t) - capture_times_.begin());
  };
  for (const double t : design.landmarks) landmark_capture_.push_back(position(t));
  for (const double t : band_times) band_capture_.push_back(position(t));
}

void TwoArmSurvivalTally::reset() {
  for (auto& landmark : landmarks_) landmark = {};
  for (auto& a : efficacy_stop_) a = {};
  for (auto& a : futility_stop_) a = {};
  for (auto* per_look : {&look_time_, &look_events_, &look_enrolled_})
    for (auto& a : *per_look) a = {};
  rejection_ = logrank_z_ = cox_infinite_ = log_hr_ = log_hr_error_ = hr_ = hr_coverage_ = {};
  median_reached_[0] = median_reached_[1] = {};
  duration_ = events_ = target_reached_ = analysed_ = follow_up_reverse_km_ =
      follow_up_simple_ = {};
  duration_distribution_.reset();
  event_distribution_.reset();
  pending_durations_.clear();
  pending_events_.clear();
  nph_.reset();
  for (auto& band : km_bands_) {
    for (auto& at_time : band) at_time.reset();
  }
}

void TwoArmSurvivalTally::merge(const TwoArmSurvivalTally& o) {
  rejection_.merge(o.rejection_);
  for (std::size_t k = 0; k < efficacy_stop_.size(); ++k) {
    efficacy_stop_[k].merge(o.efficacy_stop_[k]);
    futility_stop_[k].merge(o.futility_stop_[k]);
    look_time_[k].merge(o.look_time_[k]);
    look_events_[k].merge(o.look_events_[k]);
    look_enrolled_[k].merge(o.look_enrolled_[k]);
  }
  logrank_z_.merge(o.logrank_z_);
  cox_infinite_.merge(o.cox_infinite_);
  log_hr_.merge(o.log_hr_);
  log_hr_error_.merge(o.log_hr_error_);
  hr_.merge(o.hr_);
  hr_coverage_.merge(o.hr_coverage_);
  for (std::size_t k = 0; k < landmarks_.size(); ++k) landmarks_[k].merge(o.landmarks_[k]);
  for (int a = 0; a < 2; ++a) median_reached_[a].merge(o.median_reached_[a]);
  duration_.merge(o.duration_);
  events_.merge(o.events_);
  target_reached_.merge(o.target_reached_);
  analysed_.merge(o.analysed_);
  follow_up_reverse_km_.merge(o.follow_up_reverse_km_);
  follow_up_simple_.merge(o.follow_up_simple_);
  duration_distribution_.merge(o.duration_distribution_);
  event_distribution_.merge(o.event_distribution_);
  for (const double d : pending_durations_) duration_distribution_.add(d);
  for (const double e : pending_events_) event_distribution_.add(e);
  pending_durations_.clear();
  pending_events_.clear();
  for (const double d : o.pending_durations_) duration_distribution_.add(d);
  for (const double e : o.pending_events_) event_distribution_.add(e);
  nph_.merge(o.nph_);
  for (int a = 0; a < 2; ++a) {
    for (std::size_t k = 0; k < km_bands_[a].size(); ++k) km_bands_[a][k].merge(o.km_bands_[a][k]);
  }
}

SurvivalReplicateSummary TwoArmSurvivalTally::simulate_and_add(const TwoArmSurvivalDesign& design,
                                                               const SurvivalScenario& scenario,
                                                               TwoArmSurvivalWorkspace& ws,
                                                               const NphTruth& nph_truth) {
  const std::size_t n = ws.entry.size();
  const double hazard[2] = {scenario.control_hazard,
                            scenario.control_hazard * scenario.hazard_ratio};
  const double dropout_rate[2] = {design.dropout_rate_control, design.dropout_rate_experimental};
  // Two patients per packed division (each lane the correctly rounded quotient, as a scalar
  // division's): the loop waits on the divider.
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) {
    const Double2 unit = {ws.unit_event[i], ws.unit_event[i + 1]};
    const Double2 time = unit / Double2{hazard[ws.arm[i]], hazard[ws.arm[i + 1]]};
    ws.event_time[i] = time[0];
    ws.event_time[i + 1] = time[1];
  }
  for (; i < n; ++i) ws.event_time[i] = ws.unit_event[i] / hazard[ws.arm[i]];
  if (dropout_rate[0] > 0.0 || dropout_rate[1] > 0.0) {
    for (std::size_t j = 0; j < n; ++j) {
      const int a = ws.arm[j];
      ws.dropout_time[j] = dropout_rate[a] > 0.0 ? ws.unit_dropout[j] / dropout_rate[a] : NEVER;
    }
  } else {
    std::fill(ws.dropout_time.begin(), ws.dropout_time.begin() + static_cast<std::ptrdiff_t>(n),
              NEVER);
  }
  // The truth depends on the scenario alone: computed for its first replicate, then reused.
  if (!(truth_scenario_[0] == scenario.control_hazard &&
        truth_scenario_[1] == scenario.hazard_ratio)) {
    truth_from(design, scenario.hazard_ratio,
               [&](int arm, double t) { return std::exp(-hazard[arm] * t); });
    truth_scenario_[0] = scenario.control_hazard;
    truth_scenario_[1] = scenario.hazard_ratio;
  }
  return analyse(design, {scenario.hazard_ratio, log_true_hazard_ratio_, landmark_truth_}, ws,
                 ws.event_order_ready && !design.stratified && dropout_rate[0] == 0.0 &&
                     dropout_rate[1] == 0.0,
                 nph_truth);
}

TwoArmSurvivalTally::Truth TwoArmSurvivalTally::truth_from(
    const TwoArmSurvivalDesign& design, double true_hazard_ratio,
    const std::function<double(int, double)>& true_survival) {
  const std::size_t landmark_count = design.landmarks.size();
  landmark_truth_.resize(2 * landmark_count);
  for (int a = 0; a < 2; ++a)
    for (std::size_t k = 0; k < landmark_count; ++k)
      landmark_truth_[static_cast<std::size_t>(a) * landmark_count + k] =
          true_survival(a, design.landmarks[k]);
  log_true_hazard_ratio_ = std::isfinite(true_hazard_ratio)
                               ? std::log(true_hazard_ratio)
                               : std::numeric_limits<double>::quiet_NaN();
  return {true_hazard_ratio, log_true_hazard_ratio_, landmark_truth_};
}

SurvivalReplicateSummary TwoArmSurvivalTally::analyse_and_add(
    const TwoArmSurvivalDesign& design, double true_hazard_ratio,
    const std::function<double(int, double)>& true_survival, TwoArmSurvivalWorkspace& ws,
    const NphTruth& nph_truth) {
  return analyse(design, truth_from(design, true_hazard_ratio, true_survival), ws, false,
                 nph_truth);
}

namespace {

// The data cut at a cut-off: the analysed patients as a sorted cohort in ws.survival.sorted (the
// unstratified analyses) or, stratified, as (time, status, arm, stratum) arrays in ws. Returns
// the cut-off; `analysed` is the number of patients analysed.
CutoffResult cut_cohort(const TwoArmSurvivalDesign& design, const CutoffResult& cut,
                        TwoArmSurvivalWorkspace& ws, std::size_t& analysed) {
  if (!design.stratified) {
    analysed = cut_sorted(cut.calendar_time, ws.entry, ws.event_time, ws.dropout_time, ws.arm,
                          ws.survival);
    return cut;
  }
  const std::size_t m = cut_data(cut.calendar_time, ws.entry, ws.event_time, ws.dropout_time,
                                 ws.time, ws.status, ws.index);
  for (std::size_t j = 0; j < m; ++j) ws.analysed_arm[j] = ws.arm[ws.index[j]];
  ws.analysed_stratum.resize(ws.entry.size());
  for (std::size_t j = 0; j < m; ++j) ws.analysed_stratum[j] = ws.stratum[ws.index[j]];
  analysed = m;
  return cut;
}

// The stratified cut cohort (cut_cohort with design.stratified) as survival data.
SurvivalData stratified_data(const TwoArmSurvivalWorkspace& ws, std::size_t m) {
  return SurvivalData{std::span<const double>(ws.time.data(), m),
                      std::span<const int>(ws.status.data(), m),
                      std::span<const int>(ws.analysed_arm.data(), m),
                      std::span<const int>(ws.analysed_stratum.data(), m)};
}

// The cut-off of look k of `looks`: the final analysis by design.timing, an interim by its
// event count or its calendar month.
CutoffResult look_cutoff(const TwoArmSurvivalDesign& design, std::size_t k, std::size_t looks,
                         TwoArmSurvivalWorkspace& ws) {
  if (k + 1 == looks) return ws.cutoffs.cutoff(design.timing);
  if (!design.interim_calendar.empty()) return {design.interim_calendar[k], true};
  AnalysisTiming timing = design.timing;
  timing.target_events = design.interim_events[k];
  return ws.cutoffs.cutoff(timing);
}

// The per-cohort boundary trackers, reset for a new cohort (made once per workspace).
void prepare_boundaries(const TwoArmSurvivalDesign& design, TwoArmSurvivalWorkspace& ws) {
  const std::size_t wanted = 1 + (design.nph.enabled ? design.nph.fleming_harrington.size() : 0);
  if (ws.boundaries.size() != wanted) {
    ws.boundaries.assign(wanted,
                         ObservedInformationBoundaries(design.alpha, design.spending_function,
                                                       design.spending_gamma));
  }
  for (auto& b : ws.boundaries) b.reset();
}

}  // namespace

// Look k of `looks` (the last is the final analysis at design.timing, the others at their
// interim event counts): cut the data and compute the log-rank test, by the cheapest route the
// look allows. A step of its own because the three routes (straight from the cut, stratified,
// sorted cohort) are one choice, made once per look.
TwoArmSurvivalTally::Look TwoArmSurvivalTally::test_look(const TwoArmSurvivalDesign& design,
                                                         std::size_t k, std::size_t looks,
                                                         TwoArmSurvivalWorkspace& ws,
                                                         bool presorted) const {
  Look look;
  const CutoffResult cut = look_cutoff(design, k, looks, ws);
  if (presorted && (k + 1 < looks || !design.estimates)) {
    // A look that needs the test alone: straight from the cut, without building the cohort.
    look.cutoff = cut;
    const CutLogRank cut =
        cut_log_rank_no_dropout(look.cutoff.calendar_time, ws.entry, ws.event_time, ws.arm,
                                ws.event_order[0], ws.event_order[1], ws.scratch);
    look.logrank = cut.test;
    look.analysed = cut.analysed;
    look.events = cut.events;
    look.cohort_built = false;
  } else if (presorted) {
    // The final look with estimates: the test, the curves and the Cox risk table in one pass over
    // the cut's runs.
    look.cutoff = cut;
    look.logrank = analyse_final_runs(look, ws);
  } else if (design.stratified) {
    look.cutoff = cut_cohort(design, cut, ws, look.analysed);
    look.logrank = log_rank(stratified_data(ws, look.analysed), ws.survival, true);
  } else {
    look.cutoff = cut_cohort(design, cut, ws, look.analysed);
    if (k + 1 == looks && design.estimates) {
      // Surely the last look: the test, the curves and the Cox risk table in one pass.
      look.logrank = analyse_two_arm(ws.survival.sorted, capture_times_, ws.survival, ws.summary);
      look.curves_ready = true;
    } else {
      look.logrank = log_rank(ws.survival.sorted);
    }
  }
  return look;
}

// The final analysis of a look without dropout or strata (`presorted`), from the runs of its cut:
// sets the look's patients, events and curves (ws.summary); returns the log-rank test.
LogRankResult TwoArmSurvivalTally::analyse_final_runs(Look& look,
                                                      TwoArmSurvivalWorkspace& ws) const {
  const CohortRuns runs =
      cut_runs_no_dropout(look.cutoff.calendar_time, ws.entry, ws.event_time, ws.arm,
                          ws.event_order[0], ws.event_order[1], ws.scratch);
  const LogRankResult test = analyse_two_arm(runs, capture_times_, ws.survival, ws.summary);
  look.analysed = runs.size();
  look.events = ws.summary.events;
  look.cohort_built = false;
  look.curves_ready = true;
  return test;
}

// The trial's test through its looks. Group-sequential: stop at the first look whose benefit z
// (-log-rank z) crosses the efficacy boundary, or falls below a futility boundary (followed
// here; the boundaries were computed without it: non-binding). Event looks use the design's
// boundaries; calendar looks the cohort's own, on the events each look observed
// (ObservedInformationBoundaries), and a calendar look at or after the final cut-off is not
// made. Without interims, one look tested at z_{1-alpha}.
TwoArmSurvivalTally::Trial TwoArmSurvivalTally::test_looks(const TwoArmSurvivalDesign& design,
                                                           TwoArmSurvivalWorkspace& ws,
                                                           bool presorted) const {
  const std::size_t looks = design.looks();
  const bool calendar = !design.interim_calendar.empty();
  const double final_cut = calendar ? ws.cutoffs.cutoff(design.timing).calendar_time : 0.0;
  if (calendar) prepare_boundaries(design, ws);
  Trial trial;
  trial.stopped_at = looks - 1;
  ws.looks_made.clear();
  for (std::size_t k = 0; k < looks; ++k) {
    const bool last = k + 1 == looks;
    if (calendar && !last && design.interim_calendar[k] >= final_cut) continue;
    trial.look = test_look(design, k, looks, ws, presorted);
    const double z = trial.look.logrank.z;
    if (!design.group_sequential()) {
      trial.rejected = z <= -normal_critical_value(1.0 - 2.0 * design.alpha);  // NaN never rejects
      break;
    }
    const std::size_t events =
        trial.look.cohort_built ? count_events(design, trial.look.analysed, ws) : trial.look.events;
    ws.looks_made.push_back({k, trial.look.cutoff.calendar_time, static_cast<double>(events),
                             static_cast<double>(trial.look.analysed)});
    double boundary = 0.0;
    if (calendar) {
      const auto d = static_cast<double>(events);
      boundary = ws.boundaries[0].next(last ? 1.0 : d / design.timing.target_events, d);
    } else {
      boundary = design.efficacy_boundaries[k];
    }
    if (-z >= boundary) {
      trial.rejected = true;
      trial.stopped_at = k;
      break;
    }
    if (!last && -z < design.futility_boundaries[k]) {
      trial.stopped_at = k;
      trial.futility_stop = true;
      break;
    }
  }
  return trial;
}

// One replicate's analysis, in steps that each answer one question: the test through the looks
// (test_looks: did the trial reject, and where did it stop?), the stop tallies, the test and the
// conduct facts, then, with design.estimates, one step per family of estimates read off the
// final look's one-pass analysis (Cox, Kaplan–Meier landmarks and medians, follow-up).
SurvivalReplicateSummary TwoArmSurvivalTally::analyse(const TwoArmSurvivalDesign& design,
                                                      const Truth& truth,
                                                      TwoArmSurvivalWorkspace& ws, bool presorted,
                                                      const NphTruth& nph_truth) {
  // The event times are collected once for the cut-offs of all looks (models/conduct.h).
  if (presorted) {
    // Each arm's longest event time is that of its last patient in event order.
    double longest = 0.0;
    for (const auto& order : ws.event_order)
      if (!order.empty()) longest = std::max(longest, ws.event_time[order.back()]);
    ws.cutoffs.prepare_no_dropout(design.timing, ws.entry, ws.event_time, ws.dropout_time, longest);
  } else {
    ws.cutoffs.prepare(design.timing, ws.entry, ws.event_time, ws.dropout_time);
  }
  // design.nph with interims: each FH test's own trial through the looks, first (it leaves
  // ws.survival to the log-rank trial, which builds what it needs).
  if (design.nph.enabled && design.group_sequential()) add_sequential_nph(design, ws);
  const Trial trial = test_looks(design, ws, presorted);
  for (std::size_t j = 0; j < efficacy_stop_.size(); ++j) {
    const bool stopped_here = j == trial.stopped_at;
    efficacy_stop_[j].add(trial.rejected && stopped_here ? 1.0 : 0.0);
    futility_stop_[j].add(trial.futility_stop && stopped_here ? 1.0 : 0.0);
  }
  for (const auto& made : ws.looks_made) {
    look_time_[made.look].add(made.calendar_time);
    look_events_[made.look].add(made.events);
    look_enrolled_[made.look].add(made.enrolled);
  }
  Look look = trial.look;
  if (design.nph.enabled && !design.group_sequential()) add_nph(design, look, ws, nph_truth);
  if (!design.estimates) {
    if (look.cohort_built) look.events = count_events(design, look.analysed, ws);
    return add_test_only(look.cutoff, look.logrank, trial.rejected, look.analysed, look.events);
  }
  // Kaplan-Meier curves (pooled over strata), reverse Kaplan-Meier and the Cox risk table, of the
  // cohort at the look that ended the trial, if that look computed the test alone.
  if (!look.curves_ready && presorted && !look.cohort_built) {
    analyse_final_runs(look, ws);
  } else if (!look.curves_ready) {
    if (!look.cohort_built)
      look.analysed = cut_sorted(look.cutoff.calendar_time, ws.entry, ws.event_time,
                                 ws.dropout_time, ws.arm, ws.survival);
    if (design.stratified) sort_cohort(stratified_data(ws, look.analysed), ws.survival);
    analyse_two_arm(ws.survival.sorted, capture_times_, ws.survival, ws.summary);
  }
  const std::size_t m = look.analysed;
  const auto events = static_cast<int>(ws.summary.events);

  add_test_and_conduct(look.cutoff, look.logrank, trial.rejected, m,
                       static_cast<std::size_t>(events));
  add_cox_estimate(design, truth, m, ws);
  add_landmarks(design, truth, ws);
  add_follow_up(m, ws);
  return {look.cutoff.calendar_time,
          static_cast<int>(m),
          events,
          look.logrank.z,
          trial.rejected,
          ws.cox.coef.empty() ? std::numeric_limits<double>::quiet_NaN() : ws.cox.coef[0].hr};
}

void TwoArmSurvivalTally::add_nph(const TwoArmSurvivalDesign& design, Look& look,
                                  TwoArmSurvivalWorkspace& ws, const NphTruth& truth) {
  if (!look.cohort_built) {
    look.analysed = cut_sorted(look.cutoff.calendar_time, ws.entry, ws.event_time, ws.dropout_time,
                               ws.arm, ws.survival);
    look.cohort_built = true;
  }
  // Stratified cuts keep arrays; the NPH analyses are unstratified (pooled over strata).
  if (design.stratified) sort_cohort(stratified_data(ws, look.analysed), ws.survival);
  analyse_nph(ws.survival.sorted, design.nph.plan, ws.nph);
  nph_.add(design.nph, ws.nph, design.alpha, design.confidence_level, truth);
}

// design.nph with interims: every FH test of the set runs its own group-sequential trial on the
// looks of the log-rank trial, with Lan-DeMets boundaries on its observed information (the
// weighted log-rank variance) at the spending time events / final target (ObservedInformation-
// Boundaries; 1 at the final look) and the design's non-binding futility bounds, followed. The
// looks are cut while some test is still running; a calendar look at or after the final
// cut-off is not made. Unstratified, as the fixed-sample NPH analyses.
void TwoArmSurvivalTally::add_sequential_nph(const TwoArmSurvivalDesign& design,
                                             TwoArmSurvivalWorkspace& ws) {
  prepare_boundaries(design, ws);
  const std::size_t looks = design.looks(), tests = design.nph.fleming_harrington.size();
  std::array<SequentialTestOutcome, MAX_FH_TESTS> outcome{};
  std::size_t running = tests;
  const double final_cut = ws.cutoffs.cutoff(design.timing).calendar_time;
  for (std::size_t k = 0; k < looks && running > 0; ++k) {
    const bool last = k + 1 == looks;
    const CutoffResult cut = look_cutoff(design, k, looks, ws);
    if (!last && cut.calendar_time >= final_cut) continue;
    cut_sorted(cut.calendar_time, ws.entry, ws.event_time, ws.dropout_time, ws.arm, ws.survival);
    std::size_t events = 0;
    for (const SortedSubject& subject : ws.survival.sorted) events += subject.status;
    analyse_nph(ws.survival.sorted, design.nph.plan, ws.nph);
    const double spending_time =
        last ? 1.0 : static_cast<double>(events) / design.timing.target_events;
    for (std::size_t j = 0; j < tests; ++j) {
      SequentialTestOutcome& o = outcome[j];
      if (o.stopped) continue;
      const double z = ws.nph.fh.z[j];
      const double c = ws.boundaries[1 + j].next(spending_time, ws.nph.fh.covariance[j][j]);
      o.stopped_at = k;
      o.z = z;
      o.rejected = -z >= c;  // NaN never rejects
      o.futility_stop = !o.rejected && !last && -z < design.futility_boundaries[k];
      o.stopped = o.rejected || o.futility_stop || last;
      if (o.stopped) --running;
    }
  }
  nph_.add_sequential(std::span<const SequentialTestOutcome>(outcome.data(), tests));
}

// Cox HR (experimental vs control) with Wald CI, and its bias and coverage of the truth.
void TwoArmSurvivalTally::add_cox_estimate(const TwoArmSurvivalDesign& design, const Truth& truth,
                                           std::size_t m, TwoArmSurvivalWorkspace& ws) {
  CoxOptions cox_options;
  cox_options.ties = design.ties;
  cox_options.level = design.confidence_level;
  cox_options.stratified = design.stratified;
  cox_options.loglik = false;  // the tally reads the coefficient alone
  if (design.stratified) {
    cox_ph_arm(stratified_data(ws, m), ws.survival, ws.cox, cox_options);
  } else {
    cox_ph_arm_from_table(ws.survival, ws.cox, cox_options);
  }
  const bool finite =
      ws.cox.status == CoxStatus::converged && !ws.cox.coef.empty() && !ws.cox.coef[0].infinite;
  cox_infinite_.add(finite ? 0.0 : 1.0);
  if (finite) {
    const CoxCoefficient& c = ws.cox.coef[0];
    log_hr_.add(c.beta);
    hr_.add(c.hr);
    // Without a true hazard ratio (arms whose hazards are not proportional) there is no bias or
    // coverage of one to tally.
    if (std::isfinite(truth.hazard_ratio)) {
      log_hr_error_.add(c.beta - truth.log_hazard_ratio);
      hr_coverage_.add(c.lower <= truth.hazard_ratio && truth.hazard_ratio <= c.upper ? 1.0 : 0.0);
    }
  }
}

// Kaplan–Meier per arm (ws.summary): landmarks with their CIs against the truth, and whether
// the median is reached.
void TwoArmSurvivalTally::add_landmarks(const TwoArmSurvivalDesign& design, const Truth& truth,
                                        const TwoArmSurvivalWorkspace& ws) {
  const std::size_t landmark_count = design.landmarks.size();
  const double z = normal_critical_value(design.confidence_level);
  for (int a = 0; a < 2; ++a) {
    const ArmCurveSummary& curve = ws.summary.arm[a];
    for (std::size_t k = 0; k < landmark_count; ++k) {
      const double t = design.landmarks[k];
      const std::size_t index = static_cast<std::size_t>(a) * landmark_count + k;
      const LandmarkEstimate est = curve.landmark(landmark_capture_[k], t, design.landmark_ci, z);
      const bool usable = est.estimable && std::isfinite(est.lower) && std::isfinite(est.upper);
      landmarks_[index].add(usable, est.surv, est.lower, est.upper, truth.landmark_survival[index]);
    }
    median_reached_[a].add(curve.median_reached ? 1.0 : 0.0);
    // The curve on the band grid (not estimable beyond the arm's follow-up: not tallied; the
    // estimate alone, no interval).
    for (std::size_t k = 0; k < km_bands_[a].size(); ++k) {
      const double surv =
          curve.surv_at(band_capture_[k], static_cast<double>(k) * TWO_ARM_BAND_STEP);
      if (!std::isnan(surv)) km_bands_[a][k].add(surv);
    }
  }
}

// Median follow-up: reverse Kaplan–Meier (censoring as the event; Schemper & Smith 1996) and
// the simple median of the m observed times (from the one-pass analysis).
void TwoArmSurvivalTally::add_follow_up(std::size_t m, const TwoArmSurvivalWorkspace& ws) {
  if (ws.summary.reverse_median) follow_up_reverse_km_.add(*ws.summary.reverse_median);
  if (m > 0) follow_up_simple_.add(ws.summary.observed_time_median);
}

std::size_t TwoArmSurvivalTally::count_events(const TwoArmSurvivalDesign& design, std::size_t m,
                                              const TwoArmSurvivalWorkspace& ws) {
  std::size_t events = 0;
  if (!design.stratified) {
    for (const SortedSubject& s : ws.survival.sorted) events += s.status;
  } else {
    for (std::size_t j = 0; j < m; ++j) events += static_cast<std::size_t>(ws.status[j]);
  }
  return events;
}

// The test and the conduct facts at the look that ended the trial.
void TwoArmSurvivalTally::add_test_and_conduct(const CutoffResult& cutoff,
                                               const LogRankResult& logrank, bool rejected,
                                               std::size_t m, std::size_t events) {
  duration_.add(cutoff.calendar_time);
  pending_durations_.push_back(cutoff.calendar_time);
  events_.add(static_cast<double>(events));
  pending_events_.push_back(static_cast<double>(events));
  target_reached_.add(cutoff.target_reached ? 1.0 : 0.0);
  analysed_.add(static_cast<double>(m));
  rejection_.add(rejected ? 1.0 : 0.0);
  if (std::isfinite(logrank.z)) logrank_z_.add(logrank.z);
}

SurvivalReplicateSummary TwoArmSurvivalTally::add_test_only(const CutoffResult& cutoff,
                                                            const LogRankResult& logrank,
                                                            bool rejected, std::size_t m,
                                                            std::size_t events) {
  add_test_and_conduct(cutoff, logrank, rejected, m, events);
  return {cutoff.calendar_time,
          static_cast<int>(m),
          static_cast<int>(events),
          logrank.z,
          rejected,
          std::numeric_limits<double>::quiet_NaN()};
}

QuantisedDistribution TwoArmSurvivalTally::duration_distribution() const {
  QuantisedDistribution d = duration_distribution_;
  for (const double v : pending_durations_) d.add(v);
  return d;
}

QuantisedDistribution TwoArmSurvivalTally::event_distribution() const {
  QuantisedDistribution d = event_distribution_;
  for (const double v : pending_events_) d.add(v);
  return d;
}

namespace {

std::string landmark_label(double t) {
  std::string text = format_number(t);
  return "t" + text;
}

}  // namespace

std::vector<OcRow> TwoArmSurvivalTally::oc_rows(const TwoArmSurvivalDesign& design,
                                                const SurvivalScenario& scenario) const {
  std::vector<OcRow> rows;
  const auto add = [&](const std::string& analysis, const std::string& metric,
                       const MomentAccumulator& acc, double shift = 0.0) {
    rows.push_back({scenario.name, analysis, metric, acc.mean() - shift, acc.mcse(), acc.count()});
  };
  const auto add_quantiles = [&](const std::string& analysis, const std::string& stem,
                                 const DiscreteDistribution& d) {
    for (const auto& [suffix, q] :
         {std::pair{"_q025", 0.025}, std::pair{"_q50", 0.5}, std::pair{"_q975", 0.975}}) {
      rows.push_back(
          {scenario.name, analysis, stem + suffix, d.quantile(q), d.quantile_mcse(q), d.count()});
    }
  };
  add("logrank", "rejection_probability", rejection_);
  add("logrank", "mean_z", logrank_z_);
  for (std::size_t k = 0; k < efficacy_stop_.size(); ++k) {
    const std::string look = "look" + std::to_string(k + 1);
    add("group_sequential", "efficacy_stop_probability_" + look, efficacy_stop_[k]);
    // The per-look table: over the trials that made look k.
    add(look, "calendar_time_mean", look_time_[k]);
    add(look, "events_at_look_mean", look_events_[k]);
    add(look, "enrolled_at_look_mean", look_enrolled_[k]);
    if (k + 1 < efficacy_stop_.size())
      add("group_sequential", "futility_stop_probability_" + look, futility_stop_[k]);
  }
  if (design.estimates) add_estimate_rows(design, scenario, rows);
  if (design.nph.enabled) nph_.add_rows(design.nph, scenario.name, rows);
  add("conduct", "study_duration_mean", duration_);
  add_quantiles("conduct", "study_duration", duration_distribution().distribution());
  add("conduct", "events_mean", events_);
  add_quantiles("conduct", "events", event_distribution().distribution());
  add("conduct", "event_target_reached_probability", target_reached_);
  add("conduct", "patients_analysed_mean", analysed_);
  if (design.estimates) {
    add("conduct", "median_follow_up_reverse_km_mean", follow_up_reverse_km_);
    add("conduct", "median_follow_up_simple_mean", follow_up_simple_);
  }
  return rows;
}

void TwoArmSurvivalTally::add_estimate_rows(const TwoArmSurvivalDesign& design,
                                            const SurvivalScenario& scenario,
                                            std::vector<OcRow>& rows) const {
  const auto add = [&](const std::string& analysis, const std::string& metric,
                       const MomentAccumulator& acc, double shift = 0.0) {
    rows.push_back({scenario.name, analysis, metric, acc.mean() - shift, acc.mcse(), acc.count()});
  };
  const bool true_hr = std::isfinite(scenario.hazard_ratio);
  add("cox", "infinite_estimate_probability", cox_infinite_);
  add("cox", "mean_log_hr", log_hr_);
  if (true_hr) add("cox", "log_hr_bias", log_hr_error_);
  add("cox", "mean_hr", hr_);
  if (true_hr) add("cox", "hr_bias", hr_, scenario.hazard_ratio);
  if (true_hr) add("cox", "hr_ci_coverage", hr_coverage_);
  const char* arm_names[2] = {"control", "experimental"};
  const std::size_t landmark_count = design.landmarks.size();
  for (int a = 0; a < 2; ++a) {
    for (std::size_t k = 0; k < landmark_count; ++k) {
      const IntervalEstimateTally& t = landmarks_[static_cast<std::size_t>(a) * landmark_count + k];
      const std::string analysis =
          std::string("km_") + arm_names[a] + "_" + landmark_label(design.landmarks[k]);
      add(analysis, "estimable_probability", t.estimable);
      add(analysis, "mean_estimate", t.estimate);
      add(analysis, "bias", t.error);
      add(analysis, "ci_coverage", t.coverage);
      add(analysis, "mean_ci_width", t.width);
    }
    add(std::string("median_") + arm_names[a], "reached_probability", median_reached_[a]);
  }
}

double schoenfeld_power(double events, double hazard_ratio, double alpha,
                        double allocation_experimental) {
  const boost::math::normal standard;
  const double r = allocation_experimental;
  const double drift = std::sqrt(events * r * (1.0 - r)) * std::abs(std::log(hazard_ratio));
  return boost::math::cdf(standard, drift - boost::math::quantile(standard, 1.0 - alpha));
}

}  // namespace trialsim
