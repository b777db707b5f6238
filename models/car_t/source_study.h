#pragma once
// Virtual replicas of the source study *as it was conducted*, and the simulated counterpart of
// each reported figure: the fit compares these with the evidence.
//
// Conduct: the study's patients enter uniformly over an entry window and are analysed at one
// cut-off. Both come from the reported follow-up range: the first patient was followed for the
// maximum (cut-off = max follow-up after the first entry) and the last for the minimum (entry
// window = max - min). The reported median follow-up is then a check, not an input.
#include <cstdint>
#include <vector>

#include "models/car_t/evidence.h"
#include "models/car_t/patient_model.h"
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

struct SourceCohortWorkspace {
  std::vector<CarTPatient> patients;
  std::vector<double> follow_up;  // cut-off - entry, months
  std::vector<double> time;
  std::vector<int> status, group;
  SurvivalWorkspace survival;
  KaplanMeierCurve curve;
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

// The simulated value of `figure` on the cohort in `ws`, computed as the study reported it
// (proportions, Kaplan–Meier landmarks, counts by the cut, log-rank p-values). NaN when the
// cohort cannot give it (e.g. an empty subgroup, or a landmark beyond all follow-up).
double evaluate_figure(const Figure& figure, SourceCohortWorkspace& ws);

// Simple median of the observed overall-survival times (the reported median follow-up).
double median_follow_up(SourceCohortWorkspace& ws);

bool in_subgroup(Subgroup subgroup, const CarTPatient& patient);

}  // namespace trialsim::car_t
