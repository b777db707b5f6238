#pragma once
// The study config: a YAML file parsed once into this immutable typed struct (schema_version 1).
// Every key, its type, range and default is listed in the README's config reference; the parser
// records the keys it accepts in a KeyRegistry so a test can compare the two.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/study_keys.h"
#include "core/run_request.h"
#include "designs/design.h"

namespace trialsim {

struct StudyConfig {
  std::string config_file;
  std::string name;  // default: the config file's stem; names the output directory
  std::string description;
  std::vector<std::string> headline;  // top-level `headline:` (console and summary.json)
  SimulationSettings simulation;
  std::string design_type;                  // `design.type`: the registered design that read it
  std::shared_ptr<const Study> study;       // design, model and scenarios, read by that design
  std::vector<GridAxis> grid;               // empty: a single run
  std::optional<SearchSpec> search;         // a search is a one-axis grid plus a decision
  std::vector<ComparisonSpec> comparisons;  // top-level `comparisons:` (paired differences)
  // schema_version, name, description and simulation as read (defaults included): the top of
  // resolved(), recorded by the reader from the key tables (config/study_keys.h).
  nlohmann::json resolved_common;

  std::vector<std::string> scenario_names() const { return study->scenario_names(); }
  // The resolved config (after --set overrides and defaults) as JSON, for summary.json.
  nlohmann::json resolved() const;
  // SHA-256 of the resolved study definition (schema, name, design, model, scenarios). Seed,
  // replicate count and mode are recorded beside it in the manifest; see the README.
  std::string sha256() const;
};

// Loads, applies overrides ("key.path=value") and validates. Throws ConfigError (exit code 2).
// Validation covers everything a run would find later: every grid value (each applied once to
// the config and read), the search range's ends, search and precision targets (the metric must
// be one this design reports), the fitted model file, and the resource caps above.
StudyConfig load_study_config(const std::filesystem::path& file,
                              const std::vector<std::string>& overrides,
                              KeyRegistry* registry = nullptr);
// The same from config text already read (e.g. carried in a shard file); `file` names it in
// messages and anchors relative paths, as if the text had been read from there.
StudyConfig load_study_config_text(const std::string& text, const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides);
StudyConfig load_study_config(ConfigDocument document, const std::filesystem::path& file,
                              const std::vector<std::string>& overrides, KeyRegistry* registry);

// One cell of a grid or search of a config loaded with load_study_config: `overrides` are the
// run's overrides then the cell's assignments. The grid and search values are not checked again
// (loading the base config checked each of them once).
// The rows (scenario, analysis, metric; no values) a run of `config` reports: what a search or
// precision target may name.
std::vector<OcRow> reported_rows(const StudyConfig& config);

// Runs the study (simulation or exact evaluation) into rows of operating characteristics.
StudyResult run_study(const StudyConfig& config, const RunRequest& request);

StudyConfig load_grid_cell_config(const std::filesystem::path& file,
                                  const std::vector<std::string>& overrides);

// The grid cells of a config: for each, the overrides that define it (one empty cell when the
// config has no grid or search).
std::vector<std::vector<std::string>> grid_cells(const StudyConfig& config);

}  // namespace trialsim
