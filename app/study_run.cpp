#include "app/study_run.h"

#include <cmath>
#include <limits>
#include <string>

#include "engine/runner.h"

namespace trialsim {
namespace {

struct BinaryBlockResult {
  std::vector<SingleArmBinaryTally> tallies;
  std::string per_replicate_rows;
  void reset() { per_replicate_rows.clear(); }
};

struct BinaryWorkspace {
  std::vector<int> response_counts;
};

void append_replicate_row(std::string& out, std::uint64_t replicate, const ResponseScenario& scenario,
                          int responses, const SingleArmBinaryTable& table,
                          const SingleArmBinaryDesign& design) {
  out += std::to_string(replicate);
  out += ',';
  out += csv_field(scenario.name);
  out += ',';
  out += std::to_string(responses);
  out += ',';
  out += format_number(table.p_hat(responses));
  out += table.rejects(responses) ? ",1" : ",0";
  for (const IntervalMethod method : design.intervals) {
    const Interval& interval = table.interval(method, responses);
    out += ',';
    out += format_number(interval.lower);
    out += ',';
    out += format_number(interval.upper);
  }
  out += '\n';
}

std::string per_replicate_header(const SingleArmBinaryDesign& design) {
  std::string header = "replicate,scenario,responses,estimate,reject_h0";
  for (const IntervalMethod method : design.intervals) {
    const std::string_view name = to_string(method);
    header.append(",").append(name).append("_lower,").append(name).append("_upper");
  }
  return header + "\n";
}

std::vector<OcRow> simulate(const StudyConfig& config, const SingleArmBinaryTable& table,
                            const RunRequest& request) {
  const SingleArmBinaryDesign& design = config.design;
  const std::size_t scenario_count = config.scenarios.size();
  std::vector<double> rates;
  for (const ResponseScenario& scenario : config.scenarios) rates.push_back(scenario.response_rate);
  const bool keep_rows = request.per_replicate != nullptr;
  if (keep_rows) *request.per_replicate << per_replicate_header(design);

  std::vector<SingleArmBinaryTally> totals(scenario_count);
  for (auto& total : totals) total.reset(design.sample_size);

  const auto simulate_block = [&](const ReplicateBlock& block, BinaryBlockResult& result,
                                  BinaryWorkspace& workspace) {
    if (result.tallies.size() != scenario_count) result.tallies.resize(scenario_count);
    for (auto& tally : result.tallies) tally.reset(design.sample_size);
    workspace.response_counts.resize(scenario_count);
    for (std::uint64_t r = block.first_replicate; r < block.first_replicate + block.replicate_count; ++r) {
      Rng rng = make_stream(config.simulation.seed, r, StreamPurpose::response);
      simulate_response_counts(design.sample_size, rates, rng, workspace.response_counts);
      for (std::size_t s = 0; s < scenario_count; ++s) {
        const int responses = workspace.response_counts[s];
        result.tallies[s].add(responses, table, rates[s], design.intervals);
        if (keep_rows) {
          append_replicate_row(result.per_replicate_rows, r, config.scenarios[s], responses, table, design);
        }
      }
    }
  };
  const auto consume = [&](const ReplicateBlock&, const BinaryBlockResult& result) {
    for (std::size_t s = 0; s < scenario_count; ++s) totals[s].merge(result.tallies[s]);
    if (keep_rows) *request.per_replicate << result.per_replicate_rows;
  };

  ProgressLine progress(config.simulation.replicates, request.progress);
  run_replicate_blocks<BinaryBlockResult, BinaryWorkspace>(
      RunShape{0, config.simulation.replicates, request.threads}, simulate_block, consume,
      [&](std::uint64_t done) { progress.update(done); });
  progress.finish();

  std::vector<OcRow> rows;
  for (std::size_t s = 0; s < scenario_count; ++s) {
    auto scenario_rows = simulated_oc_rows(config.scenarios[s], design, table, totals[s]);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

std::vector<OcRow> exact(const StudyConfig& config, const SingleArmBinaryTable& table) {
  std::vector<OcRow> rows;
  for (const ResponseScenario& scenario : config.scenarios) {
    auto scenario_rows = exact_oc_rows(scenario, config.design, table);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

}  // namespace

StudyResult run_study(const StudyConfig& config, const RunRequest& request) {
  const SingleArmBinaryDesign& design = config.design;
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
  const std::vector<OcRow> exact_rows = exact(config, table);
  if (config.simulation.mode == EvaluationMode::exact) {
    result.rows = exact_rows;
  } else {
    result.rows = simulate(config, table, request);
  }
  // Both row lists come from the same (scenario, analysis, metric) sequence.
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    result.exact_estimates.push_back(i < exact_rows.size() ? exact_rows[i].estimate
                                                           : std::numeric_limits<double>::quiet_NaN());
  }
  return result;
}

}  // namespace trialsim
