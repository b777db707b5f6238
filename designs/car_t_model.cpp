#include "designs/car_t_model.h"

#include <filesystem>
#include <set>

#include "core/output.h"
#include "designs/design_support.h"

namespace trialsim {

ParameterOverrides read_parameter_overrides(MappingReader& parent) {
  std::vector<std::pair<std::string, double>> out;
  auto overrides = parent.optional_mapping("overrides");
  if (!overrides) return out;
  for (const std::string& name : overrides->keys()) {
    const car_t::NamedParameter* parameter = car_t::find_parameter(name);
    if (!parameter) {
      overrides->fail(name, "unknown model parameter",
                      "a parameter name from the README's parameter table");
    }
    const double value = overrides->required_number(name, {-1e300, 1e300, true, true});
    if (!car_t::parameter_value_allowed(*parameter, value)) {
      overrides->fail(name, "value " + format_number(value) + " is out of range for " + name,
                      car_t::describe_domain(*parameter));
    }
    out.emplace_back(name, value);
  }
  overrides->finish();
  return out;
}

nlohmann::json overrides_json(const ParameterOverrides& overrides) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : overrides) out[name] = value;
  return out;
}

FittedScenarios read_fitted_scenarios(MappingReader& root, const DesignContext& context,
                                      bool allow_uncertainty) {
  const std::filesystem::path& config_file = context.config_file;
  FittedScenarios out;
  MappingReader model = root.mapping("model");
  const std::string fitted = model.required_string("fitted");
  // A relative path is relative to the config file, so configs can be run from anywhere.
  const std::filesystem::path fitted_path = std::filesystem::path(fitted).is_absolute()
                                                ? std::filesystem::path(fitted)
                                                : config_file.parent_path() / fitted;
  if (!std::filesystem::is_regular_file(fitted_path)) {
    model.fail("fitted", "no fitted model file at " + fitted_path.string(),
               "the output of `trialsim fit`");
  }
  out.file = fitted_path.lexically_normal().string();
  const car_t::FittedModel fitted_model = context.services->load_fitted_car_t_model(fitted_path);
  out.file_sha256 = context.services->file_sha256(fitted_path);
  out.model_overrides = read_parameter_overrides(model);
  if (allow_uncertainty) {
    out.assurance =
        model.optional_choice("uncertainty", "point", {"point", "posterior"}) == "posterior";
    if (out.assurance) {
      if (fitted_model.draws.empty())
        model.fail("uncertainty", "the fitted model has no posterior draws", "point");
      out.posterior_draws = fitted_model.draws;
    }
  }
  model.finish();
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    car_t::CarTScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.parameters = fitted_model.point;
    for (const auto& [name, value] : out.model_overrides)
      car_t::set_parameter(scenario.parameters, name, value);
    const auto overrides = read_parameter_overrides(item);
    for (const auto& [name, value] : overrides)
      car_t::set_parameter(scenario.parameters, name, value);
    item.finish();
    out.scenario_overrides.emplace_back(scenario.name, overrides);
    out.scenarios.push_back(std::move(scenario));
  }
  return out;
}

nlohmann::json fitted_model_json(const FittedScenarios& fitted) {
  return {{"fitted", fitted.file},
          {"fitted_sha256", fitted.file_sha256},
          {"overrides", overrides_json(fitted.model_overrides)}};
}

nlohmann::json fitted_scenarios_json(const FittedScenarios& fitted) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& [name, overrides] : fitted.scenario_overrides) {
    scenarios.push_back({{"name", name}, {"overrides", overrides_json(overrides)}});
  }
  return scenarios;
}

}  // namespace trialsim
