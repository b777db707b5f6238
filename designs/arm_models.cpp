#include "designs/arm_models.h"

#include <cmath>
#include <map>
#include <mutex>

#include "designs/car_t_model.h"
#include "models/car_t/car_t_patient_model.h"

namespace trialsim {
namespace {

constexpr const char* ONE_OF = "one of hazard, median, survival_at, hazard_ratio (exponential)";

KeyTable make_arm_keys(std::string_view mapping_path) {
  return KeyTable{
      mapping_path,
      {
          {.path = "type",
           .type = KeyType::choice,
           .choices = {"exponential", "car_t"},
           .meaning = "the arm's patient model: exponential event times, or the fitted CAR-T "
                      "model (models/patient_model.h)"},
          {.path = "hazard",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means(ONE_OF),
           .unit = "per month",
           .meaning = "exponential: the arm's hazard"},
          {.path = "median",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means(ONE_OF),
           .unit = "months",
           .meaning = "exponential: the arm's median time to event, hazard log(2)/median"},
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
      },
      {},
      {{.key = "type", .equals = {"exponential"}, .forbidden = {"fitted", "overrides"}},
       {.key = "type",
        .equals = {"car_t"},
        .required = {"fitted"},
        .forbidden = {"hazard", "median", "survival_at", "hazard_ratio"}}}};
}

KeyTable make_survival_at_keys(std::string_view mapping_path) {
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
    made->survival_at = make_survival_at_keys(made->survival_at_path);
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
  for (const char* key : {"hazard", "median", "survival_at", "hazard_ratio"}) {
    if (arm.has(key)) arm.fail(key, "not a key of a car_t arm", "fitted and overrides");
  }
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
  if (type == "exponential") {
    if (arm.has("fitted") || arm.has("overrides")) {
      arm.fail(arm.has("fitted") ? "fitted" : "overrides", "not a key of an exponential arm",
               "one of hazard, median, survival_at, hazard_ratio");
    }
    out.model = std::make_shared<const ExponentialEventModel>(
        read_exponential_hazard(arm, tables, needs, out.echo));
  } else {
    out.model = read_car_t_arm(arm, tables, context, out.echo);
  }
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
