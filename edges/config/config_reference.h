#pragma once
// The study config's keys as the key tables declare them (config/study_keys.h for the common
// keys, each registered design's DesignPlugin::key_tables for its own): the JSON Schema shipped
// as configs/trialsim.schema.json (editors validate and complete configs with it) and the
// reference docs/config-reference.md. Both files are generated (`trialsim config-schema`,
// `trialsim config-reference`) and a test checks that the committed copies are current.
#include <nlohmann/json.hpp>
#include <string>

namespace trialsim {

nlohmann::json study_config_schema();
std::string study_config_reference();

}  // namespace trialsim
