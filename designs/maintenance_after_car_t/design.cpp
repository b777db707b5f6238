#include "designs/design.h"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <set>

#include "core/runner.h"
#include "core/scenario_loop.h"
#include "designs/car_t_model.h"
#include "designs/design_support.h"
#include "designs/maintenance_after_car_t/maintenance_trial.h"
#include "designs/two_arm_survival/survival_config.h"

// Design `maintenance_after_car_t`: CAR-T responders randomised in strata to maintenance or
// observation, analysed on relapse-free survival with the two-arm survival analyses; patients
// from the fitted CAR-T model.
namespace trialsim::designs::maintenance_after_car_t {
namespace {

constexpr std::string_view TYPE = "maintenance_after_car_t";

const KeyTable& design_keys() {
  static const KeyTable table = [] {
    KeyTable t{
        "design",
        {
            {.path = "type",
             .type = KeyType::choice,
             .choices = {std::string(TYPE)},
             .meaning = "CAR-T responders randomised to maintenance or observation"},
            {.path = "sample_size",
             .type = KeyType::integer,
             .integers = {2, 100000},
             .unit = "patients",
             .meaning = "responders randomised"},
            allocation_mapping_key(),
            accrual_mapping_key(),
            analysis_mapping_key(),
            {.path = "alpha",
             .type = KeyType::number,
             .range = {0.0, 0.5, false, false},  // one-sided: z_{1-alpha} > 0
             .fallback = defaults_to(0.025),
             .meaning = "one-sided level of the log-rank test on relapse-free survival"},
            interim_mapping_key(),
            {.path = "strata",
             .type = KeyType::choice_list,
             .choices = {"extramedullary", "ph_positive", "cns", "prior_blinatumomab",
                         "prior_inotuzumab"},
             .fallback = defaults_to(std::vector<std::string>{"extramedullary", "ph_positive"}),
             .meaning = "covariates of the randomisation strata"},
            {.path = "stratified_analysis",
             .type = KeyType::boolean,
             .fallback = defaults_to(true),
             .meaning = "log-rank test stratified by the strata"},
        }};
    for (const KeySpec& spec : survival_option_keys().keys) t.keys.push_back(spec);
    return t;
  }();
  return table;
}

std::vector<const KeyTable*> key_tables() {
  std::vector<const KeyTable*> tables{&design_keys(), &allocation_keys()};
  for (const KeyTable* t : conduct_key_tables()) tables.push_back(t);
  tables.push_back(&interim_keys());
  for (const KeyTable* t : fitted_model_key_tables(false)) tables.push_back(t);
  for (const KeyTable* t : clinical_target_key_tables()) tables.push_back(t);
  return tables;
}

class Study final : public trialsim::Study {
 public:
  TwoArmSurvivalDesign design;  // sample_size = responders randomised; timing on RFS events
  std::vector<car_t::StratumCovariate> strata;
  FittedScenarios fitted;

  std::vector<std::string> scenario_names() const override { return names_of(fitted.scenarios); }

  nlohmann::json design_echo;  // what the reader read by design_keys(), defaults included

  nlohmann::json resolved() const override {
    nlohmann::json resolved = {{"design", design_echo},
                               {"model", fitted_model_json(fitted)},
                               {"scenarios", fitted_scenarios_json(fitted)}};
    add_estimates_switch(design, resolved);
    return resolved;
  }

  std::vector<OcRow> reported_rows() const override {
    const Study& study = *this;
    const TwoArmSurvivalTally tally(study.design);
    std::vector<OcRow> rows;
    for (const car_t::CarTScenario& scenario : study.fitted.scenarios) {
      const SurvivalScenario label{scenario.name, 0.0, std::numeric_limits<double>::quiet_NaN()};
      const auto scenario_rows = tally.oc_rows(study.design, label);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    const Study& study = *this;
    const TwoArmSurvivalDesign& design = study.design;
    // Labels of each scenario. No Cox target: the maintenance hazard ratio acts on the
    // non-cured's relapse and death hazards only, so the arms' RFS hazards are not proportional
    // and the latent HR is not what the Cox estimate converges to (issue 16): the Cox rows report
    // the estimate without a bias or coverage row, and the Kaplan–Meier landmarks are measured
    // against each arm's true RFS from randomisation.
    const auto& scenarios = study.fitted.scenarios;
    std::vector<SurvivalScenario> labels;
    for (const auto& s : scenarios)
      labels.push_back({s.name, 0.0, std::numeric_limits<double>::quiet_NaN()});
    // Each scenario's truth simulates its own patients on its own streams: on the run's threads.
    std::vector<std::array<std::vector<double>, 2>> truths(scenarios.size());
    for_each_index(request.threads, scenarios.size(), [&](std::size_t s) {
      truths[s] = car_t::true_rfs_from_randomisation(scenarios[s].parameters, design.landmarks,
                                                     simulation.seed);
    });
    StudyResult result;
    result.rows = run_scenario_tallies<TwoArmSurvivalTally, TwoArmSurvivalWorkspace>(
        simulation, request, study.fitted.scenarios.size(), SURVIVAL_REPLICATE_HEADER,
        [&] { return TwoArmSurvivalTally(design); },
        [&](std::uint64_t r, std::vector<TwoArmSurvivalTally>& tallies, TwoArmSurvivalWorkspace& ws,
            std::string* rows) {
          for (std::size_t s = 0; s < tallies.size(); ++s) {
            car_t::draw_maintenance_cohort(study.fitted.scenarios[s].parameters, design,
                                           study.strata, simulation.seed, r, ws);
            const auto true_survival = [&](int arm, double t) {
              const auto& landmarks = design.landmarks;
              const auto k = static_cast<std::size_t>(
                  std::find(landmarks.begin(), landmarks.end(), t) - landmarks.begin());
              return k < landmarks.size() ? truths[s][static_cast<std::size_t>(arm)][k]
                                          : std::numeric_limits<double>::quiet_NaN();
            };
            const SurvivalReplicateSummary summary =
                tallies[s].analyse_and_add(design, labels[s].hazard_ratio, true_survival, ws);
            if (!rows) continue;
            append_survival_row(*rows, r, labels[s].name, summary);
          }
        },
        [&](const std::vector<TwoArmSurvivalTally>& totals) {
          return rows_in_scenario_order(
              totals.size(), [&](std::size_t s) { return totals[s].oc_rows(design, labels[s]); });
        },
        result.precision,
        [&](const std::vector<TwoArmSurvivalTally>& totals) {
          result.report_files = two_arm_report_files(totals, scenario_names());
        });
    result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
    nlohmann::json strata = nlohmann::json::array();
    for (auto c : study.strata) strata.push_back(car_t::to_string(c));
    result.design_facts = {
        {"decision_rule",
         std::string(design.stratified ? "stratified " : "") +
             "log-rank on relapse-free survival from randomisation, one-sided alpha " +
             format_number(design.alpha) + " (maintenance = experimental arm)"},
        {"strata", strata},
        {"fitted_model", study.fitted.file},
    };
    return result;
  }
};

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE, "simulate");
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  const KeyTable& keys = design_keys();
  MappingReader design = echoed_mapping(root, top_level_keys()["design"], study.design_echo);
  design.choice(keys["type"]);
  TwoArmSurvivalDesign& out = study.design;
  out.sample_size = static_cast<int>(design.integer(keys["sample_size"]));
  read_allocation(design, out);
  out.accrual = read_accrual(design, out.sample_size);
  out.timing = read_timing(design, out.sample_size);
  out.alpha = design.number(keys["alpha"]);
  read_interim(design, out);
  for (const std::string& name : design.choice_list(keys["strata"])) {
    study.strata.push_back(car_t::stratum_covariate_from(name));
  }
  out.stratified = design.boolean(keys["stratified_analysis"]);
  read_survival_analysis_options(design, out);
  design.finish();
  // Resolved forms of the conduct blocks (every default filled in), the allocation when absent,
  // and no `estimates` at its default (add_estimates_switch).
  study.design_echo["accrual"] = accrual_json(out.accrual);
  study.design_echo["analysis"] = timing_json(out.timing);
  study.design_echo["interim"] = interim_json(out);
  study.design_echo["allocation"] = {{"control", out.allocation_control},
                                     {"experimental", out.allocation_experimental}};
  study.design_echo.erase("estimates");
  study.fitted = read_fitted_scenarios(root, context, false);
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      .type = TYPE,
      .read = &read,
      .key_tables = &key_tables,
      .summary =
          "CAR-T responders randomised in strata to maintenance or observation, analysed "
          "on relapse-free survival with the two-arm survival analyses; patients from the "
          "fitted CAR-T model"};
  return design;
}

}  // namespace trialsim::designs::maintenance_after_car_t
