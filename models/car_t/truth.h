#pragma once
// What a CAR-T scenario truly is: the model's true values of what studies estimate (response,
// CRS, ICANS, survival at landmarks), for coverage, bias and "truly toxic" statements.
#include <cstdint>
#include <string>
#include <vector>

#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

// The model's true values of what the study estimates (for coverage and bias).
struct CarTTruth {
  double orr = 0.0, crs_any = 0.0, crs_grade3plus = 0.0, icans_any = 0.0;
  // Grade >= 3 ICANS, and grade >= 3 CRS or ICANS (either), in the population (closed form).
  double icans_grade3plus = 0.0, crs_or_icans_grade3plus = 0.0;
  std::vector<double> os_at, rfs_at;  // per landmark
  // Cumulative incidence of relapse among responders by each landmark (from infusion; death
  // without relapse competes): P(relapse <= t | response).
  std::vector<double> cir_at;
};

// Exact where the model gives it in closed form (ORR, ICANS, CRS any); otherwise by simulating
// `patients` uncensored patients from dedicated streams (binomial MC SE <= 0.5 / sqrt(patients)).
// patients = 0: closed-form truths only, survival truths NaN (not tallied).
CarTTruth true_values(const CarTParameters& parameters, const std::vector<double>& landmarks,
                      std::uint64_t seed, int patients = 400000);

struct CarTScenario {
  std::string name;
  CarTParameters parameters;
  CarTTruth truth;
};

}  // namespace trialsim::car_t
