#include "config/study_keys.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

namespace trialsim {
namespace {

constexpr auto INT64_LIMIT = std::numeric_limits<std::int64_t>::max();
constexpr auto REPLICATE_LIMIT = static_cast<std::int64_t>(MAX_REPLICATES);

// The three names of a target row, as oc.csv writes them.
std::vector<KeySpec> target_row_keys() {
  return {
      {.path = "scenario", .meaning = "scenario name, as in oc.csv"},
      {.path = "analysis", .meaning = "analysis name, as in oc.csv (e.g. exact_test)"},
      {.path = "metric", .meaning = "metric name, as in oc.csv (e.g. rejection_probability)"},
  };
}

TargetLocations read_target(MappingReader& target, const KeyTable& table, std::string& scenario,
                            std::string& analysis, std::string& metric) {
  scenario = target.string(table["scenario"]);
  analysis = target.string(table["analysis"]);
  metric = target.string(table["metric"]);
  return {target.location_of("scenario"), target.location_of("analysis"),
          target.location_of("metric")};
}

SimulationSettings read_simulation(MappingReader& root, CommonKeyLocations& locations) {
  const KeyTable& keys = simulation_keys();
  SimulationSettings settings;
  MappingReader simulation = root.mapping_or_empty(top_level_keys()["simulation"]);
  settings.replicates = static_cast<std::uint64_t>(simulation.integer(keys["replicates"]));
  settings.seed = static_cast<std::uint64_t>(simulation.integer(keys["seed"]));
  settings.mode =
      simulation.choice(keys["mode"]) == "exact" ? EvaluationMode::exact : EvaluationMode::simulate;
  if (auto precision = simulation.optional_mapping(keys["precision"])) {
    const KeyTable& precision_table = precision_keys();
    PrecisionTarget target;
    locations.precision =
        read_target(*precision, precision_table, target.scenario, target.analysis, target.metric);
    target.target_mcse = precision->number(precision_table["target_mcse"]);
    target.max_replicates =
        static_cast<std::uint64_t>(precision->integer(precision_table["max_replicates"]));
    precision->finish();
    settings.precision = target;
  }
  simulation.finish();
  return settings;
}

// The grid is a mapping of key paths to lists of values: its keys are data, read with keys()
// and raw(), not by spec.
void read_grid(MappingReader& root, CommonKeys& common, bool locate_values) {
  auto grid = root.optional_mapping("grid");
  if (!grid) return;
  const std::vector<std::string> keys = grid->keys();
  if (keys.size() > MAX_LIST_ITEMS) {
    grid->fail("", "a grid of " + std::to_string(keys.size()) + " axes",
               "at most " + std::to_string(MAX_LIST_ITEMS) + " axes");
  }
  std::size_t cells = 1;
  for (const std::string& key_path : keys) {
    const YAML::Node values = grid->raw(key_path);
    if (!values.IsSequence() || values.size() == 0) {
      grid->fail(key_path, "found no list of values", "a non-empty list of values for " + key_path);
    }
    GridAxis axis{key_path, {}};
    GridLocations where{grid->location_of(key_path), {}};
    for (std::size_t i = 0; i < values.size(); ++i) {
      // null removes an optional key in that cell (as `--set key=null` does): e.g. a design
      // with and without its safety rule.
      if (!values[i].IsScalar() && !values[i].IsNull())
        grid->fail(key_path, "a grid value is not a scalar", "numbers, strings or null");
      axis.values.push_back(values[i].IsNull() ? "null" : values[i].Scalar());
      if (locate_values) {
        where.values.push_back(grid->document().locate(
            values[i], grid->key_path() + "." + key_path + "." + std::to_string(i)));
      }
    }
    // The product is compared before it is formed, so it cannot overflow.
    if (values.size() > MAX_GRID_CELLS / cells) {
      grid->fail(key_path, "the grid has more than " + std::to_string(MAX_GRID_CELLS) + " cells",
                 "at most " + std::to_string(MAX_GRID_CELLS) +
                     " cells (the product of the axes' value counts)");
    }
    cells *= values.size();
    common.grid.push_back(axis);
    common.locations.grid.push_back(where);
  }
  grid->finish();
}

// The tied parameter must be another key than the searched one. Whether the design reads it as
// an integer, and accepts each tied value, is checked when the cells are loaded (run_grid).
TiedParameter read_tied(MappingReader& tied, const SearchSpec& spec) {
  const KeyTable& keys = search_tied_keys();
  TiedParameter out;
  out.parameter = tied.string(keys["parameter"]);
  out.where = tied.location_of("parameter");
  if (out.parameter == spec.parameter) {
    tied.fail("parameter", "the tied parameter is the searched one (" + out.parameter + ")",
              "the key path of another integer setting, e.g. design.analysis.events");
  }
  out.fraction = tied.number(keys["fraction"]);
  tied.finish();
  return out;
}

// Opened with the string-keyed call, so that the search is not echoed (see read_common_keys).
void read_search(MappingReader& root, CommonKeys& common) {
  auto search = root.optional_mapping("search");
  if (!search) return;
  if (!common.grid.empty()) search->fail("", "a config has both grid and search", "one of them");
  const KeyTable& keys = search_keys();
  SearchSpec spec;
  spec.parameter = search->string(keys["parameter"]);
  spec.from = search->integer(keys["from"]);
  spec.to = search->integer(keys["to"].with_bounds(spec.from, INT64_LIMIT));
  spec.step = search->integer(keys["step"]);
  if ((spec.to - spec.from) / spec.step >= MAX_SEARCH_VALUES) {
    search->fail(
        "to", "the range has " + std::to_string((spec.to - spec.from) / spec.step + 1) + " values",
        "at most " + std::to_string(MAX_SEARCH_VALUES) +
            " values (a narrower range or a larger step)");
  }
  CommonKeyLocations& locations = common.locations;
  locations.search_parameter = search->location_of("parameter");
  locations.search_from = search->location_of("from");
  locations.search_to = search->location_of("to");
  MappingReader target = search->mapping(keys["target"]);
  const KeyTable& target_keys = search_target_keys();
  locations.search_target =
      read_target(target, target_keys, spec.scenario, spec.analysis, spec.metric);
  spec.at_least = target.number(target_keys["at_least"]);
  target.finish();
  if (auto tied = search->optional_mapping(keys["tied"])) spec.tied = read_tied(*tied, spec);
  search->finish();
  common.search = spec;
}

// The top-level name becomes a directory under results/; see MAX_NAME_LENGTH for the rule.
void check_output_name(MappingReader& root, const std::string& name, bool from_file_name) {
  std::string problem;
  if (name.empty()) {
    problem = "the name is empty";
  } else if (name.size() > MAX_NAME_LENGTH) {
    problem = "the name has " + std::to_string(name.size()) + " characters";
  } else if (name.front() == '.') {
    problem = "the name \"" + name + "\" starts with a dot";
  } else if (name.find("..") != std::string::npos) {
    problem = "the name \"" + name + "\" contains \"..\"";
  } else {
    for (const char c : name) {
      const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!safe) {
        problem = "the name \"" + name +
                  "\" contains a character other than letters, digits, '.', '_' and '-'";
        break;
      }
    }
  }
  if (problem.empty()) return;
  const std::string expected =
      "1 to " + std::to_string(MAX_NAME_LENGTH) +
      " characters from A-Z a-z 0-9 . _ - (no leading dot, no \"..\"; it names the "
      "output directory)";
  if (from_file_name) {
    root.fail("", problem + " (taken from the config file name)", "a `name:` key with " + expected);
  }
  root.fail("name", problem, expected);
}

// Opened with the string-keyed call, like grid and search: not echoed (StudyConfig::resolved and
// the config hash add them when present, so configs without comparisons keep their hash). Each
// side's rows are checked against the design's results once the design is read.
void read_comparisons(MappingReader& root, CommonKeys& common) {
  if (!root.has("comparisons")) return;
  const KeyTable& keys = comparison_keys();
  for (MappingReader& item : root.mapping_list("comparisons", 1, MAX_COMPARISONS)) {
    ComparisonSpec spec;
    const std::string metric = item.string(keys["metric"]);
    if (!comparable_metric(metric)) {
      item.fail("metric", "\"" + metric + "\" is not a mean over every replicate",
                "a probability (a name ending in _probability) or a plain mean "
                "(expected_patients, duration_mean, study_duration_mean, events_mean, "
                "patients_enrolled_mean, patients_analysed_mean, mean_z)");
    }
    std::pair<TargetLocations, TargetLocations> where;
    SourceLocation first_cell_at;
    const auto read_side = [&](const char* side, const KeyTable& table, RowKey& row,
                               TargetLocations& located) {
      MappingReader reader = item.mapping(keys[side]);
      row.scenario = reader.string(table["scenario"]);
      row.analysis = reader.string(table["analysis"]);
      row.metric = metric;
      located = {reader.location_of("scenario"), reader.location_of("analysis"),
                 item.location_of("metric")};
      const auto cell = reader.has("cell") ? reader.integer(table["cell"].as_required()) : 0;
      if (&table == &comparison_row_keys()) first_cell_at = reader.location_of("cell");
      reader.finish();
      return static_cast<std::size_t>(cell);
    };
    spec.first_cell = read_side("first", comparison_row_keys(), spec.first, where.first);
    spec.second_cell = read_side("second", comparison_second_keys(), spec.second, where.second);
    if ((spec.first_cell == 0) != (spec.second_cell == 0)) {
      item.fail(spec.first_cell == 0 ? "first" : "second", "no cell where the other row has one",
                "a cell on both rows (between two grid cells) or on neither (within each run)");
    }
    if (spec.first == spec.second && spec.first_cell == spec.second_cell)
      item.fail("second", "the same row as first (a difference of 0 by construction)",
                "another scenario, analysis or cell than first");
    spec.name = item.string(
        keys["name"].with_default(spec.first.scenario + "/" + spec.first.analysis + " - " +
                                  spec.second.scenario + "/" + spec.second.analysis));
    if (spec.name.empty() || spec.name.size() > 200)
      item.fail("name", "a name of " + std::to_string(spec.name.size()) + " bytes",
                "1-200 characters");
    item.finish();
    common.comparisons.push_back(std::move(spec));
    common.locations.comparisons.push_back(where);
    common.locations.comparison_cells.push_back(first_cell_at);
  }
}

}  // namespace

const KeyTable& top_level_keys() {
  static const KeyTable table{
      "",
      {
          {.path = "schema_version",
           .type = KeyType::integer,
           .integers = {SCHEMA_VERSION, SCHEMA_VERSION},
           .meaning = "the version of this config format"},
          {.path = "name",
           .fallback = computed_default("the config file's stem"),
           .meaning = "study name; output goes to `results/<name>/` (1-100 characters from "
                      "A-Z a-z 0-9 . _ -, no leading dot, no \"..\")",
           // The rule of check_output_name: no leading dot, no "..", 1 to MAX_NAME_LENGTH safe
           // characters.
           .pattern = "^(?!\\.)(?!.*\\.\\.)[A-Za-z0-9._-]{1,100}$"},
          {.path = "description", .fallback = defaults_to(""), .meaning = "free text"},
          {.path = "simulation",
           .type = KeyType::mapping,
           .fallback = absent_means("every key at its default"),
           .meaning = "how many virtual trials, from which seed, how evaluated"},
          {.path = "grid",
           .type = KeyType::list_map,
           .fallback = absent_means("none (a single run)"),
           .meaning = "key path -> list of values: one run per combination, each applied like "
                      "`--set key=value`, all on the same seed (common random numbers); results "
                      "in grid.csv and oc.csv"},
          {.path = "search",
           .type = KeyType::mapping,
           .fallback = absent_means("none"),
           .meaning = "the smallest value of one integer key whose target metric reaches a "
                      "threshold (not with grid)"},
          {.path = "design",
           .type = KeyType::mapping,
           .meaning = "the trial design; design.type decides which keys design, model and "
                      "scenarios hold"},
          {.path = "model",
           .type = KeyType::mapping,
           .fallback = absent_means("none (the design's scenarios give the truth)"),
           .meaning = "the patient model, for the designs that simulate from one"},
          {.path = "scenarios",
           .type = KeyType::mapping_list,
           .meaning = "assumed truths, simulated on common random numbers",
           .max_items = MAX_SCENARIOS},
          {.path = "comparisons",
           .type = KeyType::mapping_list,
           .fallback = absent_means("none"),
           .meaning = "paired differences to report: one metric, first row minus second row of "
                      "the same run, with the paired MCSE of common random numbers beside the "
                      "unpaired one",
           .max_items = MAX_COMPARISONS},
          {.path = "headline",
           .type = KeyType::choice_list,
           .choices = headline_quantities(),
           .fallback = defaults_to(default_headline()),
           .meaning = "what the console summary and summary.json's headline show, per "
                      "scenario: power, type_i_error (rejection probability at an alternative or "
                      "a null scenario), expected_n, duration, events, ci_width, coverage, bias, "
                      "early_stop; presentation only (not in the config hash)",
           .max_items = 9},
      }};
  return table;
}

const std::vector<std::string>& headline_quantities() {
  static const std::vector<std::string> names = {"power",    "type_i_error", "expected_n",
                                                 "duration", "events",       "ci_width",
                                                 "coverage", "bias",         "early_stop"};
  return names;
}

const std::vector<std::string>& default_headline() {
  static const std::vector<std::string> names = {"power", "type_i_error", "expected_n", "duration",
                                                 "ci_width"};
  return names;
}

const KeyTable& simulation_keys() {
  static const KeyTable table{
      "simulation",
      {
          {.path = "replicates",
           .type = KeyType::integer,
           .integers = {1, REPLICATE_LIMIT},
           .fallback = defaults_to(DEFAULT_REPLICATES),
           .unit = "virtual trials",
           .meaning = "replicates per scenario"},
          {.path = "seed",
           .type = KeyType::integer,
           .integers = {0, INT64_LIMIT},
           .fallback = defaults_to(DEFAULT_SEED),
           .meaning = "master seed; streams are keyed by (seed, replicate, purpose)"},
          {.path = "mode",
           .type = KeyType::choice,
           .choices = {"simulate", "exact"},
           .fallback = defaults_to("simulate"),
           .meaning = "`exact` sums the binomial distribution (no MCSE; single_arm_binary only)"},
          {.path = "precision",
           .type = KeyType::mapping,
           .fallback = absent_means("none (a fixed replicate count)"),
           .meaning = "precision mode: run until the MCSE of one metric is at most a target"},
      }};
  return table;
}

const KeyTable& precision_keys() {
  static const KeyTable table = [] {
    KeyTable t{"simulation.precision", target_row_keys(), {}, {}};
    t.keys.push_back({.path = "target_mcse",
                      .type = KeyType::number,
                      .range = NumberRange::positive(),
                      .unit = "the metric's unit",
                      .meaning = "run until the metric's MCSE is at most this"});
    t.keys.push_back({.path = "max_replicates",
                      .type = KeyType::integer,
                      .integers = {1024, REPLICATE_LIMIT},
                      .fallback = defaults_to(10000000),
                      .unit = "virtual trials",
                      .meaning = "cap on the replicates precision mode may run"});
    return t;
  }();
  return table;
}

const KeyTable& search_keys() {
  static const KeyTable table{
      "search",
      {
          {.path = "parameter",
           .meaning = "key path of an integer setting of this design, e.g. design.sample_size"},
          {.path = "from",
           .type = KeyType::integer,
           .integers = {1, INT64_LIMIT},
           .unit = "the parameter's unit",
           .meaning = "first value evaluated"},
          {.path = "to",
           .type = KeyType::integer,
           .integers = {1, INT64_LIMIT},
           .unit = "the parameter's unit",
           .meaning = "last value evaluated (>= from; at most 2000 values in all)"},
          {.path = "step",
           .type = KeyType::integer,
           .integers = {1, INT64_LIMIT},
           .fallback = defaults_to(1),
           .unit = "the parameter's unit",
           .meaning = "distance between evaluated values"},
          {.path = "target",
           .type = KeyType::mapping,
           .meaning = "the metric to reach, as named in oc.csv"},
          {.path = "tied",
           .type = KeyType::mapping,
           .fallback = absent_means("none (only the searched parameter varies)"),
           .meaning = "a second integer setting set from each searched value v as "
                      "round(fraction x v), e.g. the events at the analysis as a fraction of n"},
      }};
  return table;
}

const KeyTable& search_target_keys() {
  static const KeyTable table = [] {
    KeyTable t{"search.target", target_row_keys(), {}, {}};
    t.keys.push_back({.path = "at_least",
                      .type = KeyType::number,
                      .range = NumberRange::closed_unit(),
                      .unit = "probability",
                      .meaning = "the target (e.g. power 0.8)"});
    return t;
  }();
  return table;
}

const KeyTable& search_tied_keys() {
  static const KeyTable table{
      "search.tied",
      {
          {.path = "parameter",
           .meaning = "key path of another integer setting of this design, e.g. "
                      "design.analysis.events"},
          {.path = "fraction",
           .type = KeyType::number,
           .range = {0.0, 1.0, false, true},
           .unit = "proportion",
           .meaning = "the tied value is round(fraction x searched value), halves rounded up"},
      }};
  return table;
}

const KeyTable& comparison_keys() {
  static const KeyTable table{
      "comparisons[]",
      {
          {.path = "name",
           .fallback = computed_default("\"<first> - <second>\" from the rows' names"),
           .meaning = "label in the console, summary.json and the memo (1-200 characters)",
           .pattern = "^[\\s\\S]{1,200}$"},
          {.path = "metric",
           .meaning = "metric name, as in oc.csv: a probability or a plain mean over every "
                      "replicate (e.g. rejection_probability, expected_patients, duration_mean)"},
          {.path = "first",
           .type = KeyType::mapping,
           .meaning = "the row the difference starts from (scenario, analysis)"},
          {.path = "second",
           .type = KeyType::mapping,
           .meaning = "the row subtracted (scenario, analysis)"},
      }};
  return table;
}

namespace {
std::vector<KeySpec> comparison_side_keys() {
  return {
      {.path = "scenario", .meaning = "scenario name, as in oc.csv"},
      {.path = "analysis", .meaning = "analysis name, as in oc.csv (e.g. sequential_test)"},
      {.path = "cell",
       .type = KeyType::integer,
       .integers = {1, static_cast<std::int64_t>(MAX_GRID_CELLS)},
       .fallback = absent_means("the same cell as the other row (within each run)"),
       .meaning = "grid or search configs: the cell of the row, numbered as grid.csv's `cell` "
                  "column; give it on both sides to compare two cells (two designs)"},
  };
}
}  // namespace

const KeyTable& comparison_row_keys() {
  static const KeyTable table{"comparisons[].first", comparison_side_keys(), {}, {}};
  return table;
}

const KeyTable& comparison_second_keys() {
  static const KeyTable table{"comparisons[].second", comparison_side_keys(), {}, {}};
  return table;
}

bool comparable_metric(const std::string& metric) {
  static const std::vector<std::string> plain_means = {"expected_patients",
                                                       "duration_mean",
                                                       "study_duration_mean",
                                                       "events_mean",
                                                       "patients_enrolled_mean",
                                                       "patients_analysed_mean",
                                                       "mean_z"};
  if (std::find(plain_means.begin(), plain_means.end(), metric) != plain_means.end()) return true;
  // rejection_probability, early_termination_probability, stop_probability, ... and the
  // per-look efficacy_stop_probability_look<k>.
  const std::string_view name = metric;
  constexpr std::string_view suffix = "_probability";
  if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix)
    return true;
  constexpr std::string_view per_look = "_probability_look";
  const std::size_t look = name.rfind(per_look);
  const std::size_t digits = look + per_look.size();
  return look != std::string_view::npos && look > 0 && digits < name.size() &&
         name.find_first_not_of("0123456789", digits) == std::string_view::npos;
}

std::vector<const KeyTable*> common_key_tables() {
  return {&top_level_keys(),  &simulation_keys(),     &precision_keys(),
          &search_keys(),     &search_target_keys(),  &search_tied_keys(),
          &comparison_keys(), &comparison_row_keys(), &comparison_second_keys()};
}

std::int64_t tied_value(const TiedParameter& tied, std::int64_t value) {
  // fraction <= 1, so the product stays within the searched value's range. A decimal fraction is
  // not exact in binary (0.7 * 45 is 31.4999999999999964 in doubles): the relative nudge of
  // 1e-12, far above double rounding and far below any fraction a config writes, makes a decimal
  // half round up as written.
  const double product = tied.fraction * static_cast<double>(value);
  return static_cast<std::int64_t>(std::floor(product + 0.5 + product * 1e-12));
}

std::string tied_assignment(const TiedParameter& tied, std::int64_t value) {
  return tied.parameter + "=" + std::to_string(tied_value(tied, value));
}

const KeySpec& scenario_name_key() {
  static const KeySpec spec{
      .path = "name",
      .meaning = "scenario label in outputs: unique, any UTF-8 text of 1-200 characters",
      .pattern = "^[\\s\\S]{1,200}$"};
  return spec;
}

CommonKeys read_common_keys(MappingReader& root, const std::string& file_stem,
                            bool locate_grid_values) {
  const KeyTable& keys = top_level_keys();
  // The table says what a valid file holds (SCHEMA_VERSION); any other integer >= 1 is read so
  // that the message can name the version found.
  const auto version =
      root.integer(keys["schema_version"].with_bounds(1, std::numeric_limits<int>::max()));
  if (version != SCHEMA_VERSION) {
    root.fail("schema_version", "unsupported schema version " + std::to_string(version),
              std::to_string(SCHEMA_VERSION));
  }
  CommonKeys common;
  const bool named = root.has("name");
  common.name = root.string(keys["name"].with_default(file_stem));
  check_output_name(root, common.name, !named);
  common.description = root.string(keys["description"]);
  common.simulation = read_simulation(root, common.locations);
  // Read key by key, not by spec: presentation stays out of the echo (and the config hash).
  common.headline =
      root.optional_choice_list("headline", default_headline(), headline_quantities());
  read_grid(root, common, locate_grid_values);
  read_search(root, common);
  read_comparisons(root, common);
  return common;
}

}  // namespace trialsim
