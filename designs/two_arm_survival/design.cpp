#include "designs/design.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "core/scenario_loop.h"
#include "designs/arm_models.h"
#include "designs/design_support.h"
#include "designs/two_arm_survival/analytic_power.h"
#include "designs/two_arm_survival/arm_cohort.h"
#include "designs/two_arm_survival/survival_config.h"
#include "designs/two_arm_survival/two_arm_survival.h"
#include "statistics/group_sequential.h"

// Design `two_arm_survival`: two randomised arms, exponential survival (control hazard, scenario
// hazard ratios), calendar-time accrual and data cut, the log-rank test with optional
// group-sequential interims, Cox and Kaplan–Meier estimates.
namespace trialsim::designs::two_arm_survival {
namespace {

constexpr std::string_view TYPE = "two_arm_survival";

const KeyTable& design_keys() {
  static const KeyTable table = [] {
    KeyTable t{"design",
               {
                   {.path = "type",
                    .type = KeyType::choice,
                    .choices = {std::string(TYPE)},
                    .meaning = "two randomised arms, time to event, log-rank test"},
                   {.path = "endpoint",
                    .type = KeyType::choice,
                    .choices = {"overall_survival", "relapse_free_survival", "event_free_survival"},
                    .fallback = defaults_to("overall_survival"),
                    .meaning = "label of the time-to-event endpoint"},
                   {.path = "test",
                    .type = KeyType::choice,
                    .choices = {"logrank"},
                    .fallback = defaults_to("logrank"),
                    .meaning = "the one-sided log-rank test of benefit"},
                   {.path = "sample_size",
                    .type = KeyType::integer,
                    .integers = {2, 100000},
                    .unit = "patients",
                    .meaning = "patients randomised"},
                   allocation_mapping_key(),
                   accrual_mapping_key(),
                   {.path = "dropout",
                    .type = KeyType::mapping,
                    .fallback = absent_means("no dropout"),
                    .meaning = "exponential dropout (censoring) rates by arm"},
                   analysis_mapping_key(),
                   {.path = "alpha",
                    .type = KeyType::number,
                    .range = {0.0, 0.5, false, false},  // one-sided: z_{1-alpha} > 0
                    .fallback = defaults_to(0.025),
                    .meaning = "one-sided level of the log-rank test (overall, with interims)"},
                   interim_mapping_key(),
                   nph_mapping_key(),
               }};
    for (const KeySpec& spec : survival_option_keys().keys) t.keys.push_back(spec);
    return t;
  }();
  return table;
}

const KeyTable& dropout_keys() {
  static const KeyTable table{"design.dropout",
                              {
                                  {.path = "control_rate",
                                   .type = KeyType::number,
                                   .range = NumberRange::non_negative(),
                                   .fallback = defaults_to(0.0),
                                   .unit = "per month",
                                   .meaning = "control-arm dropout hazard"},
                                  {.path = "experimental_rate",
                                   .type = KeyType::number,
                                   .range = NumberRange::non_negative(),
                                   .fallback = defaults_to(0.0),
                                   .unit = "per month",
                                   .meaning = "experimental-arm dropout hazard"},
                              }};
  return table;
}

const KeyTable& model_keys() {
  static const KeyTable table{
      "model",
      {
          {.path = "type",
           .type = KeyType::choice,
           .choices = {"exponential", "per_arm"},
           .meaning = "exponential: exponential survival, control hazard and scenario hazard "
                      "ratios; per_arm: a patient model per arm (exponential or the fitted CAR-T "
                      "model), scenarios may replace either"},
          {.path = "control_survival",
           .type = KeyType::mapping,
           .fallback = absent_means("required when type is exponential"),
           .meaning = "exponential: the control arm's survival: exactly one of hazard, median, "
                      "survival_at"},
          {.path = "control",
           .type = KeyType::mapping,
           .fallback = absent_means("required when type is per_arm"),
           .meaning = "per_arm: the control arm's model (model.control keys)"},
          {.path = "experimental",
           .type = KeyType::mapping,
           .fallback = absent_means("required when type is per_arm"),
           .meaning = "per_arm: the experimental arm's model (model.experimental keys)"},
      },
      {},
      {{.key = "type",
        .equals = {"exponential"},
        .required = {"control_survival"},
        .forbidden = {"control", "experimental"}},
       {.key = "type",
        .equals = {"per_arm"},
        .required = {"control", "experimental"},
        .forbidden = {"control_survival"}}}};
  return table;
}

const KeyTable& control_survival_keys() {
  static const KeyTable table{
      "model.control_survival",
      {
          {.path = "hazard",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("one of hazard, median, survival_at"),
           .unit = "per month",
           .meaning = "control-arm hazard"},
          {.path = "median",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("one of hazard, median, survival_at"),
           .unit = "months",
           .meaning = "control-arm median survival: hazard log(2)/median"},
          {.path = "survival_at",
           .type = KeyType::mapping,
           .fallback = absent_means("one of hazard, median, survival_at"),
           .meaning = "control-arm survival probability at a time: hazard -log(S(t))/t"},
      },
      {{"hazard", "median", "survival_at"}}};
  return table;
}

const KeyTable& survival_at_keys() {
  static const KeyTable table = survival_at_table("model.control_survival.survival_at");
  return table;
}

const KeyTable& scenario_keys() {
  static const KeyTable table{
      "scenarios[]",
      {
          scenario_name_key(),
          {.path = "hazard_ratio",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("required when model.type is exponential"),
           .meaning = "model.type exponential: true hazard ratio experimental/control"},
          {.path = "control",
           .type = KeyType::mapping,
           .fallback = absent_means("model.control"),
           .meaning = "model.type per_arm: the control arm's model in this scenario "
                      "(scenarios[].control keys)"},
          {.path = "experimental",
           .type = KeyType::mapping,
           .fallback = absent_means("model.experimental"),
           .meaning = "model.type per_arm: the experimental arm's model in this scenario "
                      "(scenarios[].experimental keys)"},
      }};
  return table;
}

// The arm-model tables of `model.type: per_arm` (designs/arm_models.h).
constexpr std::string_view ARM_TABLE_PATHS[] = {"model.control", "model.experimental",
                                                "scenarios[].control", "scenarios[].experimental"};

std::vector<const KeyTable*> key_tables() {
  std::vector<const KeyTable*> tables{&design_keys(), &allocation_keys()};
  tables.push_back(&accrual_keys());
  tables.push_back(&accrual_rate_keys());
  tables.push_back(&dropout_keys());
  tables.push_back(&analysis_timing_keys());
  tables.push_back(&interim_keys());
  tables.push_back(&nph_keys());
  tables.push_back(&fleming_harrington_keys());
  for (const KeyTable* t : {&model_keys(), &control_survival_keys(), &survival_at_keys()})
    tables.push_back(t);
  for (std::string_view path : ARM_TABLE_PATHS) {
    if (path.starts_with("scenarios")) continue;
    for (const KeyTable* t : arm_model_key_tables(path)) tables.push_back(t);
  }
  tables.push_back(&scenario_keys());
  for (std::string_view path : ARM_TABLE_PATHS) {
    if (!path.starts_with("scenarios")) continue;
    for (const KeyTable* t : arm_model_key_tables(path)) tables.push_back(t);
  }
  return tables;
}

// Control-arm exponential hazard (per month) from exactly one of hazard, median or
// survival_at {time, probability}: lambda = log(2)/median = -log(S(t))/t.
double read_control_hazard(MappingReader& model, nlohmann::json& echo) {
  for (const char* key : {"control", "experimental"}) {
    if (model.has(key)) model.fail(key, "a key of model.type per_arm", "control_survival");
  }
  MappingReader control = model.mapping(model_keys()["control_survival"].as_required());
  const KeyTable& keys = control_survival_keys();
  const int given = static_cast<int>(control.has("hazard")) +
                    static_cast<int>(control.has("median")) +
                    static_cast<int>(control.has("survival_at"));
  if (given != 1) {
    control.fail("", "found " + std::to_string(given) + " of hazard, median, survival_at",
                 "exactly one of them");
  }
  double hazard = 0.0;
  if (control.has("hazard")) {
    hazard = control.number(keys["hazard"].as_required());
    echo = {{"hazard", hazard}};
  } else if (control.has("median")) {
    const double median = control.number(keys["median"].as_required());
    hazard = std::log(2.0) / median;
    echo = {{"median", median}};
  } else {
    MappingReader at = control.mapping(keys["survival_at"].as_required());
    const double time = at.number(survival_at_keys()["time"]);
    const double probability = at.number(survival_at_keys()["probability"]);
    at.finish();
    hazard = -std::log(probability) / time;
    echo = {{"survival_at", {{"time", time}, {"probability", probability}}}};
  }
  // Declare all three alternatives for the key registry even when one was used (an absent or
  // null alternative: read as its placeholder default, unused).
  if (!control.has("hazard")) control.number(keys["hazard"].with_default(0.0));
  if (!control.has("median")) control.number(keys["median"].with_default(0.0));
  if (!control.has("survival_at")) control.optional_mapping(keys["survival_at"]);
  control.finish();
  echo["hazard_per_month"] = hazard;
  return hazard;
}

class Study final : public trialsim::Study {
 public:
  TwoArmSurvivalDesign design;
  std::string endpoint;          // label, e.g. overall_survival
  nlohmann::json control_model;  // the control-arm survival as written (resolved() echoes it)
  std::vector<SurvivalScenario> scenarios;
  // model.type per_arm: each scenario's arm models (scenarios[s]: control_hazard NaN, and
  // hazard_ratio the ratio of the arms' constant hazards, NaN when either is not constant).
  bool per_arm = false;
  PatientOutcome endpoint_outcome = PatientOutcome::overall_survival;
  struct ArmPair {
    ArmModel control, experimental;
    bool control_given = false, experimental_given = false;  // in the scenario (else the model's)
  };
  std::vector<ArmPair> arms;
  nlohmann::json per_arm_model;  // {type: per_arm, control, experimental} as resolved

  std::vector<std::string> scenario_names() const override { return names_of(scenarios); }

  nlohmann::json design_echo;  // what the reader read by design_keys(), defaults included

  nlohmann::json resolved() const override {
    nlohmann::json scenario_echo = nlohmann::json::array();
    for (std::size_t k = 0; k < scenarios.size(); ++k) {
      const SurvivalScenario& s = scenarios[k];
      if (!per_arm) {
        scenario_echo.push_back({{"name", s.name}, {"hazard_ratio", s.hazard_ratio}});
        continue;
      }
      nlohmann::json item = {{"name", s.name}};
      if (arms[k].control_given) item["control"] = arms[k].control.echo;
      if (arms[k].experimental_given) item["experimental"] = arms[k].experimental.echo;
      scenario_echo.push_back(item);
    }
    nlohmann::json resolved = {
        {"design", design_echo},
        {"model",
         per_arm ? per_arm_model
                 : nlohmann::json{{"type", "exponential"}, {"control_survival", control_model}}},
        {"scenarios", scenario_echo}};
    add_estimates_switch(design, resolved);
    return resolved;
  }

  // design.nph's estimands per scenario: the true RMST and milestone differences of the arms'
  // models (exponential scenarios: the two exponential arms).
  std::vector<NphTruth> nph_truths() const {
    std::vector<NphTruth> out(scenarios.size());
    if (!design.nph.enabled) return out;
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      const auto arm = arm_models(s);
      const double tau = design.nph.rmst_tau;
      out[s].rmst_difference = arm[1]->true_restricted_mean(endpoint_outcome, tau) -
                               arm[0]->true_restricted_mean(endpoint_outcome, tau);
      const auto& times = design.nph.milestones;
      const auto control = arm[0]->true_survival(endpoint_outcome, times);
      const auto experimental = arm[1]->true_survival(endpoint_outcome, times);
      for (std::size_t k = 0; k < times.size(); ++k)
        out[s].milestone_difference.push_back(experimental[k] - control[k]);
    }
    return out;
  }

  // The arms' models of scenario s (exponential scenarios: two exponential arms).
  std::array<std::shared_ptr<const PatientModel>, 2> arm_models(std::size_t s) const {
    if (per_arm) return {arms[s].control.model, arms[s].experimental.model};
    return {std::make_shared<ExponentialEventModel>(scenarios[s].control_hazard),
            std::make_shared<ExponentialEventModel>(scenarios[s].control_hazard *
                                                    scenarios[s].hazard_ratio)};
  }

  // Per scenario: the analytic power of the log-rank test (and, with design.nph, of each FH
  // test) under the design's expected conduct (analytic_power.h), beside the simulated power.
  // Per scenario, the analytic trial (analytic_power.h) for the log-rank test and, with
  // design.nph, each FH test; without group-sequential looks only.
  std::vector<AnalyticTrial> analytic_trials() const {
    std::vector<AnalyticTrial> out;
    if (design.group_sequential()) return out;
    std::vector<FhWeight> weights{FhWeight{0.0, 0.0}};  // the log-rank test, then design.nph's
    const auto& fh = design.nph.fleming_harrington;
    if (design.nph.enabled) weights.insert(weights.end(), fh.begin(), fh.end());
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      const auto models = arm_models(s);
      out.push_back(
          analytic_logrank_power(*models[0], *models[1], endpoint_outcome, design, weights));
    }
    return out;
  }

  // The analytic power beside the simulated one, per scenario, and the Cox estimand.
  nlohmann::json analytic_powers(const std::vector<AnalyticTrial>& trials) const {
    const auto& fh = design.nph.fleming_harrington;
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t s = 0; s < trials.size(); ++s) {
      const AnalyticTrial& trial = trials[s];
      nlohmann::json entry = {{"analysis_time", trial.analysis_time},
                              {"expected_events", trial.expected_events},
                              {"cox_limit_hazard_ratio", std::exp(trial.cox_limit_log_hr)}};
      if (!trial.target_reachable) entry["event_target_reachable"] = false;
      entry["logrank"] = trial.power[0];
      if (design.nph.enabled) {
        for (std::size_t k = 0; k < fh.size(); ++k) entry[fh_label(fh[k])] = trial.power[k + 1];
      }
      out[scenarios[s].name] = entry;
    }
    return out;
  }

  // The scenarios as tallied: with a model per arm whose hazards are not proportional, the Cox
  // estimate's truth is its limit under the trial's expected conduct (analytic_power.h), not a
  // model parameter; without an analytic trial (interims), none.
  std::vector<SurvivalScenario> cox_targets(const std::vector<AnalyticTrial>& trials) const {
    std::vector<SurvivalScenario> out = scenarios;
    for (std::size_t s = 0; s < out.size(); ++s) {
      if (!std::isfinite(out[s].hazard_ratio) && s < trials.size())
        out[s].hazard_ratio = std::exp(trials[s].cox_limit_log_hr);
    }
    return out;
  }

  // true_curves.csv: each scenario's true survival per arm on a grid of 0.25 months up to the
  // band grid's end, and the hazard ratio experimental/control over each month (from the curves:
  // h = -log(S(t + 1) / S(t)); empty where a hazard is 0 or the curve is not known).
  std::string true_curves() const {
    std::string out = "scenario,time,control_survival,experimental_survival,hazard_ratio\n";
    std::vector<double> grid;
    const double end = (TWO_ARM_BAND_POINTS - 1) * TWO_ARM_BAND_STEP;
    for (int k = 0; k <= static_cast<int>(end * 4); ++k) grid.push_back(0.25 * k);
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      const auto models = arm_models(s);
      const auto control = models[0]->true_survival(endpoint_outcome, grid);
      const auto experimental = models[1]->true_survival(endpoint_outcome, grid);
      const std::string scenario = csv_field(scenarios[s].name);
      for (std::size_t k = 0; k < grid.size(); ++k) {
        std::string ratio;
        if (k + 4 < grid.size()) {
          const double h_c = std::log(control[k] / control[k + 4]);
          const double h_e = std::log(experimental[k] / experimental[k + 4]);
          if (h_c > 0.0 && std::isfinite(h_c) && std::isfinite(h_e))
            ratio = format_number(h_e / h_c);
        }
        out += scenario + ',' + format_number(grid[k]) + ',' + format_number(control[k]) + ',' +
               format_number(experimental[k]) + ',' + ratio + '\n';
      }
    }
    return out;
  }

  // True survival of each arm at the landmarks (models/patient_model.h), per scenario.
  using ArmTruths = std::array<std::vector<double>, 2>;
  std::vector<ArmTruths> arm_truths() const {
    std::vector<ArmTruths> out;
    for (const ArmPair& pair : arms) {
      out.push_back({pair.control.model->true_survival(endpoint_outcome, design.landmarks),
                     pair.experimental.model->true_survival(endpoint_outcome, design.landmarks)});
    }
    return out;
  }

  // Scenario s of replicate r from its arm models, analysed and tallied.
  SurvivalReplicateSummary analyse_per_arm(std::size_t s, std::uint64_t seed, std::uint64_t r,
                                           double target_hazard_ratio, const ArmTruths& truth,
                                           const NphTruth& nph_truth, TwoArmSurvivalTally& tally,
                                           TwoArmSurvivalWorkspace& ws) const {
    fill_arm_outcomes(*arms[s].control.model, *arms[s].experimental.model, endpoint_outcome, design,
                      seed, r, ws);
    const auto true_survival = [&](int arm, double t) {
      const auto& landmarks = design.landmarks;
      const auto k = static_cast<std::size_t>(std::find(landmarks.begin(), landmarks.end(), t) -
                                              landmarks.begin());
      return k < landmarks.size() ? truth[static_cast<std::size_t>(arm)][k]
                                  : std::numeric_limits<double>::quiet_NaN();
    };
    return tally.analyse_and_add(design, target_hazard_ratio, true_survival, ws, nph_truth);
  }

  std::vector<OcRow> reported_rows() const override {
    const Study& study = *this;
    const TwoArmSurvivalTally tally(study.design);
    std::vector<OcRow> rows;
    for (SurvivalScenario scenario : study.scenarios) {
      // The run measures the Cox estimate against its limit where the model has no HR.
      if (!design.group_sequential() && !std::isfinite(scenario.hazard_ratio))
        scenario.hazard_ratio = 1.0;
      const auto scenario_rows = tally.oc_rows(study.design, scenario);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
  }

  // The scenarios under H0 (both arms the same survival), where a rejection is a type I error
  // (edges/report/headline.h): hazard ratio 1, or with a model per arm the same true survival
  // in both arms at every month to 120 (to 1e-12), however the two are written (a delayed
  // effect with a ratio of 1, the same model twice).
  nlohmann::json null_hypothesis() const {
    std::vector<double> months(241);
    for (std::size_t i = 0; i < months.size(); ++i) months[i] = 0.5 * static_cast<double>(i);
    nlohmann::json names = nlohmann::json::array();
    for (std::size_t k = 0; k < scenarios.size(); ++k) {
      bool same = scenarios[k].hazard_ratio == 1.0;
      if (per_arm) {
        const auto models = arm_models(k);
        const auto control = models[0]->true_survival(endpoint_outcome, months);
        const auto experimental = models[1]->true_survival(endpoint_outcome, months);
        same = true;
        for (std::size_t i = 0; i < months.size(); ++i)
          same = same && std::abs(control[i] - experimental[i]) <= 1e-12;
      }
      if (same) names.push_back(scenarios[k].name);
    }
    return {{"one_sided_alpha", design.alpha}, {"scenarios", names}};
  }

  // The per-look table of an event-driven group-sequential design (issue 17, item 2): per look
  // its planned events and information fraction; the efficacy boundary on the benefit z scale,
  // as a nominal one-sided p-value 1 - Phi(c) and on the hazard-ratio scale
  // exp(-c / sqrt(D r (1 - r))) (D the look's planned events, r the experimental allocation
  // fraction; rpact's criticalValuesPValueScale and criticalValuesEffectScale); the non-binding
  // futility bound likewise; and per scenario the expected calendar time of the look, the time
  // at which the expected events reach D (analytic_power.h; rpact's analysisTime).
  nlohmann::json per_look_table(double allocation_experimental) const {
    nlohmann::json table = nlohmann::json::array();
    const double share = allocation_experimental * (1.0 - allocation_experimental);
    const auto hr_scale = [&](double z, double events) {
      return std::isfinite(z) ? std::exp(-z / std::sqrt(events * share))
                              : std::numeric_limits<double>::quiet_NaN();
    };
    const std::size_t looks = design.looks();
    for (std::size_t k = 0; k < looks; ++k) {
      const bool last = k + 1 == looks;
      const int events = last ? design.timing.target_events : design.interim_events[k];
      const double c = design.efficacy_boundaries[k];
      nlohmann::json row = {{"look", k + 1},
                            {"events", events},
                            {"information_fraction", design.information_fractions[k]},
                            {"efficacy_z", c},
                            {"efficacy_p", 0.5 * std::erfc(c / std::sqrt(2.0))},
                            {"efficacy_hr", hr_scale(c, events)}};
      if (!last && std::isfinite(design.futility_boundaries[k])) {
        row["futility_z"] = design.futility_boundaries[k];
        row["futility_hr"] = hr_scale(design.futility_boundaries[k], events);
      }
      TwoArmSurvivalDesign fixed = design;  // this look as a fixed-sample analysis
      fixed.interim_events.clear();
      fixed.timing.target_events = events;
      nlohmann::json times = nlohmann::json::object();
      for (std::size_t s = 0; s < scenarios.size(); ++s) {
        const auto models = arm_models(s);
        times[scenarios[s].name] = analytic_logrank_power(*models[0], *models[1], endpoint_outcome,
                                                          fixed, {FhWeight{0.0, 0.0}})
                                       .analysis_time;
      }
      row["expected_calendar_time"] = times;
      table.push_back(row);
    }
    return table;
  }

  // summary.json's design facts: the decision rule, Schoenfeld's and the analytic power, and
  // with interims the exact crossing probabilities under each scenario's Schoenfeld drift.
  nlohmann::json design_facts(const std::vector<AnalyticTrial>& trials) const {
    const Study& study = *this;
    const double allocation_experimental =
        static_cast<double>(design.allocation_experimental) /
        static_cast<double>(design.allocation_control + design.allocation_experimental);
    nlohmann::json schoenfeld = nlohmann::json::object();
    for (const SurvivalScenario& scenario : study.scenarios) {
      if (design.timing.trigger == AnalysisTiming::Trigger::events &&
          std::isfinite(scenario.hazard_ratio)) {
        schoenfeld[scenario.name] =
            schoenfeld_power(design.timing.target_events, scenario.hazard_ratio, design.alpha,
                             allocation_experimental);
      }
    }
    nlohmann::json facts = {
        {"decision_rule", "reject H0: HR >= 1 when the log-rank z <= -" +
                              format_number(normal_critical_value(1.0 - 2.0 * design.alpha)) +
                              " (one-sided alpha " + format_number(design.alpha) + ")"},
    };
    if (!study.per_arm) facts["control_hazard_per_month"] = study.scenarios.front().control_hazard;
    facts["null_hypothesis"] = null_hypothesis();
    if (design.group_sequential() && design.estimates)
      facts["naive_estimates"] =
          "the Cox HR, Kaplan-Meier and median estimates are computed at the look that ended "
          "each trial, without adjustment for the stopping rule: naive estimates, conditionally "
          "biased away from the null after an early efficacy stop";
    if (!schoenfeld.empty()) facts["schoenfeld_power"] = schoenfeld;
    if (!trials.empty()) facts["analytic_power"] = analytic_powers(trials);
    if (!design.efficacy_boundaries.empty()) {
      // Exact group-sequential crossing probabilities under the Schoenfeld drift of each scenario:
      // benefit z at full information ~ N(-log(HR) sqrt(D r (1 - r)), 1).
      // Efficacy only (futility is non-binding): -inf futility at the interims, c_K at the end.
      std::vector<double> no_futility(design.efficacy_boundaries.size(),
                                      -std::numeric_limits<double>::infinity());
      no_futility.back() = design.efficacy_boundaries.back();
      GroupSequentialDesign gs{design.information_fractions, design.efficacy_boundaries,
                               no_futility, design.alpha};
      nlohmann::json exact = nlohmann::json::object();
      for (const SurvivalScenario& scenario : study.scenarios) {
        if (!std::isfinite(scenario.hazard_ratio)) continue;  // no constant HR: no drift
        const double drift = -std::log(scenario.hazard_ratio) *
                             std::sqrt(design.timing.target_events * allocation_experimental *
                                       (1.0 - allocation_experimental));
        const CrossingProbabilities crossing = crossing_probabilities(gs, drift);
        exact[scenario.name] = {{"power", crossing.power},
                                {"efficacy_by_look", crossing.efficacy},
                                {"expected_information_fraction", crossing.expected_fraction}};
      }
      facts["group_sequential"] = {{"efficacy_boundaries_benefit_z", design.efficacy_boundaries},
                                   {"interim_events", design.interim_events},
                                   {"schoenfeld_crossing", exact},
                                   {"looks", per_look_table(allocation_experimental)}};
      facts["decision_rule"] = "group-sequential log-rank (" + design.spending +
                               " spending): stop for efficacy when -z >= the look's boundary";
    }
    if (!design.interim_calendar.empty()) {
      facts["group_sequential"] = {{"calendar_months", design.interim_calendar}};
      facts["decision_rule"] =
          "group-sequential log-rank at calendar looks (" + design.spending +
          " spending on events / " + std::to_string(design.timing.target_events) +
          ", boundaries per cohort on its observed events): stop for efficacy when -z >= the "
          "look's boundary";
    }
    if (design.nph.sequential) {
      facts["nph_group_sequential"] =
          "each FH test stops at its own first look with -z >= its boundary, computed per cohort "
          "on the test's observed variance (spending time = events / final target)";
    }
    return facts;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    const Study& study = *this;
    const TwoArmSurvivalDesign& design = study.design;
    const std::vector<NphTruth> nph = nph_truths();
    const std::vector<AnalyticTrial> trials = analytic_trials();
    const std::vector<SurvivalScenario> targets = cox_targets(trials);
    const std::vector<ArmTruths> truths =
        per_arm ? arm_truths() : std::vector<ArmTruths>(scenarios.size());
    StudyResult result;
    result.rows = run_scenario_tallies<TwoArmSurvivalTally, TwoArmSurvivalWorkspace>(
        simulation, request, study.scenarios.size(), SURVIVAL_REPLICATE_HEADER,
        [&] { return TwoArmSurvivalTally(design); },
        [&](std::uint64_t r, std::vector<TwoArmSurvivalTally>& tallies, TwoArmSurvivalWorkspace& ws,
            std::string* rows) {
          draw_cohort(design, simulation.seed, r, ws);
          for (std::size_t s = 0; s < tallies.size(); ++s) {
            const SurvivalReplicateSummary summary =
                study.per_arm ? analyse_per_arm(s, simulation.seed, r, targets[s].hazard_ratio,
                                                truths[s], nph[s], tallies[s], ws)
                              : tallies[s].simulate_and_add(design, study.scenarios[s], ws, nph[s]);
            if (!rows) continue;
            append_survival_row(*rows, r, study.scenarios[s].name, summary);
          }
        },
        [&](const std::vector<TwoArmSurvivalTally>& totals) {
          return rows_in_scenario_order(
              totals.size(), [&](std::size_t s) { return totals[s].oc_rows(design, targets[s]); });
        },
        result.precision,
        [&](const std::vector<TwoArmSurvivalTally>& totals) {
          result.report_files = two_arm_report_files(totals, scenario_names());
          if (design.km_bands) result.report_files.push_back({"true_curves.csv", true_curves()});
        });
    result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
    result.design_facts = design_facts(trials);
    return result;
  }
};

// `scenarios` of model.type exponential: a hazard ratio each.
void read_exponential_scenarios(MappingReader& root, double control_hazard, Study& study) {
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list(top_level_keys()["scenarios"])) {
    SurvivalScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    for (const char* key : {"control", "experimental"}) {
      if (item.has(key)) item.fail(key, "a key of model.type per_arm", "hazard_ratio");
    }
    scenario.hazard_ratio = item.number(scenario_keys()["hazard_ratio"].as_required());
    scenario.control_hazard = control_hazard;
    item.finish();
    study.scenarios.push_back(std::move(scenario));
  }
}

PatientOutcome endpoint_outcome(const std::string& endpoint) {
  if (endpoint == "event_free_survival") return PatientOutcome::event_free_survival;
  if (endpoint == "relapse_free_survival") return PatientOutcome::relapse_free_survival;
  return PatientOutcome::overall_survival;
}

// model.type per_arm: `model.control`, `model.experimental`, and scenarios that may replace
// either; each arm's model must provide the design's endpoint.
void read_per_arm(MappingReader& model, MappingReader& root, const DesignContext& context,
                  Study& study) {
  study.per_arm = true;
  study.endpoint_outcome = endpoint_outcome(study.endpoint);
  if (model.has("control_survival"))
    model.fail("control_survival", "a key of model.type exponential", "control and experimental");
  const std::string why = "design.endpoint is " + study.endpoint;
  const ArmModel control =
      read_arm_model(model, model_keys()["control"].as_required(), "model.control", context,
                     {study.endpoint_outcome, why, nullptr});
  const ArmModel experimental =
      read_arm_model(model, model_keys()["experimental"].as_required(), "model.experimental",
                     context, {study.endpoint_outcome, why, control.model.get()});
  model.finish();
  study.per_arm_model = {
      {"type", "per_arm"}, {"control", control.echo}, {"experimental", experimental.echo}};
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list(top_level_keys()["scenarios"])) {
    SurvivalScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    if (item.has("hazard_ratio"))
      item.fail("hazard_ratio", "a key of model.type exponential", "control or experimental");
    Study::ArmPair pair{control, experimental};
    // An experimental arm given relative to the control arm (a hazard ratio, a delayed effect)
    // is relative to model.control: a scenario that replaces the control arm restates it.
    const bool relative = experimental.echo.contains("hazard_ratio") ||
                          experimental.echo.value("type", "") == "delayed_effect";
    if (item.has("control") && !item.has("experimental") && relative) {
      item.fail("control",
                "model.experimental is relative to model.control, not to this control arm",
                "scenarios[].experimental as well, relative to this control arm");
    }
    if (item.has("control")) {
      pair.control =
          read_arm_model(item, scenario_keys()["control"].as_required(), "scenarios[].control",
                         context, {study.endpoint_outcome, why, nullptr});
      pair.control_given = true;
    }
    if (item.has("experimental")) {
      pair.experimental = read_arm_model(item, scenario_keys()["experimental"].as_required(),
                                         "scenarios[].experimental", context,
                                         {study.endpoint_outcome, why, pair.control.model.get()});
      pair.experimental_given = true;
    }
    item.finish();
    // A hazard ratio is a parameter of the scenario only when both hazards are constant.
    scenario.control_hazard = std::numeric_limits<double>::quiet_NaN();
    scenario.hazard_ratio = pair.experimental.model->constant_hazard(study.endpoint_outcome) /
                            pair.control.model->constant_hazard(study.endpoint_outcome);
    study.scenarios.push_back(std::move(scenario));
    study.arms.push_back(std::move(pair));
  }
}

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE, "simulate (exact mode exists for single_arm_binary only)");
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  const KeyTable& keys = design_keys();
  MappingReader design = echoed_mapping(root, top_level_keys()["design"], study.design_echo);
  design.choice(keys["type"]);
  TwoArmSurvivalDesign& out = study.design;
  study.endpoint = design.choice(keys["endpoint"]);
  design.choice(keys["test"]);
  out.sample_size = static_cast<int>(design.integer(keys["sample_size"]));
  read_allocation(design, out);
  out.accrual = read_accrual(design, out.sample_size);
  if (auto dropout = design.optional_mapping(keys["dropout"])) {
    out.dropout_rate_control = dropout->number(dropout_keys()["control_rate"]);
    out.dropout_rate_experimental = dropout->number(dropout_keys()["experimental_rate"]);
    dropout->finish();
  }
  out.timing = read_timing(design, out.sample_size);
  out.alpha = design.number(keys["alpha"]);
  read_interim(design, out);
  read_survival_analysis_options(design, out);
  read_nph(design, out);
  design.finish();
  // Resolved forms of what the design's conduct blocks mean (every default filled in, the
  // dropout rates when absent) and no `estimates` at its default (add_estimates_switch).
  study.design_echo["accrual"] = accrual_json(out.accrual);
  study.design_echo["analysis"] = timing_json(out.timing);
  study.design_echo["interim"] = interim_json(out);
  if (out.nph.enabled) study.design_echo["nph"] = nph_json(out);
  study.design_echo["allocation"] = {{"control", out.allocation_control},
                                     {"experimental", out.allocation_experimental}};
  study.design_echo["dropout"] = {{"control_rate", out.dropout_rate_control},
                                  {"experimental_rate", out.dropout_rate_experimental}};
  study.design_echo.erase("estimates");

  MappingReader model = root.mapping(top_level_keys()["model"].as_required());
  if (model.choice(model_keys()["type"]) == "per_arm") {
    read_per_arm(model, root, context, study);
  } else {
    const double control_hazard = read_control_hazard(model, study.control_model);
    model.finish();
    read_exponential_scenarios(root, control_hazard, study);
  }
  out.km_bands = out.estimates && (study.per_arm || out.nph.enabled);
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      .type = TYPE,
      .read = &read,
      .key_tables = &key_tables,
      .summary =
          "two randomised arms, exponential survival, calendar-time accrual and data cut, "
          "the log-rank test with optional group-sequential interims, Cox and "
          "Kaplan-Meier estimates"};
  return design;
}

}  // namespace trialsim::designs::two_arm_survival
