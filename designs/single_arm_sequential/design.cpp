#include "designs/design.h"

#include <memory>
#include <optional>
#include <set>

#include "config/study_keys.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/car_t_model.h"
#include "designs/design_support.h"
#include "designs/single_arm_sequential/bare_rate_calendar.h"
#include "designs/single_arm_sequential/car_t_sequential.h"
#include "designs/single_arm_sequential/sequential_conduct.h"
#include "designs/single_arm_sequential/sequential_rules.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"

// Design `single_arm_sequential`: Simon two-stage (given or searched) or Bayesian efficacy and
// futility monitoring on a binary response, with an optional safety stopping rule on a binary
// adverse event. Scenarios are true response and toxicity rates, every outcome known at enrolment
// (below) or, with `design.conduct`, in calendar time (bare_rate_calendar.h); or, with `model`,
// fitted CAR-T scenarios run in calendar time (car_t_sequential.h).
namespace trialsim::designs::single_arm_sequential {
namespace {

constexpr std::string_view TYPE = "single_arm_sequential";

struct SequentialWorkspace {
  std::vector<double> response_u, toxicity_u;
};

class Study final : public trialsim::Study {
 public:
  SingleArmSequentialDesign design;
  nlohmann::json design_echo;  // the rule as resolved (the searched Simon design included)
  std::vector<SequentialScenario> scenarios;
  // With `design.conduct`: the trial runs in calendar time (response assessment time set, 0 when
  // not given). Without: every outcome is known at enrolment.
  std::optional<SequentialConduct> conduct;

  std::vector<std::string> scenario_names() const override { return names_of(scenarios); }

  nlohmann::json resolved() const override {
    const Study& study = *this;
    nlohmann::json scenarios = nlohmann::json::array();
    for (const auto& s : study.scenarios) {
      scenarios.push_back({{"name", s.name},
                           {"response_rate", s.response_rate},
                           {"toxicity_rate", s.toxicity_rate}});
    }
    nlohmann::json design = {{"type", "single_arm_sequential"}};
    design.update(study.design_echo);
    if (study.conduct) design["conduct"] = sequential_conduct_json(*study.conduct);
    return {{"design", design}, {"scenarios", scenarios}};
  }

  std::vector<OcRow> reported_rows() const override {
    const Study& study = *this;
    if (study.conduct) return bare_rate_calendar_reported_rows(study.scenarios);
    const SingleArmSequentialTally tally{};
    std::vector<OcRow> rows;
    for (const SequentialScenario& scenario : study.scenarios) {
      const auto scenario_rows = tally.oc_rows(study.design, scenario);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    StudyResult result =
        conduct ? run_bare_rate_calendar_study(design, *conduct, scenarios, simulation, request)
                : run_at_enrolment(simulation, request);
    result.design_facts = design_echo;
    result.design_facts["decision_rule"] = describe_decision_rule(design.efficacy);
    return result;
  }

 private:
  // Every outcome known at enrolment: run_sequential_trial on per-patient uniforms.
  StudyResult run_at_enrolment(const SimulationSettings& simulation,
                               const RunRequest& request) const {
    const Study& study = *this;
    const SingleArmSequentialDesign& design = study.design;
    const auto n_max = static_cast<std::size_t>(design.efficacy.max_patients());
    StudyResult result;
    result.rows = run_scenario_tallies<SingleArmSequentialTally, SequentialWorkspace>(
        simulation, request, study.scenarios.size(),
        "replicate,scenario,success,early_efficacy,early_futility,safety_stop,patients\n",
        [] { return SingleArmSequentialTally{}; },
        [&](std::uint64_t r, std::vector<SingleArmSequentialTally>& tallies,
            SequentialWorkspace& ws, std::string* rows) {
          ws.response_u.resize(n_max);
          ws.toxicity_u.resize(n_max);
          Rng response = make_stream(simulation.seed, r, StreamPurpose::response);
          Rng toxicity = make_stream(simulation.seed, r, StreamPurpose::adverse_events);
          for (std::size_t i = 0; i < n_max; ++i) {
            ws.response_u[i] = uniform01(response);
            ws.toxicity_u[i] = uniform01(toxicity);
          }
          for (std::size_t s = 0; s < tallies.size(); ++s) {
            const SequentialReplicate outcome =
                run_sequential_trial(design, study.scenarios[s], ws.response_u, ws.toxicity_u);
            tallies[s].add(outcome);
            if (!rows) continue;
            append_fields(*rows, r, study.scenarios[s].name);
            *rows +=
                std::string(outcome.success ? ",1" : ",0") +
                (outcome.early_efficacy ? ",1" : ",0") + (outcome.early_futility ? ",1" : ",0") +
                (outcome.safety_stop ? ",1," : ",0,") + std::to_string(outcome.patients) + '\n';
          }
        },
        [&](const std::vector<SingleArmSequentialTally>& totals) {
          return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
            return totals[s].oc_rows(design, study.scenarios[s]);
          });
        },
        result.precision);
    for (const SequentialScenario& scenario : study.scenarios) {
      const std::vector<double> exact = exact_sequential_rows(design, scenario);
      result.exact_estimates.insert(result.exact_estimates.end(), exact.begin(), exact.end());
    }
    return result;
  }
};

// `scenarios[]`: with `model`, fitted CAR-T scenarios (name, overrides; car_t_model.h);
// without, the true rates (name, response_rate, toxicity_rate).
const KeyTable& scenario_keys() {
  static const KeyTable table = [] {
    KeyTable t = fitted_scenario_keys();
    for (KeySpec& spec : t.keys) {
      if (spec.path == "overrides") {
        spec.meaning =
            "with `model` only: parameter name -> value for this scenario, applied after "
            "model.overrides; each value in its parameter's domain";
      }
    }
    t.keys.push_back({.path = "response_rate",
                      .type = KeyType::number,
                      .range = NumberRange::closed_unit(),
                      .fallback = absent_means("required without `model`"),
                      .unit = "proportion",
                      .meaning = "without `model` only: the true response rate"});
    t.keys.push_back({.path = "toxicity_rate",
                      .type = KeyType::number,
                      .range = NumberRange::closed_unit(),
                      .fallback = defaults_to(0.0),
                      .unit = "proportion",
                      .meaning = "without `model` only: the true rate of the adverse event the "
                                 "safety rule monitors"});
    return t;
  }();
  return table;
}

// In reference order: design and its rules, the calendar-time conduct, model, scenarios.
std::vector<const KeyTable*> key_tables() {
  std::vector<const KeyTable*> tables = {&sequential_design_keys()};
  for (const KeyTable* table : sequential_rule_key_tables()) tables.push_back(table);
  for (const KeyTable* table : sequential_conduct_key_tables()) tables.push_back(table);
  tables.push_back(&fitted_model_keys(true));
  tables.push_back(&scenario_keys());
  for (const KeyTable* table : clinical_target_key_tables()) tables.push_back(table);
  return tables;
}

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE,
                    "simulate (summary.json carries the exact values beside the simulation)");
  MappingReader design = root.mapping(top_level_keys()["design"]);
  // With `model`, scenarios are fitted CAR-T scenarios run in calendar time (car_t_sequential.h).
  if (root.has("model")) {
    SequentialRules rules = read_sequential_rules(design, true);
    return read_car_t_sequential_study(root, design, context, std::move(rules));
  }
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  SequentialRules rules = read_sequential_rules(design, false);
  study.design = std::move(rules.design);
  study.design_echo = std::move(rules.echo);
  if (design.has(sequential_design_keys()["conduct"])) {
    study.conduct = read_sequential_conduct(design, study.design.efficacy.max_patients());
    // No `response_time` parameter without a model: unset means known at entry.
    study.conduct->response_assessment_months =
        study.conduct->response_assessment_months.value_or(0.0);
  }
  design.finish();
  const KeyTable& keys = scenario_keys();
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list(top_level_keys()["scenarios"])) {
    SequentialScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.number(keys["response_rate"].as_required());
    scenario.toxicity_rate = item.number(keys["toxicity_rate"]);
    item.finish();
    study.scenarios.push_back(scenario);
  }
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      TYPE, &read, &key_tables,
      "single-arm sequential design on a binary response: Simon two-stage (given or searched) or "
      "Bayesian predictive monitoring, with an optional safety stopping rule; on true rates "
      "(in calendar time with `design.conduct`), or (with `model`) on the fitted CAR-T model in "
      "calendar time"};
  return design;
}

}  // namespace trialsim::designs::single_arm_sequential
