// Google Benchmark targets for the per-replicate kernels (issues 2 and 8). End-to-end throughput
// of the CLI is measured by bench/throughput and bench/compare-rpact; see bench/README.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "designs/single_arm_binary/single_arm_binary.h"
#include "designs/two_arm_survival/two_arm_survival.h"
#include "statistics/binomial.h"

namespace trialsim {
namespace {

// One replicate of configs/examples/single-arm-binary.yaml: derive the stream, draw 40 patients
// for two scenarios on common random numbers, analyse both with the precomputed table.
void BM_SingleArmBinaryReplicate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const SingleArmBinaryTable table(n, 0.6, 0.025, 0.95);
  const std::vector<double> rates = {0.6, 0.8};
  const std::vector<IntervalMethod> methods(ALL_INTERVAL_METHODS.begin(),
                                            ALL_INTERVAL_METHODS.end());
  std::vector<SingleArmBinaryTally> tallies(rates.size());
  for (auto& tally : tallies) tally.reset(n);
  std::vector<int> counts(rates.size());
  std::uint64_t replicate = 0;
  for (auto _ : state) {
    Rng rng = make_stream(7, replicate++, StreamPurpose::response);
    simulate_response_counts(n, rates, rng, counts);
    for (std::size_t s = 0; s < rates.size(); ++s)
      tallies[s].add(counts[s], table, rates[s], methods);
  }
  benchmark::DoNotOptimize(tallies[0].replicates());
  state.SetItemsProcessed(state.iterations());
  state.counters["patients/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SingleArmBinaryReplicate)->Arg(40)->Arg(200);

// The two-arm survival example (configs/examples/two-arm-survival.yaml): 120 patients over 18
// months, 1:1, exponential control hazard with S(12) = 0.55, cut at 60 events.
TwoArmSurvivalDesign two_arm_example() {
  TwoArmSurvivalDesign design;
  design.sample_size = 120;
  design.accrual.duration = 18.0;
  design.timing.trigger = AnalysisTiming::Trigger::events;
  design.timing.target_events = 60;
  return design;
}

// One replicate of the two-arm example: draw the cohort, then cut, analyse (log-rank, Cox, KM
// per arm with landmark and median, reverse KM) and tally each of the three scenarios (Arg 1);
// or with design.estimates false, the log-rank test and conduct facts only (Arg 0).
void BM_TwoArmSurvivalReplicate(benchmark::State& state) {
  TwoArmSurvivalDesign design = two_arm_example();
  design.estimates = state.range(0) == 1;
  const double control_hazard = -std::log(0.55) / 12.0;
  const std::vector<SurvivalScenario> scenarios = {{"hr-1.0", control_hazard, 1.0},
                                                   {"hr-0.6", control_hazard, 0.6},
                                                   {"hr-0.4", control_hazard, 0.4}};
  std::vector<TwoArmSurvivalTally> tallies(scenarios.size(), TwoArmSurvivalTally(design));
  TwoArmSurvivalWorkspace ws;
  std::uint64_t replicate = 0;
  for (auto _ : state) {
    draw_cohort(design, 7, replicate++, ws);
    for (std::size_t s = 0; s < scenarios.size(); ++s)
      tallies[s].simulate_and_add(design, scenarios[s], ws);
  }
  benchmark::DoNotOptimize(tallies[0].replicates());
  state.counters["cohorts/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * scenarios.size()), benchmark::Counter::kIsRate);
  state.SetLabel(design.estimates ? "full analysis" : "estimates off: log-rank only");
}
BENCHMARK(BM_TwoArmSurvivalReplicate)->Arg(1)->Arg(0);

// The analysis of one cut cohort alone (n = 120, 60 events): sort once, one pass for log-rank,
// KM curves and the Cox table, then the Cox fit (Arg 1); or sort and log-rank only (Arg 0).
void BM_TwoArmAnalysis(benchmark::State& state) {
  const TwoArmSurvivalDesign design = two_arm_example();
  TwoArmSurvivalWorkspace ws;
  draw_cohort(design, 7, 0, ws);
  const double hazard = -std::log(0.55) / 12.0;
  std::vector<double> time(120), dropout(120, NEVER);
  std::vector<int> status(120);
  std::vector<std::uint32_t> index(120);
  for (std::size_t i = 0; i < 120; ++i)
    ws.event_time[i] = ws.unit_event[i] / (ws.arm[i] ? 0.6 * hazard : hazard);
  const CutoffResult cut =
      analysis_cutoff(design.timing, ws.entry, ws.event_time, dropout, ws.scratch);
  const std::size_t m =
      cut_data(cut.calendar_time, ws.entry, ws.event_time, dropout, time, status, index);
  std::vector<int> arm(m);
  for (std::size_t j = 0; j < m; ++j) arm[j] = ws.arm[index[j]];
  const SurvivalData data{std::span<const double>(time.data(), m),
                          std::span<const int>(status.data(), m), arm};
  const bool full = state.range(0) == 1;
  const double landmarks[] = {12.0};
  for (auto _ : state) {
    sort_cohort(data, ws.survival);
    if (full) {
      const LogRankResult logrank =
          analyse_two_arm(ws.survival.sorted, landmarks, ws.survival, ws.summary);
      cox_ph_arm_from_table(ws.survival, ws.cox);
      benchmark::DoNotOptimize(logrank.z);
      benchmark::DoNotOptimize(ws.cox.coef[0].beta);
    } else {
      benchmark::DoNotOptimize(log_rank(ws.survival.sorted).z);  // what rpact analyses
    }
  }
  state.SetLabel(full ? "sort + log-rank, KM summaries x3, Cox" : "sort + log-rank only");
}
BENCHMARK(BM_TwoArmAnalysis)->Arg(1)->Arg(0);

void BM_StreamDerivation(benchmark::State& state) {
  std::uint64_t replicate = 0;
  for (auto _ : state) {
    Rng rng = make_stream(7, replicate++, StreamPurpose::response);
    benchmark::DoNotOptimize(rng());
  }
}
BENCHMARK(BM_StreamDerivation);

void BM_SingleArmBinaryTable(benchmark::State& state) {
  for (auto _ : state) {
    SingleArmBinaryTable table(static_cast<int>(state.range(0)), 0.6, 0.025, 0.95);
    benchmark::DoNotOptimize(table.critical_value());
  }
}
BENCHMARK(BM_SingleArmBinaryTable)->Arg(40);

}  // namespace
}  // namespace trialsim

BENCHMARK_MAIN();
