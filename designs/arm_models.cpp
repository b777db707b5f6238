#include "designs/arm_models.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "designs/car_t_model.h"
#include "models/car_t/car_t_patient_model.h"
#include "models/survival_models.h"

namespace trialsim {
namespace {

constexpr const char* ONE_OF = "one of hazard, median, survival_at, hazard_ratio (exponential)";

// The keys of the exponential and CAR-T arms (the first two types).
std::vector<KeySpec> exponential_and_car_t_keys() {
  return {
      {.path = "type",
       .type = KeyType::choice,
       .choices = {"exponential", "car_t", "piecewise_exponential", "weibull", "mixture_cure",
                   "delayed_effect"},
       .meaning = "the arm's patient model: exponential event times, the fitted CAR-T model, "
                  "or a parametric survival model (models/patient_model.h, "
                  "models/survival_models.h)"},
      {.path = "hazard",
       .type = KeyType::number,
       .range = NumberRange::positive(),
       .fallback = absent_means(ONE_OF),
       .unit = "per month",
       .meaning = "exponential: the arm's hazard; mixture_cure: the non-cured's exponential "
                  "hazard"},
      {.path = "median",
       .type = KeyType::number,
       .range = NumberRange::positive(),
       .fallback = absent_means(ONE_OF),
       .unit = "months",
       .meaning = "exponential: the arm's median time to event, hazard log(2)/median; weibull "
                  "(and a mixture_cure's Weibull latency, with shape): scale "
                  "median/log(2)^(1/shape); mixture_cure without shape: the non-cured's "
                  "exponential median"},
      {.path = "survival_at",
       .type = KeyType::mapping,
       .fallback = absent_means(ONE_OF),
       .meaning = "exponential: the arm's survival at a time, hazard -log(S(t))/t"},
      {.path = "hazard_ratio",
       .type = KeyType::number,
       .range = NumberRange::positive(),
       .fallback = absent_means(ONE_OF),
       .meaning = "exponential, experimental arm only: hazard = hazard_ratio x the control "
                  "arm's exponential hazard"},
      {.path = "fitted",
       .fallback = absent_means("required when type is car_t"),
       .meaning = "car_t: the fitted model file (the output of `trialsim fit`); a relative "
                  "path is relative to the config file"},
      {.path = "overrides",
       .type = KeyType::number_map,
       .choices = fitted_scenario_keys()["overrides"].choices,
       .fallback = absent_means("none (the fitted point estimate)"),
       .meaning = "car_t: parameter name -> value, replacing the fitted value; each value in "
                  "its parameter's domain"},
  };
}

// The keys of the parametric survival models (models/survival_models.h).
std::vector<KeySpec> survival_model_keys() {
  return {
      {.path = "breakpoints",
       .type = KeyType::number_list,
       .range = NumberRange::positive(),
       .fallback = absent_means("none (a single piece)"),
       .unit = "months",
       .meaning = "piecewise_exponential: where the hazard changes (rates[k] applies on "
                  "[b_{k-1}, b_k), b_0 = 0: the rpact/simtrial convention); delayed_effect: "
                  "where the hazard ratio changes",
       .increasing = true},
      {.path = "rates",
       .type = KeyType::number_list,
       .range = NumberRange::positive(),
       .fallback = absent_means("required when type is piecewise_exponential"),
       .unit = "per month",
       .meaning = "piecewise_exponential: the hazard on each interval, one more than "
                  "breakpoints"},
      {.path = "shape",
       .type = KeyType::number,
       .range = NumberRange::positive(),
       .fallback = absent_means("required when type is weibull; mixture_cure: exponential "
                                "latency"),
       .meaning = "weibull: S(t) = exp(-(t/scale)^shape); mixture_cure: the non-cured's "
                  "Weibull shape"},
      {.path = "scale",
       .type = KeyType::number,
       .range = NumberRange::positive(),
       .fallback = absent_means("weibull and a Weibull latency: one of scale, median"),
       .unit = "months",
       .meaning = "weibull (and a mixture_cure's Weibull latency): the scale, "
                  "S(t) = exp(-(t/scale)^shape)"},
      {.path = "cure_fraction",
       .type = KeyType::number,
       .range = NumberRange{0.0, 1.0, true, false},
       .fallback = absent_means("required when type is mixture_cure"),
       .unit = "proportion",
       .meaning = "mixture_cure: the cured fraction pi, S(t) = pi + (1 - pi) S_u(t)"},
      {.path = "hazard_ratios",
       .type = KeyType::number_list,
       .range = NumberRange::positive(),
       .fallback = absent_means("required when type is delayed_effect"),
       .meaning = "delayed_effect, experimental arm only: hazard = hazard_ratios[k] x the "
                  "control arm's (piecewise) exponential hazard on each interval of "
                  "breakpoints, one more than breakpoints"},
  };
}

// The keys each type takes besides `type` (the others are forbidden), the one it requires, and
// what a refusal of a foreign key says is expected.
struct ArmType {
  std::string_view name;
  std::vector<std::string_view> keys;
  std::vector<std::string_view> required;
  std::string expected;
};

const std::vector<ArmType>& arm_types() {
  static const std::vector<ArmType> types = {
      {"exponential",
       {"hazard", "median", "survival_at", "hazard_ratio"},
       {},
       "one of hazard, median, survival_at, hazard_ratio"},
      {"car_t", {"fitted", "overrides"}, {"fitted"}, "fitted and overrides"},
      {"piecewise_exponential",
       {"breakpoints", "rates"},
       {"rates"},
       "rates and, with more than one, breakpoints"},
      {"weibull", {"shape", "scale", "median"}, {"shape"}, "shape and one of scale, median"},
      {"mixture_cure",
       {"cure_fraction", "hazard", "median", "shape", "scale"},
       {"cure_fraction"},
       "cure_fraction and the latency: hazard or median (exponential), or shape with scale or "
       "median (Weibull)"},
      {"delayed_effect",
       {"breakpoints", "hazard_ratios"},
       {"hazard_ratios"},
       "hazard_ratios and, with more than one, breakpoints"},
  };
  return types;
}

const ArmType& arm_type(std::string_view name) {
  for (const ArmType& type : arm_types()) {
    if (type.name == name) return type;
  }
  throw std::logic_error("no arm type " + std::string(name));
}

bool takes(const ArmType& type, std::string_view key) {
  return std::find(type.keys.begin(), type.keys.end(), key) != type.keys.end();
}

KeyTable make_arm_keys(std::string_view mapping_path) {
  KeyTable table{mapping_path, exponential_and_car_t_keys()};
  for (KeySpec& spec : survival_model_keys()) table.keys.push_back(std::move(spec));
  // Each type requires its keys and forbids the others' (the JSON Schema's if/then).
  for (const ArmType& type : arm_types()) {
    KeyCondition condition{.key = "type", .equals = {std::string(type.name)}};
    condition.required = type.required;
    for (const KeySpec& spec : table.keys) {
      if (spec.path != "type" && !takes(type, spec.path)) condition.forbidden.push_back(spec.path);
    }
    table.conditions.push_back(std::move(condition));
  }
  return table;
}

}  // namespace

KeyTable survival_at_table(std::string_view mapping_path) {
  return KeyTable{mapping_path,
                  {
                      {.path = "time",
                       .type = KeyType::number,
                       .range = NumberRange::positive(),
                       .unit = "months",
                       .meaning = "the time t"},
                      {.path = "probability",
                       .type = KeyType::number,
                       .range = NumberRange::open_unit(),
                       .unit = "probability",
                       .meaning = "the arm's survival S(t)"},
                  }};
}

namespace {

// The tables of each mapping path asked for, built once and kept for the program's life (a
// table's mapping_path is a string_view, so the nested path's text is kept beside it).
struct ArmTables {
  std::string survival_at_path;
  KeyTable arm, survival_at;
};

const ArmTables& arm_tables(std::string_view mapping_path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<ArmTables>, std::less<>> tables;
  const std::lock_guard<std::mutex> lock(mutex);
  auto found = tables.find(mapping_path);
  if (found == tables.end()) {
    auto made = std::make_unique<ArmTables>();
    made->survival_at_path = std::string(mapping_path) + ".survival_at";
    made->arm = make_arm_keys(mapping_path);
    made->survival_at = survival_at_table(made->survival_at_path);
    found = tables.emplace(std::string(mapping_path), std::move(made)).first;
  }
  return *found->second;
}

// An exponential arm's hazard from exactly one of its four ways to say it.
double read_exponential_hazard(MappingReader& arm, const ArmTables& tables, const ArmNeeds& needs,
                               nlohmann::json& echo) {
  const KeyTable& keys = tables.arm;
  const int given = static_cast<int>(arm.has("hazard")) + static_cast<int>(arm.has("median")) +
                    static_cast<int>(arm.has("survival_at")) +
                    static_cast<int>(arm.has("hazard_ratio"));
  if (given != 1) {
    arm.fail("", "found " + std::to_string(given) + " of hazard, median, survival_at, hazard_ratio",
             "exactly one of them for an exponential arm");
  }
  double hazard = 0.0;
  if (arm.has("hazard")) {
    hazard = arm.number(keys["hazard"].as_required());
    echo["hazard"] = hazard;
  } else if (arm.has("median")) {
    const double median = arm.number(keys["median"].as_required());
    hazard = std::log(2.0) / median;
    echo["median"] = median;
  } else if (arm.has("survival_at")) {
    MappingReader at = arm.mapping(keys["survival_at"].as_required());
    const double time = at.number(tables.survival_at["time"]);
    const double probability = at.number(tables.survival_at["probability"]);
    at.finish();
    hazard = -std::log(probability) / time;
    echo["survival_at"] = {{"time", time}, {"probability", probability}};
  } else {
    const double ratio = arm.number(keys["hazard_ratio"].as_required());
    const auto* control = dynamic_cast<const ExponentialEventModel*>(needs.control);
    if (!control) {
      arm.fail("hazard_ratio",
               needs.control ? "the control arm is not exponential"
                             : "a hazard ratio is relative to the control arm",
               "hazard, median or survival_at (hazard_ratio: an experimental arm against an "
               "exponential control arm)");
    }
    hazard = ratio * control->hazard();
    echo["hazard_ratio"] = ratio;
  }
  // Declare the alternatives not used (an absent alternative: its placeholder, unused).
  if (!arm.has("hazard")) arm.number(keys["hazard"].with_default(0.0));
  if (!arm.has("median")) arm.number(keys["median"].with_default(0.0));
  if (!arm.has("hazard_ratio")) arm.number(keys["hazard_ratio"].with_default(0.0));
  if (!arm.has("survival_at")) arm.optional_mapping(keys["survival_at"]);
  echo["hazard_per_month"] = hazard;
  return hazard;
}

std::shared_ptr<const PatientModel> read_car_t_arm(MappingReader& arm, const ArmTables& tables,
                                                   const DesignContext& context,
                                                   nlohmann::json& echo) {
  const KeyTable& keys = tables.arm;
  std::string file, sha256;
  const car_t::FittedModel fitted =
      load_fitted_model_file(arm, keys["fitted"].as_required(), context, file, sha256);
  car_t::CarTParameters parameters = fitted.point;
  const ParameterOverrides overrides = read_parameter_overrides(arm, keys["overrides"]);
  for (const auto& [name, value] : overrides) car_t::set_parameter(parameters, name, value);
  echo["fitted"] = file;
  echo["fitted_sha256"] = sha256;
  echo["overrides"] = overrides_json(overrides);
  return std::make_shared<const car_t::CarTPatientModel>(parameters);
}

// `breakpoints` (absent: none) and the list `values_key` of one more value each: a
// piecewise_exponential arm's rates or a delayed_effect arm's hazard ratios.
struct Pieces {
  std::vector<double> breakpoints, values;
};

Pieces read_pieces(MappingReader& arm, const KeyTable& keys, const char* values_key,
                   const char* per_interval, nlohmann::json& echo) {
  Pieces out;
  out.breakpoints = arm.number_list(keys["breakpoints"].with_default(std::vector<double>{}));
  out.values = arm.number_list(keys[values_key].as_required());
  if (out.values.size() != out.breakpoints.size() + 1) {
    arm.fail(values_key,
             std::to_string(out.values.size()) + " " + values_key + " for " +
                 std::to_string(out.breakpoints.size()) + " breakpoints",
             std::to_string(out.breakpoints.size() + 1) + " (one " + per_interval +
                 " per interval: [0, b_1), [b_1, b_2), ..., [b_K, infinity))");
  }
  if (arm.has("breakpoints")) echo["breakpoints"] = out.breakpoints;
  echo[values_key] = out.values;
  return out;
}

// A scale from exactly one of `scale` and `median` (S(median) = 1/2), given the shape.
double read_weibull_scale(MappingReader& arm, const KeyTable& keys, double shape,
                          const std::string& which, nlohmann::json& echo) {
  const int given = static_cast<int>(arm.has("scale")) + static_cast<int>(arm.has("median"));
  if (given != 1) {
    arm.fail("", "found " + std::to_string(given) + " of scale, median",
             "exactly one of them for " + which);
  }
  double scale = 0.0;
  if (arm.has("scale")) {
    scale = arm.number(keys["scale"].as_required());
    echo["scale"] = scale;
  } else {
    const double median = arm.number(keys["median"].as_required());
    scale = WeibullEventModel::scale_for_median(shape, median);
    echo["median"] = median;
  }
  return scale;
}

std::shared_ptr<const PatientModel> read_weibull_arm(MappingReader& arm, const KeyTable& keys,
                                                     nlohmann::json& echo) {
  const double shape = arm.number(keys["shape"].as_required());
  echo["shape"] = shape;
  const double scale = read_weibull_scale(arm, keys, shape, "a weibull arm", echo);
  echo["scale_months"] = scale;
  return std::make_shared<const WeibullEventModel>(shape, scale);
}

// cure_fraction, and the non-cured's latency: Weibull when shape is given (scale or median),
// else exponential (hazard or median).
std::shared_ptr<const PatientModel> read_mixture_cure_arm(MappingReader& arm, const KeyTable& keys,
                                                          nlohmann::json& echo) {
  const double cure_fraction = arm.number(keys["cure_fraction"].as_required());
  echo["cure_fraction"] = cure_fraction;
  if (arm.has("shape")) {
    if (arm.has("hazard")) {
      arm.fail("hazard", "an exponential latency's hazard beside a Weibull shape",
               "shape with scale or median (Weibull latency), or hazard or median without shape "
               "(exponential latency)");
    }
    const double shape = arm.number(keys["shape"].as_required());
    echo["shape"] = shape;
    const double scale =
        read_weibull_scale(arm, keys, shape, "a mixture_cure arm's Weibull latency", echo);
    echo["latency_scale_months"] = scale;
    return std::make_shared<const MixtureCureModel>(cure_fraction, shape, scale);
  }
  if (arm.has("scale")) {
    arm.fail("scale", "a Weibull latency's scale without its shape",
             "shape with scale or median (Weibull latency), or hazard or median (exponential "
             "latency)");
  }
  const int given = static_cast<int>(arm.has("hazard")) + static_cast<int>(arm.has("median"));
  if (given != 1) {
    arm.fail("", "found " + std::to_string(given) + " of hazard, median",
             "exactly one of them for a mixture_cure arm's exponential latency (or shape with "
             "scale or median for a Weibull latency)");
  }
  double hazard = 0.0;
  if (arm.has("hazard")) {
    hazard = arm.number(keys["hazard"].as_required());
    echo["hazard"] = hazard;
  } else {
    const double median = arm.number(keys["median"].as_required());
    hazard = std::log(2.0) / median;
    echo["median"] = median;
  }
  echo["latency_hazard_per_month"] = hazard;
  return std::make_shared<const MixtureCureModel>(cure_fraction, 1.0, 1.0 / hazard);
}

// The experimental arm's hazard ratios to the control arm's (piecewise) exponential hazard.
std::shared_ptr<const PatientModel> read_delayed_effect_arm(MappingReader& arm,
                                                            const KeyTable& keys,
                                                            const ArmNeeds& needs,
                                                            nlohmann::json& echo) {
  const char* expected =
      "delayed_effect for an experimental arm against an exponential or piecewise_exponential "
      "control arm";
  if (!needs.control) arm.fail("type", "a delayed effect is relative to the control arm", expected);
  const std::optional<PiecewiseExponentialModel> control = piecewise_form(*needs.control);
  if (!control) {
    arm.fail("type",
             "the control arm is " + std::string(needs.control->type()) +
                 ", not (piecewise) exponential",
             expected);
  }
  const Pieces pieces = read_pieces(arm, keys, "hazard_ratios", "hazard ratio", echo);
  auto model =
      std::make_shared<const DelayedEffectModel>(*control, pieces.breakpoints, pieces.values);
  // The experimental arm's own pieces, as a piecewise_exponential arm would state them.
  echo["merged_breakpoints"] = model->merged().breakpoints();
  echo["rates_per_month"] = model->merged().rates();
  return model;
}

// A foreign key of `type` (one another type takes) is refused before anything is read.
void refuse_foreign_keys(const MappingReader& arm, const KeyTable& keys, const ArmType& type) {
  for (const KeySpec& spec : keys.keys) {
    if (spec.path == "type" || takes(type, spec.path) || !arm.has(spec)) continue;
    const bool vowel = std::string_view("aeiou").find(type.name.front()) != std::string::npos;
    arm.fail(std::string(spec.path),
             "not a key of " + std::string(vowel ? "an " : "a ") + std::string(type.name) + " arm",
             type.expected);
  }
}

std::shared_ptr<const PatientModel> read_model_of_type(MappingReader& arm, const std::string& type,
                                                       const ArmTables& tables,
                                                       const DesignContext& context,
                                                       const ArmNeeds& needs,
                                                       nlohmann::json& echo) {
  const KeyTable& keys = tables.arm;
  if (type == "exponential") {
    return std::make_shared<const ExponentialEventModel>(
        read_exponential_hazard(arm, tables, needs, echo));
  }
  if (type == "car_t") return read_car_t_arm(arm, tables, context, echo);
  if (type == "piecewise_exponential") {
    const Pieces pieces = read_pieces(arm, keys, "rates", "rate", echo);
    return std::make_shared<const PiecewiseExponentialModel>(pieces.breakpoints, pieces.values);
  }
  if (type == "weibull") return read_weibull_arm(arm, keys, echo);
  if (type == "mixture_cure") return read_mixture_cure_arm(arm, keys, echo);
  return read_delayed_effect_arm(arm, keys, needs, echo);
}

}  // namespace

std::vector<const KeyTable*> arm_model_key_tables(std::string_view mapping_path) {
  const ArmTables& tables = arm_tables(mapping_path);
  return {&tables.arm, &tables.survival_at};
}

ArmModel read_arm_model(MappingReader& parent, const KeySpec& spec, std::string_view table_path,
                        const DesignContext& context, const ArmNeeds& needs) {
  const ArmTables& tables = arm_tables(table_path);
  MappingReader arm = parent.mapping(spec);
  ArmModel out;
  const std::string type = arm.choice(tables.arm["type"]);
  out.echo = {{"type", type}};
  refuse_foreign_keys(arm, tables.arm, arm_type(type));
  out.model = read_model_of_type(arm, type, tables, context, needs, out.echo);
  if (!out.model->provides(needs.outcome)) {
    arm.fail("type",
             "the " + type + " model does not provide " + std::string(to_string(needs.outcome)) +
                 " (" + needs.why + "): " + out.model->missing_reason(needs.outcome),
             "a model that provides it");
  }
  arm.finish();
  return out;
}

}  // namespace trialsim
