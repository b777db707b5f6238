// The replicate runner (core/runner.h): every replicate exactly once, results merged in block
// order, so the merged floating-point result is bit-identical for any thread count.
#include <catch2/catch.hpp>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/runner.h"
#include "core/samplers.h"

using namespace trialsim;

namespace {

struct Block {
  MomentAccumulator values;
  std::vector<std::uint64_t> seen;
  void reset() {
    values = {};
    seen.clear();
  }
};
struct Workspace {};

struct Outcome {
  MomentAccumulator total;
  std::vector<std::uint64_t> order;
};

Outcome run(std::uint64_t first, std::uint64_t count, unsigned threads) {
  Outcome outcome;
  run_replicate_blocks<Block, Workspace>(
      RunShape{first, count, threads},
      [](const ReplicateBlock& block, Block& result, Workspace&) {
        for (std::uint64_t r = block.first_replicate;
             r < block.first_replicate + block.replicate_count; ++r) {
          Rng rng = make_stream(99, r, StreamPurpose::outcomes);
          result.values.add(exponential(1.0, rng));
          result.seen.push_back(r);
        }
      },
      [&](const ReplicateBlock&, const Block& result) {
        outcome.total.merge(result.values);
        outcome.order.insert(outcome.order.end(), result.seen.begin(), result.seen.end());
      });
  return outcome;
}

bool bit_equal(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("every replicate is simulated once, consumed in order", "[runner]") {
  const std::uint64_t n = 10 * REPLICATE_BLOCK_SIZE + 17;  // a partial last block
  const Outcome outcome = run(0, n, 4);
  REQUIRE(outcome.order.size() == n);
  for (std::uint64_t i = 0; i < n; ++i) REQUIRE(outcome.order[i] == i);
}

TEST_CASE("merged result is bit-identical for 1, 2 and 8 threads", "[runner]") {
  const std::uint64_t n = 50000;
  const Outcome one = run(0, n, 1);
  for (unsigned threads : {2u, 8u}) {
    const Outcome many = run(0, n, threads);
    REQUIRE(many.total.count() == one.total.count());
    REQUIRE(bit_equal(many.total.mean(), one.total.mean()));
    REQUIRE(bit_equal(many.total.variance(), one.total.variance()));
  }
  // Exponential(1): mean 1, SD 1; within 4 SE.
  REQUIRE(std::abs(one.total.mean() - 1.0) < 4.0 / std::sqrt(static_cast<double>(n)));
}

TEST_CASE("a block-aligned range reproduces the same replicates", "[runner]") {
  const Outcome part = run(3 * REPLICATE_BLOCK_SIZE, 2 * REPLICATE_BLOCK_SIZE, 2);
  REQUIRE(part.order.front() == 3 * REPLICATE_BLOCK_SIZE);
  REQUIRE(part.order.back() == 5 * REPLICATE_BLOCK_SIZE - 1);
}

TEST_CASE("zero replicates do nothing", "[runner]") {
  const Outcome none = run(0, 0, 2);
  REQUIRE(none.order.empty());
}

TEST_CASE("for_each_index calls every index once, the same results for any thread count",
          "[runner]") {
  // Each item draws from its own stream and writes only its own slot (per-scenario true values).
  const auto run = [](unsigned threads, std::size_t n) {
    std::vector<double> out(n, -1.0);
    std::vector<int> calls(n, 0);
    for_each_index(threads, n, [&](std::size_t i) {
      Rng rng = make_stream(7, i, StreamPurpose::outcomes);
      double sum = 0.0;
      for (int k = 0; k < 10000; ++k) sum += uniform01(rng);
      out[i] = sum;
      calls[i] += 1;
    });
    for (const int c : calls) REQUIRE(c == 1);
    return out;
  };
  const std::vector<double> one = run(1, 9);
  for (const unsigned threads : {2u, 3u, 8u}) {
    const std::vector<double> many = run(threads, 9);
    REQUIRE(std::memcmp(one.data(), many.data(), one.size() * sizeof(double)) == 0);
  }
  // A different index gives a different stream, so the comparison above can fail.
  REQUIRE(one[0] != one[1]);
  REQUIRE(run(4, 0).empty());
  REQUIRE(run(4, 1).size() == 1);
}

TEST_CASE("for_each_index passes an item's exception to the caller", "[runner]") {
  const auto throwing = [](std::size_t i) {
    if (i == 3) throw std::invalid_argument("item 3");
  };
  REQUIRE_THROWS_AS(for_each_index(2, 6, throwing), std::invalid_argument);
  REQUIRE_THROWS_AS(for_each_index(1, 6, throwing), std::invalid_argument);
}

TEST_CASE("progress after every wave of consumed blocks and after the last", "[runner]") {
  // Waves of 16 blocks at 1 and 2 threads. 40 blocks and 5 replicates: reports at 16, 32 and 40
  // blocks.
  const std::uint64_t n = 39 * REPLICATE_BLOCK_SIZE + 5;
  REQUIRE(wave_blocks_for(1) == 16);
  REQUIRE(wave_blocks_for(2) == 16);
  REQUIRE(wave_blocks_for(4) == 32);
  for (const unsigned threads : {1u, 2u}) {
    std::vector<std::uint64_t> reports;
    std::uint64_t consumed = 0;
    run_replicate_blocks<Block, Workspace>(
        RunShape{0, n, threads},
        [](const ReplicateBlock& block, Block& result, Workspace&) {
          result.seen.assign(1, block.replicate_count);
        },
        [&](const ReplicateBlock&, const Block& result) { consumed += result.seen[0]; },
        [&](std::uint64_t done) {
          REQUIRE(done == consumed);  // every block before the report consumed, none after
          reports.push_back(done);
        });
    const std::uint64_t wave = wave_blocks_for(threads) * REPLICATE_BLOCK_SIZE;
    std::vector<std::uint64_t> expected;
    for (std::uint64_t d = wave; d < n; d += wave) expected.push_back(d);
    expected.push_back(n);
    REQUIRE(reports == expected);
  }
}

TEST_CASE("a stop thrown by the progress report ends the run, nothing consumed after it",
          "[runner]") {
  // A stop request (ScenarioLoop::after_wave throws RunInterrupted) with blocks still in flight.
  struct Stop {};
  for (const unsigned threads : {1u, 2u, 4u}) {
    std::vector<std::uint64_t> order;
    REQUIRE_THROWS_AS(
        (run_replicate_blocks<Block, Workspace>(
            RunShape{0, 200 * REPLICATE_BLOCK_SIZE, threads},
            [](const ReplicateBlock& block, Block& result, Workspace&) {
              result.seen.assign(1, block.index);
            },
            [&](const ReplicateBlock&, const Block& result) { order.push_back(result.seen[0]); },
            [](std::uint64_t) { throw Stop{}; })),
        Stop);
    const std::uint64_t wave = wave_blocks_for(threads);
    REQUIRE(order.size() == wave);
    for (std::uint64_t i = 0; i < order.size(); ++i) REQUIRE(order[i] == i);
  }
}

TEST_CASE("blocks in flight never share a result slot", "[runner]") {
  // Blocks of uneven cost on 8 threads, so later blocks finish before earlier ones: each result
  // must still be its own block's when consumed (a shared slot would hand over another's).
  for (const unsigned threads : {3u, 8u}) {
    std::vector<std::uint64_t> order;
    run_replicate_blocks<Block, Workspace>(
        RunShape{0, 300 * 64, threads, 64},
        [](const ReplicateBlock& block, Block& result, Workspace&) {
          Rng rng = make_stream(5, block.index, StreamPurpose::outcomes);
          double sink = 0.0;
          const int work = block.index % 7 == 0 ? 200000 : 2000;
          for (int k = 0; k < work; ++k) sink += uniform01(rng);
          result.seen.assign({block.index, block.first_replicate, sink > 0.0 ? 1u : 0u});
        },
        [&](const ReplicateBlock& block, const Block& result) {
          REQUIRE(result.seen[0] == block.index);
          REQUIRE(result.seen[1] == block.first_replicate);
          order.push_back(block.index);
        });
    REQUIRE(order.size() == 300);
    for (std::uint64_t i = 0; i < order.size(); ++i) REQUIRE(order[i] == i);
  }
}
