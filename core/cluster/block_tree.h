#pragma once
// Order-fixed reduction of replicate-block tallies that gives the same bits however the blocks
// are split: across threads, MPI ranks, job-array shards, or a run killed and resumed.
//
// Floating-point merges are not associative, so "merge in block order" is only reproducible if
// every process merges every block. Here the merge order is instead fixed by the block indices
// alone: the result is the value of the root of the dyadic (binary) tree over blocks
// [0, 2^J), in which each node [k 2^j, (k+1) 2^j) is merge(left half, right half) and a node
// with no blocks is absent (merge(x, absent) = x). Any process holding a contiguous range of
// blocks can compute every tree node lying inside its range; the combination of such nodes from
// several processes reproduces the root exactly. `insert` merges two siblings as soon as both are
// present, so the stored nodes are always the maximal nodes of the blocks seen, whatever the
// insertion order, and memory is O(log blocks) nodes per contiguous range.
//
// Partial: copyable, with `void merge(const Partial& right)` (this = this ⊕ right).
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace trialsim {

// A node of the dyadic tree: blocks [first_block, first_block + block_count), block_count a
// power of two and first_block a multiple of it.
struct BlockSpan {
  std::uint64_t first_block = 0;
  std::uint64_t block_count = 0;
  std::uint64_t end_block() const noexcept { return first_block + block_count; }
  bool operator==(const BlockSpan&) const = default;
};

inline bool is_dyadic(const BlockSpan& span) noexcept {
  return span.block_count > 0 && (span.block_count & (span.block_count - 1)) == 0 &&
         span.first_block % span.block_count == 0;
}

template <class Partial>
class DyadicBlockTree {
 public:
  // Adds a node (a single block is {block, 1}); merges it with its sibling while that is present.
  // Throws std::logic_error when the node overlaps one already held (a block counted twice).
  void insert(BlockSpan span, Partial value) {
    if (!is_dyadic(span)) throw std::logic_error("DyadicBlockTree: not a dyadic block span");
    if (overlaps(span)) {
      throw std::logic_error("DyadicBlockTree: blocks " + std::to_string(span.first_block) + "-" +
                             std::to_string(span.end_block() - 1) + " are already present");
    }
    for (;;) {
      const bool is_left_child = span.first_block % (2 * span.block_count) == 0;
      const std::uint64_t sibling_first =
          is_left_child ? span.first_block + span.block_count : span.first_block - span.block_count;
      const auto sibling = nodes_.find(sibling_first);
      if (sibling == nodes_.end() || sibling->second.block_count != span.block_count) break;
      if (is_left_child) {
        value.merge(sibling->second.value);
      } else {
        Partial left = std::move(sibling->second.value);
        left.merge(value);
        value = std::move(left);
        span.first_block = sibling_first;
      }
      nodes_.erase(sibling);
      span.block_count *= 2;
    }
    nodes_.emplace(span.first_block, Node{span.block_count, std::move(value)});
  }

  // The root of the tree: every block held, merged in the fixed dyadic order. Empty if none.
  std::optional<Partial> total() const {
    if (nodes_.empty()) return std::nullopt;
    const std::uint64_t end =
        std::prev(nodes_.end())->first + std::prev(nodes_.end())->second.block_count;
    std::uint64_t root_size = 1;
    while (root_size < end) root_size *= 2;
    return value_of(BlockSpan{0, root_size});
  }

  // The first block at or after `block` that is not held.
  std::uint64_t first_missing_from(std::uint64_t block) const {
    for (;;) {
      const auto node = containing(block);
      if (node == nodes_.end()) return block;
      block = node->first + node->second.block_count;
    }
  }

  // The first held block at or after `block` (UINT64_MAX when none).
  std::uint64_t first_held_from(std::uint64_t block) const {
    if (containing(block) != nodes_.end()) return block;
    const auto next = nodes_.lower_bound(block);
    return next == nodes_.end() ? UINT64_MAX : next->first;
  }

  // Total blocks held.
  std::uint64_t blocks_held() const {
    std::uint64_t total = 0;
    for (const auto& [first, node] : nodes_) total += node.block_count;
    return total;
  }

  // The stored (maximal) nodes in block order, e.g. to serialize them.
  template <class Function>
  void for_each_node(Function&& function) const {
    for (const auto& [first, node] : nodes_)
      function(BlockSpan{first, node.block_count}, node.value);
  }

 private:
  struct Node {
    std::uint64_t block_count;
    Partial value;
  };

  typename std::map<std::uint64_t, Node>::const_iterator containing(std::uint64_t block) const {
    auto it = nodes_.upper_bound(block);
    if (it == nodes_.begin()) return nodes_.end();
    --it;
    return block < it->first + it->second.block_count ? it : nodes_.end();
  }

  bool overlaps(const BlockSpan& span) const {
    if (containing(span.first_block) != nodes_.end()) return true;
    const auto next = nodes_.lower_bound(span.first_block);
    return next != nodes_.end() && next->first < span.end_block();
  }

  std::optional<Partial> value_of(BlockSpan span) const {
    const auto exact = nodes_.find(span.first_block);
    if (exact != nodes_.end() && exact->second.block_count == span.block_count)
      return exact->second.value;
    if (span.block_count == 1) return std::nullopt;
    // Nothing held inside the span: absent.
    const auto first_inside = nodes_.lower_bound(span.first_block);
    if (first_inside == nodes_.end() || first_inside->first >= span.end_block())
      return std::nullopt;
    const std::uint64_t half = span.block_count / 2;
    std::optional<Partial> left = value_of(BlockSpan{span.first_block, half});
    std::optional<Partial> right = value_of(BlockSpan{span.first_block + half, half});
    if (!left) return right;
    if (right) left->merge(*right);
    return left;
  }

  std::map<std::uint64_t, Node> nodes_;
};

}  // namespace trialsim
