#include "app/study_config.h"

#include <limits>
#include <set>

#include "app/study_config_designs.h"
#include "engine/output.h"

namespace trialsim {
namespace {

SimulationSettings read_simulation(MappingReader& root) {
  SimulationSettings settings;
  if (auto simulation = root.optional_mapping("simulation")) {
    constexpr auto MAX = std::numeric_limits<std::int64_t>::max();
    settings.replicates = static_cast<std::uint64_t>(
        simulation->optional_integer("replicates", DEFAULT_REPLICATES, 1, MAX));
    settings.seed =
        static_cast<std::uint64_t>(simulation->optional_integer("seed", DEFAULT_SEED, 0, MAX));
    settings.mode = simulation->optional_choice("mode", "simulate", {"simulate", "exact"}) == "exact"
                        ? EvaluationMode::exact
                        : EvaluationMode::simulate;
    if (auto precision = simulation->optional_mapping("precision")) {
      PrecisionTarget target;
      target.scenario = precision->required_string("scenario");
      target.analysis = precision->required_string("analysis");
      target.metric = precision->required_string("metric");
      target.target_mcse = precision->required_number("target_mcse", NumberRange::positive());
      target.max_replicates = static_cast<std::uint64_t>(
          precision->optional_integer("max_replicates", 10000000, 1024, MAX));
      precision->finish();
      settings.precision = target;
    }
    simulation->finish();
  }
  return settings;
}

void read_grid_and_search(MappingReader& root, StudyConfig& config) {
  if (auto grid = root.optional_mapping("grid")) {
    for (const std::string& key_path : grid->keys()) {
      const YAML::Node values = grid->raw(key_path);
      if (!values.IsSequence() || values.size() == 0) {
        grid->fail(key_path, "found no list of values", "a non-empty list of values for " + key_path);
      }
      GridAxis axis{key_path, {}};
      for (const auto& value : values) {
        if (!value.IsScalar()) grid->fail(key_path, "a grid value is not a scalar", "numbers or strings");
        axis.values.push_back(value.Scalar());
      }
      config.grid.push_back(axis);
    }
    grid->finish();
  }
  if (auto search = root.optional_mapping("search")) {
    if (!config.grid.empty()) search->fail("", "a config has both grid and search", "one of them");
    SearchSpec spec;
    spec.parameter = search->required_string("parameter");
    constexpr auto MAX = std::numeric_limits<std::int64_t>::max();
    spec.from = search->required_integer("from", 1, MAX);
    spec.to = search->required_integer("to", spec.from, MAX);
    spec.step = search->optional_integer("step", 1, 1, MAX);
    if ((spec.to - spec.from) / spec.step > 2000) search->fail("to", "more than 2000 values to search", "a narrower range or a larger step");
    MappingReader target = search->mapping("target");
    spec.scenario = target.required_string("scenario");
    spec.analysis = target.required_string("analysis");
    spec.metric = target.required_string("metric");
    spec.at_least = target.required_number("at_least", NumberRange::closed_unit());
    target.finish();
    search->finish();
    config.search = spec;
  }
}

}  // namespace

std::vector<std::vector<std::string>> grid_cells(const StudyConfig& config) {
  std::vector<GridAxis> axes = config.grid;
  if (config.search) {
    GridAxis axis{config.search->parameter, {}};
    for (std::int64_t v = config.search->from; v <= config.search->to; v += config.search->step) {
      axis.values.push_back(std::to_string(v));
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

std::string read_unique_scenario_name(MappingReader& item, std::set<std::string>& seen) {
  std::string name = item.required_string("name");
  if (name.empty() || !seen.insert(name).second) {
    item.fail("name", name.empty() ? "empty scenario name" : "duplicate scenario name \"" + name + "\"",
              "a unique, non-empty name");
  }
  return name;
}

StudyConfig load_study_config(const std::filesystem::path& file,
                              const std::vector<std::string>& overrides, KeyRegistry* registry) {
  return load_study_config(ConfigDocument::load_file(file.string()), file, overrides, registry);
}

StudyConfig load_study_config_text(const std::string& text, const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides) {
  return load_study_config(ConfigDocument::load_string(text, file.string()), file, overrides, nullptr);
}

StudyConfig load_study_config(ConfigDocument document, const std::filesystem::path& file,
                              const std::vector<std::string>& overrides, KeyRegistry* registry) {
  for (const std::string& assignment : overrides) document.apply_override(assignment);

  MappingReader root(document, document.root(), "", "", registry);
  const auto version = root.required_integer("schema_version", 1, std::numeric_limits<int>::max());
  if (version != SCHEMA_VERSION) {
    root.fail("schema_version", "unsupported schema version " + std::to_string(version),
              std::to_string(SCHEMA_VERSION));
  }
  StudyConfig config;
  config.config_file = file.string();
  config.name = root.optional_string("name", file.stem().string());
  if (config.name.empty() || config.name.find('/') != std::string::npos) {
    root.fail("name", "\"" + config.name + "\" cannot name an output directory",
              "a non-empty name without '/'");
  }
  config.description = root.optional_string("description", "");
  config.simulation = read_simulation(root);
  read_grid_and_search(root, config);

  // The design type decides which keys the design, model and scenarios may hold. With a key
  // registry (documentation check) every design's keys are declared.
  const std::string type = MappingReader(root.mapping("design")).required_choice("type", DESIGN_TYPES);
  if (type == "single_arm_binary") {
    config.study = read_single_arm_binary(root);
  } else if (type == "single_arm_sequential") {
    if (config.simulation.mode == EvaluationMode::exact) {
      root.mapping("simulation").fail("mode", "exact evaluation is not available for design type " + type,
                                      "simulate (summary.json carries the exact values beside the simulation)");
    }
    config.study = read_single_arm_sequential(root);
  } else if (type == "maintenance_after_car_t") {
    if (config.simulation.mode == EvaluationMode::exact) {
      root.mapping("simulation").fail("mode", "exact evaluation is not available for design type " + type, "simulate");
    }
    config.study = read_maintenance_after_car_t(root, file);
  } else if (type == "single_arm_car_t") {
    if (config.simulation.mode == EvaluationMode::exact) {
      root.mapping("simulation").fail("mode", "exact evaluation is not available for design type " + type,
                                      "simulate (exact mode exists for single_arm_binary only)");
    }
    config.study = read_single_arm_car_t(root, file);
  } else {
    if (config.simulation.mode == EvaluationMode::exact) {
      root.mapping("simulation").fail("mode", "exact evaluation is not available for design type " + type,
                                      "simulate (exact mode exists for single_arm_binary only)");
    }
    config.study = read_two_arm_survival(root);
  }
  root.finish();
  return config;
}

std::vector<std::string> StudyConfig::scenario_names() const {
  std::vector<std::string> names;
  std::visit([&](const auto& s) { for (const auto& scenario : s.scenarios) names.push_back(scenario.name); },
             study);
  return names;
}

nlohmann::json StudyConfig::resolved() const {
  nlohmann::json out = {
      {"schema_version", SCHEMA_VERSION},
      {"name", name},
      {"description", description},
      {"simulation",
       {{"replicates", simulation.replicates},
        {"seed", simulation.seed},
        {"mode", simulation.mode == EvaluationMode::exact ? "exact" : "simulate"}}},
  };
  if (simulation.precision) {
    const PrecisionTarget& p = *simulation.precision;
    out["simulation"]["precision"] = {{"scenario", p.scenario}, {"analysis", p.analysis}, {"metric", p.metric},
                                      {"target_mcse", p.target_mcse}, {"max_replicates", p.max_replicates}};
  }
  const nlohmann::json study_part = std::visit([](const auto& s) { return resolved_study(s); }, study);
  out.update(study_part);
  return out;
}

std::string StudyConfig::sha256() const {
  nlohmann::json definition = resolved();
  // Grid and search are part of the study definition too.
  nlohmann::json grid_json = nlohmann::json::array();
  for (const GridAxis& axis : grid) grid_json.push_back({{"key", axis.key_path}, {"values", axis.values}});
  if (!grid.empty()) definition["grid"] = grid_json;
  if (search) {
    definition["search"] = {{"parameter", search->parameter}, {"from", search->from}, {"to", search->to},
                            {"step", search->step}, {"scenario", search->scenario}, {"analysis", search->analysis},
                            {"metric", search->metric}, {"at_least", search->at_least}};
  }
  definition.erase("simulation");
  definition.erase("description");
  return sha256_hex(definition.dump());
}

}  // namespace trialsim
