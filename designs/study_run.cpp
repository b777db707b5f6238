#include "designs/study_run.h"

#include <cmath>
#include <limits>
#include <string>

#include "designs/report_run_files.h"
#include "config/config_error.h"
#include "statistics/group_sequential.h"
#include "core/scenario_loop.h"
#include "core/runner.h"
#include "core/samplers.h"
#include "models/car_t/calibration.h"

namespace trialsim {
namespace {

// The OC rows of every scenario, in scenario order: rows_of_scenario(s) for s = 0..count-1.
template <class RowsOfScenario>
std::vector<OcRow> rows_in_scenario_order(std::size_t count, RowsOfScenario rows_of_scenario) {
  std::vector<OcRow> out;
  for (std::size_t s = 0; s < count; ++s) {
    auto rows = rows_of_scenario(s);
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

void append_fields(std::string& out, std::uint64_t replicate, const std::string& scenario) {
  out += std::to_string(replicate);
  out += ',';
  out += csv_field(scenario);
}

// replicates.csv of the two-arm survival analyses: the header and one row.
constexpr const char* SURVIVAL_REPLICATE_HEADER =
    "replicate,scenario,patients_analysed,events,study_duration,logrank_z,reject_h0,cox_hr\n";

void append_survival_row(std::string& out, std::uint64_t replicate, const std::string& scenario,
                         const SurvivalReplicateSummary& summary) {
  append_fields(out, replicate, scenario);
  out += ',' + std::to_string(summary.patients_analysed) + ',' + std::to_string(summary.events) + ',' +
         format_number(summary.study_duration) + ',' + format_number(summary.logrank_z) +
         (summary.rejected ? ",1," : ",0,") + format_number(summary.hazard_ratio) + '\n';
}


// ---------------------------------------------------------------- single-arm binary

struct BinaryWorkspace {
  std::vector<int> response_counts;
};

StudyResult run_single_arm_binary(const StudyConfig& config, const SingleArmBinaryStudy& study,
                                  const RunRequest& request) {
  const SingleArmBinaryDesign& design = study.design;
  const SingleArmBinaryTable table(design.sample_size, design.null_response_rate, design.alpha,
                                   design.confidence_level);
  StudyResult result;
  result.design_facts = {
      {"critical_value", table.critical_value()},
      {"decision_rule", "reject H0: p <= " + format_number(design.null_response_rate) +
                            " when responses >= " + std::to_string(table.critical_value()) +
                            " of " + std::to_string(design.sample_size)},
      {"exact_size", binomial_upper_tail(table.critical_value(), design.sample_size,
                                         design.null_response_rate)},
  };
  const std::vector<OcRow> exact_rows = rows_in_scenario_order(
      study.scenarios.size(), [&](std::size_t s) { return exact_oc_rows(study.scenarios[s], design, table); });
  if (config.simulation.mode == EvaluationMode::exact) {
    result.rows = exact_rows;
  } else {
    std::vector<double> rates;
    for (const ResponseScenario& scenario : study.scenarios) rates.push_back(scenario.response_rate);
    std::string header = "replicate,scenario,responses,estimate,reject_h0";
    for (const IntervalMethod method : design.intervals) {
      const std::string_view name = to_string(method);
      header.append(",").append(name).append("_lower,").append(name).append("_upper");
    }
    header += '\n';
    result.rows = run_scenario_tallies<SingleArmBinaryTally, BinaryWorkspace>(
        config, request, rates.size(), header,
        [&] {
          SingleArmBinaryTally tally;
          tally.reset(design.sample_size);
          return tally;
        },
        [&](std::uint64_t r, std::vector<SingleArmBinaryTally>& tallies, BinaryWorkspace& ws, std::string* rows) {
          ws.response_counts.resize(rates.size());
          Rng rng = make_stream(config.simulation.seed, r, StreamPurpose::response);
          simulate_response_counts(design.sample_size, rates, rng, ws.response_counts);
          for (std::size_t s = 0; s < rates.size(); ++s) {
            const int x = ws.response_counts[s];
            tallies[s].add(x, table, rates[s], design.intervals);
            if (!rows) continue;
            append_fields(*rows, r, study.scenarios[s].name);
            *rows += ',' + std::to_string(x) + ',' + format_number(table.p_hat(x)) + (table.rejects(x) ? ",1" : ",0");
            for (const IntervalMethod method : design.intervals) {
              const Interval& interval = table.interval(method, x);
              *rows += ',' + format_number(interval.lower) + ',' + format_number(interval.upper);
            }
            *rows += '\n';
          }
        },
        [&](const std::vector<SingleArmBinaryTally>& totals) {
          result.report_files = binary_report_files(totals, config.scenario_names(), design, table);
          return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
            return simulated_oc_rows(study.scenarios[s], design, table, totals[s]);
          });
        },
        result.precision);
  }
  // Both row lists follow the same (scenario, analysis, metric) sequence.
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    result.exact_estimates.push_back(i < exact_rows.size() ? exact_rows[i].estimate
                                                           : std::numeric_limits<double>::quiet_NaN());
  }
  return result;
}

// ---------------------------------------------------------------- two-arm survival

StudyResult run_two_arm_survival(const StudyConfig& config, const TwoArmSurvivalStudy& study,
                                 const RunRequest& request) {
  const TwoArmSurvivalDesign& design = study.design;
  const double allocation_experimental =
      static_cast<double>(design.allocation_experimental) /
      static_cast<double>(design.allocation_control + design.allocation_experimental);
  StudyResult result;
  result.rows = run_scenario_tallies<TwoArmSurvivalTally, TwoArmSurvivalWorkspace>(
      config, request, study.scenarios.size(),
      SURVIVAL_REPLICATE_HEADER,
      [&] { return TwoArmSurvivalTally(design); },
      [&](std::uint64_t r, std::vector<TwoArmSurvivalTally>& tallies, TwoArmSurvivalWorkspace& ws, std::string* rows) {
        draw_cohort(design, config.simulation.seed, r, ws);
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          const SurvivalReplicateSummary summary = tallies[s].simulate_and_add(design, study.scenarios[s], ws);
          if (!rows) continue;
          append_survival_row(*rows, r, study.scenarios[s].name, summary);
        }
      },
      [&](const std::vector<TwoArmSurvivalTally>& totals) {
        result.report_files = two_arm_report_files(totals, config.scenario_names());
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) { return totals[s].oc_rows(design, study.scenarios[s]); });
      },
      result.precision);
  nlohmann::json schoenfeld = nlohmann::json::object();
  for (const SurvivalScenario& scenario : study.scenarios) {
    if (design.timing.trigger == AnalysisTiming::Trigger::events) {
      schoenfeld[scenario.name] = schoenfeld_power(design.timing.target_events, scenario.hazard_ratio, design.alpha,
                                                   allocation_experimental);
    }
  }
  result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
  result.design_facts = {
      {"control_hazard_per_month", study.scenarios.front().control_hazard},
      {"decision_rule", "reject H0: HR >= 1 when the log-rank z <= -" +
                            format_number(normal_critical_value(1.0 - 2.0 * design.alpha)) +
                            " (one-sided alpha " + format_number(design.alpha) + ")"},
  };
  if (!schoenfeld.empty()) result.design_facts["schoenfeld_power"] = schoenfeld;
  if (!design.efficacy_boundaries.empty()) {
    // Exact group-sequential crossing probabilities under the Schoenfeld drift of each scenario:
    // benefit z at full information ~ N(-log(HR) sqrt(D r (1 - r)), 1).
    // Efficacy only (futility is non-binding): -inf futility at the interims, c_K at the end.
    std::vector<double> no_futility(design.efficacy_boundaries.size(), -std::numeric_limits<double>::infinity());
    no_futility.back() = design.efficacy_boundaries.back();
    GroupSequentialDesign gs{design.information_fractions, design.efficacy_boundaries, no_futility, design.alpha};
    nlohmann::json exact = nlohmann::json::object();
    for (const SurvivalScenario& scenario : study.scenarios) {
      const double drift = -std::log(scenario.hazard_ratio) *
                           std::sqrt(design.timing.target_events * allocation_experimental * (1.0 - allocation_experimental));
      const CrossingProbabilities crossing = crossing_probabilities(gs, drift);
      exact[scenario.name] = {{"power", crossing.power}, {"efficacy_by_look", crossing.efficacy},
                              {"expected_information_fraction", crossing.expected_fraction}};
    }
    result.design_facts["group_sequential"] = {{"efficacy_boundaries_benefit_z", design.efficacy_boundaries},
                                               {"interim_events", design.interim_events},
                                               {"schoenfeld_crossing", exact}};
    result.design_facts["decision_rule"] = "group-sequential log-rank (" + design.spending +
                                           " spending): stop for efficacy when -z >= the look's boundary";
  }
  return result;
}

// ---------------------------------------------------------------- single-arm CAR-T (fitted model)

StudyResult run_single_arm_car_t(const StudyConfig& config, const SingleArmCarTStudy& study, const RunRequest& request) {
  const car_t::SingleArmCarTDesign& design = study.design;
  const SingleArmBinaryTable table(design.sample_size, design.null_response_rate, design.alpha, design.confidence_level);
  // Entries: each configured scenario at the point estimate, then (assurance) the same scenario
  // with parameters drawn per replicate from the posterior draws, each draw with the overrides.
  std::vector<car_t::CarTScenario> scenarios = study.scenarios;
  for (auto& scenario : scenarios) {
    scenario.truth = car_t::true_values(scenario.parameters, design.landmarks, config.simulation.seed);
  }
  std::vector<std::vector<car_t::CarTScenario>> draws_by_scenario(scenarios.size());
  if (study.assurance) {
    for (std::size_t s = 0; s < study.scenarios.size(); ++s) {
      for (const car_t::CarTParameters& draw : study.posterior_draws) {
        car_t::CarTScenario d{study.scenarios[s].name + " (assurance)", draw, {}};
        for (const auto& [name, value] : study.model_overrides) car_t::set_parameter(d.parameters, name, value);
        for (const auto& [name, value] : study.scenario_overrides[s].second) car_t::set_parameter(d.parameters, name, value);
        d.truth = car_t::true_values(d.parameters, design.landmarks, config.simulation.seed, 0);
        draws_by_scenario[s].push_back(std::move(d));
      }
    }
  }
  const std::size_t point_count = scenarios.size();
  const std::size_t entries = study.assurance ? 2 * point_count : point_count;
  const auto scenario_for = [&](std::size_t entry, std::uint64_t replicate) -> const car_t::CarTScenario& {
    if (entry < point_count) return scenarios[entry];
    // The draw is chosen by the replicate's own `parameters` stream: the same replicate uses the
    // same draw in every scenario (common random numbers across scenarios).
    Rng rng = make_stream(config.simulation.seed, replicate, StreamPurpose::parameters);
    const auto& draws = draws_by_scenario[entry - point_count];
    const auto j = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(draws.size()));
    return draws[std::min(j, draws.size() - 1)];
  };
  const auto name_of = [&](std::size_t entry) {
    return entry < point_count ? scenarios[entry].name : draws_by_scenario[entry - point_count].front().name;
  };
  StudyResult result;
  result.rows = run_scenario_tallies<car_t::SingleArmCarTTally, car_t::SingleArmCarTWorkspace>(
      config, request, entries, "replicate,scenario,responses,crs_any,crs_grade3plus,icans_any,deaths,study_duration\n",
      [&] { return car_t::SingleArmCarTTally(design); },
      [&](std::uint64_t r, std::vector<car_t::SingleArmCarTTally>& tallies, car_t::SingleArmCarTWorkspace& ws,
          std::string* rows) {
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          const car_t::CarTScenario& scenario = scenario_for(s, r);
          const car_t::CarTReplicateSummary summary =
              tallies[s].simulate_and_add(design, table, scenario, config.simulation.seed, r, ws);
          if (rows) {
            append_fields(*rows, r, name_of(s));
            *rows += ',' + std::to_string(summary.responses) + ',' + std::to_string(summary.crs_any) + ',' +
                     std::to_string(summary.crs_grade3plus) + ',' + std::to_string(summary.icans_any) + ',' +
                     std::to_string(summary.deaths) + ',' + format_number(summary.study_duration) + '\n';
          }
        }
      },
      [&](const std::vector<car_t::SingleArmCarTTally>& totals) {
        std::vector<std::string> names;
        for (std::size_t s = 0; s < totals.size(); ++s) names.push_back(name_of(s));
        result.report_files = car_t_report_files(totals, names, design, table);
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
          car_t::CarTScenario labelled = s < point_count ? scenarios[s] : car_t::CarTScenario{name_of(s), {}, {}};
          return totals[s].oc_rows(design, labelled);
        });
      },
      result.precision);
  nlohmann::json truths = nlohmann::json::object();
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const car_t::CarTTruth& t = scenarios[s].truth;
    truths[scenarios[s].name] = {{"orr", t.orr}, {"crs_any_grade", t.crs_any}, {"crs_grade3plus", t.crs_grade3plus},
                                 {"icans_any_grade", t.icans_any}, {"os_at_landmarks", t.os_at},
                                 {"rfs_at_landmarks", t.rfs_at}};
  }
  result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
  result.design_facts = {
      {"critical_value", table.critical_value()},
      {"decision_rule", "reject H0: ORR <= " + format_number(design.null_response_rate) + " when responses >= " +
                            std::to_string(table.critical_value()) + " of " + std::to_string(design.sample_size)},
      {"exact_size", binomial_upper_tail(table.critical_value(), design.sample_size, design.null_response_rate)},
      {"fitted_model", study.fitted_file},
      {"true_values", truths},
  };
  return result;
}

// ---------------------------------------------------------------- single-arm sequential

struct SequentialWorkspace {
  std::vector<double> response_u, toxicity_u;
};

StudyResult run_single_arm_sequential(const StudyConfig& config, const SingleArmSequentialStudy& study,
                                      const RunRequest& request) {
  const SingleArmSequentialDesign& design = study.design;
  const auto n_max = static_cast<std::size_t>(design.efficacy.max_patients());
  StudyResult result;
  result.rows = run_scenario_tallies<SingleArmSequentialTally, SequentialWorkspace>(
      config, request, study.scenarios.size(),
      "replicate,scenario,success,early_efficacy,early_futility,safety_stop,patients\n",
      [] { return SingleArmSequentialTally{}; },
      [&](std::uint64_t r, std::vector<SingleArmSequentialTally>& tallies, SequentialWorkspace& ws, std::string* rows) {
        ws.response_u.resize(n_max);
        ws.toxicity_u.resize(n_max);
        Rng response = make_stream(config.simulation.seed, r, StreamPurpose::response);
        Rng toxicity = make_stream(config.simulation.seed, r, StreamPurpose::adverse_events);
        for (std::size_t i = 0; i < n_max; ++i) {
          ws.response_u[i] = uniform01(response);
          ws.toxicity_u[i] = uniform01(toxicity);
        }
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          const SequentialReplicate outcome = run_sequential_trial(design, study.scenarios[s], ws.response_u, ws.toxicity_u);
          tallies[s].add(outcome);
          if (!rows) continue;
          append_fields(*rows, r, study.scenarios[s].name);
          *rows += std::string(outcome.success ? ",1" : ",0") + (outcome.early_efficacy ? ",1" : ",0") +
                   (outcome.early_futility ? ",1" : ",0") + (outcome.safety_stop ? ",1," : ",0,") +
                   std::to_string(outcome.patients) + '\n';
        }
      },
      [&](const std::vector<SingleArmSequentialTally>& totals) {
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) { return totals[s].oc_rows(design, study.scenarios[s]); });
      },
      result.precision);
  for (const SequentialScenario& scenario : study.scenarios) {
    const std::vector<double> exact = exact_sequential_rows(design, scenario);
    result.exact_estimates.insert(result.exact_estimates.end(), exact.begin(), exact.end());
  }
  result.design_facts = study.design_echo;
  result.design_facts["decision_rule"] =
      design.efficacy.kind == SequentialEfficacyRule::Kind::simon
          ? "Simon two-stage: stop after " + std::to_string(design.efficacy.simon.n1) + " patients if responses <= " +
                std::to_string(design.efficacy.simon.r1) + "; reject H0 if responses > " +
                std::to_string(design.efficacy.simon.r) + " of " + std::to_string(design.efficacy.simon.n)
          : "Bayesian beta-binomial monitoring up to " + std::to_string(n_max) + " patients";
  return result;
}

// ---------------------------------------------------------------- maintenance after CAR-T

StudyResult run_maintenance_trial(const StudyConfig& config, const MaintenanceTrialStudy& study, const RunRequest& request) {
  const TwoArmSurvivalDesign& design = study.design;
  // Labels and the Cox target of each scenario: the model's maintenance hazard ratio (on the
  // relapse and non-relapse-death hazards of the non-cured; with a cure fraction the population
  // RFS hazard ratio is closer to 1, so `hr_bias` is measured against the model's latent HR).
  std::vector<SurvivalScenario> labels;
  for (const auto& s : study.scenarios) labels.push_back({s.name, 0.0, s.parameters.maintenance_hazard_ratio});
  const auto unknown_survival = [](int, double) { return std::numeric_limits<double>::quiet_NaN(); };
  StudyResult result;
  result.rows = run_scenario_tallies<TwoArmSurvivalTally, TwoArmSurvivalWorkspace>(
      config, request, study.scenarios.size(),
      SURVIVAL_REPLICATE_HEADER,
      [&] { return TwoArmSurvivalTally(design); },
      [&](std::uint64_t r, std::vector<TwoArmSurvivalTally>& tallies, TwoArmSurvivalWorkspace& ws, std::string* rows) {
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          car_t::draw_maintenance_cohort(study.scenarios[s].parameters, design, study.strata, config.simulation.seed, r, ws);
          const SurvivalReplicateSummary summary =
              tallies[s].analyse_and_add(design, labels[s].hazard_ratio, unknown_survival, ws);
          if (!rows) continue;
          append_survival_row(*rows, r, labels[s].name, summary);
        }
      },
      [&](const std::vector<TwoArmSurvivalTally>& totals) {
        result.report_files = two_arm_report_files(totals, config.scenario_names());
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) { return totals[s].oc_rows(design, labels[s]); });
      },
      result.precision);
  result.exact_estimates.assign(result.rows.size(), std::numeric_limits<double>::quiet_NaN());
  nlohmann::json strata = nlohmann::json::array();
  for (auto c : study.strata) strata.push_back(car_t::to_string(c));
  result.design_facts = {
      {"decision_rule", std::string(design.stratified ? "stratified " : "") +
                            "log-rank on relapse-free survival from randomisation, one-sided alpha " +
                            format_number(design.alpha) + " (maintenance = experimental arm)"},
      {"strata", strata},
      {"fitted_model", study.fitted_file},
  };
  return result;
}

}  // namespace

StudyResult run_study(const StudyConfig& config, const RunRequest& request) {
  return std::visit(
      [&](const auto& study) -> StudyResult {
        using Study = std::decay_t<decltype(study)>;
        if constexpr (std::is_same_v<Study, SingleArmBinaryStudy>) {
          return run_single_arm_binary(config, study, request);
        } else if constexpr (std::is_same_v<Study, MaintenanceTrialStudy>) {
          return run_maintenance_trial(config, study, request);
        } else if constexpr (std::is_same_v<Study, SingleArmSequentialStudy>) {
          return run_single_arm_sequential(config, study, request);
        } else if constexpr (std::is_same_v<Study, SingleArmCarTStudy>) {
          return run_single_arm_car_t(config, study, request);
        } else {
          return run_two_arm_survival(config, study, request);
        }
      },
      config.study);
}

}  // namespace trialsim
