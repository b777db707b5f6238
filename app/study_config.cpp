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

}  // namespace

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
  ConfigDocument document = ConfigDocument::load_file(file.string());
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

  // The design type decides which keys the design, model and scenarios may hold. With a key
  // registry (documentation check) every design's keys are declared.
  const std::string type = MappingReader(root.mapping("design")).required_choice("type", DESIGN_TYPES);
  if (type == "single_arm_binary") {
    config.study = read_single_arm_binary(root);
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
  definition.erase("simulation");
  definition.erase("description");
  return sha256_hex(definition.dump());
}

}  // namespace trialsim
