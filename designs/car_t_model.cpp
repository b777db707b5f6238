#include "designs/car_t_model.h"

#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

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

// The clinical targets, keys of `model` and of each scenario (designs/clinical_targets.h).
std::vector<KeySpec> clinical_target_keys() {
  return {
      {.path = "orr",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("none (the model's ORR)"),
       .unit = "proportion",
       .meaning = "the true best overall response rate (CR/CRi) of the population: solves "
                  "response_logit_intercept with the EMD log-odds ratio kept (with one subgroup "
                  "ORR beside it: both); each posterior draw: model.targets_on_draws"},
      {.path = "orr_extramedullary",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("none"),
       .unit = "proportion",
       .meaning = "the true ORR of patients with extramedullary disease: alone solves "
                  "response_logit_intercept (EMD log-odds ratio kept); with orr or "
                  "orr_non_extramedullary also response_logit_emd"},
      {.path = "orr_non_extramedullary",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("none"),
       .unit = "proportion",
       .meaning = "the true ORR of patients without extramedullary disease: as "
                  "orr_extramedullary (at most two of the three ORR keys)"},
      {.path = "crs_rate",
       .type = KeyType::number,
       .range = NumberRange::closed_unit(),
       .fallback = absent_means("none"),
       .unit = "proportion",
       .meaning = "the true rate of CRS of any grade: sets p_crs_any (the grade >= 3 rates are "
                  "kept and must not exceed it); each posterior draw: model.targets_on_draws"},
      {.path = "crs_grade3plus_rate",
       .type = KeyType::number,
       .range = NumberRange::closed_unit(),
       .fallback = absent_means("none"),
       .unit = "proportion",
       .meaning = "the true rate of grade >= 3 CRS: shifts p_crs_grade3plus_emd and "
                  "p_crs_grade3plus_non_emd by one log-odds amount (their odds ratio kept); "
                  "each posterior draw: model.targets_on_draws"},
      {.path = "icans_rate",
       .type = KeyType::number,
       .range = NumberRange::closed_unit(),
       .fallback = absent_means("none"),
       .unit = "proportion",
       .meaning = "the true rate of ICANS of any grade: shifts p_icans_emd and p_icans_non_emd "
                  "by one log-odds amount (their odds ratio kept); each posterior draw: "
                  "model.targets_on_draws"},
      {.path = "os_at",
       .type = KeyType::mapping,
       .fallback = absent_means("none"),
       .meaning =
           "{time, value}: the true overall survival at `time` months from infusion: "
           "solves cure_fraction, or death_after_relapse_rate when an RFS target is given "
           "too (Monte Carlo solve; not re-solved on posterior draws: model.targets_on_draws)"},
      {.path = "rfs_at",
       .type = KeyType::mapping,
       .fallback = absent_means("none"),
       .meaning = "{time, value}: the true relapse-free survival of responders at `time` months "
                  "from infusion: solves cure_fraction (Monte Carlo solve; not re-solved on "
                  "posterior draws: model.targets_on_draws)"},
      {.path = "maintenance_rfs_at",
       .type = KeyType::mapping,
       .fallback = absent_means("none"),
       .meaning = "{time, maintained | difference[, observation]}: the true RFS of responders "
                  "`time` months from the response assessment with maintenance (or its "
                  "difference from observation): solves maintenance_hazard_ratio; `observation` "
                  "(RFS without maintenance) solves cure_fraction first"},
  };
}

KeyTable make_landmark_table(std::string_view mapping_path) {
  return {mapping_path,
          {
              {.path = "time",
               .type = KeyType::number,
               .range = NumberRange::positive(),
               .unit = "months",
               .meaning = "the landmark, months from infusion"},
              {.path = "value",
               .type = KeyType::number,
               .range = NumberRange::open_unit(),
               .unit = "proportion",
               .meaning = "the true survival probability wanted at the landmark"},
          }};
}

KeyTable make_maintenance_table(std::string_view mapping_path) {
  return {mapping_path,
          {
              {.path = "time",
               .type = KeyType::number,
               .range = NumberRange::positive(),
               .unit = "months",
               .meaning = "the landmark, months from the response assessment (randomisation in "
                          "a maintenance trial)"},
              {.path = "maintained",
               .type = KeyType::number,
               .range = NumberRange::open_unit(),
               .fallback = absent_means("one of maintained, difference"),
               .unit = "proportion",
               .meaning = "the true RFS at the landmark of responders who all receive "
                          "maintenance"},
              {.path = "difference",
               .type = KeyType::number,
               .range = {-1.0, 1.0, false, false},
               .fallback = absent_means("one of maintained, difference"),
               .unit = "proportion",
               .meaning = "the true RFS at the landmark with maintenance minus without"},
              {.path = "observation",
               .type = KeyType::number,
               .range = NumberRange::open_unit(),
               .fallback = absent_means("none (cure_fraction as it is)"),
               .unit = "proportion",
               .meaning = "the true RFS at the landmark of responders without maintenance: "
                          "solves cure_fraction first"},
          },
          {{"maintained", "difference"}}};
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
    table.keys.push_back(
        {.path = "targets_on_draws",
         .type = KeyType::choice,
         .choices = {"re_solve", "shift"},
         .fallback = absent_means("re_solve"),
         .meaning = "with `posterior`, what a scenario's clinical targets do to each posterior "
                    "draw: `re_solve` solves the closed-form targets (orr, CRS, ICANS) again on "
                    "every draw (the draws hold the targets exactly; landmark targets take the "
                    "point's solved value); `shift` moves every draw by what the solve did to "
                    "the point (log-odds by the same amount, rates by the same ratio), keeping "
                    "the posterior spread around the targets"});
  }
  for (KeySpec& spec : clinical_target_keys()) table.keys.push_back(std::move(spec));
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
  static const KeyTable table = [] {
    KeyTable t{"scenarios[]",
               {
                   scenario_name_key(),
                   {.path = "overrides",
                    .type = KeyType::number_map,
                    .choices = parameter_names(),
                    .fallback = absent_means("none (the model as given)"),
                    .meaning = "parameter name -> value for this scenario, applied after "
                               "model.overrides and model's clinical targets; each value in its "
                               "parameter's domain"},
               }};
    for (KeySpec& spec : clinical_target_keys()) t.keys.push_back(std::move(spec));
    return t;
  }();
  return table;
}

std::vector<const KeyTable*> clinical_target_key_tables() {
  static const KeyTable model_os = make_landmark_table("model.os_at");
  static const KeyTable model_rfs = make_landmark_table("model.rfs_at");
  static const KeyTable model_maintenance = make_maintenance_table("model.maintenance_rfs_at");
  static const KeyTable scenario_os = make_landmark_table("scenarios[].os_at");
  static const KeyTable scenario_rfs = make_landmark_table("scenarios[].rfs_at");
  static const KeyTable scenario_maintenance =
      make_maintenance_table("scenarios[].maintenance_rfs_at");
  return {&model_os,    &model_rfs,    &model_maintenance,
          &scenario_os, &scenario_rfs, &scenario_maintenance};
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

// The readers of one mapping's landmark targets, kept to locate an error found while solving.
using TargetReaders = std::vector<std::pair<std::string, MappingReader>>;

// The table of `<level>.<key>` (level "model" or "scenarios[]").
const KeyTable& target_table(const std::string& level, const std::string& key) {
  const std::string mapping_path = level + "." + key;
  for (const KeyTable* table : clinical_target_key_tables()) {
    if (table->mapping_path == mapping_path) return *table;
  }
  throw std::logic_error("no key table " + mapping_path);
}

std::optional<double> optional_target(MappingReader& parent, const KeySpec& spec) {
  if (!parent.has(spec)) return std::nullopt;
  return parent.number(spec.as_required());
}

std::optional<LandmarkTarget> read_landmark_target(MappingReader& parent, const KeyTable& keys,
                                                   const std::string& level, const std::string& key,
                                                   TargetReaders& readers) {
  std::optional<MappingReader> mapping = parent.optional_mapping(keys[key]);
  if (!mapping) return std::nullopt;
  const KeyTable& table = target_table(level, key);
  LandmarkTarget target{mapping->number(table["time"]), mapping->number(table["value"])};
  mapping->finish();
  readers.emplace_back(key, *mapping);
  return target;
}

std::optional<MaintenanceRfsTarget> read_maintenance_target(MappingReader& parent,
                                                            const KeyTable& keys,
                                                            const std::string& level,
                                                            TargetReaders& readers) {
  const std::string key = "maintenance_rfs_at";
  std::optional<MappingReader> mapping = parent.optional_mapping(keys[key]);
  if (!mapping) return std::nullopt;
  const KeyTable& table = target_table(level, key);
  MaintenanceRfsTarget target;
  target.time = mapping->number(table["time"]);
  target.maintained = optional_target(*mapping, table["maintained"]);
  target.difference = optional_target(*mapping, table["difference"]);
  target.observation = optional_target(*mapping, table["observation"]);
  if (target.maintained.has_value() == target.difference.has_value()) {
    mapping->fail(target.maintained ? "difference" : "",
                  target.maintained ? "both maintained and difference given"
                                    : "neither maintained nor difference given",
                  "exactly one of maintained, difference");
  }
  mapping->finish();
  readers.emplace_back(key, *mapping);
  return target;
}

// The clinical targets of `parent` (`model` or a scenario), by `keys` (its table).
ClinicalTargets read_clinical_targets(MappingReader& parent, const KeyTable& keys,
                                      const std::string& level, TargetReaders& readers) {
  ClinicalTargets t;
  t.orr = optional_target(parent, keys["orr"]);
  t.orr_extramedullary = optional_target(parent, keys["orr_extramedullary"]);
  t.orr_non_extramedullary = optional_target(parent, keys["orr_non_extramedullary"]);
  t.crs_rate = optional_target(parent, keys["crs_rate"]);
  t.crs_grade3plus_rate = optional_target(parent, keys["crs_grade3plus_rate"]);
  t.icans_rate = optional_target(parent, keys["icans_rate"]);
  t.os_at = read_landmark_target(parent, keys, level, "os_at", readers);
  t.rfs_at = read_landmark_target(parent, keys, level, "rfs_at", readers);
  t.maintenance_rfs_at = read_maintenance_target(parent, keys, level, readers);
  return t;
}

// An override of a parameter that a target of the same mapping solves would be silently
// replaced: refused.
void refuse_overridden_targets(const MappingReader& parent, const ParameterOverrides& overrides,
                               const ClinicalTargets& targets) {
  for (const std::string& name : targets.solved_parameter_names()) {
    for (const auto& [overridden, value] : overrides) {
      if (overridden == name) {
        parent.fail("overrides",
                    "overrides." + name + " is also solved for by a clinical target here",
                    "the override or the target, not both");
      }
    }
  }
}

[[noreturn]] void fail_target(const MappingReader& parent, const TargetReaders& readers,
                              const TargetError& error, const std::string& prefix) {
  if (!error.subkey().empty()) {
    for (const auto& [key, reader] : readers) {
      if (key == error.key())
        reader.fail(error.subkey(), prefix + error.problem(), error.expected());
    }
  }
  parent.fail(error.key(), prefix + error.problem(), error.expected());
}

// Solves `targets` on `p` (located errors) and records what it solved in the echo (`solved`:
// the parameters and the true values they give).
SolvedTargets solve_and_record(MappingReader& parent, const TargetReaders& readers,
                               const ClinicalTargets& targets, car_t::CarTParameters& p) {
  if (targets.empty()) return {};
  SolvedTargets solved;
  try {
    solved = solve_clinical_targets(p, targets, LandmarkSolveSettings{});
  } catch (const TargetError& error) {
    fail_target(parent, readers, error, "");
  }
  parent.record("solved", {{"parameters", overrides_json(solved.parameters)},
                           {"true_values", solved.true_values}});
  return solved;
}

// The parameters only landmark targets solve: a posterior draw takes their point values.
bool solved_by_landmark(const std::string& name) {
  return name == "cure_fraction" || name == "maintenance_hazard_ratio" ||
         name == "death_after_relapse_rate";
}

// Each of `draws` with one mapping's overrides and targets: the closed-form targets solved
// again on the draw, the landmark ones' parameters at their point values; or, with `shift`,
// moved by what the solve did to the point (car_t_model.h).
void apply_to_draws(std::vector<car_t::CarTParameters>& draws, const MappingReader& parent,
                    const TargetReaders& readers, const ParameterOverrides& overrides,
                    const ClinicalTargets& targets, const SolvedTargets& at_point, bool shift) {
  for (std::size_t j = 0; j < draws.size(); ++j) {
    car_t::CarTParameters& draw = draws[j];
    for (const auto& [name, value] : overrides) car_t::set_parameter(draw, name, value);
    if (shift) {
      shift_draw(draw, at_point);
      continue;
    }
    SolvedTargets ignored;
    try {
      solve_response_targets(draw, targets, ignored);
      solve_adverse_event_targets(draw, targets, ignored);
    } catch (const TargetError& error) {
      fail_target(
          parent, readers, error,
          "posterior draw " + std::to_string(j + 1) + " of " + std::to_string(draws.size()) + ": ");
    }
    for (const auto& [name, value] : at_point.parameters) {
      if (solved_by_landmark(name)) car_t::set_parameter(draw, name, value);
    }
  }
}

ParameterOverrides with_solved(ParameterOverrides overrides, const SolvedTargets& solved) {
  for (const auto& parameter : solved.parameters) overrides.push_back(parameter);
  return overrides;
}

// `model`: the fitted file (checked and loaded), its overrides, its clinical targets (solved on
// the fitted point) and, when allowed, uncertainty. Returns the fitted point with the model's
// overrides and targets; with assurance, `model_draws` gets each posterior draw with them.
car_t::CarTParameters read_model(MappingReader& root, const DesignContext& context,
                                 bool allow_uncertainty, FittedScenarios& out,
                                 std::vector<car_t::CarTParameters>& model_draws) {
  const KeyTable& keys = fitted_model_keys(allow_uncertainty);
  MappingReader model = root.mapping(top_level_keys()["model"].as_required());
  nlohmann::json own_echo;
  echo_sink(model, own_echo);
  car_t::FittedModel fitted_model =
      load_fitted_model_file(model, keys["fitted"], context, out.file, out.file_sha256);
  const ParameterOverrides overrides = read_parameter_overrides(model, keys["overrides"]);
  if (allow_uncertainty) {
    out.assurance = model.choice(keys["uncertainty"]) == "posterior";
    if (out.assurance) {
      if (fitted_model.draws.empty())
        model.fail("uncertainty", "the fitted model has no posterior draws", "point");
      out.posterior_draws = fitted_model.draws;
    }
    // Echoed only when given: configs without it keep their hash.
    if (model.has(keys["targets_on_draws"])) {
      out.shift_draws = model.choice(keys["targets_on_draws"].with_default("re_solve")) == "shift";
    }
  }
  TargetReaders readers;
  out.model_targets = read_clinical_targets(model, keys, "model", readers);
  model.finish();
  refuse_overridden_targets(model, overrides, out.model_targets);
  car_t::CarTParameters point = fitted_model.point;
  for (const auto& [name, value] : overrides) car_t::set_parameter(point, name, value);
  out.model_solved = solve_and_record(model, readers, out.model_targets, point);
  out.model_overrides = with_solved(overrides, out.model_solved);
  if (out.assurance) {
    model_draws = out.posterior_draws;
    apply_to_draws(model_draws, model, readers, overrides, out.model_targets, out.model_solved,
                   out.shift_draws);
  }
  out.model_echo = *model.echo();
  return point;
}

// One scenario: the model's parameters (`base`), its overrides, then its targets.
void read_scenario(MappingReader& item, const car_t::CarTParameters& base,
                   const std::vector<car_t::CarTParameters>& model_draws,
                   std::set<std::string>& seen, FittedScenarios& out) {
  const KeyTable& keys = fitted_scenario_keys();
  car_t::CarTScenario scenario;
  scenario.name = read_unique_scenario_name(item, seen);
  item.record(std::string(keys["name"].path), scenario.name);
  scenario.parameters = base;
  const auto overrides = read_parameter_overrides(item, keys["overrides"]);
  for (const auto& [name, value] : overrides)
    car_t::set_parameter(scenario.parameters, name, value);
  TargetReaders readers;
  const ClinicalTargets targets = read_clinical_targets(item, keys, "scenarios[]", readers);
  item.finish();
  refuse_overridden_targets(item, overrides, targets);
  SolvedTargets solved = solve_and_record(item, readers, targets, scenario.parameters);
  if (out.assurance) {
    std::vector<car_t::CarTParameters> draws = model_draws;
    apply_to_draws(draws, item, readers, overrides, targets, solved, out.shift_draws);
    out.assurance_draws.push_back(std::move(draws));
  }
  out.scenarios_echo.push_back(*item.echo());
  out.scenario_overrides.emplace_back(scenario.name, with_solved(overrides, solved));
  out.scenario_targets.push_back(targets);
  out.scenario_solved.push_back(std::move(solved));
  out.scenarios.push_back(std::move(scenario));
}

// `scenarios`: each the model's parameters, then its own overrides and targets.
void read_scenarios(MappingReader& root, const car_t::CarTParameters& base,
                    const std::vector<car_t::CarTParameters>& model_draws, FittedScenarios& out) {
  std::vector<MappingReader> items = root.mapping_list(top_level_keys()["scenarios"]);
  // Sized before any item's sink is taken: growing the array would move the items.
  nlohmann::json own_echo = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i) own_echo.push_back(nlohmann::json::object());
  out.scenarios_echo = nlohmann::json::array();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    echo_sink(items[i], own_echo[i]);
    read_scenario(items[i], base, model_draws, seen, out);
  }
}

}  // namespace

FittedScenarios read_fitted_scenarios(MappingReader& root, const DesignContext& context,
                                      bool allow_uncertainty) {
  FittedScenarios out;
  std::vector<car_t::CarTParameters> model_draws;
  const car_t::CarTParameters base = read_model(root, context, allow_uncertainty, out, model_draws);
  read_scenarios(root, base, model_draws, out);
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
