#include "designs/design.h"

#include <limits>
#include <memory>
#include <set>

#include "core/scenario_loop.h"
#include "designs/design_support.h"
#include "designs/single_arm_binary/single_arm_binary.h"
#include "statistics/binomial.h"

// Design `single_arm_binary`: n patients, a binary response, the one-sided exact binomial test of
// H0: p <= p0 and two-sided intervals; scenarios are true response rates. Exact evaluation is
// available (simulation.mode: exact).
namespace trialsim::designs::single_arm_binary {
namespace {

constexpr std::string_view TYPE = "single_arm_binary";

const KeyTable& design_keys() {
  static const KeyTable table{
      "design",
      {
          {.path = "type",
           .type = KeyType::choice,
           .choices = {std::string(TYPE)},
           .meaning = "one arm, a binary response, the exact binomial test"},
          {.path = "endpoint",
           .type = KeyType::choice,
           .choices = {"best_overall_response"},
           .fallback = defaults_to("best_overall_response"),
           .meaning = "the binary endpoint (best overall response, CR/CRi)"},
          {.path = "test",
           .type = KeyType::choice,
           .choices = {"exact_binomial"},
           .fallback = defaults_to("exact_binomial"),
           .meaning = "the one-sided exact binomial test of H0: p <= p0"},
          {.path = "sample_size",
           .type = KeyType::integer,
           .integers = {1, 100000},
           .unit = "patients",
           .meaning = "patients enrolled and evaluable"},
          {.path = "null_response_rate",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .unit = "proportion",
           .meaning = "p0 of H0: p <= p0"},
          {.path = "alpha",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .fallback = defaults_to(0.025),
           .meaning = "one-sided level of the exact test"},
          {.path = "confidence_level",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .fallback = defaults_to(0.95),
           .meaning = "two-sided level of the intervals"},
          {.path = "intervals",
           .type = KeyType::choice_list,
           .choices = interval_method_names(),
           .fallback = defaults_to(interval_method_names()),
           .meaning = "interval methods for the response rate"},
      }};
  return table;
}

const KeyTable& scenario_keys() {
  static const KeyTable table{"scenarios[]",
                              {
                                  scenario_name_key(),
                                  {.path = "response_rate",
                                   .type = KeyType::number,
                                   .range = NumberRange::closed_unit(),
                                   .unit = "proportion",
                                   .meaning = "true probability of best overall response"},
                              }};
  return table;
}

std::vector<const KeyTable*> key_tables() { return {&design_keys(), &scenario_keys()}; }

struct BinaryWorkspace {
  std::vector<int> response_counts;
};

// distributions.csv: `responders` and `orr_<interval>_lower_bound`.
std::vector<NamedFile> binary_report_files(const std::vector<SingleArmBinaryTally>& totals,
                                           const std::vector<std::string>& scenario_names,
                                           const SingleArmBinaryDesign& design,
                                           const SingleArmBinaryTable& table) {
  std::string histograms = "scenario,quantity,value,cohorts\n";
  for (std::size_t s = 0; s < totals.size(); ++s) {
    const std::string scenario = csv_field(scenario_names[s]);
    const std::vector<std::uint64_t>& counts = totals[s].response_count_histogram();
    for (std::size_t x = 0; x < counts.size(); ++x) {
      if (counts[x] > 0)
        histograms +=
            scenario + ",responders," + std::to_string(x) + ',' + std::to_string(counts[x]) + '\n';
    }
    for (const IntervalMethod method : design.intervals) {
      for (std::size_t x = 0; x < counts.size(); ++x) {
        if (counts[x] == 0) continue;
        histograms += scenario + ",orr_" + std::string(to_string(method)) + "_lower_bound," +
                      format_number(table.interval(method, static_cast<int>(x)).lower) + ',' +
                      std::to_string(counts[x]) + '\n';
      }
    }
  }
  return {{"distributions.csv", histograms}};
}

class Study final : public trialsim::Study {
 public:
  SingleArmBinaryDesign design;
  std::vector<ResponseScenario> scenarios;

  std::vector<std::string> scenario_names() const override { return names_of(scenarios); }

  nlohmann::json echo;  // `design` and `scenarios` as read (by the tables above)

  nlohmann::json resolved() const override { return echo; }

  std::vector<OcRow> reported_rows() const override {
    const Study& study = *this;
    // The row names do not depend on n; a one-patient table is built in microseconds.
    SingleArmBinaryDesign design = study.design;
    design.sample_size = 1;
    const SingleArmBinaryTable table(1, design.null_response_rate, design.alpha,
                                     design.confidence_level);
    SingleArmBinaryTally tally;
    tally.reset(1);
    std::vector<OcRow> rows;
    for (const ResponseScenario& scenario : study.scenarios) {
      const auto scenario_rows = simulated_oc_rows(scenario, design, table, tally);
      rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
    }
    return rows;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    const Study& study = *this;
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
    // Scenarios under H0: p <= p0, where a rejection is a type I error (edges/report/headline.h).
    nlohmann::json nulls = nlohmann::json::array();
    for (const ResponseScenario& scenario : study.scenarios)
      if (scenario.response_rate <= design.null_response_rate) nulls.push_back(scenario.name);
    result.design_facts["null_hypothesis"] = {{"one_sided_alpha", design.alpha},
                                              {"scenarios", nulls}};
    const std::vector<OcRow> exact_rows = rows_in_scenario_order(
        study.scenarios.size(),
        [&](std::size_t s) { return exact_oc_rows(study.scenarios[s], design, table); });
    if (simulation.mode == EvaluationMode::exact) {
      result.rows = exact_rows;
    } else {
      std::vector<double> rates;
      for (const ResponseScenario& scenario : study.scenarios)
        rates.push_back(scenario.response_rate);
      std::string header = "replicate,scenario,responses,estimate,reject_h0";
      for (const IntervalMethod method : design.intervals) {
        const std::string_view name = to_string(method);
        header.append(",").append(name).append("_lower,").append(name).append("_upper");
      }
      header += '\n';
      result.rows = run_scenario_tallies<SingleArmBinaryTally, BinaryWorkspace>(
          simulation, request, rates.size(), header,
          [&] {
            SingleArmBinaryTally tally;
            tally.reset(design.sample_size);
            return tally;
          },
          [&](std::uint64_t r, std::vector<SingleArmBinaryTally>& tallies, BinaryWorkspace& ws,
              std::string* rows) {
            ws.response_counts.resize(rates.size());
            Rng rng = make_stream(simulation.seed, r, StreamPurpose::response);
            simulate_response_counts(design.sample_size, rates, rng, ws.response_counts);
            for (std::size_t s = 0; s < rates.size(); ++s) {
              const int x = ws.response_counts[s];
              tallies[s].add(x, table, rates[s], design.intervals);
              if (!rows) continue;
              append_fields(*rows, r, study.scenarios[s].name);
              *rows += ',' + std::to_string(x) + ',' + format_number(table.p_hat(x)) +
                       (table.rejects(x) ? ",1" : ",0");
              for (const IntervalMethod method : design.intervals) {
                const Interval& interval = table.interval(method, x);
                *rows += ',' + format_number(interval.lower) + ',' + format_number(interval.upper);
              }
              *rows += '\n';
            }
          },
          [&](const std::vector<SingleArmBinaryTally>& totals) {
            return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
              return simulated_oc_rows(study.scenarios[s], design, table, totals[s]);
            });
          },
          result.precision,
          [&](const std::vector<SingleArmBinaryTally>& totals) {
            result.report_files = binary_report_files(totals, scenario_names(), design, table);
          });
    }
    // Both row lists follow the same (scenario, analysis, metric) sequence.
    for (std::size_t i = 0; i < result.rows.size(); ++i) {
      result.exact_estimates.push_back(i < exact_rows.size()
                                           ? exact_rows[i].estimate
                                           : std::numeric_limits<double>::quiet_NaN());
    }
    return result;
  }
};

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext&) {
  auto study_ptr = std::make_unique<Study>();
  Study& study = *study_ptr;
  const KeyTable& keys = design_keys();
  MappingReader design = echoed_mapping(root, top_level_keys()["design"], study.echo["design"]);
  design.choice(keys["type"]);
  design.choice(keys["endpoint"]);
  design.choice(keys["test"]);
  SingleArmBinaryDesign& out = study.design;
  out.sample_size = static_cast<int>(design.integer(keys["sample_size"]));
  out.null_response_rate = design.number(keys["null_response_rate"]);
  out.alpha = design.number(keys["alpha"]);
  out.confidence_level = design.number(keys["confidence_level"]);
  out.intervals.clear();
  for (const auto& name : design.choice_list(keys["intervals"])) {
    out.intervals.push_back(interval_method_from(name));
  }
  design.finish();

  std::set<std::string> seen;
  for (MappingReader& item :
       echoed_mapping_list(root, top_level_keys()["scenarios"], study.echo["scenarios"])) {
    ResponseScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.number(scenario_keys()["response_rate"]);
    item.finish();
    study.scenarios.push_back(std::move(scenario));
  }
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      .type = TYPE,
      .read = &read,
      .key_tables = &key_tables,
      .summary =
          "n patients, a binary response, the one-sided exact binomial test of H0: p <= p0 "
          "and two-sided intervals; scenarios are true response rates (exact evaluation "
          "with simulation.mode: exact)"};
  return design;
}

}  // namespace trialsim::designs::single_arm_binary
