#pragma once
// Partial results on disk: a job-array shard, or the checkpoint of a long run. Both hold the
// dyadic block-tree nodes (core/cluster/block_tree.h) that one process computed, each as the
// bit-exact bytes of its per-scenario tallies, plus a JSON header that identifies the run
// (trialsim version, config hash, seed, replicate count, the range of blocks covered, and the
// config text itself so that `trialsim merge` can rebuild the study without the original file).
//
// Layout: magic line, byte-order marker, header length + header JSON, node count, nodes
// (first block, block count, byte length, bytes), then the SHA-256 of everything before it, so
// a truncated or corrupt file is refused rather than merged.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/cluster/block_tree.h"

namespace trialsim {

struct PartialNode {
  BlockSpan span;
  std::string bytes;  // the encoded per-scenario tallies of the node
};

struct PartialResults {
  nlohmann::json header;
  std::vector<PartialNode> nodes;
};

// Largest partial-results file read (README "Cluster runs"): shards and checkpoints hold
// O(log blocks) nodes of a few kilobytes to megabytes each, so anything larger is not one.
inline constexpr std::uintmax_t MAX_PARTIAL_RESULTS_BYTES = std::uintmax_t{1} << 30;

std::string serialize_partial_results(const PartialResults& partial);
// Throws ArchiveError (one line naming `display_name`: "NAME: problem, expected ...") when the
// bytes are not a complete partial-results file. Only the layout and checksum are checked here;
// what the header says and which blocks the nodes cover is for the caller to check.
PartialResults parse_partial_results(std::string_view bytes, const std::string& display_name);

// Written atomically (temporary file + rename): a reader sees the old file or the new one.
void write_partial_results(const std::filesystem::path& path, const PartialResults& partial);
// The same for a file: refuses a missing path, a directory, a non-regular file or one larger than
// MAX_PARTIAL_RESULTS_BYTES before reading it.
PartialResults read_partial_results(const std::filesystem::path& path);

}  // namespace trialsim
