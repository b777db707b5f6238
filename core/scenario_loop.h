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
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster/archive.h"
#include "core/cluster/block_tree.h"
#include "core/progress.h"
#include "core/run_request.h"
#include "core/runner.h"

namespace trialsim {

// The per-scenario tallies of one block-tree node, merged scenario by scenario.
template <class Tally>
struct ScenarioTallies {
  std::vector<Tally> tallies;
  void merge(const ScenarioTallies& right) {
    for (std::size_t s = 0; s < tallies.size(); ++s) tallies[s].merge(right.tallies[s]);
  }
  template <class Archive>
  void visit(Archive& archive) {
    archive(tallies);
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

// make_tally() -> Tally (reset state); simulate(replicate, tallies, workspace, rows_or_null);
// rows_of(totals) -> the OC rows.
//
// Precision mode (simulation.precision): after the first `replicates` (rounded up to whole
// blocks), if the MCSE of the named metric is above target, more blocks are run — continuing the
// same block sequence, so the result equals a single run of the final replicate count — with the
// count scaled by (mcse / target)^2, until the target or the cap is reached.
template <class Tally, class Workspace, class MakeTally, class Simulate, class RowsOf>
std::vector<OcRow> run_scenario_tallies(const SimulationSettings& simulation,
                                        const RunRequest& request, std::size_t scenario_count,
                                        const std::string& header, MakeTally make_tally,
                                        Simulate simulate, RowsOf rows_of,
                                        nlohmann::json& precision_report) {
  using Node = ScenarioTallies<Tally>;
  constexpr std::uint64_t block_size = REPLICATE_BLOCK_SIZE;
  const bool keep_rows = request.per_replicate != nullptr;
  if (keep_rows) *request.per_replicate << header;

  using Held = EncodedTallies<Tally>;
  const std::function<Node()> make_node = [&] {
    return Node{std::vector<Tally>(scenario_count, make_tally())};
  };
  DyadicBlockTree<Held> held;   // finished ranges (identical on every MPI rank)
  DyadicBlockTree<Held> fresh;  // this process's blocks of the range being simulated
  for (const PartialNode& partial : request.preloaded) {
    Held node{partial.bytes, &make_node};
    node.decoded();  // refuse undecodable bytes now, not at the end of the run
    held.insert(partial.span, std::move(node));
  }
  const auto encode_nodes = [](std::initializer_list<const DyadicBlockTree<Held>*> trees) {
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
  };

  const auto simulate_block = [&](const ReplicateBlock& block, ScenarioBlockResult<Tally>& result,
                                  Workspace& workspace) {
    if (result.tallies.size() != scenario_count)
      result.tallies.assign(scenario_count, make_tally());
    for (auto& tally : result.tallies) tally.reset();
    for (std::uint64_t r = block.first_replicate; r < block.first_replicate + block.replicate_count;
         ++r) {
      simulate(r, result.tallies, workspace, keep_rows ? &result.per_replicate_rows : nullptr);
    }
  };
  const auto consume = [&](const ReplicateBlock& block, const ScenarioBlockResult<Tally>& result) {
    fresh.insert(BlockSpan{block.index, 1}, Held{encode(Node{result.tallies}), &make_node});
    if (keep_rows) *request.per_replicate << result.per_replicate_rows;
  };

  const std::optional<PrecisionTarget>& precision = simulation.precision;
  const auto whole_blocks = [](std::uint64_t n) {
    return (n + block_size - 1) / block_size * block_size;
  };
  std::uint64_t done = 0;
  std::uint64_t target_count =
      precision ? std::min(whole_blocks(simulation.replicates), precision->max_replicates)
                : simulation.replicates;
  std::vector<OcRow> rows;
  for (;;) {
    const BlockRange range{done / block_size, (target_count + block_size - 1) / block_size};
    const BlockRange mine = part_of(range, request.part_index, request.part_count);
    const auto replicates_in = [&](std::uint64_t first_block, std::uint64_t end_block) {
      return std::min(target_count, end_block * block_size) -
             std::min(target_count, first_block * block_size);
    };
    if (request.simulate) {
      std::uint64_t missing = 0;
      for (std::uint64_t b = held.first_missing_from(mine.first); b < mine.end;) {
        const std::uint64_t e = std::min(mine.end, held.first_held_from(b));
        missing += replicates_in(b, e);
        b = e < mine.end ? held.first_missing_from(e) : e;
      }
      ProgressLine progress(missing, request.progress);
      std::uint64_t progress_base = 0;
      for (std::uint64_t b = held.first_missing_from(mine.first); b < mine.end;) {
        const std::uint64_t e = std::min(mine.end, held.first_held_from(b));
        const std::uint64_t count = replicates_in(b, e);
        run_replicate_blocks<ScenarioBlockResult<Tally>, Workspace>(
            RunShape{b * block_size, count, request.threads}, simulate_block, consume,
            [&](std::uint64_t n) {
              progress.update(progress_base + n);
              const auto nodes = [&] { return encode_nodes({&held, &fresh}); };
              if (request.save_partial) request.save_partial(SaveReason::progress, nodes);
              // A signal during the last wave comes too late to save anything: finish normally.
              const bool work_left =
                  n < count || (e < mine.end && held.first_missing_from(e) < mine.end);
              if (work_left && request.stop_requested && request.stop_requested()) {
                progress.finish();
                if (request.save_partial) request.save_partial(SaveReason::interrupted, nodes);
                // Counted within this process's share (a shard's own replicates).
                const std::uint64_t share = replicates_in(mine.first, mine.end);
                throw RunInterrupted(
                    std::min(share, (held.blocks_held() + fresh.blocks_held()) * block_size),
                    share);
              }
            });
        progress_base += count;
        b = e < mine.end ? held.first_missing_from(e) : e;
      }
      progress.finish();
    }
    // Every process's new nodes join the finished set, in the same order on every rank.
    if (request.exchange) {
      for (const PartialNode& partial : request.exchange(encode_nodes({&fresh}))) {
        held.insert(partial.span, Held{partial.bytes, &make_node});
      }
    } else {
      fresh.for_each_node([&](BlockSpan span, const Held& node) { held.insert(span, node); });
    }
    fresh = DyadicBlockTree<Held>{};
    if (request.partial_only) {
      if (request.save_partial)
        request.save_partial(SaveReason::finished, [&] { return encode_nodes({&held}); });
      return {};
    }
    if (held.first_missing_from(0) < range.end) {
      throw std::logic_error("replicate blocks " + std::to_string(held.first_missing_from(0)) +
                             " onwards are missing");
    }
    done = target_count;
    const std::optional<Held> totals = held.total();
    rows = rows_of(totals ? totals->decoded().tallies : make_node().tallies);
    if (!precision) break;
    const OcRow* headline = nullptr;
    for (const OcRow& row : rows) {
      if (row.scenario == precision->scenario && row.analysis == precision->analysis &&
          row.metric == precision->metric)
        headline = &row;
    }
    if (!headline) {
      // Loading the config checked the target against the design's reported rows.
      throw std::logic_error("precision target " + precision->scenario + "/" + precision->analysis +
                             "/" + precision->metric + " is not among the results");
    }
    const bool reached = headline->mcse <= precision->target_mcse;
    precision_report = {{"scenario", precision->scenario},
                        {"analysis", precision->analysis},
                        {"metric", precision->metric},
                        {"target_mcse", precision->target_mcse},
                        {"mcse", headline->mcse},
                        {"estimate", headline->estimate},
                        {"replicates", done},
                        {"max_replicates", precision->max_replicates},
                        {"target_reached", reached}};
    if (reached || done >= precision->max_replicates) break;
    const double ratio = headline->mcse / precision->target_mcse;
    const auto needed =
        static_cast<std::uint64_t>(std::ceil(static_cast<double>(done) * ratio * ratio * 1.05));
    target_count =
        std::min(precision->max_replicates, whole_blocks(std::max(needed, done + block_size)));
  }
  return rows;
}

}  // namespace trialsim
