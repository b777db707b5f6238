#pragma once
// The study config: a YAML file parsed once into this immutable typed struct (schema_version 1).
// Every key, its type, range and default is listed in the README's config reference; the parser
// records the keys it accepts in a KeyRegistry so a test can compare the two.
#include <cstdint>
#include <optional>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_reader.h"
#include "designs/single_arm_binary/single_arm_binary.h"
#include "designs/maintenance_after_car_t/maintenance_trial.h"
#include "designs/single_arm_car_t/single_arm_study.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"
#include "designs/two_arm_survival/two_arm_survival.h"

namespace trialsim {

inline constexpr int SCHEMA_VERSION = 1;
inline constexpr std::uint64_t DEFAULT_REPLICATES = 10000;
inline constexpr std::uint64_t DEFAULT_SEED = 20240108;  // the first enrolment date of the seed study

// Resource caps: each is an exit-2 error at the key that exceeds it, checked before anything runs.
// simulation.replicates and .precision.max_replicates: at most 10^12. Why: a run draws every
// replicate, so 10^12 is already months of CPU for the cheapest design; a larger count is a typo
// (and would approach the 2^42 replicate index the truth simulations reserve).
inline constexpr std::uint64_t MAX_REPLICATES = 1'000'000'000'000ULL;
// Scenarios in one config: at most 1 000. Why: the cost of a run is linear in the scenario count
// (every replicate analyses every scenario; 20 000 scenarios took 71 s at 10^4 replicates) and
// so are the result files and the report.
inline constexpr std::size_t MAX_SCENARIOS = 1000;
// Grid cells (the product of the axes' value counts): at most 10 000. Why: each cell is a full
// run, all cell configs are loaded before the first runs, and grid.csv holds every cell's rows.
inline constexpr std::size_t MAX_GRID_CELLS = 10000;
// Values a search sweeps ((to - from) / step + 1): at most 2 000, for the same reason.
inline constexpr std::int64_t MAX_SEARCH_VALUES = 2000;
// Top-level `name` (it names the output directory): 1 to 100 characters from [A-Za-z0-9._-],
// no leading dot, no "..". Why: the name becomes a path, so it must not climb out of results/
// (`..`, `/`), hide (`.name`), or carry characters a shell, file system or URL treats specially.
inline constexpr std::size_t MAX_NAME_LENGTH = 100;
// Scenario names are free text (any UTF-8, escaped wherever written) of at most 200 characters.
// Why: they label table rows and figure legends; longer text is a paragraph, not a label.
inline constexpr std::size_t MAX_SCENARIO_NAME_LENGTH = 200;

enum class EvaluationMode { simulate, exact };

// Precision mode: run until the MCSE of one metric is at most target_mcse, or max_replicates.
struct PrecisionTarget {
  std::string scenario, analysis, metric;
  double target_mcse = 0.0;
  std::uint64_t max_replicates = 0;
};

struct SimulationSettings {
  std::uint64_t replicates = DEFAULT_REPLICATES;
  std::uint64_t seed = DEFAULT_SEED;
  EvaluationMode mode = EvaluationMode::simulate;
  std::optional<PrecisionTarget> precision;
};

struct SingleArmBinaryStudy {
  SingleArmBinaryDesign design;
  std::vector<ResponseScenario> scenarios;
};

struct TwoArmSurvivalStudy {
  TwoArmSurvivalDesign design;
  std::string endpoint;          // label, e.g. overall_survival
  nlohmann::json control_model;  // the control-arm survival as written (resolved() echoes it)
  std::vector<SurvivalScenario> scenarios;
};

// A future single-arm CAR-T study simulated from a fitted patient model.
struct SingleArmCarTStudy {
  car_t::SingleArmCarTDesign design;
  std::string fitted_file;  // as resolved (relative to the config file's directory)
  std::vector<std::pair<std::string, double>> model_overrides;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> scenario_overrides;
  std::vector<car_t::CarTScenario> scenarios;  // parameters = fitted point + overrides; truth filled at run
  // model.uncertainty: posterior — every scenario is also run with each replicate's parameters
  // drawn from the fitted posterior draws (+ the same overrides): assurance next to power.
  bool assurance = false;
  std::vector<car_t::CarTParameters> posterior_draws;
};

// A grid of runs: every combination of the axes' values, each applied like `--set key=value`.
struct GridAxis {
  std::string key_path;
  std::vector<std::string> values;  // YAML text of each value
};

// Sample-size (or any one-parameter) search: the smallest value whose target metric reaches
// `at_least`, from a sweep over [from, to] by `step`, all on common random numbers.
struct SearchSpec {
  std::string parameter;
  std::int64_t from = 0, to = 0, step = 1;
  std::string scenario, analysis, metric;
  double at_least = 0.0;
};

struct SingleArmSequentialStudy {
  SingleArmSequentialDesign design;
  nlohmann::json design_echo;  // the rule as resolved (the searched Simon design included)
  std::vector<SequentialScenario> scenarios;
};

// Maintenance versus observation after CAR-T response, randomised in strata, on RFS.
struct MaintenanceTrialStudy {
  TwoArmSurvivalDesign design;  // sample_size = responders randomised; timing on RFS events
  std::vector<car_t::StratumCovariate> strata;
  std::string fitted_file;
  std::vector<std::pair<std::string, double>> model_overrides;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> scenario_overrides;
  std::vector<car_t::CarTScenario> scenarios;
};

struct StudyConfig {
  std::string config_file;
  std::string name;  // default: the config file's stem; names the output directory
  std::string description;
  SimulationSettings simulation;
  std::variant<SingleArmBinaryStudy, TwoArmSurvivalStudy, SingleArmCarTStudy, SingleArmSequentialStudy,
               MaintenanceTrialStudy> study;
  std::vector<GridAxis> grid;         // empty: a single run
  std::optional<SearchSpec> search;   // a search is a one-axis grid plus a decision

  std::vector<std::string> scenario_names() const;
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
StudyConfig load_grid_cell_config(const std::filesystem::path& file,
                                  const std::vector<std::string>& overrides);

// The grid cells of a config: for each, the overrides that define it (one empty cell when the
// config has no grid or search).
std::vector<std::vector<std::string>> grid_cells(const StudyConfig& config);

}  // namespace trialsim
