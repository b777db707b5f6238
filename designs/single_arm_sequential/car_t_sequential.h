#pragma once
// `single_arm_sequential` on the fitted CAR-T patient model (a config with `model`): the
// Simon/Bayesian efficacy rule and the safety rule run in calendar time
// (calendar_trial.h) on patients simulated from the model. Each patient's response is the
// model's best response (CR/CRi), known `design.conduct.response_assessment_months` after entry;
// the monitored toxicity is `design.safety.event` (grade >= 3 CRS, ICANS, or either), known
// `design.conduct.safety_window_days` after entry. With `model.uncertainty: posterior` each
// scenario is also run with each replicate's parameters drawn from the posterior draws
// (assurance), as in single_arm_car_t.
#include <memory>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/design.h"
#include "designs/single_arm_sequential/sequential_rules.h"

namespace trialsim::designs::single_arm_sequential {

// Reads `design.conduct` (then finishes `design`), `model` and `scenarios`; `rules` were read
// from `design` with the safety event. Throws ConfigError.
std::unique_ptr<const trialsim::Study> read_car_t_sequential_study(MappingReader& root,
                                                                   MappingReader& design,
                                                                   const DesignContext& context,
                                                                   SequentialRules rules);

}  // namespace trialsim::designs::single_arm_sequential
