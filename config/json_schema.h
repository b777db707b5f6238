#pragma once
// The key tables (config/key_table.h) as a JSON Schema for editors and as the Markdown config
// reference. Pure functions of the tables: no I/O.
//
// The schema is draft-07 (what editors' YAML language server and Debian 12's python3-jsonschema
// 4.10 both validate). Every mapping is closed (additionalProperties: false, as the reader's
// finish() is); optional keys also accept null, which the reader reads as absent; a key of type
// string accepts any scalar, as the reader does. The top level dispatches on design.type: one
// if/then per design constrains design, model and scenarios by that design's tables.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/key_table.h"

namespace trialsim {

// One design's tables (e.g. "design", "design.accrual", "model", "scenarios[]"), for the
// dispatch on design.type. A design with no tables yet is constrained by design.type only.
struct DesignKeyTables {
  std::string type;     // the design.type value
  std::string summary;  // one line for the reference
  std::vector<const KeyTable*> tables;
};

// The schema of one key of the mapping at `mapping_path`; a mapping or list of mappings takes
// the table at its path from `tables` (a free mapping when there is none).
nlohmann::json key_json_schema(const KeySpec& spec, std::string_view mapping_path,
                               const std::vector<const KeyTable*>& tables);

// The closed object schema of the mapping at `mapping_path` ("" for the top level).
nlohmann::json mapping_json_schema(std::string_view mapping_path,
                                   const std::vector<const KeyTable*>& tables);

// The whole config: `common` (config/study_keys.h: top level, simulation, search) and one
// if/then per design. The top-level keys of type mapping or mapping_list that no common table
// describes (design, model, scenarios) are the designs': a design whose tables do not describe
// one of them forbids it (its reader would call it an unknown key).
nlohmann::json study_json_schema(const std::vector<const KeyTable*>& common,
                                 const std::vector<DesignKeyTables>& designs,
                                 const std::string& title);

// One Markdown row per key of `tables`, in order, under the header
// `| key | type | unit | default | meaning |`.
std::string markdown_key_table(const std::vector<const KeyTable*>& tables);

// The config reference: the common keys, then one section per design.
std::string config_reference_markdown(const std::vector<const KeyTable*>& common,
                                      const std::vector<DesignKeyTables>& designs,
                                      const std::string& title);

// How the reference writes a key's type and its default ("number in (0, 1)", "`0.025`").
std::string markdown_type(const KeySpec& spec);
std::string markdown_default(const KeySpec& spec);

}  // namespace trialsim
