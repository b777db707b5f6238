#pragma once
// The keys of `single_arm_sequential`'s decision rules, shared by both of its model variants
// (bare response/toxicity rates in design.cpp; the fitted CAR-T model in car_t_sequential.cpp):
// `design.efficacy` (Simon two-stage, given or searched, or Bayesian monitoring) and
// `design.safety` (Bayesian or Pocock-type stopping rule).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/config_reader.h"
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

// Reads `efficacy` and the optional `safety` of the `design` mapping (not finishing `design`).
// `safety_events`: the allowed values of `design.safety.event` (default: the first); empty: the
// key is not one of this variant's (an unknown key).
SequentialRules read_sequential_rules(MappingReader& design,
                                      const std::vector<std::string>& safety_events);

// The decision rule in words, for summary.json.
std::string describe_decision_rule(const SequentialEfficacyRule& efficacy);

}  // namespace trialsim
