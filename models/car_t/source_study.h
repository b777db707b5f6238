#pragma once
// Virtual replicas of the source study *as it was conducted*, and the simulated counterpart of
// each reported figure: the fit compares these with the evidence.
//
// Conduct: the study's patients enter uniformly over an entry window [0, W] and are analysed at
// one cut-off C, so that each patient's potential follow-up (C - entry) is uniform on [C - W, C].
// source_conduct chooses (W, C) from what the publication reports, in this order:
//  1. The follow-up range (min, max): the first patient was followed for the maximum (C = max)
//     and the last for the minimum (W = max - min). The reported median is then a check, not an
//     input.
//  2. No range, enrolment dates given: W = the enrolment period in months (days / 30.4375), and C
//     such that the median potential follow-up C - W/2 equals the reported median m0:
//     C = m0 + W/2. If that would put the cut-off before the last entry (m0 < W/2), the window is
//     shortened to W = 2 m0 (the last patient entered at the cut-off).
//  3. Median alone: the last patient is assumed to have entered at the cut-off (minimum
//     follow-up 0, the widest spread of follow-up the median allows): W = C = 2 m0.
// In 2 and 3 the reported median is read as the median *potential* follow-up: exactly what the
// reverse Kaplan–Meier median estimates (Schemper & Smith 1996) without loss to follow-up. A
// `simple` median (of observed times, which deaths shorten) is read the same way, so the cut-off
// is then if anything early; the fit's median_follow_up check row shows how far.
#include <cstdint>
#include <vector>

#include "models/car_t/evidence.h"
#include "models/car_t/patient_model.h"
#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/km_summary.h"
#include "statistics/survival/logrank.h"

namespace trialsim::car_t {

struct SourceStudyConduct {
  int patients = 0;
  double entry_window = 0.0;  // months
  double cutoff = 0.0;        // months after the first possible entry
};

SourceStudyConduct source_conduct(const Evidence& evidence);

// Months between two ISO dates YYYY-MM-DD (days / 30.4375, the mean Gregorian month); NaN when
// either is empty or malformed.
double months_between(const std::string& start, const std::string& end);

struct SourceCohortWorkspace {
  std::vector<CarTPatient> patients;
  std::vector<double> follow_up;  // cut-off - entry, months
  std::vector<double> time;
  std::vector<int> status, group;
  SurvivalWorkspace survival;
  KaplanMeierCurve curve;
  CoxFit cox;
  CarTParameters patient_parameters;  // scratch of the conditioned simulation
};

// One replica of the source study under `parameters`, drawn from the streams of (seed, replicate).
void simulate_source_cohort(const CarTParameters& parameters, const SourceStudyConduct& conduct,
                            std::uint64_t seed, std::uint64_t replicate, SourceCohortWorkspace& ws);

// The composition of the cohort the study observed: how many patients had EMD, responded in each
// EMD group and received maintenance (a negative count: not reported, left to the parameters).
// The survival fit conditions on it, so that the response and maintenance counts, which already
// inform their own (conjugate) parameters, are not used a second time through the survival
// figures (README "The patient model and its calibration").
struct ObservedComposition {
  int extramedullary = -1;
  int responders_extramedullary = -1, responders_other = -1;  // with and without EMD
  int responders = -1;  // used when the EMD split is not reported
  int maintained = -1;  // responders with maintenance
};

// One replica of the source study in which patient i's EMD status, response and maintenance are
// those of the observed composition (patients 0 .. extramedullary-1 have EMD; the first
// responders of each group respond; the first `maintained` responders are maintained), everything
// else drawn from `parameters` on the streams of (seed, replicate). Patients are exchangeable
// (entry times and outcome streams are independent of the index), so fixing the composition by
// index is conditioning on the counts. Every patient consumes the same draws as in
// simulate_source_cohort.
void simulate_conditioned_source_cohort(const CarTParameters& parameters,
                                        const SourceStudyConduct& conduct,
                                        const ObservedComposition& composition, std::uint64_t seed,
                                        std::uint64_t replicate, SourceCohortWorkspace& ws);

// The simulated value of `figure` on the cohort in `ws`, computed as a publication computes it.
// NaN when the cohort cannot give it (an empty subgroup, a landmark beyond all follow-up, ...).
//  proportion, conditional_proportion: members of the subgroup with the binary endpoint, over
//    the members. Endpoint response_at_landmark: see response_at_landmark below.
//  km_landmark: km_at(figure, figure.time).
//  median_not_reached, and median with figure.not_reached: 1 when the KM median of the endpoint
//    in the subgroup is not reached in the replica, 0 when it is (the reported value is 1).
//  median (figure.not_reached false): the KM median in months (quantile.survfit's rule,
//    km_summary.h); NaN when not reached in the replica.
//  count: events of the kind in the subgroup observed by the cut.
//  subgroup_comparison: two-sided log-rank p-value, subgroup vs comparison_subgroup.
//  hazard_ratio: Cox (Efron ties) exp(beta) of subgroup (indicator 1) vs comparison_subgroup
//    (indicator 0) on the endpoint; NaN when not estimable (an empty group, no events, or an
//    infinite estimate: no events in one group).
//  km_curve: NaN (a curve is not one number; the fit reads its points with km_at).
// Time-to-event endpoints: overall_survival, relapse_free_survival (responders, from infusion) and
// event_free_survival (every patient, non-response an event at time 0) as in models/endpoints.h;
// duration_of_response from the response date, relapse an event, death in remission censored
// (dor_deaths = censored) or an event (dor_deaths = events: RFS among responders, from response).
// Subgroup::other (in either role): NaN, always. The model has no covariate for such a
// population, so such figures are checks the fit cannot compute, never targets.
double evaluate_figure(const Figure& figure, SourceCohortWorkspace& ws);

// Kaplan–Meier estimate of the figure's endpoint (with its dor_deaths) in its subgroup at `time`
// months, as summary(survfit, times = time); NaN when not estimable (no patients, or `time`
// beyond the last observed time) or for Subgroup::other. For the points of a km_curve figure.
double km_at(const Figure& figure, double time, SourceCohortWorkspace& ws);

// Whether the KM median of the figure's endpoint in its subgroup is reached in the replica
// (false too when the subgroup is empty or Subgroup::other).
bool median_reached(const Figure& figure, SourceCohortWorkspace& ws);

// Proportion in remission at figure.time months (FigureEndpoint::response_at_landmark), as a
// publication counts it: the denominator is the subgroup's patients whose potential follow-up
// (cut-off - entry) reaches the landmark (evaluable for it; this depends on the entry date only,
// not on outcomes); the numerator those of them who responded by the landmark and, at it, are
// alive, relapse-free and not lost to follow-up (lost: not assessed, counted as not in remission,
// as intention-to-treat tables do). NaN when no patient is evaluable.
double response_at_landmark(const Figure& figure, SourceCohortWorkspace& ws);

// The replica's median follow-up as the publication computed it:
//  simple     : the median of the observed overall-survival times (death or censoring);
//  reverse_km : the reverse Kaplan–Meier median (Schemper & Smith 1996): OS with the censoring
//               indicator flipped (deaths censor, being alive at the cut or lost is the event),
//               median by quantile.survfit's rule; NaN when not reached.
double median_follow_up(SourceCohortWorkspace& ws, FollowUp::Method method);
// The simple median (the original definition).
double median_follow_up(SourceCohortWorkspace& ws);

bool in_subgroup(Subgroup subgroup, const CarTPatient& patient);

}  // namespace trialsim::car_t
