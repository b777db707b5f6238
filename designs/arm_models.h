#pragma once
// The model of one arm of a randomised design, from the config: any patient model behind the
// interface of models/patient_model.h, declared once in key tables (config/key_table.h) at the
// paths a design gives (e.g. `model.control`, `scenarios[].experimental`).
//
//   type: exponential   exactly one of hazard (per month), median (months),
//                       survival_at {time, probability}, or, for an experimental arm,
//                       hazard_ratio (times the control arm's exponential hazard)
//   type: car_t         fitted (the file `trialsim fit` wrote, relative to the config) and
//                       optional overrides {parameter: value}
//   type: piecewise_exponential   rates (per month) and, with more than one, breakpoints
//                       (months): rates[k] on [b_{k-1}, b_k) (rpact/simtrial convention)
//   type: weibull       shape and one of scale or median (months): S(t) = exp(-(t/scale)^shape)
//   type: mixture_cure  cure_fraction in [0, 1) and the non-cured's latency: hazard or median
//                       (exponential), or shape with scale or median (Weibull)
//   type: delayed_effect   an experimental arm against an exponential or piecewise_exponential
//                       control arm: hazard_ratios (and breakpoints), hazard = HR_k x the
//                       control's hazard on each interval (models/survival_models.h)
//
// A design states the outcome it needs of the arm (ArmNeeds) and the reader refuses, with a
// located error, a model that does not provide it.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/design.h"
#include "models/patient_model.h"

namespace trialsim {

// The arm-model table at `mapping_path` and its `survival_at` table, in reference order.
// `mapping_path` must have static storage (a string literal).
std::vector<const KeyTable*> arm_model_key_tables(std::string_view mapping_path);

// `survival_at: {time, probability}` (an exponential curve through S(t)) at `mapping_path`
// (static storage), for every table that takes it.
KeyTable survival_at_table(std::string_view mapping_path);

struct ArmModel {
  std::shared_ptr<const PatientModel> model;
  nlohmann::json echo;  // as resolved (hazard per month added; fitted path and sha256)
};

// What the design needs of an arm's model.
struct ArmNeeds {
  PatientOutcome outcome;  // e.g. the endpoint analysed
  std::string why;         // for the error, e.g. "design.endpoint is overall_survival"
  // The control arm's model, for an experimental arm's `hazard_ratio` or `delayed_effect`
  // (nullptr: refused).
  const PatientModel* control = nullptr;
};

// Reads the arm model of `spec` (a mapping key of `parent` whose table arm_model_key_tables
// declared at `table_path`, e.g. "scenarios[].experimental") and refuses, at its `type`, a model
// that does not provide `needs.outcome`. Throws ConfigError.
ArmModel read_arm_model(MappingReader& parent, const KeySpec& spec, std::string_view table_path,
                        const DesignContext& context, const ArmNeeds& needs);

}  // namespace trialsim
