#pragma once
// The fitted CAR-T patient model as a design's model: `model: {fitted, overrides[, uncertainty],
// clinical targets}` and `scenarios: [{name, overrides, clinical targets}]`, for every design that
// simulates from it. The keys are declared once, in the tables of fitted_model_key_tables and
// clinical_target_key_tables (config/key_table.h), and read by them. Clinical targets (orr,
// crs_rate, os_at, ...: designs/clinical_targets.h, docs/clinical-scenarios.md) are solved for the
// model's parameters while reading, so an unreachable one is a located ConfigError.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/clinical_targets.h"
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
  // model.overrides, then the parameters model's clinical targets solved at the fitted point
  // (what a posterior draw gets when it is not re-solved: see assurance_draws).
  ParameterOverrides model_overrides;
  // model.uncertainty: posterior — each scenario is also run with each replicate's parameters
  // drawn from the fitted posterior draws (+ the same overrides): assurance next to power.
  bool assurance = false;
  // model.targets_on_draws: `re_solve` (default; see assurance_draws) or `shift` (each draw moved
  // by what the solves did to the point: the posterior spread kept, centred on the targets).
  bool shift_draws = false;
  std::vector<car_t::CarTParameters> posterior_draws;
  // Each scenario's overrides, then the parameters its clinical targets solved at the point.
  std::vector<std::pair<std::string, ParameterOverrides>> scenario_overrides;
  std::vector<car_t::CarTScenario> scenarios;  // parameters = fitted point + overrides + solves
  // The clinical targets of `model` and of each scenario, and what their solve at the point gave.
  ClinicalTargets model_targets;
  SolvedTargets model_solved;
  std::vector<ClinicalTargets> scenario_targets;
  std::vector<SolvedTargets> scenario_solved;
  // With assurance, [scenario][draw]: posterior draw + model.overrides, the model's targets, the
  // scenario's overrides and targets, in that order. The closed-form targets (orr and the
  // subgroup ORRs, crs_rate, crs_grade3plus_rate, icans_rate) are solved again on every draw, so
  // each draw has the scenario's clinical meaning; the landmark targets (os_at, rfs_at,
  // maintenance_rfs_at) are not (a Monte Carlo solve per draw would take minutes): each draw
  // takes the parameter value solved at the point, and keeps the posterior spread of the
  // landmark. With `targets_on_draws: shift` no draw is solved: each is moved by what the solves
  // did to the point (shift_draw). Designs should simulate assurance from these rather than
  // re-applying overrides.
  std::vector<std::vector<car_t::CarTParameters>> assurance_draws;
  // What the reader read by the tables, as resolved (MappingReader::echo_into): `model` (the
  // fitted path resolved, its sha256 and the overrides added) and `scenarios`.
  nlohmann::json model_echo, scenarios_echo;
};

// The tables `model` and `scenarios[]`, in reference order. `allow_uncertainty`: whether
// `model.uncertainty` (point / posterior) is a key of the design.
const KeyTable& fitted_model_keys(bool allow_uncertainty);
const KeyTable& fitted_scenario_keys();
std::vector<const KeyTable*> fitted_model_key_tables(bool allow_uncertainty);
// The mappings inside the clinical targets, for `model` and `scenarios[]`: model.os_at,
// model.rfs_at, model.maintenance_rfs_at and the same under scenarios[] (a design lists them
// after fitted_model_key_tables so the reference and schema describe them).
std::vector<const KeyTable*> clinical_target_key_tables();

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
