#pragma once
// The keys of `single_arm_sequential`'s decision rules, shared by both of its model variants
// (bare response/toxicity rates in design.cpp; the fitted CAR-T model in car_t_sequential.cpp):
// `design.efficacy` (Simon two-stage, given or searched, or Bayesian monitoring) and
// `design.safety` (Bayesian or Pocock-type stopping rule). The keys are declared once, in the
// tables below (config/key_table.h), and read by them.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"

namespace trialsim {

struct SequentialRules {
  SingleArmSequentialDesign design;
  nlohmann::json echo;  // the rules as resolved (the searched Simon design included)
  // The toxicity rate the safety rule guards (Bayesian: `threshold`; Pocock: `acceptable_rate`):
  // a treatment is "truly toxic" when its true rate of the monitored event is above it.
  double safety_threshold = 0.0;
  // `design.safety.event`, read only when the reader is asked for it (the CAR-T variant names
  // the model's adverse event it monitors); empty otherwise.
  std::string safety_event;
};

// `design` of single_arm_sequential: type, efficacy, safety and conduct (sequential_conduct.h).
const KeyTable& sequential_design_keys();
// design.efficacy, design.efficacy.prior, design.efficacy.stages, design.safety,
// design.safety.prior, in reference order.
std::vector<const KeyTable*> sequential_rule_key_tables();

// Reads `type`, `efficacy` and the optional `safety` of the `design` mapping (not finishing
// `design`). `read_safety_event`: whether `design.safety.event` is a key of this variant (the
// CAR-T one); otherwise it is an unknown key.
SequentialRules read_sequential_rules(MappingReader& design, bool read_safety_event);

// The allowed `design.safety.event` values (adverse events of the fitted CAR-T model); the first
// is the default.
std::vector<std::string> car_t_safety_event_names();

// The decision rule in words, for summary.json.
std::string describe_decision_rule(const SequentialEfficacyRule& efficacy);

}  // namespace trialsim
