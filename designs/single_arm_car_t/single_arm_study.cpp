#include "designs/single_arm_car_t/single_arm_study.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/samplers.h"
#include "models/endpoints.h"

namespace trialsim::car_t {

SingleArmCarTTally::SingleArmCarTTally(const SingleArmCarTDesign& design)
    : os_(design.landmarks.size()), rfs_(design.landmarks.size()), cir_(design.landmarks.size()) {
  for (auto& band : km_bands_)
    band.assign(KM_BAND_POINTS, QuantisedDistribution(KM_BAND_RESOLUTION));
}

void SingleArmCarTTally::reset() {
  rejection_ = {};
  for (auto& t : response_) t = {};
  for (auto& t : os_) t = {};
  for (auto& t : rfs_) t = {};
  for (auto& t : cir_) t = {};
  crs_any_ = crs_grade3plus_ = icans_any_ = {};
  duration_ = follow_up_ = deaths_ = {};
  for (auto& band : km_bands_) {
    for (auto& at_time : band) at_time.reset();
  }
  responder_counts_.clear();
  duration_histogram_.reset();
}

void SingleArmCarTTally::merge(const SingleArmCarTTally& o) {
  rejection_.merge(o.rejection_);
  for (std::size_t m = 0; m < INTERVAL_METHOD_COUNT; ++m) response_[m].merge(o.response_[m]);
  for (std::size_t k = 0; k < os_.size(); ++k) {
    os_[k].merge(o.os_[k]);
    rfs_[k].merge(o.rfs_[k]);
    cir_[k].merge(o.cir_[k]);
  }
  crs_any_.merge(o.crs_any_);
  crs_grade3plus_.merge(o.crs_grade3plus_);
  icans_any_.merge(o.icans_any_);
  duration_.merge(o.duration_);
  follow_up_.merge(o.follow_up_);
  deaths_.merge(o.deaths_);
  for (int e = 0; e < BAND_ENDPOINT_COUNT; ++e) {
    for (std::size_t k = 0; k < km_bands_[e].size(); ++k) km_bands_[e][k].merge(o.km_bands_[e][k]);
  }
  responder_counts_.merge(o.responder_counts_);
  duration_histogram_.merge(o.duration_histogram_);
}

namespace {

// Step 1 of a replicate: the cohort — entry times, and every patient simulated from the model
// (ws.patients, with death and dropout times on their own clocks in ws.death, ws.dropout).
// Returns the counts of responders and of CRS / ICANS (the summary's binary outcomes). Sizing
// the buffers here allocates only when the sample size grows.
CarTReplicateSummary simulate_cohort(const SingleArmCarTDesign& design,
                                     const CarTScenario& scenario, std::uint64_t seed,
                                     std::uint64_t replicate, SingleArmCarTWorkspace& ws) {
  const auto n = static_cast<std::size_t>(design.sample_size);
  for (auto* v : {&ws.entry, &ws.death, &ws.dropout, &ws.time}) v->resize(n);
  ws.patients.resize(n);
  ws.status.resize(n);
  ws.index.resize(n);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  sample_entry_times(design.accrual, enrolment, ws.entry);
  CarTStreams streams(seed, replicate);
  CarTReplicateSummary counts;
  const PatientConstants constants = patient_constants(scenario.parameters);
  for (std::size_t i = 0; i < n; ++i) {
    simulate_patient(scenario.parameters, constants, streams, ws.patients[i]);
    const CarTPatient& p = ws.patients[i];
    ws.death[i] = p.trajectory.death_time;
    ws.dropout[i] = p.trajectory.dropout_time;
    counts.responses += p.responded ? 1 : 0;
    counts.crs_any += p.crs_grade >= 1 ? 1 : 0;
    counts.crs_grade3plus += p.crs_grade >= 3 ? 1 : 0;
    counts.icans_any += p.icans_grade >= 1 ? 1 : 0;
  }
  return counts;
}

// One time-to-event endpoint at the data cut, each patient on their own clock: its observed
// times and statuses into ws.time / ws.status, the Kaplan–Meier curve, the landmark estimates
// against the truth (`tallies`/`truth`; none for DOR, which only feeds the report's band) and
// the curve on the band grid. Returns the number analysed. A step of its own because it runs
// once per endpoint (OS, RFS, DOR) on the same cohort.
std::size_t add_time_to_event(const SingleArmCarTDesign& design, Endpoint endpoint, double cutoff,
                              std::vector<IntervalEstimateTally>* tallies,
                              const std::vector<double>* truth,
                              std::vector<QuantisedDistribution>& band_grid,
                              SingleArmCarTWorkspace& ws) {
  std::size_t m = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    if (ws.entry[i] >= cutoff) continue;
    const ObservedOutcome o =
        observe_endpoint(endpoint, ws.patients[i].trajectory, cutoff - ws.entry[i]);
    if (!o.in_population) continue;
    ws.time[m] = o.time;
    ws.status[m] = o.status;
    ++m;
  }
  if (m == 0) {
    if (tallies) {
      for (auto& t : *tallies) t.estimable.add(0.0);
    }
    return m;
  }
  const SurvivalData data{std::span<const double>(ws.time.data(), m),
                          std::span<const int>(ws.status.data(), m)};
  kaplan_meier(data, ws.survival, ws.curve);
  for (std::size_t k = 0; tallies && k < design.landmarks.size(); ++k) {
    const LandmarkEstimate e =
        survival_at(ws.curve, design.landmarks[k], design.landmark_ci, design.confidence_level);
    const bool usable = e.estimable && std::isfinite(e.lower) && std::isfinite(e.upper);
    (*tallies)[k].add(usable, e.surv, e.lower, e.upper, (*truth)[k]);
  }
  // The curve on the band grid, as survival_at (step value; not estimable beyond last_time).
  std::size_t row = 0;
  double surv = 1.0;
  for (int k = 0; k < KM_BAND_POINTS; ++k) {
    const double t = k * KM_BAND_STEP;
    if (t > ws.curve.last_time) break;
    while (row < ws.curve.size() && ws.curve.time[row] <= t) surv = ws.curve.surv[row++];
    band_grid[static_cast<std::size_t>(k)].add(surv);
  }
  return m;
}

// Cumulative incidence of relapse among responders at the landmarks (Aalen–Johansen, death
// without relapse competing; models/endpoints.h), with its interval on the log(-log) scale
// (plain, clipped to [0, 1], at F = 0 or 1) against the truth.
void add_relapse_incidence(const SingleArmCarTDesign& design, double cutoff,
                           std::vector<IntervalEstimateTally>& tallies,
                           const std::vector<double>& truth, SingleArmCarTWorkspace& ws) {
  std::size_t m = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    if (ws.entry[i] >= cutoff) continue;
    const ObservedOutcome o = observe_endpoint(Endpoint::cumulative_incidence_of_relapse,
                                               ws.patients[i].trajectory, cutoff - ws.entry[i]);
    if (!o.in_population) continue;
    ws.time[m] = o.time;
    ws.status[m] = o.status;
    ++m;
  }
  if (m == 0) {
    for (auto& t : tallies) t.estimable.add(0.0);
    return;
  }
  const SurvivalData data{std::span<const double>(ws.time.data(), m),
                          std::span<const int>(ws.status.data(), m)};
  ws.incidence.resize(design.landmarks.size());
  cumulative_incidence(data, ws.survival, 1, design.landmarks, ws.incidence);
  const double z = normal_critical_value(design.confidence_level);
  for (std::size_t k = 0; k < design.landmarks.size(); ++k) {
    const CumulativeIncidenceEstimate& e = ws.incidence[k];
    const bool usable = e.estimable && std::isfinite(e.std_err);
    double lower = std::max(0.0, e.cif - z * e.std_err),
           upper = std::min(1.0, e.cif + z * e.std_err);
    if (e.cif > 0.0 && e.cif < 1.0) {
      // log(-log F) scale (as cmprsk's cuminc intervals): F^exp(+-z SE / (F log F)).
      const double spread = z * e.std_err / (e.cif * std::log(e.cif));
      lower = std::pow(e.cif, std::exp(-spread));  // spread < 0: log F < 0
      upper = std::pow(e.cif, std::exp(spread));
    }
    tallies[k].add(usable, e.cif, lower, upper, truth[k]);
  }
}

// The simple median of the first `count` (> 0) values of `times`, which it reorders in place.
double median_in_place(std::vector<double>& times, std::size_t count) {
  auto mid = times.begin() + static_cast<std::ptrdiff_t>(count / 2);
  std::nth_element(times.begin(), mid, times.begin() + static_cast<std::ptrdiff_t>(count));
  double median = *mid;
  if (count % 2 == 0) median = 0.5 * (median + *std::max_element(times.begin(), mid));
  return median;
}

}  // namespace

CarTReplicateSummary SingleArmCarTTally::simulate_and_add(const SingleArmCarTDesign& design,
                                                          const SingleArmBinaryTable& table,
                                                          const CarTScenario& scenario,
                                                          std::uint64_t seed,
                                                          std::uint64_t replicate,
                                                          SingleArmCarTWorkspace& ws) {
  CarTReplicateSummary summary = simulate_cohort(design, scenario, seed, replicate, ws);
  const CutoffResult cut =
      analysis_cutoff(design.timing, ws.entry, ws.death, ws.dropout, ws.scratch);
  summary.study_duration = cut.calendar_time;
  duration_.add(cut.calendar_time);
  duration_histogram_.add(cut.calendar_time);
  responder_counts_.add(summary.responses);

  // Response and AEs are known for every enrolled, infused patient (assessed within weeks).
  rejection_.add(table.rejects(summary.responses) ? 1.0 : 0.0);
  for (const IntervalMethod m : design.intervals) {
    const Interval& ci = table.interval(m, summary.responses);
    response_[index_of(m)].add(true, table.p_hat(summary.responses), ci.lower, ci.upper,
                               scenario.truth.orr);
  }
  const auto incidence = [&](IntervalEstimateTally& tally, int count, double truth) {
    const Interval ci =
        clopper_pearson_interval(count, design.sample_size, design.confidence_level);
    tally.add(true, static_cast<double>(count) / design.sample_size, ci.lower, ci.upper, truth);
  };
  incidence(crs_any_, summary.crs_any, scenario.truth.crs_any);
  incidence(crs_grade3plus_, summary.crs_grade3plus, scenario.truth.crs_grade3plus);
  incidence(icans_any_, summary.icans_any, scenario.truth.icans_any);

  const auto band = [&](BandEndpoint endpoint) -> std::vector<QuantisedDistribution>& {
    return km_bands_[static_cast<int>(endpoint)];
  };
  const std::size_t analysed =
      add_time_to_event(design, Endpoint::overall_survival, cut.calendar_time, &os_,
                        &scenario.truth.os_at, band(BandEndpoint::os), ws);
  for (std::size_t j = 0; j < analysed; ++j) summary.deaths += ws.status[j];
  deaths_.add(summary.deaths);
  // Simple median follow-up of the OS times (the time vector still holds them).
  if (analysed > 0) follow_up_.add(median_in_place(ws.time, analysed));
  add_time_to_event(design, Endpoint::relapse_free_survival, cut.calendar_time, &rfs_,
                    &scenario.truth.rfs_at, band(BandEndpoint::rfs), ws);
  add_time_to_event(design, Endpoint::duration_of_response, cut.calendar_time, nullptr, nullptr,
                    band(BandEndpoint::dor), ws);
  add_relapse_incidence(design, cut.calendar_time, cir_, scenario.truth.cir_at, ws);
  return summary;
}

std::vector<OcRow> SingleArmCarTTally::oc_rows(const SingleArmCarTDesign& design,
                                               const CarTScenario& scenario) const {
  std::vector<OcRow> rows;
  const auto add = [&](const std::string& analysis, const std::string& metric,
                       const MomentAccumulator& acc) {
    rows.push_back({scenario.name, analysis, metric, acc.mean(), acc.mcse(), acc.count()});
  };
  const auto add_interval_rows = [&](const std::string& analysis, const IntervalEstimateTally& t,
                                     bool with_estimable) {
    if (with_estimable) add(analysis, "estimable_probability", t.estimable);
    add(analysis, "mean_estimate", t.estimate);
    add(analysis, "bias", t.error);
    add(analysis, "ci_coverage", t.coverage);
    add(analysis, "mean_ci_width", t.width);
  };
  add("exact_binomial_test", "rejection_probability", rejection_);
  for (const IntervalMethod m : design.intervals) {
    add_interval_rows("orr_" + std::string(to_string(m)), response_[index_of(m)], false);
  }
  for (std::size_t k = 0; k < design.landmarks.size(); ++k) {
    add_interval_rows("km_os_t" + format_number(design.landmarks[k]), os_[k], true);
    add_interval_rows("km_rfs_t" + format_number(design.landmarks[k]), rfs_[k], true);
  }
  for (std::size_t k = 0; k < design.landmarks.size(); ++k)
    add_interval_rows("cir_t" + format_number(design.landmarks[k]), cir_[k], true);
  add_interval_rows("crs_any_grade", crs_any_, false);
  add_interval_rows("crs_grade3plus", crs_grade3plus_, false);
  add_interval_rows("icans_any_grade", icans_any_, false);
  add("conduct", "study_duration_mean", duration_);
  add("conduct", "deaths_mean", deaths_);
  add("conduct", "median_follow_up_simple_mean", follow_up_);
  return rows;
}

}  // namespace trialsim::car_t
