#include "designs/car_t_model.h"

#include <filesystem>
#include <set>

#include "config/study_keys.h"
#include "core/output.h"
#include "designs/design_support.h"

namespace trialsim {
namespace {

std::vector<std::string> parameter_names() {
  std::vector<std::string> names;
  for (const car_t::NamedParameter& parameter : car_t::parameter_table())
    names.emplace_back(parameter.name);
  return names;
}

KeyTable make_model_keys(bool allow_uncertainty) {
  KeyTable table{
      "model",
      {
          {.path = "fitted",
           .meaning = "the fitted model file (the output of `trialsim fit`); a relative path is "
                      "relative to the config file"},
          {.path = "overrides",
           .type = KeyType::number_map,
           .choices = parameter_names(),
           .fallback = absent_means("none (the fitted point estimate)"),
           .meaning = "parameter name -> value, replacing the fitted value in every scenario "
                      "(and in every posterior draw); each value in its parameter's domain"},
      }};
  if (allow_uncertainty) {
    table.keys.push_back(
        {.path = "uncertainty",
         .type = KeyType::choice,
         .choices = {"point", "posterior"},
         .fallback = defaults_to("point"),
         .meaning = "`posterior`: each scenario is also run with each replicate's parameters "
                    "drawn from the fitted posterior draws (assurance beside power; the file "
                    "must hold draws)"});
  }
  return table;
}

// The sink `reader` records into: the one it has (the root's resolved config), else `own`.
nlohmann::json& echo_sink(MappingReader& reader, nlohmann::json& own) {
  if (!reader.echo()) reader.echo_into(own);
  return *reader.echo();
}

}  // namespace

const KeyTable& fitted_model_keys(bool allow_uncertainty) {
  static const KeyTable with_uncertainty = make_model_keys(true);
  static const KeyTable point_only = make_model_keys(false);
  return allow_uncertainty ? with_uncertainty : point_only;
}

const KeyTable& fitted_scenario_keys() {
  static const KeyTable table{
      "scenarios[]",
      {
          scenario_name_key(),
          {.path = "overrides",
           .type = KeyType::number_map,
           .choices = parameter_names(),
           .fallback = absent_means("none (the model as given)"),
           .meaning = "parameter name -> value for this scenario, applied after model.overrides; "
                      "each value in its parameter's domain"},
      }};
  return table;
}

std::vector<const KeyTable*> fitted_model_key_tables(bool allow_uncertainty) {
  return {&fitted_model_keys(allow_uncertainty), &fitted_scenario_keys()};
}

ParameterOverrides read_parameter_overrides(MappingReader& parent, const KeySpec& spec) {
  std::vector<std::pair<std::string, double>> out;
  if (auto overrides = parent.optional_mapping(spec)) {
    // The names are data (the table's choices): each is read as a number of any size, then
    // checked against its parameter's domain, with a message that names the domain.
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
  }
  parent.record(std::string(spec.path), overrides_json(out));
  return out;
}

nlohmann::json overrides_json(const ParameterOverrides& overrides) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : overrides) out[name] = value;
  return out;
}

car_t::FittedModel load_fitted_model_file(MappingReader& parent, const KeySpec& spec,
                                          const DesignContext& context, std::string& file,
                                          std::string& file_sha256) {
  const std::string fitted = parent.string(spec);
  // A relative path is relative to the config file, so configs can be run from anywhere.
  const std::filesystem::path& config_file = context.config_file;
  const std::filesystem::path fitted_path = std::filesystem::path(fitted).is_absolute()
                                                ? std::filesystem::path(fitted)
                                                : config_file.parent_path() / fitted;
  const std::string key(spec.path);
  if (!std::filesystem::is_regular_file(fitted_path)) {
    parent.fail(key, "no fitted model file at " + fitted_path.string(),
                "the output of `trialsim fit`");
  }
  file = fitted_path.lexically_normal().string();
  car_t::FittedModel fitted_model = context.services->load_fitted_car_t_model(fitted_path);
  file_sha256 = context.services->file_sha256(fitted_path);
  parent.record(key, file);
  parent.record(key + "_sha256", file_sha256);
  return fitted_model;
}

namespace {

// `model`: the fitted file (checked and loaded), its overrides and, when allowed, uncertainty.
car_t::FittedModel read_model(MappingReader& root, const DesignContext& context,
                              bool allow_uncertainty, FittedScenarios& out) {
  const KeyTable& keys = fitted_model_keys(allow_uncertainty);
  MappingReader model = root.mapping(top_level_keys()["model"].as_required());
  nlohmann::json own_echo;
  echo_sink(model, own_echo);
  car_t::FittedModel fitted_model =
      load_fitted_model_file(model, keys["fitted"], context, out.file, out.file_sha256);
  out.model_overrides = read_parameter_overrides(model, keys["overrides"]);
  if (allow_uncertainty) {
    out.assurance = model.choice(keys["uncertainty"]) == "posterior";
    if (out.assurance) {
      if (fitted_model.draws.empty())
        model.fail("uncertainty", "the fitted model has no posterior draws", "point");
      out.posterior_draws = fitted_model.draws;
    }
  }
  model.finish();
  out.model_echo = *model.echo();
  return fitted_model;
}

// `scenarios`: each the fitted point estimate with model.overrides, then its own overrides.
void read_scenarios(MappingReader& root, const car_t::CarTParameters& point, FittedScenarios& out) {
  const KeyTable& keys = fitted_scenario_keys();
  std::vector<MappingReader> items = root.mapping_list(top_level_keys()["scenarios"]);
  // Sized before any item's sink is taken: growing the array would move the items.
  nlohmann::json own_echo = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i) own_echo.push_back(nlohmann::json::object());
  out.scenarios_echo = nlohmann::json::array();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    MappingReader& item = items[i];
    echo_sink(item, own_echo[i]);
    car_t::CarTScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    item.record(std::string(keys["name"].path), scenario.name);
    scenario.parameters = point;
    for (const auto& [name, value] : out.model_overrides)
      car_t::set_parameter(scenario.parameters, name, value);
    const auto overrides = read_parameter_overrides(item, keys["overrides"]);
    for (const auto& [name, value] : overrides)
      car_t::set_parameter(scenario.parameters, name, value);
    item.finish();
    out.scenarios_echo.push_back(*item.echo());
    out.scenario_overrides.emplace_back(scenario.name, overrides);
    out.scenarios.push_back(std::move(scenario));
  }
}

}  // namespace

FittedScenarios read_fitted_scenarios(MappingReader& root, const DesignContext& context,
                                      bool allow_uncertainty) {
  FittedScenarios out;
  const car_t::FittedModel fitted_model = read_model(root, context, allow_uncertainty, out);
  read_scenarios(root, fitted_model.point, out);
  return out;
}

nlohmann::json fitted_model_json(const FittedScenarios& fitted) {
  nlohmann::json model = fitted.model_echo;
  model.erase("uncertainty");  // the designs with uncertainty add it themselves
  return model;
}

nlohmann::json fitted_scenarios_json(const FittedScenarios& fitted) {
  return fitted.scenarios_echo;
}

}  // namespace trialsim
