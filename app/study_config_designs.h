#pragma once
// Per-design parts of the study config: which keys each design type accepts under `design`,
// `model` and `scenarios`, and their resolved JSON echo.
#include <set>
#include <string>
#include <vector>

#include "app/study_config.h"

namespace trialsim {

inline const std::vector<std::string> DESIGN_TYPES = {"single_arm_binary", "two_arm_survival", "single_arm_car_t", "single_arm_sequential"};

SingleArmBinaryStudy read_single_arm_binary(MappingReader& root);
TwoArmSurvivalStudy read_two_arm_survival(MappingReader& root);
SingleArmCarTStudy read_single_arm_car_t(MappingReader& root, const std::filesystem::path& config_file);

nlohmann::json resolved_study(const SingleArmBinaryStudy& study);
nlohmann::json resolved_study(const TwoArmSurvivalStudy& study);
nlohmann::json resolved_study(const SingleArmCarTStudy& study);
nlohmann::json resolved_study(const SingleArmSequentialStudy& study);
SingleArmSequentialStudy read_single_arm_sequential(MappingReader& root);

std::string read_unique_scenario_name(MappingReader& item, std::set<std::string>& seen);

}  // namespace trialsim
