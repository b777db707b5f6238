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

  std::vector<std::string> scenario_names() const override {
    std::vector<std::string> names;
    for (const auto& s : scenarios) names.push_back(s.name);
    return names;
  }

  nlohmann::json resolved() const override {
    const SingleArmBinaryDesign& design = this->design;
    nlohmann::json intervals = nlohmann::json::array();
    for (const IntervalMethod method : design.intervals) intervals.push_back(to_string(method));
    nlohmann::json scenario_list = nlohmann::json::array();
    for (const ResponseScenario& s : scenarios) {
      scenario_list.push_back({{"name", s.name}, {"response_rate", s.response_rate}});
    }
    return {{"design",
             {{"type", "single_arm_binary"},
              {"endpoint", "best_overall_response"},
              {"test", "exact_binomial"},
              {"sample_size", design.sample_size},
              {"null_response_rate", design.null_response_rate},
              {"alpha", design.alpha},
              {"confidence_level", design.confidence_level},
              {"intervals", intervals}}},
            {"scenarios", scenario_list}};
  }

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
            result.report_files = binary_report_files(totals, scenario_names(), design, table);
            return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
              return simulated_oc_rows(study.scenarios[s], design, table, totals[s]);
            });
          },
          result.precision);
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
  MappingReader design = root.mapping("design");
  design.required_choice("type", {std::string(TYPE)});
  design.optional_choice("endpoint", "best_overall_response", {"best_overall_response"});
  design.optional_choice("test", "exact_binomial", {"exact_binomial"});
  SingleArmBinaryDesign& out = study.design;
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 1, 100000));
  out.null_response_rate = design.required_number("null_response_rate", NumberRange::open_unit());
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  const auto names = interval_method_names();
  out.intervals.clear();
  for (const auto& name : design.optional_choice_list("intervals", names, names)) {
    out.intervals.push_back(interval_method_from(name));
  }
  design.finish();

  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    ResponseScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.required_number("response_rate", NumberRange::closed_unit());
    item.finish();
    study.scenarios.push_back(std::move(scenario));
  }
  return study_ptr;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{TYPE, &read};
  return design;
}

}  // namespace trialsim::designs::single_arm_binary
