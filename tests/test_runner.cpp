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
