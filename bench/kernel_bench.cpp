// Google Benchmark targets for the per-replicate kernels (issue 2). End-to-end throughput of the
// CLI is measured by bench/throughput; see bench/README.md for recorded figures.
#include <benchmark/benchmark.h>

#include <vector>

#include "engine/binomial.h"
#include "engine/rng.h"
#include "models/single_arm_binary.h"

namespace trialsim {
namespace {

// One replicate of configs/examples/single-arm-binary.yaml: derive the stream, draw 40 patients
// for two scenarios on common random numbers, analyse both with the precomputed table.
void BM_SingleArmBinaryReplicate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const SingleArmBinaryTable table(n, 0.6, 0.025, 0.95);
  const std::vector<double> rates = {0.6, 0.8};
  const std::vector<IntervalMethod> methods(ALL_INTERVAL_METHODS.begin(), ALL_INTERVAL_METHODS.end());
  std::vector<SingleArmBinaryTally> tallies(rates.size());
  for (auto& tally : tallies) tally.reset(n);
  std::vector<int> counts(rates.size());
  std::uint64_t replicate = 0;
  for (auto _ : state) {
    Rng rng = make_stream(7, replicate++, StreamPurpose::response);
    simulate_response_counts(n, rates, rng, counts);
    for (std::size_t s = 0; s < rates.size(); ++s) tallies[s].add(counts[s], table, rates[s], methods);
  }
  benchmark::DoNotOptimize(tallies[0].rejection().mean());
  state.SetItemsProcessed(state.iterations());
  state.counters["patients/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SingleArmBinaryReplicate)->Arg(40)->Arg(200);

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
