#pragma once
// The fitted CAR-T patient model as a design's model: `model: {fitted, overrides[, uncertainty]}`
// and `scenarios: [{name, overrides}]`, for every design that simulates from it. The keys are
// declared once, in the tables of fitted_model_key_tables (config/key_table.h), and read by them.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/design.h"
#include "models/car_t/calibration.h"
#include "models/car_t/patient_model.h"
#include "models/car_t/truth.h"

namespace trialsim {

using ParameterOverrides = std::vector<std::pair<std::string, double>>;

// The fitted model and scenarios of a design simulated from a fitted CAR-T model.
struct FittedScenarios {
  std::string file;         // as resolved (relative to the config file's directory)
  std::string file_sha256;  // of the fitted file's bytes, for the resolved echo
  ParameterOverrides model_overrides;
  // model.uncertainty: posterior — each scenario is also run with each replicate's parameters
  // drawn from the fitted posterior draws (+ the same overrides): assurance next to power.
  bool assurance = false;
  std::vector<car_t::CarTParameters> posterior_draws;
  std::vector<std::pair<std::string, ParameterOverrides>> scenario_overrides;
  std::vector<car_t::CarTScenario> scenarios;  // parameters = fitted point + overrides
  // What the reader read by the tables, as resolved (MappingReader::echo_into): `model` (the
  // fitted path resolved, its sha256 and the overrides added) and `scenarios`.
  nlohmann::json model_echo, scenarios_echo;
};

// The tables `model` and `scenarios[]`, in reference order. `allow_uncertainty`: whether
// `model.uncertainty` (point / posterior) is a key of the design.
const KeyTable& fitted_model_keys(bool allow_uncertainty);
const KeyTable& fitted_scenario_keys();
std::vector<const KeyTable*> fitted_model_key_tables(bool allow_uncertainty);

// Reads the fitted model file named by `spec` (a key of `parent`; a relative path is relative to
// the config file), checked and loaded by the edges' service; sets `file` (resolved) and
// `file_sha256`, and records both in the echo (`<key>`, `<key>_sha256`). Throws ConfigError.
car_t::FittedModel load_fitted_model_file(MappingReader& parent, const KeySpec& spec,
                                          const DesignContext& context, std::string& file,
                                          std::string& file_sha256);

// Reads `model` and `scenarios` by fitted_model_key_tables(allow_uncertainty).
FittedScenarios read_fitted_scenarios(MappingReader& root, const DesignContext& context,
                                      bool allow_uncertainty);

// `overrides: {parameter_name: value, ...}` of `parent`, declared by `spec` (a number_map whose
// names are the CAR-T parameter names), validated by name and by the parameter's unit.
ParameterOverrides read_parameter_overrides(MappingReader& parent, const KeySpec& spec);
nlohmann::json overrides_json(const ParameterOverrides& overrides);
// The resolved `model` (without `uncertainty`) and `scenarios`.
nlohmann::json fitted_model_json(const FittedScenarios& fitted);
nlohmann::json fitted_scenarios_json(const FittedScenarios& fitted);

}  // namespace trialsim
