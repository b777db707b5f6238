#include "edges/config/config_reference.h"

#include <vector>

#include "config/json_schema.h"
#include "config/study_keys.h"
#include "designs/design.h"

namespace trialsim {
namespace {

constexpr const char* TITLE = "trialsim study config (schema_version 1)";

std::vector<DesignKeyTables> design_tables() {
  std::vector<DesignKeyTables> out;
  for (const DesignPlugin& design : registered_designs()) {
    out.push_back({std::string(design.type), std::string(design.summary),
                   design.key_tables ? design.key_tables() : std::vector<const KeyTable*>{}});
  }
  return out;
}

}  // namespace

nlohmann::json study_config_schema() {
  return study_json_schema(common_key_tables(), design_tables(), TITLE);
}

std::string study_config_reference() {
  return config_reference_markdown(common_key_tables(), design_tables(), TITLE);
}

}  // namespace trialsim
