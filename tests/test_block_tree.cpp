// Dyadic block tree (core/cluster/block_tree.h) and tally archive (core/cluster/archive.h):
// the combined result is the same bits however the blocks are split and in whatever order the
// pieces arrive, and a tally survives encode/decode bit for bit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/accumulator.h"
#include "core/cluster/archive.h"
#include "core/cluster/block_tree.h"
#include "core/cluster/partial_file.h"

using namespace trialsim;

namespace {

// A partial whose merge is not associative in floating point (Chan et al. update), so any
// change of merge order shows in the bits.
struct Moments {
  MomentAccumulator acc;
  void merge(const Moments& right) { acc.merge(right.acc); }
};

Moments block_value(std::uint64_t block) {
  Moments m;
  for (int i = 0; i < 7 + static_cast<int>(block % 5); ++i)
    m.acc.add(1e6 + std::sin(0.37 * block + i) * 3.0);
  return m;
}

std::uint64_t bits(double x) {
  std::uint64_t out;
  std::memcpy(&out, &x, sizeof out);
  return out;
}

// Blocks [first, end) inserted one by one into a tree; its maximal nodes are returned.
std::vector<std::pair<BlockSpan, Moments>> nodes_of_range(std::uint64_t first, std::uint64_t end) {
  DyadicBlockTree<Moments> tree;
  for (std::uint64_t b = first; b < end; ++b) tree.insert({b, 1}, block_value(b));
  std::vector<std::pair<BlockSpan, Moments>> out;
  tree.for_each_node([&](BlockSpan span, const Moments& m) { out.push_back({span, m}); });
  return out;
}

}  // namespace

TEST_CASE("block tree: any split into contiguous parts, in any order, gives the same bits",
          "[cluster]") {
  std::mt19937_64 shuffle(12345);
  for (std::uint64_t blocks : {1u, 2u, 3u, 7u, 16u, 37u, 100u}) {
    const auto whole = nodes_of_range(0, blocks);
    DyadicBlockTree<Moments> reference;
    for (const auto& [span, m] : whole) reference.insert(span, m);
    const Moments expected = *reference.total();
    REQUIRE(expected.acc.count() > 0);
    for (std::uint64_t parts : {2u, 3u, 4u, 5u, 13u}) {
      std::vector<std::pair<BlockSpan, Moments>> pieces;
      for (std::uint64_t p = 0; p < parts; ++p) {
        const auto nodes = nodes_of_range(blocks * p / parts, blocks * (p + 1) / parts);
        pieces.insert(pieces.end(), nodes.begin(), nodes.end());
      }
      std::shuffle(pieces.begin(), pieces.end(), shuffle);
      DyadicBlockTree<Moments> combined;
      for (const auto& [span, m] : pieces) combined.insert(span, m);
      const Moments got = *combined.total();
      CAPTURE(blocks, parts);
      REQUIRE(got.acc.count() == expected.acc.count());
      REQUIRE(bits(got.acc.mean()) == bits(expected.acc.mean()));
      REQUIRE(bits(got.acc.variance()) == bits(expected.acc.variance()));
      REQUIRE(combined.first_missing_from(0) == blocks);
    }
  }
}

TEST_CASE("block tree: the result really depends on merge order (the test above can fail)",
          "[cluster]") {
  // Sequential left-to-right merging of 37 blocks differs from the dyadic order in the last
  // bits, which is why every process must use the tree, not its own order.
  Moments sequential;
  for (std::uint64_t b = 0; b < 37; ++b) sequential.merge(block_value(b));
  DyadicBlockTree<Moments> tree;
  for (std::uint64_t b = 0; b < 37; ++b) tree.insert({b, 1}, block_value(b));
  const Moments dyadic = *tree.total();
  REQUIRE(dyadic.acc.mean() == Approx(sequential.acc.mean()).epsilon(1e-14));
  REQUIRE(bits(dyadic.acc.variance()) != bits(sequential.acc.variance()));
}

TEST_CASE("block tree: overlapping pieces and non-dyadic spans are refused; gaps are found",
          "[cluster]") {
  DyadicBlockTree<Moments> tree;
  tree.insert({0, 4}, block_value(0));
  REQUIRE_THROWS_AS(tree.insert({2, 1}, block_value(2)), std::logic_error);
  REQUIRE_THROWS_AS(tree.insert({0, 4}, block_value(0)), std::logic_error);
  REQUIRE_THROWS_AS(tree.insert({5, 2}, block_value(5)), std::logic_error);  // not aligned
  tree.insert({6, 1}, block_value(6));
  REQUIRE(tree.first_missing_from(0) == 4);
  REQUIRE(tree.first_held_from(4) == 6);
  REQUIRE(tree.first_missing_from(6) == 7);
  REQUIRE(tree.blocks_held() == 5);
}

namespace {
struct ExampleTally {
  MomentAccumulator moments;
  QuantisedDistribution durations{0.5};
  DiscreteDistribution bounds;
  std::vector<IntervalEstimateTally> landmarks;
  template <class Archive>
  void visit(Archive& archive) {
    archive(moments, durations, bounds, landmarks);
  }
};
}  // namespace

TEST_CASE("archive: accumulators round-trip bit for bit; truncation is detected", "[cluster]") {
  using Tally = ExampleTally;
  Tally tally;
  for (int i = 0; i < 100; ++i) {
    tally.moments.add(std::sqrt(i + 0.1));
    tally.durations.add(10.0 + 0.37 * i);
    tally.bounds.add(std::floor(i / 7.0) / 3.0);
  }
  tally.landmarks.resize(2);
  tally.landmarks[1].add(true, 0.6, 0.4, 0.8, 0.65);
  const std::string bytes = encode(tally);
  Tally copy;
  decode(bytes, copy);
  REQUIRE(encode(copy) == bytes);
  REQUIRE(bits(copy.moments.variance()) == bits(tally.moments.variance()));
  REQUIRE(copy.durations.distribution().quantile(0.5) ==
          tally.durations.distribution().quantile(0.5));
  REQUIRE(copy.landmarks[1].coverage.mean() == 1.0);
  Tally other;
  REQUIRE_THROWS_AS(decode(std::string_view(bytes).substr(0, bytes.size() - 3), other),
                    ArchiveError);
  REQUIRE_THROWS_AS(decode(bytes + "x", other), ArchiveError);
}

TEST_CASE("partial-results file: round trip, and a flipped byte or truncation is refused",
          "[cluster]") {
  PartialResults partial;
  partial.header = {{"kind", "shard"}, {"seed", 3}};
  partial.nodes = {{{0, 4}, "abcd"}, {{4, 1}, std::string("\0\1\2", 3)}};
  const std::string bytes = serialize_partial_results(partial);
  const PartialResults back = parse_partial_results(bytes, "x.shard");
  REQUIRE(back.header == partial.header);
  REQUIRE(back.nodes.size() == 2);
  REQUIRE(back.nodes[1].span == BlockSpan{4, 1});
  REQUIRE(back.nodes[1].bytes == partial.nodes[1].bytes);
  std::string corrupt = bytes;
  corrupt[bytes.size() / 2] ^= 0x20;
  REQUIRE_THROWS_WITH(parse_partial_results(corrupt, "x.shard"),
                      Catch::Contains("x.shard") && Catch::Contains("corrupt"));
  REQUIRE_THROWS_AS(parse_partial_results(bytes.substr(0, bytes.size() - 10), "x.shard"),
                    ArchiveError);
}
