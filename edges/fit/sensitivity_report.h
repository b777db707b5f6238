#pragma once
// `trialsim fit --study STUDY`: how the named study's assurance (and the true 12-month OS and
// RFS) moves under other priors for the main model choices (models/car_t/prior_sensitivity.h),
// as a table on stdout and <name>.sensitivity.csv beside the fitted file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/car_t/calibration.h"
#include "models/car_t/prior_sensitivity.h"

namespace trialsim {

// The decision of a single-arm CAR-T study (design.type single_arm_car_t): reject H0: ORR <= p0
// when responses >= critical_value of sample_size (the exact one-sided binomial test at alpha).
struct SensitivityStudy {
  std::string file;
  int sample_size = 0;
  double null_response_rate = 0.0, alpha = 0.0;
  int critical_value = 0;
};

// Reads design.type, design.sample_size, design.null_response_rate and design.alpha of a study
// config (other keys are the study's business; `trialsim validate` checks them). Throws
// ConfigError (FILE:LINE:COL) when the study is not a single_arm_car_t design or a value is out
// of range.
SensitivityStudy load_sensitivity_study(const std::filesystem::path& file);

// The quantities per draw: the study's power at the draw's population ORR (exact binomial: the
// study's assurance is their mean), and the draw's true 12-month OS and RFS (`truth_patients`
// uncensored patients per draw on common streams of `seed`), then the reweighted table.
struct SensitivityTable {
  std::vector<std::string> quantities;  // names of the per-draw quantities, in column order
  std::vector<car_t::SensitivityRow> rows;
};
SensitivityTable study_prior_sensitivity(const car_t::FitResult& fit,
                                         const car_t::Evidence& evidence,
                                         const SensitivityStudy& study, std::uint64_t seed,
                                         int truth_patients);

std::string sensitivity_csv(const SensitivityTable& table);
void print_sensitivity(const SensitivityTable& table, const SensitivityStudy& study);

}  // namespace trialsim
