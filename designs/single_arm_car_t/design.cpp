#include "designs/design.h"

#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "config/study_keys.h"
#include "core/rng.h"
#include "core/runner.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/car_t_model.h"
#include "designs/design_support.h"
#include "designs/single_arm_car_t/single_arm_study.h"
#include "statistics/binomial.h"

// Design `single_arm_car_t`: a future single-arm CAR-T study simulated from the fitted patient
// model (README "The CAR-T study"), with power at the point estimate and, with
// `model.uncertainty: posterior`, assurance over the posterior draws.
namespace trialsim::designs::single_arm_car_t {
namespace {

constexpr std::string_view TYPE = "single_arm_car_t";

// curves.csv (Kaplan–Meier bands) and distributions.csv (responders, ORR lower bounds, study
// duration).
std::vector<NamedFile> car_t_report_files(const std::vector<car_t::SingleArmCarTTally>& totals,
                                          const std::vector<std::string>& scenario_names,
                                          const car_t::SingleArmCarTDesign& design,
                                          const SingleArmBinaryTable& table) {
  std::string curves = "scenario,endpoint,time,cohorts,estimable_probability,q025,q50,q975\n";
  std::string histograms = "scenario,quantity,value,cohorts\n";
  constexpr const char* ENDPOINTS[car_t::BAND_ENDPOINT_COUNT] = {"os", "rfs", "dor"};
  for (std::size_t s = 0; s < totals.size(); ++s) {
    const car_t::SingleArmCarTTally& tally = totals[s];
    const std::string scenario = csv_field(scenario_names[s]);
    const auto all = static_cast<double>(tally.cohorts());
    for (int e = 0; e < car_t::BAND_ENDPOINT_COUNT; ++e) {
      const auto& band = tally.km_band(static_cast<car_t::BandEndpoint>(e));
      for (std::size_t k = 0; k < band.size(); ++k) {
        if (band[k].count() == 0) continue;
        const DiscreteDistribution d = band[k].distribution();
        curves += scenario + ',' + ENDPOINTS[e] + ',' +
                  format_number(static_cast<double>(k) * car_t::KM_BAND_STEP) + ',' +
                  std::to_string(d.count()) + ',' +
                  format_number(static_cast<double>(d.count()) / all) + ',' +
                  format_number(tidy(d.quantile(0.025), car_t::KM_BAND_RESOLUTION)) + ',' +
                  format_number(tidy(d.quantile(0.5), car_t::KM_BAND_RESOLUTION)) + ',' +
                  format_number(tidy(d.quantile(0.975), car_t::KM_BAND_RESOLUTION)) + '\n';
      }
    }
    for (const auto& [responders, count] : tally.responder_counts().counts()) {
      histograms += scenario + ",responders," + format_number(responders) + ',' +
                    std::to_string(count) + '\n';
    }
    for (const IntervalMethod method : design.intervals) {
      for (const auto& [responders, count] : tally.responder_counts().counts()) {
        const double lower = table.interval(method, static_cast<int>(responders)).lower;
        histograms += scenario + ",orr_" + std::string(to_string(method)) + "_lower_bound," +
                      format_number(lower) + ',' + std::to_string(count) + '\n';
      }
    }
    histograms += duration_histogram_rows(scenario, tally.duration_histogram().distribution());
  }
  return {{"curves.csv", curves}, {"distributions.csv", histograms}};
}

// Scenarios under H0: ORR <= p0 at the scenario's point, where a rejection is a type I error
// (edges/report/headline.h; its "(assurance)" twin is then a false-positive probability).
nlohmann::json null_hypothesis(const std::vector<car_t::CarTScenario>& scenarios,
                               const car_t::SingleArmCarTDesign& design) {
  nlohmann::json nulls = nlohmann::json::array();
  for (const car_t::CarTScenario& scenario : scenarios)
    if (scenario.truth.orr <= design.null_response_rate) nulls.push_back(scenario.name);
  return {{"one_sided_alpha", design.alpha}, {"scenarios", nulls}};
}

// summary.json's design.true_values: each scenario's true values of what the study estimates.
nlohmann::json true_values_json(const std::vector<car_t::CarTScenario>& scenarios) {
  nlohmann::json truths = nlohmann::json::object();
  for (const car_t::CarTScenario& scenario : scenarios) {
    const car_t::CarTTruth& t = scenario.truth;
    truths[scenario.name] = {{"orr", t.orr},
                             {"crs_any_grade", t.crs_any},
                             {"crs_grade3plus", t.crs_grade3plus},
                             {"icans_any_grade", t.icans_any},
                             {"os_at_landmarks", t.os_at},
                             {"rfs_at_landmarks", t.rfs_at},
                             {"cir_at_landmarks", t.cir_at}};
  }
  return truths;
}

class Study final : public trialsim::Study {
 public:
  car_t::SingleArmCarTDesign design;
  nlohmann::json design_echo;  // what the reader read by design_keys(), defaults included
  FittedScenarios fitted;

  std::vector<std::string> scenario_names() const override { return names_of(fitted.scenarios); }

  nlohmann::json resolved() const override {
    nlohmann::json model = fitted_model_json(fitted);
    model["uncertainty"] = fitted.assurance ? "posterior" : "point";
    return {
        {"design", design_echo}, {"model", model}, {"scenarios", fitted_scenarios_json(fitted)}};
  }

  std::vector<OcRow> reported_rows() const override {
    const FittedScenarios& study = fitted;
    const car_t::SingleArmCarTTally tally(design);
    std::vector<OcRow> rows;
    const auto add = [&](const car_t::CarTScenario& scenario) {
      const auto scenario_rows = tally.oc_rows(design, scenario);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    };
    for (const car_t::CarTScenario& scenario : study.scenarios) add(scenario);
    // With assurance each scenario is reported again under this name (designs/study_run.cpp).
    if (study.assurance) {
      for (const car_t::CarTScenario& scenario : study.scenarios)
        add({scenario.name + " (assurance)", {}, {}});
    }
    return rows;
  }

  // Per scenario under posterior uncertainty, its posterior draws as scenarios "NAME
  // (assurance)", each draw with the model's and the scenario's overrides and clinical targets
  // (FittedScenarios::assurance_draws, designs/car_t_model.h); empty lists without.
  std::vector<std::vector<car_t::CarTScenario>> assurance_scenarios(std::uint64_t seed) const {
    std::vector<std::vector<car_t::CarTScenario>> out(fitted.scenarios.size());
    if (!fitted.assurance) return out;
    for (std::size_t s = 0; s < fitted.scenarios.size(); ++s) {
      for (const car_t::CarTParameters& draw : fitted.assurance_draws[s]) {
        car_t::CarTScenario d{fitted.scenarios[s].name + " (assurance)", draw, {}};
        d.truth = car_t::true_values(d.parameters, design.landmarks, seed, 0);
        out[s].push_back(std::move(d));
      }
    }
    return out;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    const FittedScenarios& study = fitted;
    const SingleArmBinaryTable table(design.sample_size, design.null_response_rate, design.alpha,
                                     design.confidence_level);
    // Entries: each configured scenario at the point estimate, then (assurance) the same scenario
    // with parameters drawn per replicate from the posterior draws, each draw with the overrides.
    std::vector<car_t::CarTScenario> scenarios = study.scenarios;
    // Each scenario's truth simulates its own patients on its own streams: on the run's threads.
    for_each_index(request.threads, scenarios.size(), [&](std::size_t s) {
      scenarios[s].truth =
          car_t::true_values(scenarios[s].parameters, design.landmarks, simulation.seed);
    });
    const std::vector<std::vector<car_t::CarTScenario>> draws_by_scenario =
        assurance_scenarios(simulation.seed);
    const std::size_t point_count = scenarios.size();
    const std::size_t entries = study.assurance ? 2 * point_count : point_count;
    const auto scenario_for = [&](std::size_t entry,
                                  std::uint64_t replicate) -> const car_t::CarTScenario& {
      if (entry < point_count) return scenarios[entry];
      // The draw is chosen by the replicate's own `parameters` stream: the same replicate uses the
      // same draw in every scenario (common random numbers across scenarios).
      Rng rng = make_stream(simulation.seed, replicate, StreamPurpose::parameters);
      const auto& draws = draws_by_scenario[entry - point_count];
      const auto j = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(draws.size()));
      return draws[std::min(j, draws.size() - 1)];
    };
    const auto name_of = [&](std::size_t entry) {
      return entry < point_count ? scenarios[entry].name
                                 : draws_by_scenario[entry - point_count].front().name;
    };
    StudyResult result;
    result.rows = run_scenario_tallies<car_t::SingleArmCarTTally, car_t::SingleArmCarTWorkspace>(
        simulation, request, entries,
        "replicate,scenario,responses,crs_any,crs_grade3plus,icans_any,deaths,study_duration\n",
        [&] { return car_t::SingleArmCarTTally(design); },
        [&](std::uint64_t r, std::vector<car_t::SingleArmCarTTally>& tallies,
            car_t::SingleArmCarTWorkspace& ws, std::string* rows) {
          for (std::size_t s = 0; s < tallies.size(); ++s) {
            const car_t::CarTScenario& scenario = scenario_for(s, r);
            const car_t::CarTReplicateSummary summary =
                tallies[s].simulate_and_add(design, table, scenario, simulation.seed, r, ws);
            if (rows) {
              append_fields(*rows, r, name_of(s));
              *rows += ',' + std::to_string(summary.responses) + ',' +
                       std::to_string(summary.crs_any) + ',' +
                       std::to_string(summary.crs_grade3plus) + ',' +
                       std::to_string(summary.icans_any) + ',' + std::to_string(summary.deaths) +
                       ',' + format_number(summary.study_duration) + '\n';
            }
          }
        },
        [&](const std::vector<car_t::SingleArmCarTTally>& totals) {
          return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
            car_t::CarTScenario labelled =
                s < point_count ? scenarios[s] : car_t::CarTScenario{name_of(s), {}, {}};
            return totals[s].oc_rows(design, labelled);
          });
        },
        result.precision,
        [&](const std::vector<car_t::SingleArmCarTTally>& totals) {
          std::vector<std::string> names;
          for (std::size_t s = 0; s < totals.size(); ++s) names.push_back(name_of(s));
          result.report_files = car_t_report_files(totals, names, design, table);
        });
    const nlohmann::json truths = true_values_json(scenarios);
    result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
    result.design_facts = {
        {"critical_value", table.critical_value()},
        {"decision_rule", "reject H0: ORR <= " + format_number(design.null_response_rate) +
                              " when responses >= " + std::to_string(table.critical_value()) +
                              " of " + std::to_string(design.sample_size)},
        {"exact_size", binomial_upper_tail(table.critical_value(), design.sample_size,
                                           design.null_response_rate)},
        {"fitted_model", study.file},
        {"true_values", truths},
    };
    result.design_facts["null_hypothesis"] = null_hypothesis(scenarios, design);
    return result;
  }
};

const KeyTable& design_keys() {
  static const KeyTable table{
      "design",
      {
          {.path = "type",
           .type = KeyType::choice,
           .choices = {std::string(TYPE)},
           .meaning = "this design"},
          {.path = "sample_size",
           .type = KeyType::integer,
           .integers = {1, 100000},
           .unit = "patients",
           .meaning = "patients infused"},
          accrual_mapping_key(),
          analysis_mapping_key(),
          {.path = "null_response_rate",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .unit = "proportion",
           .meaning = "p0 of the exact binomial test of ORR (H0: ORR <= p0)"},
          {.path = "alpha",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .fallback = defaults_to(0.025),
           .meaning = "one-sided level of the exact binomial test"},
          {.path = "confidence_level",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .fallback = defaults_to(0.95),
           .meaning = "level of the ORR intervals and the landmark confidence intervals"},
          {.path = "intervals",
           .type = KeyType::choice_list,
           .choices = interval_method_names(),
           .fallback = defaults_to(interval_method_names()),
           .meaning = "ORR interval methods reported"},
          {.path = "landmarks",
           .type = KeyType::number_list,
           .range = NumberRange::positive(),
           .fallback = defaults_to(std::vector<double>{12.0}),
           .unit = "months",
           .meaning = "times of the OS/RFS landmark estimates",
           .increasing = true},
          {.path = "landmark_ci",
           .type = KeyType::choice,
           .choices = {"plain", "log", "log_log"},
           .fallback = defaults_to("log_log"),
           .meaning = "transformation of the landmark Kaplan-Meier confidence intervals"},
      }};
  return table;
}

// In reference order: design, its conduct, model, scenarios.
std::vector<const KeyTable*> key_tables() {
  std::vector<const KeyTable*> tables = {&design_keys()};
  for (const KeyTable* table : conduct_key_tables()) tables.push_back(table);
  for (const KeyTable* table : fitted_model_key_tables(true)) tables.push_back(table);
  for (const KeyTable* table : clinical_target_key_tables()) tables.push_back(table);
  return tables;
}

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE, "simulate (exact mode exists for single_arm_binary only)");
  const KeyTable& keys = design_keys();
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  MappingReader design = echoed_mapping(root, top_level_keys()["design"], study.design_echo);
  design.choice(keys["type"]);
  car_t::SingleArmCarTDesign& out = study.design;
  out.sample_size = static_cast<int>(design.integer(keys["sample_size"]));
  out.accrual = read_accrual(design, out.sample_size);
  out.timing = read_timing(design, out.sample_size);
  out.null_response_rate = design.number(keys["null_response_rate"]);
  out.alpha = design.number(keys["alpha"]);
  out.confidence_level = design.number(keys["confidence_level"]);
  out.intervals.clear();
  for (const auto& name : design.choice_list(keys["intervals"]))
    out.intervals.push_back(interval_method_from(name));
  out.landmarks = design.number_list(keys["landmarks"]);
  const std::string ci = design.choice(keys["landmark_ci"]);
  out.landmark_ci = ci == "plain" ? CiType::plain : ci == "log" ? CiType::log : CiType::log_log;
  design.finish();

  study.fitted = read_fitted_scenarios(root, context, true);
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      TYPE, &read, &key_tables,
      "a single-arm CAR-T study simulated from the fitted patient model: exact binomial test of "
      "ORR, OS/RFS landmarks, CRS/ICANS; power at the point estimate and, with "
      "`model.uncertainty: posterior`, assurance"};
  return design;
}

}  // namespace trialsim::designs::single_arm_car_t
