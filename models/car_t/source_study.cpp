#include "models/car_t/source_study.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

// Fills ws.time/status/group with the endpoint of members of `a` (group 0) and, if given, `b`
// (group 1). Returns the number of rows.
std::size_t build_endpoint_data(SourceCohortWorkspace& ws, Endpoint endpoint, Subgroup a,
                                const Subgroup* b) {
  std::size_t m = 0;
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    const CarTPatient& p = ws.patients[i];
    int group = -1;
    if (in_subgroup(a, p))
      group = 0;
    else if (b && in_subgroup(*b, p))
      group = 1;
    if (group < 0) continue;
    const ObservedOutcome o = observe_endpoint(endpoint, p.trajectory, ws.follow_up[i]);
    if (!o.in_population) continue;
    ws.time[m] = o.time;
    ws.status[m] = o.status;
    ws.group[m] = group;
    ++m;
  }
  return m;
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

SourceStudyConduct source_conduct(const Evidence& evidence) {
  return {evidence.patients, evidence.follow_up.max - evidence.follow_up.min,
          evidence.follow_up.max};
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
  for (std::size_t i = 0; i < n; ++i) {
    ws.follow_up[i] = conduct.cutoff - uniform(0.0, conduct.entry_window, enrolment);
    simulate_patient(parameters, streams, ws.patients[i]);
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
  for (std::size_t i = 0; i < n; ++i) {
    ws.follow_up[i] = conduct.cutoff - uniform(0.0, conduct.entry_window, enrolment);
    CarTParameters patient_parameters = parameters;
    condition_patient(composition, static_cast<int>(i), patient_parameters);
    simulate_patient(patient_parameters, streams, ws.patients[i]);
  }
}

double evaluate_figure(const Figure& figure, SourceCohortWorkspace& ws) {
  switch (figure.statistic) {
    case Statistic::proportion:
    case Statistic::conditional_proportion: {
      int members = 0;
      int positive = 0;
      for (const CarTPatient& p : ws.patients) {
        if (!in_subgroup(figure.subgroup, p)) continue;
        ++members;
        positive += binary_endpoint(figure.endpoint, p) ? 1 : 0;
      }
      return members == 0 ? NOT_AVAILABLE : static_cast<double>(positive) / members;
    }
    case Statistic::count: {
      int events = 0;
      for (std::size_t i = 0; i < ws.patients.size(); ++i) {
        if (in_subgroup(figure.subgroup, ws.patients[i]) &&
            event_observed(figure.event, ws.patients[i], ws.follow_up[i]))
          ++events;
      }
      return events;
    }
    case Statistic::km_landmark:
    case Statistic::median_not_reached: {
      const std::size_t m =
          build_endpoint_data(ws, endpoint_of(figure.endpoint), figure.subgroup, nullptr);
      if (m == 0) return NOT_AVAILABLE;
      const SurvivalData data{std::span<const double>(ws.time.data(), m),
                              std::span<const int>(ws.status.data(), m)};
      kaplan_meier(data, ws.survival, ws.curve);
      if (figure.statistic == Statistic::median_not_reached) {
        return median_survival(ws.curve, ws.survival).median ? 0.0 : 1.0;
      }
      const LandmarkEstimate estimate = survival_at(ws.curve, figure.time);
      return estimate.estimable ? estimate.surv : NOT_AVAILABLE;
    }
    case Statistic::subgroup_comparison: {
      const std::size_t m = build_endpoint_data(ws, endpoint_of(figure.endpoint), figure.subgroup,
                                                &figure.comparison_subgroup);
      const SurvivalData data{std::span<const double>(ws.time.data(), m),
                              std::span<const int>(ws.status.data(), m),
                              std::span<const int>(ws.group.data(), m)};
      if (m == 0) return NOT_AVAILABLE;
      const LogRankResult result = log_rank(data, ws.survival);
      return std::isfinite(result.p_value) ? result.p_value : NOT_AVAILABLE;
    }
    case Statistic::median:
    case Statistic::hazard_ratio:
    case Statistic::km_curve:
      return NOT_AVAILABLE;  // not yet computed on a replica
  }
  return NOT_AVAILABLE;
}

double median_follow_up(SourceCohortWorkspace& ws) {
  const std::size_t m = build_endpoint_data(ws, Endpoint::overall_survival, Subgroup::all, nullptr);
  if (m == 0) return NOT_AVAILABLE;
  std::sort(ws.time.begin(), ws.time.begin() + static_cast<std::ptrdiff_t>(m));
  return m % 2 == 1 ? ws.time[m / 2] : 0.5 * (ws.time[m / 2 - 1] + ws.time[m / 2]);
}

}  // namespace trialsim::car_t
