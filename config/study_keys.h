#pragma once
// The top-level keys of a study config, declared once (config/key_table.h): schema_version,
// name, description, simulation.* (precision included), grid and search.*, plus the keys every
// design fills (design, model, scenarios). read_common_keys reads them by these tables; the
// tables also give the reference's first section and the common part of the JSON Schema.
// The constants and structs below move here from edges/config/study_config.h and
// designs/design.h (MAX_SCENARIOS, MAX_SCENARIO_NAME_LENGTH): the tables need them, and config/
// sits below both.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "core/run_request.h"  // SimulationSettings, PrecisionTarget, DEFAULT_REPLICATES, DEFAULT_SEED

namespace trialsim {

inline constexpr int SCHEMA_VERSION = 1;
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
// Paired comparisons a config may name (each costs one more pass over a replicate's rows).
inline constexpr std::size_t MAX_COMPARISONS = 50;
// Values a search sweeps ((to - from) / step + 1): at most 2 000, for the same reason.
inline constexpr std::int64_t MAX_SEARCH_VALUES = 2000;
// Top-level `name` (it names the output directory): 1 to 100 characters from [A-Za-z0-9._-],
// no leading dot, no "..". Why: the name becomes a path, so it must not climb out of results/
// (`..`, `/`), hide (`.name`), or carry characters a shell, file system or URL treats specially.
inline constexpr std::size_t MAX_NAME_LENGTH = 100;
// Scenario names are free text (any UTF-8, escaped wherever written) of at most 200 characters.
// Why: they label table rows and figure legends; longer text is a paragraph, not a label.
inline constexpr std::size_t MAX_SCENARIO_NAME_LENGTH = 200;

// A grid of runs: every combination of the axes' values, each applied like `--set key=value`.
struct GridAxis {
  std::string key_path;
  std::vector<std::string> values;  // YAML text of each value
};

// A second parameter a search sets from the searched value v: round(fraction * v), halves
// rounded up (e.g. the events at the analysis as 0.7 of the sample size). `where` is the
// parameter's place in the file, for errors found when the cells are loaded.
struct TiedParameter {
  std::string parameter;
  double fraction = 1.0;
  SourceLocation where;
};

// Sample-size (or any one-parameter) search: the smallest value whose target metric reaches
// `at_least`, from a sweep over [from, to] by `step`, all on common random numbers.
struct SearchSpec {
  std::string parameter;
  std::int64_t from = 0, to = 0, step = 1;
  std::string scenario, analysis, metric;
  double at_least = 0.0;
  std::optional<TiedParameter> tied;
};

// The `--set`-style assignment of the tied parameter at searched value `value` (e.g.
// "design.analysis.events=28" for fraction 0.7 at 40): round(fraction * value), halves up.
std::int64_t tied_value(const TiedParameter& tied, std::int64_t value);
std::string tied_assignment(const TiedParameter& tied, std::int64_t value);

// A paired comparison (top-level `comparisons:`): the difference first - second of one metric
// between two rows of the same run (scenarios and analyses share random numbers), reported with
// its paired MCSE (core/run_request.h, PairedComparisons).
struct ComparisonSpec {
  std::string name;  // default: "<first> - <second>"
  RowKey first, second;
  // Grid and search configs: the cells (1-based, as grid.csv numbers them) of the two rows, for a
  // comparison between cells (two designs on the same random numbers); 0 and 0: within each cell.
  std::size_t first_cell = 0, second_cell = 0;
  bool between_cells() const noexcept { return first_cell != 0; }
};

// Comparisons between grid cells keep each compared row's value per replicate until the grid is
// done: replicates (or the precision cap) x compared rows must be at most this (512 MiB).
inline constexpr std::uint64_t MAX_CAPTURED_VALUES = std::uint64_t{1} << 26;

// The metrics a comparison may pair: those whose estimate is the mean of one value per replicate
// over every replicate (probabilities and plain means), so that the mean of the per-replicate
// differences is the difference of the estimates. Conditional means (over the replicates where
// an interval exists, or a look was reached) and quantiles are not.
bool comparable_metric(const std::string& metric);

// Where each value of a target or grid sits in the file (or --set), kept while reading so a
// check that needs the whole config can still point at the value.
struct TargetLocations {
  SourceLocation scenario, analysis, metric;
};
struct GridLocations {
  SourceLocation key;                  // the axis key
  std::vector<SourceLocation> values;  // one per value (when located)
};
struct CommonKeyLocations {
  std::optional<TargetLocations> precision, search_target;
  SourceLocation search_parameter, search_from, search_to;
  std::vector<GridLocations> grid;
  std::vector<std::pair<TargetLocations, TargetLocations>> comparisons;  // first, second
  std::vector<SourceLocation> comparison_cells;  // where each comparison's first cell is
};

struct CommonKeys {
  std::string name;  // default: the config file's stem; names the output directory
  std::string description;
  SimulationSettings simulation;
  std::vector<GridAxis> grid;        // empty: a single run
  std::optional<SearchSpec> search;  // a search is a one-axis grid plus a decision
  // What the console summary and summary.json's "headline" show (HEADLINE_QUANTITIES). Not in
  // the resolved echo or the config hash: it changes what is shown, not what is computed.
  std::vector<std::string> headline;
  std::vector<ComparisonSpec> comparisons;  // in the config hash: they change the run's tallies
  CommonKeyLocations locations;
};

// The quantities a config may ask for as its headline (`headline:`), each standing for the
// metrics that measure it in every design (edges/report/headline.h): power and type_i_error
// (rejection probabilities at the design's alternative and null scenarios), expected_n,
// duration, events, ci_width, coverage, bias, early_stop.
const std::vector<std::string>& headline_quantities();
// The default headline: power, type_i_error, expected_n, duration, ci_width.
const std::vector<std::string>& default_headline();

// The tables, in reference order: "" (top level), simulation, simulation.precision, search,
// search.target, search.tied. The top-level table names design, model and scenarios; each design's
// tables give their keys.
const KeyTable& top_level_keys();
const KeyTable& simulation_keys();
const KeyTable& precision_keys();
const KeyTable& search_keys();
const KeyTable& search_target_keys();
const KeyTable& search_tied_keys();
const KeyTable& comparison_keys();      // comparisons[]
const KeyTable& comparison_row_keys();  // comparisons[].first and .second
const KeyTable& comparison_second_keys();
std::vector<const KeyTable*> common_key_tables();

// `scenarios[].name`, for the designs' scenario tables (read with read_unique_scenario_name).
const KeySpec& scenario_name_key();

// Reads schema_version (which must be SCHEMA_VERSION), name (default `file_stem`, checked as a
// directory name), description, simulation, grid and search from the top-level reader, with the
// messages and in the order of the key-by-key reader this replaces. When `root` has an echo sink
// (MappingReader::echo_into), schema_version, name, description and simulation (all its keys,
// defaults included) are recorded in it: the top of the resolved config; grid and search are not
// (the config hash adds them itself). `locate_grid_values`: record where each grid value is (a
// grid cell's load skips this, keeping a large grid's load linear).
CommonKeys read_common_keys(MappingReader& root, const std::string& file_stem,
                            bool locate_grid_values);

}  // namespace trialsim
