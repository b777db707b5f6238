#pragma once
// A design is a plug-in: one folder designs/<name>/ holds its config keys, simulation, tallies,
// OC rows and report files, and one line in designs/registry.cpp registers it. Nothing outside
// the folder names the design: the config reader finds it by `design.type`, the run calls
// Study::run, the report draws whatever files the run wrote. See docs/architecture.md.
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_reader.h"
#include "config/study_keys.h"
#include "core/output.h"
#include "core/run_request.h"
#include "models/car_t/fitted_model.h"

namespace trialsim {

// MAX_SCENARIOS and MAX_SCENARIO_NAME_LENGTH: config/study_keys.h.

// What a design's reader may ask of the edges: files are read there, so designs stay pure.
struct DesignServices {
  // The fitted CAR-T model file (point estimate and posterior draws), every value checked;
  // throws ConfigError located in that file.
  std::function<car_t::FittedModel(const std::filesystem::path&)> load_fitted_car_t_model;
  // SHA-256 of a file's bytes (the resolved config records the fitted file's hash).
  std::function<std::string(const std::filesystem::path&)> file_sha256;
};

// What a design's reader is given besides the YAML.
struct DesignContext {
  std::filesystem::path config_file;  // relative paths in the config are relative to it
  SimulationSettings simulation;
  const DesignServices* services = nullptr;
};

// A study of one design, read and validated: everything a run needs, immutable.
class Study {
 public:
  virtual ~Study() = default;
  virtual std::vector<std::string> scenario_names() const = 0;
  // `design`, `model` and `scenarios` as resolved (defaults filled in): summary.json echoes it
  // and the config hash covers it.
  virtual nlohmann::json resolved() const = 0;
  // The rows a run reports (values unset): what a search or precision target may name.
  virtual std::vector<OcRow> reported_rows() const = 0;
  // Simulates (or evaluates exactly) the study; pure function of (study, simulation, request).
  virtual StudyResult run(const SimulationSettings& simulation,
                          const RunRequest& request) const = 0;
};

struct DesignPlugin {
  std::string_view type;  // `design.type`
  // Reads `design`, `model` and `scenarios` from the config root; throws ConfigError.
  std::unique_ptr<const Study> (*read)(MappingReader& root, const DesignContext& context);
  // The design's keys, declared once (config/key_table.h): the tables its reader reads by, in
  // reference order (mapping paths such as "design", "design.accrual", "model", "scenarios[]").
  // They generate the config reference (docs/config-reference.md) and the JSON Schema
  // (configs/trialsim.schema.json). nullptr: not declared yet (the schema checks design.type only).
  std::vector<const KeyTable*> (*key_tables)() = nullptr;
  // One line for the reference and the schema: what the design is.
  std::string_view summary = {};
};

// The registered designs, in registration order (designs/registry.cpp).
const std::vector<DesignPlugin>& registered_designs();
std::vector<std::string> registered_design_types();
// The design of that type, or nullptr.
const DesignPlugin* find_design(std::string_view type);

// `simulation.mode: exact` for a design that only simulates: a located error.
void refuse_exact_mode(MappingReader& root, const DesignContext& context, std::string_view type,
                       const std::string& expected);

}  // namespace trialsim
