#pragma once
// Runs split across processes or time (README "Cluster runs"): job-array shards and their merge,
// checkpoints and --resume, SIGTERM handling. The simulation itself is in study_run /
// scenario_tallies; this is the edge that names files, checks identities and talks to the user.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster/partial_file.h"
#include "edges/config/study_config.h"

namespace trialsim {

// Exit code of a run stopped by SIGTERM/SIGINT after writing its checkpoint (EX_TEMPFAIL:
// "try again" — with --resume).
inline constexpr int EXIT_INTERRUPTED = 75;

// --shard I/N (1 <= I <= N), or "slurm": I = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 and
// N = SLURM_ARRAY_TASK_COUNT (the task within MIN..MAX, the array consecutive). Throws UsageError
// ("WHAT: problem, expected ...") for anything else: signs, blanks, overflow, 0, I > N. That N is
// at most the run's replicate blocks is checked once the config is known (Checkpointing).
struct ShardSpec {
  std::uint64_t index = 1, count = 1;  // 1-based
};
ShardSpec parse_shard(const std::string& text);
// Refuses (UsageError, exit 2) more shards than the run has replicate blocks: "--shard I/N: N
// shards, expected at most B shards for R replicates". Call it before anything is created.
void check_shard_fits(const ShardSpec& shard, const StudyConfig& config);

// What identifies a run's partial results: the same config (hash and text), seed, replicate
// count and trialsim build, and which blocks they cover.
struct RunIdentity {
  const StudyConfig* config = nullptr;
  std::string config_text;             // the config file as read, for `merge` to rebuild the study
  std::vector<std::string> overrides;  // --set and command-line overrides, in order
};
nlohmann::json partial_header(const RunIdentity& run, const std::string& kind,
                              std::optional<ShardSpec> shard);

std::string shard_file_name(const ShardSpec& shard);  // "shard-0002-of-0004.trialsim"
std::filesystem::path checkpoint_path(const std::filesystem::path& directory,
                                      std::optional<ShardSpec> shard);

// Installs the checkpoint and SIGTERM/SIGINT handling of one run into `request`: refuses a shard
// count above the run's replicate blocks; loads the checkpoint when resuming (refusing, with
// UsageError, a damaged or forged file: bad header fields, nodes beyond the run or held twice,
// tallies that do not decode; and one from another config, seed, replicate count or build),
// writes a new one at most every `interval` (and always when stopped), and stops after the
// current wave on SIGTERM/SIGINT.
class Checkpointing {
 public:
  Checkpointing(const RunIdentity& run, std::filesystem::path file, std::optional<ShardSpec> shard,
                std::chrono::seconds interval, bool resume, RunRequest& request);
  const std::filesystem::path& file() const noexcept { return file_; }
  bool resumed() const noexcept { return resumed_; }
  // After the results are safely written: the checkpoint is no longer needed.
  void remove() const;

 private:
  std::filesystem::path file_;
  nlohmann::json header_;
  std::chrono::seconds interval_;
  std::chrono::steady_clock::time_point last_write_;
  bool resumed_ = false;
};

// The shards named on the command line (files, or directories holding *.trialsim shards),
// checked to be one complete run: same config, seed, replicate count and build; every shard of
// 1..N present exactly once and covering exactly its blocks; every header field of the right type;
// the tallies decoding for the config they carry. Throws UsageError naming the file and what is
// wrong ("PATH: problem, expected ..."), never an internal exception.
struct MergeInput {
  StudyConfig config;
  std::vector<std::string> overrides;
  std::vector<PartialNode> nodes;
  std::uint64_t shard_count = 0;
  std::string config_text;
};
MergeInput load_shards(const std::vector<std::string>& paths);

}  // namespace trialsim
