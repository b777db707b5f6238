#pragma once
// Deterministic parallel runner over replicates (oneTBB).
//
// Replicates are cut into fixed-size blocks (`REPLICATE_BLOCK_SIZE`, independent of thread
// count). Each block is simulated by one task into its own result object, and the results are
// handed to `consume` strictly in block order. Merging in block order with a block size that
// never depends on the machine makes every output bit-identical for any thread count. Memory is
// bounded by one wave of block results (the blocks in flight), whatever the replicate count.
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace trialsim {

inline constexpr std::uint64_t REPLICATE_BLOCK_SIZE = 1024;

struct ReplicateBlock {
  std::uint64_t index;            // block number from 0
  std::uint64_t first_replicate;  // global replicate index of the block's first replicate
  std::uint64_t replicate_count;
};

struct RunShape {
  std::uint64_t first_replicate = 0;  // global index; a shard starts elsewhere
  std::uint64_t replicate_count = 0;
  unsigned threads = 1;
  // Replicates per block: a constant of the computation (never derived from the thread count),
  // so results are identical for any thread count. Heavy items (e.g. calibration candidates)
  // use smaller blocks.
  std::uint64_t block_size = REPLICATE_BLOCK_SIZE;
};

// Called after each wave of consumed blocks (and after the last block) with the number of
// replicates done so far.
using ProgressCallback = std::function<void(std::uint64_t replicates_done)>;

// BlockResult: default-constructible, with `reset()`. Workspace: per-thread scratch buffers,
// default-constructible, reused across replicates (no per-replicate heap allocation).
// simulate_block(const ReplicateBlock&, BlockResult&, Workspace&) fills one block's result.
// consume(const ReplicateBlock&, const BlockResult&) runs for one block at a time, in block
// order, while later blocks are being simulated (on any of the run's threads): it must not write
// what simulate_block reads.
// An arena of exactly `threads` threads, honoured even above the core count (TBB otherwise caps
// its workers), for as long as the object lives.
class ThreadArena {
 public:
  explicit ThreadArena(unsigned threads)
      : allow_(tbb::global_control::max_allowed_parallelism, threads),
        arena_(static_cast<int>(threads)) {}
  template <class F>
  void execute(F&& f) {
    arena_.execute(std::forward<F>(f));
  }

 private:
  tbb::global_control allow_;
  tbb::task_arena arena_;
};

// Blocks in flight at most (the result slots), and the blocks between progress reports: enough
// per thread that each thread stays busy, few enough to bound memory.
inline std::uint64_t wave_blocks_for(unsigned threads) {
  return std::max<std::uint64_t>(16, 8 * std::uint64_t{std::max(1u, threads)});
}

template <class BlockResult, class Workspace, class SimulateBlock, class Consume>
void run_replicate_blocks(const RunShape& shape, SimulateBlock&& simulate_block, Consume&& consume,
                          const ProgressCallback& progress = {}) {
  if (shape.replicate_count == 0) return;
  // Blocks are aligned to global replicate indices so that a shard [first, first + count)
  // starting on a block boundary produces exactly the blocks of the unsharded run.
  const std::uint64_t block_size = shape.block_size;
  const std::uint64_t first_block = shape.first_replicate / block_size;
  const std::uint64_t end_replicate = shape.first_replicate + shape.replicate_count;
  const std::uint64_t end_block = (end_replicate + block_size - 1) / block_size;

  const unsigned threads = std::max(1u, shape.threads);
  // A pipeline, not waves separated by barriers: at each barrier a thread idled until the wave's
  // last block finished and while the calling thread consumed the wave (5 % of a 2-thread run's
  // time, bench/README.md, stop 33).
  const std::uint64_t wave_blocks = wave_blocks_for(threads);
  std::vector<BlockResult> results(wave_blocks);
  std::vector<ReplicateBlock> blocks(wave_blocks);
  tbb::enumerable_thread_specific<Workspace> workspaces;
  ThreadArena arena(threads);

  // Block b's slot: (b - first_block) mod wave_blocks. The blocks in flight are consecutive (issued
  // in order, retired in order by the last stage) and at most wave_blocks, so no two share a slot.
  std::uint64_t next_block = first_block, done = 0, consumed_in_wave = 0;
  const auto issue = [&](tbb::flow_control& control) -> std::size_t {
    if (next_block == end_block) {
      control.stop();
      return 0;
    }
    const std::uint64_t b = next_block++;
    const auto slot = static_cast<std::size_t>((b - first_block) % wave_blocks);
    const std::uint64_t lo = std::max(shape.first_replicate, b * block_size);
    const std::uint64_t hi = std::min(end_replicate, (b + 1) * block_size);
    blocks[slot] = ReplicateBlock{b, lo, hi - lo};
    return slot;
  };
  const auto simulate = [&](std::size_t slot) {
    results[slot].reset();
    simulate_block(blocks[slot], results[slot], workspaces.local());
    return slot;
  };
  const auto take = [&](std::size_t slot) {
    consume(blocks[slot], results[slot]);
    done += blocks[slot].replicate_count;
    if (++consumed_in_wave == wave_blocks || blocks[slot].index + 1 == end_block) {
      consumed_in_wave = 0;
      if (progress) progress(done);
    }
  };
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(wave_blocks),
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order, issue) &
            tbb::make_filter<std::size_t, std::size_t>(tbb::filter_mode::parallel, simulate) &
            tbb::make_filter<std::size_t, void>(tbb::filter_mode::serial_in_order, take));
  });
}

// f(i) for every i in [0, n) on up to `threads` threads, in any order: for set-up work that is
// independent per item, e.g. each scenario's true values (hundreds of thousands of simulated
// patients each, on streams of their own). Each call must write only its own item's results;
// the outcome is then the same for any thread count. Exceptions propagate to the caller.
template <class F>
void for_each_index(unsigned threads, std::size_t n, F&& f) {
  threads = std::max(1u, threads);
  if (threads == 1 || n < 2) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  ThreadArena arena(threads);
  // One item per task (grain size 1): the items are few and each is long.
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t i = range.begin(); i != range.end(); ++i) f(i);
        },
        tbb::simple_partitioner());
  });
}

}  // namespace trialsim
