#include "models/car_t/source_study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "core/samplers.h"

namespace trialsim::car_t {
namespace {

constexpr double NOT_AVAILABLE = std::numeric_limits<double>::quiet_NaN();

Endpoint endpoint_of(FigureEndpoint e) {
  switch (e) {
    case FigureEndpoint::relapse_free_survival:
      return Endpoint::relapse_free_survival;
    case FigureEndpoint::duration_of_response:
      return Endpoint::duration_of_response;
    case FigureEndpoint::event_free_survival:
      return Endpoint::event_free_survival;
    default:
      return Endpoint::overall_survival;
  }
}

bool binary_endpoint(FigureEndpoint e, const CarTPatient& p) {
  switch (e) {
    case FigureEndpoint::best_overall_response:
      return p.responded;
    case FigureEndpoint::mrd_negative:
      return p.mrd_negative;
    case FigureEndpoint::crs_any_grade:
      return p.crs_grade >= 1;
    case FigureEndpoint::crs_grade3plus:
      return p.crs_grade >= 3;
    case FigureEndpoint::icans_any_grade:
      return p.icans_grade >= 1;
    case FigureEndpoint::icans_grade3plus:
      return p.icans_grade >= 3;
    default:
      return false;
  }
}

// Events of a kind observed by the cut (true time <= the patient's follow-up, before dropout).
bool event_observed(EventKind kind, const CarTPatient& p, double follow_up) {
  const double seen_until = std::min(follow_up, p.trajectory.dropout_time);
  const bool died = p.trajectory.death_time <= seen_until;
  const bool relapsed = p.relapsed && p.trajectory.relapse_time <= seen_until;
  switch (kind) {
    case EventKind::death:
      return died;
    case EventKind::death_from_disease:
      return died && p.death_cause == DeathCause::disease;
    case EventKind::death_from_infection:
      return died && p.death_cause == DeathCause::infection;
    case EventKind::death_from_other_causes:
      return died && p.death_cause == DeathCause::other;
    case EventKind::relapse:
      return relapsed;
    case EventKind::cd19_negative_relapse:
      return relapsed && p.cd19_negative_relapse;
    case EventKind::subsequent_hsct_in_remission:
      return false;  // not part of the model
    case EventKind::maintenance_tki:
      return p.maintenance == Maintenance::tki;
    case EventKind::maintenance_low_dose_chemotherapy:
      return p.maintenance == Maintenance::low_dose_chemotherapy;
    case EventKind::maintenance_inotuzumab:
      return p.maintenance == Maintenance::inotuzumab;
    case EventKind::none:
      return false;
  }
  return false;
}

// The figure's time-to-event outcome of one patient: OS and RFS as models/endpoints.h; DOR with
// death in remission censored (endpoints.h) or, for dor_deaths = events, RFS among responders
// on the response clock (its time minus the response time: the same first-event rule).
ObservedOutcome observe_figure_endpoint(FigureEndpoint endpoint, DeathsInDor dor_deaths,
                                        const PatientTrajectory& t, double follow_up) {
  if (endpoint == FigureEndpoint::duration_of_response && dor_deaths == DeathsInDor::events) {
    ObservedOutcome o = observe_endpoint(Endpoint::relapse_free_survival, t, follow_up);
    o.time -= t.response_time;
    return o;
  }
  return observe_endpoint(endpoint_of(endpoint), t, follow_up);
}

// Fills ws.time/status/group with the endpoint of members of `a` (group 0) and, if given, `b`
// (group 1). Returns the number of rows.
std::size_t build_endpoint_data(SourceCohortWorkspace& ws, FigureEndpoint endpoint,
                                DeathsInDor dor_deaths, Subgroup a, const Subgroup* b) {
  if (ws.time.size() < ws.patients.size()) {  // a cohort written by hand (tests)
    ws.time.resize(ws.patients.size());
    ws.status.resize(ws.patients.size());
    ws.group.resize(ws.patients.size());
  }
  std::size_t m = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    const CarTPatient& p = ws.patients[i];
    int group = -1;
    if (in_subgroup(a, p))
      group = 0;
    else if (b && in_subgroup(*b, p))
      group = 1;
    if (group < 0) continue;
    const ObservedOutcome o =
        observe_figure_endpoint(endpoint, dor_deaths, p.trajectory, ws.follow_up[i]);
    if (!o.in_population) continue;
    ws.time[m] = o.time;
    ws.status[m] = o.status;
    ws.group[m] = group;
    ++m;
  }
  return m;
}

// ws.curve := the KM curve of the figure's endpoint in its subgroup. False when no patient of
// the subgroup is in the endpoint's population (the curve is then not computed).
bool figure_curve(const Figure& f, SourceCohortWorkspace& ws) {
  const std::size_t m = build_endpoint_data(ws, f.endpoint, f.dor_deaths, f.subgroup, nullptr);
  if (m == 0) return false;
  const SurvivalData data{std::span<const double>(ws.time.data(), m),
                          std::span<const int>(ws.status.data(), m)};
  kaplan_meier(data, ws.survival, ws.curve);
  return true;
}

// Rows of the two subgroups of a comparison (subgroup: group 0, comparison_subgroup: group 1).
SurvivalData comparison_data(const Figure& f, SourceCohortWorkspace& ws) {
  const std::size_t m =
      build_endpoint_data(ws, f.endpoint, f.dor_deaths, f.subgroup, &f.comparison_subgroup);
  return {std::span<const double>(ws.time.data(), m), std::span<const int>(ws.status.data(), m),
          std::span<const int>(ws.group.data(), m)};
}

bool uses_other(const Figure& f) {
  const bool compares =
      f.statistic == Statistic::subgroup_comparison || f.statistic == Statistic::hazard_ratio;
  return f.subgroup == Subgroup::other || (compares && f.comparison_subgroup == Subgroup::other);
}

double proportion_value(const Figure& f, const SourceCohortWorkspace& ws) {
  int members = 0;
  int positive = 0;
  for (const CarTPatient& p : ws.patients) {
    if (!in_subgroup(f.subgroup, p)) continue;
    ++members;
    positive += binary_endpoint(f.endpoint, p) ? 1 : 0;
  }
  return members == 0 ? NOT_AVAILABLE : static_cast<double>(positive) / members;
}

double count_value(const Figure& f, const SourceCohortWorkspace& ws) {
  int events = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    if (in_subgroup(f.subgroup, ws.patients[i]) &&
        event_observed(f.event, ws.patients[i], ws.follow_up[i]))
      ++events;
  }
  return events;
}

double median_value(const Figure& f, SourceCohortWorkspace& ws) {
  if (!figure_curve(f, ws)) return NOT_AVAILABLE;
  const std::optional<double> median = survival_quantile_point(ws.curve, 0.5);
  if (f.statistic == Statistic::median_not_reached || f.not_reached) return median ? 0.0 : 1.0;
  return median ? *median : NOT_AVAILABLE;
}

double log_rank_p_value(const Figure& f, SourceCohortWorkspace& ws) {
  const SurvivalData data = comparison_data(f, ws);
  if (data.size() == 0) return NOT_AVAILABLE;
  const LogRankResult result = log_rank(data, ws.survival);
  return std::isfinite(result.p_value()) ? result.p_value() : NOT_AVAILABLE;
}

// exp(beta) of the indicator "in `subgroup`" (1) against `comparison_subgroup` (0).
double hazard_ratio_value(const Figure& f, SourceCohortWorkspace& ws) {
  const SurvivalData data = comparison_data(f, ws);
  if (data.size() == 0) return NOT_AVAILABLE;
  for (std::size_t i = 0; i < data.size(); ++i) ws.group[i] = 1 - ws.group[i];
  cox_ph_arm(data, ws.survival, ws.cox);
  const CoxCoefficient& c = ws.cox.coef[0];
  const bool estimable =
      ws.cox.status == CoxStatus::converged || ws.cox.status == CoxStatus::not_converged;
  return estimable && std::isfinite(c.hr) ? c.hr : NOT_AVAILABLE;
}

}  // namespace

bool in_subgroup(Subgroup subgroup, const CarTPatient& p) {
  switch (subgroup) {
    case Subgroup::all:
      return true;
    case Subgroup::responders:
      return p.responded;
    case Subgroup::extramedullary:
      return p.extramedullary;
    case Subgroup::non_extramedullary:
      return !p.extramedullary;
    case Subgroup::maintenance:
      return p.responded && p.maintenance != Maintenance::none;
    case Subgroup::no_maintenance:
      return p.responded && p.maintenance == Maintenance::none;
    case Subgroup::prior_blinatumomab:
      return p.prior_blinatumomab;
    case Subgroup::no_prior_blinatumomab:
      return !p.prior_blinatumomab;
    case Subgroup::prior_inotuzumab:
      return p.prior_inotuzumab;
    case Subgroup::no_prior_inotuzumab:
      return !p.prior_inotuzumab;
    case Subgroup::other:
      return false;  // a population the model has no covariate for
  }
  return false;
}

double months_between(const std::string& start, const std::string& end) {
  const auto days = [](const std::string& date) -> std::optional<std::chrono::sys_days> {
    bool shaped = date.size() == 10 && date[4] == '-' && date[7] == '-';
    for (std::size_t i = 0; shaped && i < date.size(); ++i)
      shaped = i == 4 || i == 7 || (date[i] >= '0' && date[i] <= '9');
    if (!shaped) return std::nullopt;
    const std::chrono::year_month_day ymd{
        std::chrono::year(std::stoi(date.substr(0, 4))),
        std::chrono::month(static_cast<unsigned>(std::stoi(date.substr(5, 2)))),
        std::chrono::day(static_cast<unsigned>(std::stoi(date.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd);
  };
  const auto a = days(start), b = days(end);
  if (!a || !b) return NOT_AVAILABLE;
  constexpr double DAYS_PER_MONTH = 365.2425 / 12.0;  // the mean Gregorian month
  return static_cast<double>((*b - *a).count()) / DAYS_PER_MONTH;
}

// The three rules of the header comment: range; enrolment dates and median; median alone.
SourceStudyConduct source_conduct(const Evidence& evidence) {
  const FollowUp& f = evidence.follow_up;
  if (f.has_range()) return {evidence.patients, f.max - f.min, f.max};
  const double median = f.median;
  const double enrolment = months_between(evidence.enrolment_start, evidence.enrolment_end);
  // Uniform entry on [0, W]: the median potential follow-up is C - W/2.
  const double window = std::isfinite(enrolment) ? std::min(enrolment, 2.0 * median) : 2.0 * median;
  return {evidence.patients, window, median + window / 2.0};
}

void simulate_source_cohort(const CarTParameters& parameters, const SourceStudyConduct& conduct,
                            std::uint64_t seed, std::uint64_t replicate,
                            SourceCohortWorkspace& ws) {
  const auto n = static_cast<std::size_t>(conduct.patients);
  ws.patients.resize(n);
  ws.follow_up.resize(n);
  ws.time.resize(n);
  ws.status.resize(n);
  ws.group.resize(n);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  CarTStreams streams(seed, replicate);
  const PatientConstants constants = patient_constants(parameters);
  for (std::size_t i = 0; i < n; ++i) {
    ws.follow_up[i] = conduct.cutoff - uniform(0.0, conduct.entry_window, enrolment);
    simulate_patient(parameters, constants, streams, ws.patients[i]);
  }
}

namespace {

// Patient `index`'s parameters under the observed composition: the conditioned probabilities set
// to 0 or 1 (a response logit of +/-infinity is a probability of exactly 1 or 0), so that the
// patient's draws decide nothing but what is not conditioned on.
void condition_patient(const ObservedComposition& c, int index, CarTParameters& p) {
  constexpr double SURE = std::numeric_limits<double>::infinity();
  const bool emd = c.extramedullary >= 0 && index < c.extramedullary;
  if (c.extramedullary >= 0) p.p_extramedullary = emd ? 1.0 : 0.0;
  // Responders: the first of each EMD group when the split is reported (numbered EMD group
  // first), else the first `responders` patients.
  const bool by_group =
      c.extramedullary >= 0 && c.responders_extramedullary >= 0 && c.responders_other >= 0;
  int responder_rank = -1;
  if (by_group) {
    const int rank = emd ? index : index - c.extramedullary;
    if (rank < (emd ? c.responders_extramedullary : c.responders_other))
      responder_rank = emd ? rank : c.responders_extramedullary + rank;
  } else if (c.responders >= 0) {
    if (index < c.responders) responder_rank = index;
  } else {
    return;  // response not conditioned on
  }
  p.response_logit_intercept = responder_rank >= 0 ? SURE : -SURE;
  p.response_logit_emd = 0.0;
  if (c.maintained >= 0 && responder_rank >= 0)
    p.p_maintenance = responder_rank < c.maintained ? 1.0 : 0.0;
}

// The fields condition_patient sets, back to their values in `from`.
void restore_conditioned_fields(const CarTParameters& from, CarTParameters& p) {
  p.p_extramedullary = from.p_extramedullary;
  p.response_logit_intercept = from.response_logit_intercept;
  p.response_logit_emd = from.response_logit_emd;
  p.p_maintenance = from.p_maintenance;
}

}  // namespace

void simulate_conditioned_source_cohort(const CarTParameters& parameters,
                                        const SourceStudyConduct& conduct,
                                        const ObservedComposition& composition, std::uint64_t seed,
                                        std::uint64_t replicate, SourceCohortWorkspace& ws) {
  const auto n = static_cast<std::size_t>(conduct.patients);
  ws.patients.resize(n);
  ws.follow_up.resize(n);
  ws.time.resize(n);
  ws.status.resize(n);
  ws.group.resize(n);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  CarTStreams streams(seed, replicate);
  // One copy of the parameters per replica (not per patient): before each patient the fields
  // condition_patient may set are restored, so each patient sees `parameters` with only its own
  // conditions, exactly as a fresh copy would.
  CarTParameters& patient_parameters = ws.patient_parameters;
  patient_parameters = parameters;
  // The population's constants: a conditioned patient keeps the CRS-response association.
  const PatientConstants constants = patient_constants(parameters);
  for (std::size_t i = 0; i < n; ++i) {
    ws.follow_up[i] = conduct.cutoff - uniform(0.0, conduct.entry_window, enrolment);
    restore_conditioned_fields(parameters, patient_parameters);
    condition_patient(composition, static_cast<int>(i), patient_parameters);
    simulate_patient(patient_parameters, constants, streams, ws.patients[i]);
  }
}

double evaluate_figure(const Figure& figure, SourceCohortWorkspace& ws) {
  if (uses_other(figure)) return NOT_AVAILABLE;
  switch (figure.statistic) {
    case Statistic::proportion:
    case Statistic::conditional_proportion:
      return figure.endpoint == FigureEndpoint::response_at_landmark
                 ? response_at_landmark(figure, ws)
                 : proportion_value(figure, ws);
    case Statistic::count:
      return count_value(figure, ws);
    case Statistic::km_landmark:
      return km_at(figure, figure.time, ws);
    case Statistic::median_not_reached:
    case Statistic::median:
      return median_value(figure, ws);
    case Statistic::subgroup_comparison:
      return log_rank_p_value(figure, ws);
    case Statistic::hazard_ratio:
      return hazard_ratio_value(figure, ws);
    case Statistic::km_curve:
      return NOT_AVAILABLE;  // not one number: the fit reads its points with km_at
  }
  return NOT_AVAILABLE;
}

double km_at(const Figure& figure, double time, SourceCohortWorkspace& ws) {
  if (figure.subgroup == Subgroup::other || !figure_curve(figure, ws)) return NOT_AVAILABLE;
  const LandmarkEstimate estimate = survival_at(ws.curve, time);
  return estimate.estimable ? estimate.surv : NOT_AVAILABLE;
}

bool median_reached(const Figure& figure, SourceCohortWorkspace& ws) {
  if (figure.subgroup == Subgroup::other || !figure_curve(figure, ws)) return false;
  return survival_quantile_point(ws.curve, 0.5).has_value();
}

double response_at_landmark(const Figure& figure, SourceCohortWorkspace& ws) {
  if (figure.subgroup == Subgroup::other) return NOT_AVAILABLE;
  const double landmark = figure.time;
  int evaluable = 0;
  int in_remission = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    const CarTPatient& p = ws.patients[i];
    if (!in_subgroup(figure.subgroup, p) || ws.follow_up[i] < landmark) continue;
    ++evaluable;
    const PatientTrajectory& t = p.trajectory;
    const bool remission = p.responded && t.response_time <= landmark &&
                           t.relapse_time > landmark && t.death_time > landmark &&
                           t.dropout_time > landmark;
    in_remission += remission ? 1 : 0;
  }
  return evaluable == 0 ? NOT_AVAILABLE : static_cast<double>(in_remission) / evaluable;
}

double median_follow_up(SourceCohortWorkspace& ws) {
  return median_follow_up(ws, FollowUp::Method::simple);
}

double median_follow_up(SourceCohortWorkspace& ws, FollowUp::Method method) {
  const std::size_t m = build_endpoint_data(ws, FigureEndpoint::overall_survival,
                                            DeathsInDor::censored, Subgroup::all, nullptr);
  if (m == 0) return NOT_AVAILABLE;
  if (method == FollowUp::Method::reverse_km) {
    const SurvivalData data{std::span<const double>(ws.time.data(), m),
                            std::span<const int>(ws.status.data(), m)};
    sort_cohort(data, ws.survival);
    kaplan_meier(ws.survival.sorted, ws.curve, -1, /*reverse=*/true);
    const std::optional<double> median = survival_quantile_point(ws.curve, 0.5);
    return median ? *median : NOT_AVAILABLE;
  }
  std::sort(ws.time.begin(), ws.time.begin() + static_cast<std::ptrdiff_t>(m));
  return m % 2 == 1 ? ws.time[m / 2] : 0.5 * (ws.time[m / 2 - 1] + ws.time[m / 2]);
}

}  // namespace trialsim::car_t
