#pragma once
// `trialsim fit EVIDENCE [--output FILE]`: calibrates the CAR-T patient model to an evidence file
// and writes the fitted parameter file (point estimate + posterior draws, YAML) and the
// calibration report (CSV beside it, and a table on stdout).
#include <filesystem>
#include <string>
#include <vector>

#include "models/car_t/calibration.h"
#include "models/car_t/fitted_model.h"

namespace trialsim {

int command_fit(const std::vector<std::string>& arguments);

// The fitted parameter file: what `model: {fitted: FILE}` reads back.
using car_t::FittedModel;

std::string fitted_model_yaml(const car_t::FitResult& fit, const std::string& evidence_file,
                              const std::string& evidence_sha256,
                              const car_t::FitSettings& settings);
std::string calibration_csv(const car_t::FitResult& fit);
// Throws ConfigError (file:line:col) on a malformed file or an unknown parameter name.
FittedModel load_fitted_model(const std::filesystem::path& file);

}  // namespace trialsim
