#pragma once
// The common shape of every design's simulation (designs/<name>/): replicates in deterministic
// blocks; each replicate draws its scenario-independent cohort once and applies every scenario to
// it (common random numbers); block tallies are combined in the fixed order of the dyadic block
// tree (core/cluster/block_tree.h), so the result is the same bits for any thread count, MPI
// rank count, shard split or kill-and-resume.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/cluster/archive.h"
#include "core/cluster/block_tree.h"
#include "core/progress.h"
#include "core/run_request.h"
#include "core/runner.h"

namespace trialsim {

// The per-scenario tallies of one block-tree node, merged scenario by scenario.
// With paired comparisons (RunRequest::paired), the node also holds one tally of differences per
// pair; they are encoded only when there are some, so a run without comparisons writes the same
// bytes as before they existed (a config with comparisons has another hash, so the two never mix).
template <class Tally>
struct ScenarioTallies {
  std::vector<Tally> tallies;
  std::vector<MomentAccumulator> differences;
  void merge(const ScenarioTallies& right) {
    for (std::size_t s = 0; s < tallies.size(); ++s) tallies[s].merge(right.tallies[s]);
    for (std::size_t k = 0; k < differences.size() && k < right.differences.size(); ++k)
      differences[k].merge(right.differences[k]);
  }
  template <class Archive>
  void visit(Archive& archive) {
    archive(tallies);
    if (!differences.empty()) archive(differences);
  }
};

// A block-tree node held as the encoded bytes of its ScenarioTallies (core/cluster/archive.h).
// Varint counts make a tally's dense histograms several times smaller than the live object, so
// the O(log blocks) nodes a run holds keep its memory flat in the replicate count; the nodes are
// decoded only to be merged or reported.
template <class Tally>
struct EncodedTallies {
  std::string bytes;
  const std::function<ScenarioTallies<Tally>()>* make = nullptr;

  ScenarioTallies<Tally> decoded() const {
    ScenarioTallies<Tally> node = (*make)();
    decode(bytes, node);
    return node;
  }
  void merge(const EncodedTallies& right) {
    ScenarioTallies<Tally> left = decoded();
    left.merge(right.decoded());
    bytes = encode(left);
  }
};

// One block's per-scenario tallies and (optionally) its replicates.csv rows.
template <class Tally>
struct ScenarioBlockResult {
  std::vector<Tally> tallies;
  std::vector<MomentAccumulator> differences;  // paired comparisons
  std::vector<Tally> one_replicate;            // paired comparisons: one replicate's tallies
  std::string per_replicate_rows;
  void reset() { per_replicate_rows.clear(); }
};

// Part `index` of `count` of the blocks [first, end): contiguous, sizes differing by at most one.
struct BlockRange {
  std::uint64_t first = 0, end = 0;
};
inline BlockRange part_of(BlockRange range, std::uint64_t index, std::uint64_t count) {
  const std::uint64_t n = range.end - range.first;
  // n * index fits in 64 bits for any realistic block count (< 2^40 blocks).
  return {range.first + n * index / count, range.first + n * (index + 1) / count};
}

// Precision mode's step after each pass: the headline row's MCSE against the target. Fills
// `report` and returns the next replicate count (whole blocks), or 0 when the run is done (target
// reached or the cap hit). Needed count: done * (mcse / target)^2 * 1.05, at least one more block.
inline std::uint64_t next_precision_count(const PrecisionTarget& precision,
                                          const std::vector<OcRow>& rows, std::uint64_t done,
                                          nlohmann::json& report) {
  constexpr std::uint64_t block_size = REPLICATE_BLOCK_SIZE;
  const OcRow* headline = nullptr;
  for (const OcRow& row : rows) {
    if (row.scenario == precision.scenario && row.analysis == precision.analysis &&
        row.metric == precision.metric)
      headline = &row;
  }
  if (!headline) {
    // Loading the config checked the target against the design's reported rows.
    throw std::logic_error("precision target " + precision.scenario + "/" + precision.analysis +
                           "/" + precision.metric + " is not among the results");
  }
  const bool reached = headline->mcse <= precision.target_mcse;
  report = {{"scenario", precision.scenario},
            {"analysis", precision.analysis},
            {"metric", precision.metric},
            {"target_mcse", precision.target_mcse},
            {"mcse", headline->mcse},
            {"estimate", headline->estimate},
            {"replicates", done},
            {"max_replicates", precision.max_replicates},
            {"target_reached", reached}};
  if (reached || done >= precision.max_replicates) return 0;
  const double ratio = headline->mcse / precision.target_mcse;
  const auto needed =
      static_cast<std::uint64_t>(std::ceil(static_cast<double>(done) * ratio * ratio * 1.05));
  const std::uint64_t at_least = std::max(needed, done + block_size);
  return std::min(precision.max_replicates, (at_least + block_size - 1) / block_size * block_size);
}

// The state of one run_scenario_tallies call: the finished block-tree nodes (`held`, identical
// on every MPI rank) and this process's new ones (`fresh`), with the steps of a pass as methods.
template <class Tally, class Workspace, class MakeTally, class Simulate, class RowsOf>
class ScenarioLoop {
 public:
  using Node = ScenarioTallies<Tally>;
  using Held = EncodedTallies<Tally>;
  static constexpr std::uint64_t block_size = REPLICATE_BLOCK_SIZE;

  ScenarioLoop(const RunRequest& request, std::size_t scenario_count, MakeTally make_tally,
               Simulate simulate, const RowsOf& rows_of)
      : request_(request),
        scenario_count_(scenario_count),
        make_tally_(std::move(make_tally)),
        simulate_(std::move(simulate)),
        rows_of_(rows_of),
        keep_rows_(request.per_replicate != nullptr) {
    if (request.paired) paired_rows_ = resolve_pairs(request.paired->pairs);
    if (request.capture) {
      for (const RowKey& key : request.capture->rows) captured_rows_.push_back(row_index(key));
    }
    make_node_ = [this] {
      return Node{std::vector<Tally>(scenario_count_, make_tally_()),
                  std::vector<MomentAccumulator>(paired_rows_.size())};
    };
    for (const PartialNode& partial : request.preloaded) {
      Held node{partial.bytes, &make_node_};
      node.decoded();  // refuse undecodable bytes now, not at the end of the run
      held_.insert(partial.span, std::move(node));
    }
  }
  ScenarioLoop(const ScenarioLoop&) = delete;  // make_node_ captures `this`
  ScenarioLoop& operator=(const ScenarioLoop&) = delete;

  // Simulates this process's blocks of `range` that are not held yet, `target_count`
  // replicates in all; offers checkpoints after each wave and stops when asked to.
  void simulate_missing(BlockRange range, std::uint64_t target_count) {
    const BlockRange mine = part_of(range, request_.part_index, request_.part_count);
    const auto replicates_in = [&](std::uint64_t first_block, std::uint64_t end_block) {
      return std::min(target_count, end_block * block_size) -
             std::min(target_count, first_block * block_size);
    };
    std::uint64_t missing = 0;
    for_each_missing_run(mine,
                         [&](std::uint64_t b, std::uint64_t e) { missing += replicates_in(b, e); });
    ProgressLine progress(missing, request_.progress);
    std::uint64_t progress_base = 0;
    for_each_missing_run(mine, [&](std::uint64_t b, std::uint64_t e) {
      const std::uint64_t count = replicates_in(b, e);
      run_replicate_blocks<ScenarioBlockResult<Tally>, Workspace>(
          RunShape{b * block_size, count, request_.threads},
          [&](const ReplicateBlock& block, ScenarioBlockResult<Tally>& result, Workspace& ws) {
            simulate_block(block, result, ws);
          },
          [&](const ReplicateBlock& block, const ScenarioBlockResult<Tally>& result) {
            consume(block, result);
          },
          [&](std::uint64_t n) {
            progress.update(progress_base + n);
            // A signal during the last wave comes too late to save anything: finish normally.
            const bool work_left =
                n < count || (e < mine.end && held_.first_missing_from(e) < mine.end);
            after_wave(work_left, replicates_in(mine.first, mine.end), progress);
          });
      progress_base += count;
    });
    progress.finish();
  }

  // Every process's new nodes join the finished set, in the same order on every rank.
  void gather_fresh() {
    if (request_.exchange) {
      for (const PartialNode& partial : request_.exchange(encode_nodes({&fresh_}))) {
        held_.insert(partial.span, Held{partial.bytes, &make_node_});
      }
    } else {
      fresh_.for_each_node([&](BlockSpan span, const Held& node) { held_.insert(span, node); });
    }
    fresh_ = DyadicBlockTree<Held>{};
  }

  // A shard's end: its nodes go to save_partial(finished).
  void save_finished() const {
    if (request_.save_partial)
      request_.save_partial(SaveReason::finished, [&] { return encode_nodes({&held_}); });
  }

  // The merged tallies (and differences) of every block of `range` (all must be held).
  Node totals(BlockRange range) const {
    if (held_.first_missing_from(0) < range.end) {
      throw std::logic_error("replicate blocks " + std::to_string(held_.first_missing_from(0)) +
                             " onwards are missing");
    }
    const std::optional<Held> total = held_.total();
    return total ? total->decoded() : make_node_();
  }

 private:
  // Calls visit(b, e) for each run [b, e) of consecutive blocks of `mine` not held yet.
  template <class Visit>
  void for_each_missing_run(BlockRange mine, Visit visit) const {
    for (std::uint64_t b = held_.first_missing_from(mine.first); b < mine.end;) {
      const std::uint64_t e = std::min(mine.end, held_.first_held_from(b));
      visit(b, e);
      b = e < mine.end ? held_.first_missing_from(e) : e;
    }
  }

  // The index of a row in rows_of's order. The config checked the names against the design's
  // reported rows, so a miss is a bug.
  std::size_t row_index(const RowKey& key) const {
    const std::vector<OcRow> rows = rows_of_(std::vector<Tally>(scenario_count_, make_tally_()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].scenario == key.scenario && rows[i].analysis == key.analysis &&
          rows[i].metric == key.metric)
        return i;
    }
    throw std::logic_error("compared row " + key.scenario + "/" + key.analysis + "/" + key.metric +
                           " is not among the results");
  }

  std::vector<std::pair<std::size_t, std::size_t>> resolve_pairs(
      const std::vector<std::pair<RowKey, RowKey>>& pairs) const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& [first, second] : pairs) out.emplace_back(row_index(first), row_index(second));
    return out;
  }

  void simulate_block(const ReplicateBlock& block, ScenarioBlockResult<Tally>& result,
                      Workspace& workspace) const {
    const bool one_by_one = !paired_rows_.empty() || !captured_rows_.empty();
    if (result.tallies.size() != scenario_count_) {
      result.tallies.assign(scenario_count_, make_tally_());
      result.one_replicate.assign(one_by_one ? scenario_count_ : 0, make_tally_());
    }
    for (auto& tally : result.tallies) tally.reset();
    result.differences.assign(paired_rows_.size(), MomentAccumulator{});
    for (std::uint64_t r = block.first_replicate; r < block.first_replicate + block.replicate_count;
         ++r) {
      if (one_by_one) add_replicate_values(r, result, workspace);
      simulate_(r, result.tallies, workspace, keep_rows_ ? &result.per_replicate_rows : nullptr);
    }
  }

  // Replicate r alone, for its own value of each compared or captured row (PairedComparisons,
  // ReplicateCapture). Each thread writes only its own replicates' slots of the capture.
  void add_replicate_values(std::uint64_t r, ScenarioBlockResult<Tally>& result,
                            Workspace& workspace) const {
    for (auto& tally : result.one_replicate) tally.reset();
    simulate_(r, result.one_replicate, workspace, nullptr);
    const std::vector<OcRow> rows = rows_of_(result.one_replicate);
    for (std::size_t k = 0; k < paired_rows_.size(); ++k) {
      result.differences[k].add(rows[paired_rows_[k].first].estimate -
                                rows[paired_rows_[k].second].estimate);
    }
    for (std::size_t k = 0; k < captured_rows_.size(); ++k)
      request_.capture->values[k][r] = rows[captured_rows_[k]].estimate;
  }

  void consume(const ReplicateBlock& block, const ScenarioBlockResult<Tally>& result) {
    fresh_.insert(BlockSpan{block.index, 1},
                  Held{encode(Node{result.tallies, result.differences}), &make_node_});
    if (keep_rows_) *request_.per_replicate << result.per_replicate_rows;
  }

  // After each wave: offer a checkpoint; on a stop request with work left, offer the last one
  // and throw RunInterrupted (counted within this process's share: a shard's own replicates).
  void after_wave(bool work_left, std::uint64_t share, ProgressLine& progress) {
    const auto nodes = [&] { return encode_nodes({&held_, &fresh_}); };
    if (request_.save_partial) request_.save_partial(SaveReason::progress, nodes);
    if (!work_left || !request_.stop_requested || !request_.stop_requested()) return;
    progress.finish();
    if (request_.save_partial) request_.save_partial(SaveReason::interrupted, nodes);
    throw RunInterrupted(std::min(share, (held_.blocks_held() + fresh_.blocks_held()) * block_size),
                         share);
  }

  static std::vector<PartialNode> encode_nodes(
      std::initializer_list<const DyadicBlockTree<Held>*> trees) {
    std::vector<PartialNode> out;
    for (const auto* tree : trees) {
      tree->for_each_node([&](BlockSpan span, const Held& node) {
        out.push_back({span, node.bytes});
      });
    }
    std::sort(out.begin(), out.end(), [](const PartialNode& a, const PartialNode& b) {
      return a.span.first_block < b.span.first_block;
    });
    return out;
  }

  const RunRequest& request_;
  std::size_t scenario_count_;
  MakeTally make_tally_;
  Simulate simulate_;
  const RowsOf& rows_of_;
  bool keep_rows_;
  std::vector<std::pair<std::size_t, std::size_t>> paired_rows_;
  std::vector<std::size_t> captured_rows_;
  std::function<Node()> make_node_;
  DyadicBlockTree<Held> held_;
  DyadicBlockTree<Held> fresh_;
};

// make_tally() -> Tally (reset state); simulate(replicate, tallies, workspace, rows_or_null);
// rows_of(totals) -> the OC rows, a pure function: with paired comparisons it is also called on
// each replicate's own tallies, from every thread; finished(totals) is called once, with the
// final totals (e.g. to write the design's report files).
//
// Precision mode (simulation.precision): after the first `replicates` (rounded up to whole
// blocks), if the MCSE of the named metric is above target, more blocks are run — continuing the
// same block sequence, so the result equals a single run of the final replicate count — with the
// count scaled by (mcse / target)^2, until the target or the cap is reached.
template <class Tally, class Workspace, class MakeTally, class Simulate, class RowsOf,
          class Finished>
std::vector<OcRow> run_scenario_tallies(const SimulationSettings& simulation,
                                        const RunRequest& request, std::size_t scenario_count,
                                        const std::string& header, MakeTally make_tally,
                                        Simulate simulate, RowsOf rows_of,
                                        nlohmann::json& precision_report, Finished finished) {
  constexpr std::uint64_t block_size = REPLICATE_BLOCK_SIZE;
  if (request.per_replicate) *request.per_replicate << header;
  ScenarioLoop<Tally, Workspace, MakeTally, Simulate, RowsOf> loop(
      request, scenario_count, std::move(make_tally), std::move(simulate), rows_of);
  const std::optional<PrecisionTarget>& precision = simulation.precision;
  const std::uint64_t first_pass =
      (simulation.replicates + block_size - 1) / block_size * block_size;
  std::uint64_t target_count =
      precision ? std::min(first_pass, precision->max_replicates) : simulation.replicates;
  std::uint64_t done = 0;
  for (;;) {
    const BlockRange range{done / block_size, (target_count + block_size - 1) / block_size};
    if (request.capture) {
      request.capture->values.resize(request.capture->rows.size());
      for (auto& values : request.capture->values)
        values.resize(target_count, std::numeric_limits<double>::quiet_NaN());
    }
    if (request.simulate) loop.simulate_missing(range, target_count);
    loop.gather_fresh();
    if (request.partial_only) {
      loop.save_finished();
      return {};
    }
    const auto node = loop.totals(range);
    std::vector<OcRow> rows = rows_of(node.tallies);
    if (request.paired) request.paired->differences = node.differences;
    done = target_count;
    if (precision) target_count = next_precision_count(*precision, rows, done, precision_report);
    if (!precision || target_count == 0) {
      finished(node.tallies);
      return rows;
    }
  }
}

template <class Tally, class Workspace, class MakeTally, class Simulate, class RowsOf>
std::vector<OcRow> run_scenario_tallies(const SimulationSettings& simulation,
                                        const RunRequest& request, std::size_t scenario_count,
                                        const std::string& header, MakeTally make_tally,
                                        Simulate simulate, RowsOf rows_of,
                                        nlohmann::json& precision_report) {
  return run_scenario_tallies<Tally, Workspace>(
      simulation, request, scenario_count, header, std::move(make_tally), std::move(simulate),
      std::move(rows_of), precision_report, [](const std::vector<Tally>&) {});
}

}  // namespace trialsim
