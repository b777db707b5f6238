#include "edges/config/study_config.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "core/output.h"
#include "core/text_escape.h"
#include "edges/config/design_services.h"

namespace trialsim {
namespace {

// How much a load checks: a grid or search cell skips the grid and search values (the base
// config's load checked each of them once).
enum class CheckScope { full, cell };

// Up to `limit` items joined with ", " (and how many more), for an `expected` list. Names are
// data here; the CLI shows every message terminal-safe (escaped once, when printed).
std::string some_of(const std::vector<std::string>& items, std::size_t limit = 12) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    out += (i ? ", " : "") + items[i];
  }
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size() - limit) + " more)";
  return out;
}

// A search or precision target must name a row this design reports: the scenario, then the
// analysis, then the metric, each located at its value.
void check_target(const StudyConfig& config, const std::string& key_path,
                  const TargetLocations& where, const std::string& scenario,
                  const std::string& analysis, const std::string& metric,
                  const std::string& metric_key_path = "") {
  const std::vector<OcRow> rows = reported_rows(config);
  std::vector<std::string> scenarios, analyses, metrics;
  const auto add_once = [](std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
  };
  for (const OcRow& row : rows) add_once(scenarios, row.scenario);
  if (std::find(scenarios.begin(), scenarios.end(), scenario) == scenarios.end()) {
    throw ConfigError(where.scenario, key_path + ".scenario",
                      "no scenario \"" + scenario + "\" in this config",
                      "one of " + some_of(scenarios, 12));
  }
  for (const OcRow& row : rows) {
    if (row.scenario == scenario) add_once(analyses, row.analysis);
  }
  if (std::find(analyses.begin(), analyses.end(), analysis) == analyses.end()) {
    throw ConfigError(where.analysis, key_path + ".analysis",
                      "no analysis \"" + analysis + "\" in the results of this design",
                      "one of " + some_of(analyses, 40));
  }
  for (const OcRow& row : rows) {
    if (row.scenario == scenario && row.analysis == analysis) add_once(metrics, row.metric);
  }
  if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
    throw ConfigError(
        where.metric, metric_key_path.empty() ? key_path + ".metric" : metric_key_path,
        "no metric \"" + metric + "\" for analysis \"" + analysis + "\" in this design",
        "one of " + some_of(metrics, 40));
  }
}

StudyConfig read_config(ConfigDocument& document, const std::filesystem::path& file,
                        KeyRegistry* registry, CheckScope scope);

// The config with one more assignment (a grid value or a search end) applied, read in cell
// scope. An error anywhere in it is reported at the value that caused it, naming the key it made
// invalid (`label` is that value's key path, e.g. grid.design.sample_size.2).
StudyConfig read_cell(const ConfigDocument& document, const std::filesystem::path& file,
                      const std::string& assignment, const SourceLocation& where,
                      const std::string& label) {
  const std::string value = assignment.substr(assignment.find('=') + 1);
  try {
    ConfigDocument copy = document.clone();
    copy.apply_override(assignment);
    return read_config(copy, file, nullptr, CheckScope::cell);
  } catch (const ConfigError& e) {
    const std::string inner = e.key_path().empty() ? "the config" : e.key_path();
    throw ConfigError(where, label,
                      "the value " + value + " makes " + inner + " invalid (" + e.problem() + ")",
                      e.expected());
  }
}

// Every grid value applied once and read; the search parameter must be a key this design reads
// as an integer (`document` has just been read), and the range's two ends are read like grid
// values.
void check_grid_and_search(const ConfigDocument& document, const std::filesystem::path& file,
                           const StudyConfig& config, const CommonKeyLocations& where) {
  if (config.grid.empty() && !config.search) return;
  // The values are applied to a copy without the grid and search blocks (read already): each
  // check then costs one small config, not one the size of the grid (10 000 values would be
  // quadratic).
  ConfigDocument cell_base = document.clone();
  cell_base.erase_top_level_key("grid");
  cell_base.erase_top_level_key("search");
  for (std::size_t a = 0; a < config.grid.size(); ++a) {
    const GridAxis& axis = config.grid[a];
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      read_cell(cell_base, file, axis.key_path + "=" + axis.values[i], where.grid[a].values[i],
                "grid." + axis.key_path + "." + std::to_string(i));
    }
  }
  if (!config.search) return;
  const SearchSpec& search = *config.search;
  if (!document.read_as_integer(search.parameter)) {
    throw ConfigError(where.search_parameter, "search.parameter",
                      "\"" + search.parameter + "\" is not an integer key of this design",
                      "the key path of an integer setting, e.g. design.sample_size");
  }
  const StudyConfig first =
      read_cell(cell_base, file, search.parameter + "=" + std::to_string(search.from),
                where.search_from, "search.from");
  const std::int64_t last = search.from + (search.to - search.from) / search.step * search.step;
  read_cell(cell_base, file, search.parameter + "=" + std::to_string(last), where.search_to,
            "search.to");
  check_target(first, "search.target", *where.search_target, search.scenario, search.analysis,
               search.metric);
}

// The keys the tables declare (config/config_reader.h, KnownKeys), so that a missing required key
// with a near unknown key beside it is reported as that key misspelt: the common tables with
// every design's (`design` null: before the design type is read) or with one design's.
const KnownKeys& known_keys(const DesignPlugin* design) {
  static std::mutex mutex;
  static std::map<const DesignPlugin*, KnownKeys> cache;  // nodes stay put: references are safe
  const std::lock_guard lock(mutex);
  auto it = cache.find(design);
  if (it == cache.end()) {
    std::vector<const KeyTable*> tables = common_key_tables();
    for (const DesignPlugin& plugin : registered_designs()) {
      if ((design && &plugin != design) || !plugin.key_tables) continue;
      const std::vector<const KeyTable*> own = plugin.key_tables();
      tables.insert(tables.end(), own.begin(), own.end());
    }
    it = cache.emplace(design, known_keys_of(tables)).first;
  }
  return it->second;
}

// Each comparison's rows must be rows this design reports (in a grid: rows of the base config;
// each cell's load checks its own). A comparison between cells needs a grid or search, cells
// that exist, and a bounded number of kept values (MAX_CAPTURED_VALUES).
void check_comparisons(const StudyConfig& config, const CommonKeyLocations& locations,
                       CheckScope scope) {
  std::uint64_t captured_rows = 0;
  for (std::size_t k = 0; k < config.comparisons.size(); ++k) {
    const ComparisonSpec& comparison = config.comparisons[k];
    const std::string key_path = "comparisons." + std::to_string(k);
    const auto& [first, second] = locations.comparisons[k];
    check_target(config, key_path + ".first", first, comparison.first.scenario,
                 comparison.first.analysis, comparison.first.metric, key_path + ".metric");
    check_target(config, key_path + ".second", second, comparison.second.scenario,
                 comparison.second.analysis, comparison.second.metric, key_path + ".metric");
    if (!comparison.between_cells() || scope == CheckScope::cell) continue;
    const SourceLocation& where = locations.comparison_cells[k];
    if (config.grid.empty() && !config.search) {
      throw ConfigError(where, key_path + ".first.cell",
                        "a cell in a config without grid or search",
                        "no cell (a comparison within the run), or a grid or search");
    }
    const std::size_t cells = grid_cells(config).size();
    for (const auto& [cell, side] :
         {std::pair{comparison.first_cell, "first"}, std::pair{comparison.second_cell, "second"}}) {
      if (cell > cells) {
        throw ConfigError(
            where, key_path + "." + side + ".cell",
            "cell " + std::to_string(cell) + " of a grid of " + std::to_string(cells) + " cells",
            "a cell from 1 to " + std::to_string(cells));
      }
    }
    captured_rows += 2;
  }
  const SimulationSettings& simulation = config.simulation;
  const std::uint64_t replicates =
      simulation.precision ? simulation.precision->max_replicates : simulation.replicates;
  if (captured_rows > 0 && replicates > MAX_CAPTURED_VALUES / captured_rows) {
    throw ConfigError(
        locations.comparison_cells.front(), "comparisons",
        "comparisons between cells would keep " + std::to_string(captured_rows) +
            " values for each of " + std::to_string(replicates) + " replicates",
        "replicates x 2 x comparisons between cells <= " + std::to_string(MAX_CAPTURED_VALUES));
  }
}

StudyConfig read_config(ConfigDocument& document, const std::filesystem::path& file,
                        KeyRegistry* registry, CheckScope scope) {
  MappingReader root(document, document.root(), "", "", registry);
  root.know_keys(known_keys(nullptr));
  nlohmann::json echo;
  root.echo_into(echo);
  CommonKeys common = read_common_keys(root, file.stem().string(), scope == CheckScope::full);
  StudyConfig config;
  config.config_file = file.string();
  config.name = std::move(common.name);
  config.description = std::move(common.description);
  config.headline = std::move(common.headline);
  config.simulation = common.simulation;
  config.grid = std::move(common.grid);
  config.search = std::move(common.search);
  config.comparisons = std::move(common.comparisons);
  const CommonKeyLocations& locations = common.locations;

  // The design type decides which keys the design, model and scenarios may hold; the registered
  // design of that type reads them (designs/registry.cpp).
  const std::vector<std::string> types = registered_design_types();
  config.design_type = MappingReader(root.mapping("design")).required_choice("type", types);
  const DesignContext context{file, config.simulation, &design_services()};
  const DesignPlugin* design = find_design(config.design_type);
  root.know_keys(known_keys(design));
  config.study = design->read(root, context);
  config.resolved_common = echo;
  root.finish();

  if (config.simulation.precision) {
    const PrecisionTarget& target = *config.simulation.precision;
    check_target(config, "simulation.precision", *locations.precision, target.scenario,
                 target.analysis, target.metric);
  }
  check_comparisons(config, locations, scope);
  if (scope == CheckScope::full) check_grid_and_search(document, file, config, locations);
  return config;
}

}  // namespace

std::vector<std::vector<std::string>> grid_cells(const StudyConfig& config) {
  std::vector<GridAxis> axes = config.grid;
  if (config.search) {
    GridAxis axis{config.search->parameter, {}};
    for (std::int64_t v = config.search->from; v <= config.search->to; v += config.search->step) {
      axis.values.push_back(std::to_string(v));
      if (config.search->to - v < config.search->step)
        break;  // v + step would pass `to` (or overflow)
    }
    axes.push_back(axis);
  }
  std::vector<std::vector<std::string>> cells{{}};
  for (const GridAxis& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& cell : cells) {
      for (const std::string& value : axis.values) {
        auto extended = cell;
        extended.push_back(axis.key_path + "=" + value);
        next.push_back(extended);
      }
    }
    cells = next;
  }
  return cells;
}

StudyConfig load_study_config(const std::filesystem::path& file,
                              const std::vector<std::string>& overrides, KeyRegistry* registry) {
  return load_study_config(ConfigDocument::load_file(file.string()), file, overrides, registry);
}

StudyConfig load_study_config_text(const std::string& text, const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides) {
  return load_study_config(ConfigDocument::load_string(text, file.string()), file, overrides,
                           nullptr);
}

StudyConfig load_study_config(ConfigDocument document, const std::filesystem::path& file,
                              const std::vector<std::string>& overrides, KeyRegistry* registry) {
  for (const std::string& assignment : overrides) document.apply_override(assignment);
  return read_config(document, file, registry, CheckScope::full);
}

StudyConfig load_grid_cell_config(const std::filesystem::path& file,
                                  const std::vector<std::string>& overrides) {
  // The file is parsed once per grid, not once per cell: a grid of 10 000 cells in a file that
  // lists 10 000 values would otherwise cost time quadratic in the grid. Keyed by path, size and
  // modification time.
  struct Parsed {
    std::string path;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
    std::optional<ConfigDocument> document;
  };
  static std::mutex mutex;
  static Parsed parsed;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  const auto modified = std::filesystem::last_write_time(file, ec);
  ConfigDocument document;
  {
    const std::lock_guard lock(mutex);
    if (ec || !parsed.document || parsed.path != file.string() || parsed.size != size ||
        parsed.modified != modified) {
      // emplace, never assign: assigning a ConfigDocument writes into the YAML tree it holds
      parsed.document.reset();
      parsed.document.emplace(ConfigDocument::load_file(file.string()));
      parsed.path = file.string();
      parsed.size = size;
      parsed.modified = modified;
    }
    document = parsed.document->clone();  // `document` holds no tree yet: this binds it
  }
  for (const std::string& assignment : overrides) document.apply_override(assignment);
  // A cell is one run: its grid and search blocks (read and checked with the base config) are
  // not read again.
  document.erase_top_level_key("grid");
  document.erase_top_level_key("search");
  return read_config(document, file, nullptr, CheckScope::cell);
}

std::vector<OcRow> reported_rows(const StudyConfig& config) {
  return config.study->reported_rows();
}

StudyResult run_study(const StudyConfig& config, const RunRequest& request) {
  PairedComparisons paired;
  for (const ComparisonSpec& c : config.comparisons) {
    if (!c.between_cells()) paired.pairs.emplace_back(c.first, c.second);
  }
  if (paired.pairs.empty()) return config.study->run(config.simulation, request);
  RunRequest with_pairs = request;
  with_pairs.paired = &paired;
  StudyResult result = config.study->run(config.simulation, with_pairs);
  result.paired_differences = std::move(paired.differences);
  return result;
}

nlohmann::json StudyConfig::resolved() const {
  nlohmann::json out = resolved_common;
  out.update(study->resolved());
  if (!comparisons.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const ComparisonSpec& c : comparisons) {
      nlohmann::json first = {{"scenario", c.first.scenario}, {"analysis", c.first.analysis}};
      nlohmann::json second = {{"scenario", c.second.scenario}, {"analysis", c.second.analysis}};
      if (c.between_cells()) {
        first["cell"] = c.first_cell;
        second["cell"] = c.second_cell;
      }
      list.push_back(
          {{"name", c.name}, {"metric", c.first.metric}, {"first", first}, {"second", second}});
    }
    out["comparisons"] = list;
  }
  return out;
}

std::string StudyConfig::sha256() const {
  nlohmann::json definition = resolved();
  // Grid and search are part of the study definition too.
  nlohmann::json grid_json = nlohmann::json::array();
  for (const GridAxis& axis : grid)
    grid_json.push_back({{"key", axis.key_path}, {"values", axis.values}});
  if (!grid.empty()) definition["grid"] = grid_json;
  if (search) {
    definition["search"] = {{"parameter", search->parameter},
                            {"from", search->from},
                            {"to", search->to},
                            {"step", search->step},
                            {"scenario", search->scenario},
                            {"analysis", search->analysis},
                            {"metric", search->metric},
                            {"at_least", search->at_least}};
    if (search->tied) {
      definition["search"]["tied"] = {{"parameter", search->tied->parameter},
                                      {"fraction", search->tied->fraction}};
    }
  }
  definition.erase("simulation");
  definition.erase("description");
  return sha256_hex(definition.dump());
}

}  // namespace trialsim
