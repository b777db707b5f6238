#include "designs/design.h"

#include <memory>
#include <set>

#include "core/rng.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/design_support.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"

// Design `single_arm_sequential`: Simon two-stage (given or searched) or Bayesian efficacy and
// futility monitoring on a binary response, with an optional safety stopping rule on a binary
// adverse event; scenarios are true response and toxicity rates.
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

  std::vector<std::string> scenario_names() const override {
    std::vector<std::string> names;
    for (const auto& s : scenarios) names.push_back(s.name);
    return names;
  }

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
    return {{"design", design}, {"scenarios", scenarios}};
  }

  std::vector<OcRow> reported_rows() const override {
    const Study& study = *this;
    const SingleArmSequentialTally tally{};
    std::vector<OcRow> rows;
    for (const SequentialScenario& scenario : study.scenarios) {
      const auto scenario_rows = tally.oc_rows(study.design, scenario);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
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
    result.design_facts = study.design_echo;
    result.design_facts["decision_rule"] =
        design.efficacy.kind == SequentialEfficacyRule::Kind::simon
            ? "Simon two-stage: stop after " + std::to_string(design.efficacy.simon.n1) +
                  " patients if responses <= " + std::to_string(design.efficacy.simon.r1) +
                  "; reject H0 if responses > " + std::to_string(design.efficacy.simon.r) + " of " +
                  std::to_string(design.efficacy.simon.n)
            : "Bayesian beta-binomial monitoring up to " + std::to_string(n_max) + " patients";
    return result;
  }
};

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE,
                    "simulate (summary.json carries the exact values beside the simulation)");
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  MappingReader design = root.mapping("design");
  design.required_choice("type", {std::string(TYPE)});
  SequentialEfficacyRule& efficacy = study.design.efficacy;
  MappingReader rule = design.mapping("efficacy");
  const std::string kind = rule.required_choice("rule", {"simon", "bayesian"});
  if (kind == "simon") {
    efficacy.kind = SequentialEfficacyRule::Kind::simon;
    const double p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
    const double p1 = rule.required_number("alternative_response_rate", NumberRange::open_unit());
    if (p1 <= p0) rule.fail("alternative_response_rate", "not above null_response_rate", "p1 > p0");
    if (auto stages = rule.optional_mapping("stages")) {
      const int n1 = static_cast<int>(stages->required_integer("n1", 1, 10000));
      const int r1 = static_cast<int>(stages->required_integer("r1", 0, n1));
      const int n = static_cast<int>(stages->required_integer("n", n1 + 1, 10000));
      const int r = static_cast<int>(stages->required_integer("r", r1, n));
      stages->finish();
      efficacy.simon = with_characteristics(n1, r1, n, r, p0, p1);
      study.design_echo = {{"rule", "simon"}, {"chosen", "given"}};
      // alpha/beta/choose/nmax describe a search; they are not used with given stages.
      rule.optional_number("alpha", 0.05, NumberRange::open_unit());
      rule.optional_number("beta", 0.2, NumberRange::open_unit());
      rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
      rule.optional_integer("nmax", 100, 2, 1000);
    } else {
      const double alpha = rule.required_number("alpha", NumberRange::open_unit());
      const double beta = rule.required_number("beta", NumberRange::open_unit());
      const std::string choose = rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
      const int nmax = static_cast<int>(rule.optional_integer("nmax", 100, 2, 1000));
      const SimonSearchResult found = simon_search(p0, p1, alpha, beta, nmax);
      const auto& chosen = choose == "optimal" ? found.optimal : found.minimax;
      if (!chosen)
        rule.fail("nmax",
                  "no Simon design with n <= " + std::to_string(nmax) + " meets alpha and beta",
                  "a larger nmax");
      efficacy.simon = *chosen;
      study.design_echo = {{"rule", "simon"}, {"chosen", choose}};
    }
    const SimonDesign& d = efficacy.simon;
    study.design_echo.update({{"null_response_rate", p0},
                              {"alternative_response_rate", p1},
                              {"n1", d.n1},
                              {"r1", d.r1},
                              {"n", d.n},
                              {"r", d.r},
                              {"pet_p0", d.pet_p0},
                              {"expected_n_p0", d.expected_n_p0},
                              {"alpha_actual", d.alpha_actual},
                              {"power_actual", d.power_actual}});
  } else {
    efficacy.kind = SequentialEfficacyRule::Kind::bayesian;
    PredictiveMonitoringRule monitoring;
    MappingReader prior = rule.mapping("prior");
    monitoring.prior = {prior.required_number("a", NumberRange::positive()),
                        prior.required_number("b", NumberRange::positive())};
    prior.finish();
    monitoring.max_patients = static_cast<int>(rule.required_integer("max_patients", 1, 10000));
    monitoring.p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
    monitoring.theta_t = rule.required_number("final_threshold", NumberRange::open_unit());
    monitoring.efficacy_cutoff =
        rule.optional_number("efficacy_cutoff", 1.0, NumberRange{0.0, 1.0, false, true});
    monitoring.futility_cutoff =
        rule.optional_number("futility_cutoff", 0.0, NumberRange{0.0, 1.0, true, false});
    monitoring.first_look = static_cast<int>(
        rule.optional_integer("first_look", monitoring.max_patients, 1, monitoring.max_patients));
    monitoring.every = static_cast<int>(
        rule.optional_integer("every", monitoring.max_patients, 1, monitoring.max_patients));
    efficacy.bayesian = predictive_monitoring_boundary(monitoring);
    study.design_echo = {{"rule", "bayesian"},
                         {"prior", {{"a", monitoring.prior.a}, {"b", monitoring.prior.b}}},
                         {"max_patients", monitoring.max_patients},
                         {"null_response_rate", monitoring.p0},
                         {"final_threshold", monitoring.theta_t},
                         {"efficacy_cutoff", monitoring.efficacy_cutoff},
                         {"futility_cutoff", monitoring.futility_cutoff},
                         {"first_look", monitoring.first_look},
                         {"every", monitoring.every},
                         {"look_sizes", efficacy.bayesian.look_sizes},
                         {"min_events_for_efficacy", efficacy.bayesian.min_events_for_efficacy},
                         {"max_events_for_futility", efficacy.bayesian.max_events_for_futility}};
  }
  rule.finish();
  if (auto safety = design.optional_mapping("safety")) {
    const std::string kind = safety->required_choice("rule", {"bayesian", "pocock"});
    const int every = static_cast<int>(safety->optional_integer("every", 1, 1, 10000));
    const int n_max = efficacy.max_patients();
    nlohmann::json echo = {{"rule", kind}, {"every", every}};
    if (kind == "bayesian") {
      MappingReader prior = safety->mapping("prior");
      const double a = prior.required_number("a", NumberRange::positive());
      const double b = prior.required_number("b", NumberRange::positive());
      prior.finish();
      const double threshold = safety->required_number("threshold", NumberRange::open_unit());
      const double cutoff = safety->required_number("cutoff", NumberRange::open_unit());
      study.design.safety = bayesian_toxicity_boundary(a, b, threshold, cutoff, n_max, every);
      echo.update({{"prior", {{"a", a}, {"b", b}}}, {"threshold", threshold}, {"cutoff", cutoff}});
    } else {
      const double acceptable =
          safety->required_number("acceptable_rate", NumberRange::open_unit());
      const double alpha = safety->required_number("alpha", NumberRange::open_unit());
      const PocockToxicityDesign pocock = pocock_toxicity_design(acceptable, alpha, n_max, every);
      study.design.safety = pocock.boundary;
      echo.update({{"acceptable_rate", acceptable},
                   {"alpha", alpha},
                   {"nominal_level", pocock.nominal_level},
                   {"crossing_probability", pocock.crossing_probability}});
    }
    echo["look_sizes"] = study.design.safety->look_sizes;
    echo["min_events_to_stop"] = study.design.safety->min_events_to_stop;
    safety->finish();
    study.design_echo["safety"] = echo;
  }
  design.finish();
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    SequentialScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.required_number("response_rate", NumberRange::closed_unit());
    scenario.toxicity_rate = item.optional_number("toxicity_rate", 0.0, NumberRange::closed_unit());
    item.finish();
    study.scenarios.push_back(scenario);
  }
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{TYPE, &read};
  return design;
}

}  // namespace trialsim::designs::single_arm_sequential
