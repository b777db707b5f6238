#include "app/study_config.h"

#include <limits>
#include <set>

#include "engine/output.h"

namespace trialsim {
namespace {

IntervalMethod interval_method_from(const std::string& name) {
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) {
    if (to_string(method) == name) return method;
  }
  throw std::logic_error("unknown interval method " + name);  // parser restricts the choices
}

std::vector<std::string> interval_method_names() {
  std::vector<std::string> names;
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) names.emplace_back(to_string(method));
  return names;
}

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
    simulation->finish();
  }
  return settings;
}

SingleArmBinaryDesign read_design(MappingReader& root) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", {"single_arm_binary"});
  design.optional_choice("endpoint", "best_overall_response", {"best_overall_response"});
  design.optional_choice("test", "exact_binomial", {"exact_binomial"});
  SingleArmBinaryDesign out;
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 1, 100000));
  out.null_response_rate = design.required_number("null_response_rate", NumberRange::open_unit());
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  const auto names = interval_method_names();
  out.intervals.clear();
  for (const auto& name : design.optional_choice_list("intervals", names, names)) {
    out.intervals.push_back(interval_method_from(name));
  }
  design.finish();
  return out;
}

std::vector<ResponseScenario> read_scenarios(MappingReader& root) {
  std::vector<ResponseScenario> scenarios;
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1)) {
    ResponseScenario scenario;
    scenario.name = item.required_string("name");
    if (scenario.name.empty() || !seen.insert(scenario.name).second) {
      item.fail("name", scenario.name.empty() ? "empty scenario name"
                                              : "duplicate scenario name \"" + scenario.name + "\"",
                "a unique, non-empty name");
    }
    scenario.response_rate = item.required_number("response_rate", NumberRange::closed_unit());
    item.finish();
    scenarios.push_back(std::move(scenario));
  }
  return scenarios;
}

}  // namespace

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
  config.design = read_design(root);
  config.scenarios = read_scenarios(root);
  root.finish();
  return config;
}

nlohmann::json StudyConfig::resolved() const {
  nlohmann::json intervals = nlohmann::json::array();
  for (const IntervalMethod method : design.intervals) intervals.push_back(to_string(method));
  nlohmann::json scenario_list = nlohmann::json::array();
  for (const ResponseScenario& scenario : scenarios) {
    scenario_list.push_back({{"name", scenario.name}, {"response_rate", scenario.response_rate}});
  }
  return {
      {"schema_version", SCHEMA_VERSION},
      {"name", name},
      {"description", description},
      {"simulation",
       {{"replicates", simulation.replicates},
        {"seed", simulation.seed},
        {"mode", simulation.mode == EvaluationMode::exact ? "exact" : "simulate"}}},
      {"design",
       {{"type", "single_arm_binary"},
        {"endpoint", "best_overall_response"},
        {"test", "exact_binomial"},
        {"sample_size", design.sample_size},
        {"null_response_rate", design.null_response_rate},
        {"alpha", design.alpha},
        {"confidence_level", design.confidence_level},
        {"intervals", intervals}}},
      {"scenarios", scenario_list},
  };
}

std::string StudyConfig::sha256() const {
  nlohmann::json definition = resolved();
  definition.erase("simulation");
  definition.erase("description");
  return sha256_hex(definition.dump());
}

}  // namespace trialsim
