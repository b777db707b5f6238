#pragma once
// Per-design parts of the study config: which keys each design type accepts under `design`,
// `model` and `scenarios`, and their resolved JSON echo.
#include <set>
#include <string>
#include <vector>

#include "edges/config/study_config.h"
#include "core/output.h"

namespace trialsim {

inline const std::vector<std::string> DESIGN_TYPES = {"single_arm_binary", "two_arm_survival", "single_arm_car_t", "single_arm_sequential", "maintenance_after_car_t"};

// The fitted model and scenarios of a design simulated from a fitted CAR-T model.
struct FittedScenarios {
  std::string file;
  std::vector<std::pair<std::string, double>> model_overrides;
  bool assurance = false;
  std::vector<car_t::CarTParameters> posterior_draws;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> scenario_overrides;
  std::vector<car_t::CarTScenario> scenarios;
};

SingleArmBinaryStudy read_single_arm_binary(MappingReader& root);
TwoArmSurvivalStudy read_two_arm_survival(MappingReader& root);
SingleArmCarTStudy read_single_arm_car_t(MappingReader& root, const std::filesystem::path& config_file);

nlohmann::json resolved_study(const SingleArmBinaryStudy& study);
nlohmann::json resolved_study(const TwoArmSurvivalStudy& study);
nlohmann::json resolved_study(const SingleArmCarTStudy& study);
nlohmann::json resolved_study(const SingleArmSequentialStudy& study);
SingleArmSequentialStudy read_single_arm_sequential(MappingReader& root);
MaintenanceTrialStudy read_maintenance_after_car_t(MappingReader& root, const std::filesystem::path& config_file);
nlohmann::json resolved_study(const MaintenanceTrialStudy& study);

// `name` of a scenario: valid UTF-8, 1 to MAX_SCENARIO_NAME_LENGTH characters, not in `seen`.
std::string read_unique_scenario_name(MappingReader& item, std::set<std::string>& seen);

// The rows (scenario, analysis, metric; no values) a run of `config` reports, from an empty tally
// of its design: what a search or precision target may name.
std::vector<OcRow> reported_rows(const StudyConfig& config);

}  // namespace trialsim
