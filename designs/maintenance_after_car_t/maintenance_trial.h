#pragma once
// A randomised trial of maintenance versus observation after CD19 CAR-T response, simulated from
// the fitted patient model: responders are randomised at their response assessment, in permuted
// blocks within strata formed by baseline covariates (e.g. extramedullary disease, Ph+), and
// followed for relapse-free survival from randomisation. The analysis is the two-arm survival
// analysis (stratified log-rank and Cox, optional group-sequential looks).
//
// Each randomised patient is simulated twice from the same stream positions — once without and
// once with maintenance — and the arm picks which version is observed: the two arms differ only
// by the treatment (common random numbers within the patient), and every scenario sees the same
// patients. Patients who do not respond are screened out (not randomised).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "designs/two_arm_survival/two_arm_survival.h"
#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

enum class StratumCovariate {
  extramedullary,
  ph_positive,
  cns,
  prior_blinatumomab,
  prior_inotuzumab
};

StratumCovariate stratum_covariate_from(const std::string& name);  // throws std::invalid_argument
const char* to_string(StratumCovariate covariate);

// Fills ws.entry (randomisation calendar times), ws.arm (0 observation, 1 maintenance),
// ws.stratum, ws.event_time (relapse or death, months from randomisation) and ws.dropout_time.
void draw_maintenance_cohort(const CarTParameters& parameters, const TwoArmSurvivalDesign& design,
                             const std::vector<StratumCovariate>& strata, std::uint64_t seed,
                             std::uint64_t replicate, TwoArmSurvivalWorkspace& ws);

// The true relapse-free survival from randomisation of each arm (0 observation, 1 maintenance)
// at `times`: the estimand of the Kaplan–Meier landmarks (the latent maintenance hazard ratio is
// not one: it acts on the non-cured's relapse and death hazards only, so the population hazards
// are not proportional). From `patients` responders simulated without censoring on streams of
// their own (replicate 2^42), each in both versions as in the trial (binomial MC SE <=
// 0.5 / sqrt(patients)); at most 20 `patients` are screened (fewer responders with a model that
// rarely responds; NaN with none).
std::array<std::vector<double>, 2> true_rfs_from_randomisation(const CarTParameters& parameters,
                                                               const std::vector<double>& times,
                                                               std::uint64_t seed,
                                                               int patients = 400000);

}  // namespace trialsim::car_t
