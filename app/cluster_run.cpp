#include "app/cluster_run.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "app/cli.h"
#include "app/scenario_tallies.h"
#include "engine/cluster/archive.h"
#include "engine/runner.h"
#include "trialsim/version.h"

namespace trialsim {
namespace {

// Set by the SIGTERM/SIGINT handler, polled by the run after each wave (async-signal-safe).
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void request_stop(int signal) { stop_signal = signal; }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal ends the process at once
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

std::uint64_t parse_positive(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-' || value == 0) {
    throw UsageError(what + ": \"" + text + "\" is not a positive whole number");
  }
  return value;
}

std::uint64_t total_blocks(const StudyConfig& config) {
  return (config.simulation.replicates + REPLICATE_BLOCK_SIZE - 1) / REPLICATE_BLOCK_SIZE;
}

BlockRange shard_blocks(std::uint64_t blocks, const ShardSpec& shard) {
  return part_of(BlockRange{0, blocks}, shard.index - 1, shard.count);
}

std::string replicate_range(BlockRange range, std::uint64_t replicates) {
  const std::uint64_t first = range.first * REPLICATE_BLOCK_SIZE;
  const std::uint64_t end = std::min(replicates, range.end * REPLICATE_BLOCK_SIZE);
  if (first >= end) return "no replicates";
  return "replicates " + std::to_string(first) + "-" + std::to_string(end - 1);
}

// The first identity field in which two partial-results headers differ, described for the user
// ("seed 3, not 4"); empty when they belong to the same run.
std::string identity_difference(const nlohmann::json& have, const nlohmann::json& want) {
  const std::pair<const char*, const char*> fields[] = {
      {"config_sha256", "config (sha256 "}, {"seed", "seed "}, {"replicates", "replicate count "},
      {"trialsim_version", "trialsim version "}, {"git_revision", "trialsim build "}, {"block_size", "block size "}};
  for (const auto& [key, label] : fields) {
    if (have.value(key, nlohmann::json()) == want.value(key, nlohmann::json())) continue;
    const auto show = [&](const nlohmann::json& v) {
      std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      if (std::string(key) == "config_sha256") s = s.substr(0, 12) + "…)";
      return std::string(label) + s;
    };
    return show(have.value(key, nlohmann::json())) + ", not " + show(want.value(key, nlohmann::json()));
  }
  return {};
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  if (text == "slurm") {
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) {
      throw UsageError("--shard slurm: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set "
                       "(run it inside an sbatch --array job, or give --shard I/N)");
    }
    const std::uint64_t first = min ? std::stoull(min) : 0;
    const std::uint64_t task = std::stoull(id);
    if (task < first) throw UsageError("--shard slurm: SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN");
    ShardSpec shard{task - first + 1, parse_positive(count, "SLURM_ARRAY_TASK_COUNT")};
    if (shard.index > shard.count) {
      throw UsageError("--shard slurm: array task " + std::to_string(task) + " is not among " +
                       std::to_string(shard.count) + " consecutive tasks (use --array=" + std::to_string(first) + "-" +
                       std::to_string(first + shard.count - 1) + ")");
    }
    return shard;
  }
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw UsageError("--shard: expected I/N (e.g. 2/4) or slurm, got \"" + text + "\"");
  ShardSpec shard{parse_positive(text.substr(0, slash), "--shard I"), parse_positive(text.substr(slash + 1), "--shard N")};
  if (shard.index > shard.count) {
    throw UsageError("--shard " + text + ": I must be between 1 and N");
  }
  return shard;
}

nlohmann::json partial_header(const RunIdentity& run, const std::string& kind, std::optional<ShardSpec> shard) {
  const StudyConfig& config = *run.config;
  nlohmann::json header = {{"format", "trialsim partial results"},
                           {"kind", kind},
                           {"trialsim_version", VERSION},
                           {"git_revision", GIT_REVISION},
                           {"config_file", config.config_file},
                           {"config_sha256", config.sha256()},
                           {"config_text", run.config_text},
                           {"overrides", run.overrides},
                           {"seed", config.simulation.seed},
                           {"replicates", config.simulation.replicates},
                           {"block_size", REPLICATE_BLOCK_SIZE},
                           {"blocks", total_blocks(config)}};
  if (shard) {
    const BlockRange range = shard_blocks(total_blocks(config), *shard);
    header["shard"] = {{"index", shard->index}, {"count", shard->count},
                       {"first_block", range.first}, {"end_block", range.end}};
  }
  return header;
}

std::string shard_file_name(const ShardSpec& shard) {
  char name[64];
  std::snprintf(name, sizeof name, "shard-%04llu-of-%04llu.trialsim", static_cast<unsigned long long>(shard.index),
                static_cast<unsigned long long>(shard.count));
  return name;
}

std::filesystem::path checkpoint_path(const std::filesystem::path& directory, std::optional<ShardSpec> shard) {
  if (!shard) return directory / "checkpoint.trialsim-checkpoint";
  std::string name = shard_file_name(*shard);
  return directory / (name.substr(0, name.size() - std::string(".trialsim").size()) + ".trialsim-checkpoint");
}

Checkpointing::Checkpointing(const RunIdentity& run, std::filesystem::path file, std::optional<ShardSpec> shard,
                             std::chrono::seconds interval, bool resume, RunRequest& request)
    : file_(std::move(file)), header_(partial_header(run, "checkpoint", shard)), interval_(interval),
      last_write_(std::chrono::steady_clock::now()) {
  if (resume && std::filesystem::exists(file_)) {
    PartialResults saved;
    try {
      saved = read_partial_results(file_);
    } catch (const ArchiveError& e) {
      throw UsageError(std::string(e.what()) + "; remove it, or run without --resume to start again");
    }
    const std::string difference = identity_difference(saved.header, header_);
    if (saved.header.value("kind", "") != "checkpoint" || !difference.empty() ||
        saved.header.value("shard", nlohmann::json()) != header_.value("shard", nlohmann::json())) {
      throw UsageError(file_.string() + ": this checkpoint belongs to another run (" +
                       (difference.empty() ? std::string("another shard") : difference) +
                       "); refusing to resume. Run without --resume to start again");
    }
    std::uint64_t blocks = 0;
    for (const PartialNode& node : saved.nodes) blocks += node.span.block_count;
    std::fprintf(stderr, "resuming from %s: %llu of %llu replicate blocks already done\n", file_.string().c_str(),
                 static_cast<unsigned long long>(blocks),
                 static_cast<unsigned long long>(header_.contains("shard")
                                                     ? header_["shard"]["end_block"].get<std::uint64_t>() -
                                                           header_["shard"]["first_block"].get<std::uint64_t>()
                                                     : header_["blocks"].get<std::uint64_t>()));
    request.preloaded = std::move(saved.nodes);
    resumed_ = true;
  } else {
    if (resume) std::fprintf(stderr, "no checkpoint at %s: starting from the beginning\n", file_.string().c_str());
    std::error_code ignored;
    std::filesystem::remove(file_, ignored);  // a stale checkpoint of an earlier run
  }
  std::filesystem::create_directories(file_.parent_path().empty() ? "." : file_.parent_path());
  stop_signal = 0;
  install_stop_handlers();
  request.stop_requested = [] { return stop_signal != 0; };
  request.save_partial = [this](SaveReason reason, const std::function<std::vector<PartialNode>()>& nodes) {
    const auto now = std::chrono::steady_clock::now();
    if (reason == SaveReason::finished) return;
    if (reason == SaveReason::progress && now - last_write_ < interval_) return;
    write_partial_results(file_, PartialResults{header_, nodes()});
    last_write_ = now;
  };
}

void Checkpointing::remove() const {
  std::error_code ignored;
  std::filesystem::remove(file_, ignored);
}

MergeInput load_shards(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::string& path : paths) {
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file() && entry.path().extension() == ".trialsim") found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw UsageError(path + ": no shard files (*.trialsim) in this directory");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(path);
    }
  }
  if (files.empty()) throw UsageError("merge: no shards given");

  std::vector<PartialResults> shards;
  for (const auto& file : files) {
    if (!std::filesystem::is_regular_file(file)) throw UsageError(file.string() + ": no such shard file");
    try {
      shards.push_back(read_partial_results(file));
    } catch (const ArchiveError& e) {
      throw UsageError(e.what());
    }
    const nlohmann::json& header = shards.back().header;
    if (header.value("kind", "") != "shard") {
      throw UsageError(file.string() + ": is a " + header.value("kind", std::string("?")) +
                       ", not a shard (shards come from trialsim run --shard I/N)");
    }
  }
  const nlohmann::json& first = shards.front().header;
  const std::uint64_t count = first["shard"]["count"].get<std::uint64_t>();
  const std::uint64_t blocks = first["blocks"].get<std::uint64_t>();
  const std::uint64_t replicates = first["replicates"].get<std::uint64_t>();
  std::map<std::uint64_t, std::size_t> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const nlohmann::json& header = shards[i].header;
    std::string difference = identity_difference(header, first);
    if (difference.empty() && header["shard"]["count"] != first["shard"]["count"]) {
      difference = "split into " + header["shard"]["count"].dump() + " shards, not " + first["shard"]["count"].dump();
    }
    if (!difference.empty()) {
      throw UsageError(files[i].string() + " and " + files[0].string() + " come from different runs: " + difference +
                       "; merge only the shards of one run");
    }
    const std::uint64_t index = header["shard"]["index"].get<std::uint64_t>();
    const auto [it, inserted] = by_index.emplace(index, i);
    if (!inserted) {
      throw UsageError("shard " + std::to_string(index) + " of " + std::to_string(count) + " is given twice (" +
                       files[it->second].string() + " and " + files[i].string() + "); each shard must be merged once");
    }
    // The nodes must tile exactly the shard's own blocks.
    const BlockRange range = shard_blocks(blocks, ShardSpec{index, count});
    std::uint64_t next = range.first;
    auto nodes = shards[i].nodes;
    std::sort(nodes.begin(), nodes.end(),
              [](const PartialNode& a, const PartialNode& b) { return a.span.first_block < b.span.first_block; });
    for (const PartialNode& node : nodes) {
      if (node.span.first_block != next) break;
      next = node.span.end_block();
    }
    if (next != range.end || (!nodes.empty() && nodes.back().span.end_block() != range.end)) {
      throw UsageError(files[i].string() + ": does not hold all of its " + replicate_range(range, replicates) +
                       " (an unfinished or damaged shard)");
    }
  }
  std::string missing;
  for (std::uint64_t index = 1; index <= count; ++index) {
    if (by_index.count(index)) continue;
    if (!missing.empty()) missing += ", ";
    missing += std::to_string(index) + " of " + std::to_string(count) + " (" +
               replicate_range(shard_blocks(blocks, ShardSpec{index, count}), replicates) + ")";
  }
  if (!missing.empty()) {
    throw UsageError("missing shard" + std::string(count - by_index.size() > 1 ? "s " : " ") + missing +
                     "; merge needs every shard of the run");
  }

  MergeInput input;
  input.shard_count = count;
  input.config_text = first["config_text"].get<std::string>();
  input.overrides = first["overrides"].get<std::vector<std::string>>();
  input.config = load_study_config_text(input.config_text, first["config_file"].get<std::string>(), input.overrides);
  if (input.config.sha256() != first["config_sha256"].get<std::string>()) {
    throw UsageError("the shards' config no longer resolves to the same study (sha256 " +
                     input.config.sha256().substr(0, 12) + "…, shards have " +
                     first["config_sha256"].get<std::string>().substr(0, 12) +
                     "…): a file it refers to (e.g. a fitted model) has changed since the shards ran");
  }
  for (auto& shard : shards) {
    for (auto& node : shard.nodes) input.nodes.push_back(std::move(node));
  }
  return input;
}

}  // namespace trialsim
