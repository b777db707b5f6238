#pragma once
// What a run is asked to do and what it returns, for every design: the simulation settings
// (replicates, seed, precision target), the request (threads, progress, shards, checkpoints) and
// the result (OC rows, exact values, design facts, report files). Knows no design.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/accumulator.h"
#include "core/cluster/partial_file.h"
#include "core/output.h"
#include "core/progress.h"

namespace trialsim {

enum class EvaluationMode { simulate, exact };

// Precision mode: run until the MCSE of one metric is at most target_mcse, or max_replicates.
struct PrecisionTarget {
  std::string scenario, analysis, metric;
  double target_mcse = 0.0;
  std::uint64_t max_replicates = 0;
};

inline constexpr std::uint64_t DEFAULT_REPLICATES = 10000;
inline constexpr std::uint64_t DEFAULT_SEED =
    20240108;  // the first enrolment date of the seed study

struct SimulationSettings {
  std::uint64_t replicates = DEFAULT_REPLICATES;
  std::uint64_t seed = DEFAULT_SEED;
  EvaluationMode mode = EvaluationMode::simulate;
  std::optional<PrecisionTarget> precision;
};

// Why partial results are offered to RunRequest::save_partial.
enum class SaveReason {
  progress,     // after a wave of blocks: a checkpoint, if the caller wants one now
  interrupted,  // stop_requested() said stop: last chance to checkpoint before RunInterrupted
  finished,     // the share of this process is complete (a shard's result)
};

// Thrown when stop_requested() asked the run to stop (after the current wave and a checkpoint).
struct RunInterrupted : std::runtime_error {
  RunInterrupted(std::uint64_t done, std::uint64_t total)
      : std::runtime_error("interrupted"), replicates_done(done), replicates_total(total) {}
  std::uint64_t replicates_done, replicates_total;
};

// One row of operating characteristics, by its names as oc.csv writes them.
struct RowKey {
  std::string scenario, analysis, metric;
  bool operator==(const RowKey&) const = default;
};

// Paired comparisons between rows of one run (config `comparisons:`). Every scenario of a
// replicate is simulated on the same random numbers (common random numbers), so the difference
// between two rows is best estimated replicate by replicate: for each pair, `differences` tallies
// d_r = x_r(first) - x_r(second), where x_r is replicate r's own value of the row (its estimate
// from that replicate alone). Its mean is the difference of the two estimates, and its MCSE,
// sd(d) / sqrt(R), is the paired one, smaller than sqrt(mcse1^2 + mcse2^2) when the rows are
// positively correlated. Only rows whose estimate is a mean over every replicate may be paired
// (the config checks: probabilities and plain means), so that mean(d) is the difference.
struct PairedComparisons {
  std::vector<std::pair<RowKey, RowKey>> pairs;
  std::vector<MomentAccumulator> differences;  // one per pair, filled by the run
};

// Each replicate's own value of chosen rows, kept by replicate (paired comparisons between grid
// cells, which are separate runs on the same random numbers: edges/run/grid_run.h). values[k][r]
// is row k's value in replicate r alone; the run sizes each list to its replicate count. Filled
// only for the replicates this process simulates (one process: all of them).
struct ReplicateCapture {
  std::vector<RowKey> rows;
  std::vector<std::vector<double>> values;
};

struct RunRequest {
  unsigned threads = 1;
  ProgressMode progress = ProgressMode::automatic;
  std::ostream* per_replicate = nullptr;  // one CSV row per (replicate, scenario) when set
  // Paired comparisons to tally (nullptr or no pairs: none). Each replicate is then simulated
  // twice: once alone, for its own values of the compared rows, and once into the run's tallies,
  // which thus stay the same bits as without comparisons.
  PairedComparisons* paired = nullptr;
  // Rows whose per-replicate values to keep (nullptr or no rows: none); the same double
  // simulation as `paired`.
  ReplicateCapture* capture = nullptr;

  // Split runs (README "Cluster runs"). This process simulates part `part_index` of `part_count`
  // (0-based) of the replicate blocks: a job-array shard or an MPI rank.
  std::uint64_t part_index = 0, part_count = 1;
  // MPI: all-gather of the nodes each rank computed (same result, in rank order, on every rank).
  // Unset for a single process.
  std::function<std::vector<PartialNode>(std::vector<PartialNode>)> exchange;
  // Nodes computed earlier (a checkpoint to resume from, or the shards to merge).
  std::vector<PartialNode> preloaded;
  bool simulate = true;       // false: merge only; `preloaded` must cover every block
  bool partial_only = false;  // a shard: offer the nodes to save_partial(finished), produce no rows
  // Offered the run's nodes (lazily encoded) after each wave, on interruption and at the end.
  std::function<void(SaveReason, const std::function<std::vector<PartialNode>()>& nodes)>
      save_partial;
  // Polled after each wave; true stops the run (after save_partial(interrupted)).
  std::function<bool()> stop_requested;
};

struct StudyResult {
  std::vector<OcRow> rows;
  nlohmann::json design_facts;  // e.g. the critical value, for summary.json
  // Exact value of each simulated row where the maths gives one (same order as rows; NaN when
  // there is none), so the summary sets simulation beside the exact answer.
  std::vector<double> exact_estimates;
  nlohmann::json precision;  // precision mode: target, achieved MCSE, replicates used (else null)
  // Further result files (name, contents) for `trialsim report`, e.g. curves.csv (each design's
  // folder).
  std::vector<std::pair<std::string, std::string>> report_files;
  // RunRequest::paired's differences after the run (empty without comparisons or in exact mode).
  std::vector<MomentAccumulator> paired_differences;
};

}  // namespace trialsim
