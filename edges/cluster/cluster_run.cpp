#include "edges/cluster/cluster_run.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <sstream>
#include <stdexcept>

#include "config/config_error.h"
#include "core/cluster/archive.h"
#include "core/runner.h"
#include "core/scenario_loop.h"
#include "core/stop_signal.h"
#include "core/text_escape.h"
#include "edges/cli/cli.h"
#include "trialsim/version.h"

namespace trialsim {
namespace {

// "PATH: problem, expected ..." as a UsageError (exit 2, README "Exit codes").
[[noreturn]] void refuse(const std::string& what, const std::string& problem,
                         const std::string& expected) {
  throw UsageError(what + ": " + problem + ", expected " + expected);
}

// Messages carry paths and header text as they are: report_failure (edges/cli/cli.cpp) shows every
// message through terminal_safe, once, so control characters never reach the terminal raw.
std::string shown(const std::filesystem::path& path) { return path.string(); }

// At most `limit` bytes of `text`, cut at a character boundary, "…" marking the cut.
std::string clipped(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) --limit;
  return text.substr(0, limit) + "…";
}

// A whole number in [minimum, UINT64_MAX], exactly as written (no sign, blanks or suffix).
std::uint64_t parse_whole(const std::string& text, const std::string& what, std::uint64_t minimum) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string expected = "a whole number >= " + std::to_string(minimum);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    refuse(what,
           "\"" + clipped(text, 40) + "\" is not a whole number" +
               (error == std::errc::result_out_of_range ? " that fits in 64 bits" : ""),
           expected);
  }
  if (value < minimum) refuse(what, std::to_string(value) + " is too small", expected);
  return value;
}

// Whole blocks of `replicates`, without overflow for any count.
std::uint64_t blocks_of(std::uint64_t replicates) {
  return replicates / REPLICATE_BLOCK_SIZE + (replicates % REPLICATE_BLOCK_SIZE != 0 ? 1 : 0);
}

std::uint64_t total_blocks(const StudyConfig& config) {
  return blocks_of(config.simulation.replicates);
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

std::string block_list(BlockSpan span) {
  return span.block_count == 1 ? "block " + std::to_string(span.first_block)
                               : "blocks " + std::to_string(span.first_block) + "-" +
                                     std::to_string(span.first_block + (span.block_count - 1));
}

// More shards than replicate blocks would leave some shards without work: refused up front.
void check_shard_count(const ShardSpec& shard, std::uint64_t replicates, const std::string& what) {
  const std::uint64_t blocks = blocks_of(replicates);
  if (shard.count > blocks) {
    refuse(what, std::to_string(shard.count) + " shards",
           "at most " + std::to_string(blocks) + " shards for " + std::to_string(replicates) +
               " replicates (one per block of " + std::to_string(REPLICATE_BLOCK_SIZE) + ")");
  }
}

// The header of a partial-results file, every field checked for presence and type before use:
// the file may be forged or damaged, and nothing from it may reach the user as a json.exception.
struct CheckedHeader {
  std::string kind, config_file, config_sha256, config_text;
  std::vector<std::string> overrides;
  std::uint64_t seed = 0, replicates = 0, blocks = 0;
  std::optional<ShardSpec> shard;
};

CheckedHeader check_header(const nlohmann::json& header, const std::string& file) {
  const auto field = [&](const char* key) -> const nlohmann::json& {
    const auto it = header.find(key);
    if (it == header.end())
      refuse(file, std::string("header has no \"") + key + "\"",
             "a header written by trialsim run");
    return *it;
  };
  const auto bad = [&](const std::string& key, const nlohmann::json& value,
                       const std::string& expected) {
    const std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    refuse(file, "header field \"" + key + "\" is " + clipped(text, 40), expected);
  };
  const auto text = [&](const char* key) {
    const nlohmann::json& value = field(key);
    if (!value.is_string()) bad(key, value, "a string");
    return value.get<std::string>();
  };
  const auto whole = [&](const nlohmann::json& value, const std::string& key) {
    if (!value.is_number_unsigned()) bad(key, value, "a whole number >= 0");
    return value.get<std::uint64_t>();
  };
  if (!header.is_object() ||
      header.value("format", nlohmann::json()) != "trialsim partial results") {
    refuse(file, "header does not say \"format\": \"trialsim partial results\"",
           "a header written by trialsim run");
  }
  CheckedHeader checked;
  checked.kind = text("kind");
  if (checked.kind != "shard" && checked.kind != "checkpoint")
    bad("kind", field("kind"), "\"shard\" or \"checkpoint\"");
  text("trialsim_version");
  text("git_revision");
  checked.config_file = text("config_file");
  if (checked.config_file.empty() || terminal_safe(checked.config_file) != checked.config_file) {
    bad("config_file", field("config_file"), "a file name without control characters");
  }
  checked.config_sha256 = text("config_sha256");
  if (checked.config_sha256.size() != 64 ||
      checked.config_sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    bad("config_sha256", field("config_sha256"), "64 lowercase hexadecimal digits");
  }
  checked.config_text = text("config_text");
  const nlohmann::json& overrides = field("overrides");
  if (!overrides.is_array()) bad("overrides", overrides, "a list of strings");
  for (const nlohmann::json& item : overrides) {
    if (!item.is_string()) bad("overrides", item, "a list of strings");
    checked.overrides.push_back(item.get<std::string>());
  }
  checked.seed = whole(field("seed"), "seed");
  checked.replicates = whole(field("replicates"), "replicates");
  if (checked.replicates == 0) bad("replicates", field("replicates"), "a replicate count >= 1");
  if (whole(field("block_size"), "block_size") != REPLICATE_BLOCK_SIZE) {
    bad("block_size", field("block_size"),
        std::to_string(REPLICATE_BLOCK_SIZE) + " (the block size of this trialsim build)");
  }
  checked.blocks = whole(field("blocks"), "blocks");
  if (checked.blocks != blocks_of(checked.replicates)) {
    bad("blocks", field("blocks"),
        std::to_string(blocks_of(checked.replicates)) + " blocks for " +
            std::to_string(checked.replicates) + " replicates");
  }
  if (header.contains("shard")) {
    const nlohmann::json& shard = header["shard"];
    if (!shard.is_object()) bad("shard", shard, "an object {index, count, first_block, end_block}");
    const auto member = [&](const char* key) {
      if (!shard.contains(key))
        refuse(file, std::string("header field \"shard\" has no \"") + key + "\"",
               "a header written by trialsim run --shard");
      return whole(shard[key], std::string("shard.") + key);
    };
    const ShardSpec spec{member("index"), member("count")};
    if (spec.index < 1 || spec.index > spec.count)
      bad("shard.index", shard["index"], "1 <= index <= count");
    check_shard_count(spec, checked.replicates, file);
    const BlockRange range = shard_blocks(checked.blocks, spec);
    const std::uint64_t first_block = member("first_block"), end_block = member("end_block");
    if (first_block != range.first || end_block != range.end) {
      refuse(file,
             "header says shard " + std::to_string(spec.index) + " of " +
                 std::to_string(spec.count) + " covers blocks " + std::to_string(first_block) +
                 "-" + std::to_string(end_block) + " (end excluded)",
             "blocks " + std::to_string(range.first) + "-" + std::to_string(range.end) +
                 " (end excluded)");
    }
    checked.shard = spec;
  } else if (checked.kind == "shard") {
    refuse(file, "header of a shard has no \"shard\"", "a header written by trialsim run --shard");
  }
  return checked;
}

// The nodes lie inside `range` and hold no block twice (sorted by first block on return); with
// `complete`, they also cover all of it. A node beyond the run, or a block counted twice, would
// otherwise reach the block tree as an internal error or, worse, be merged into the results.
void check_nodes(std::vector<PartialNode>& nodes, BlockRange range, bool complete,
                 const std::string& file, const std::string& whose) {
  std::sort(nodes.begin(), nodes.end(), [](const PartialNode& a, const PartialNode& b) {
    return a.span.first_block < b.span.first_block;
  });
  const std::string expected = "nodes inside blocks " + std::to_string(range.first) + "-" +
                               std::to_string(range.end == 0 ? 0 : range.end - 1) + " of " + whose +
                               ", each block once";
  std::uint64_t next = range.first, held = 0;
  for (const PartialNode& node : nodes) {
    const BlockSpan& span = node.span;
    if (span.first_block < range.first || span.first_block >= range.end ||
        span.block_count > range.end - span.first_block) {
      refuse(file, "holds " + block_list(span) + ", beyond " + whose, expected);
    }
    if (span.first_block < next)
      refuse(file, "holds " + block_list(span) + " twice (duplicate or overlapping nodes)",
             expected);
    next = span.end_block();
    held += span.block_count;
  }
  if (complete && held != range.end - range.first) {
    refuse(file,
           "holds " + std::to_string(held) + " of its " + std::to_string(range.end - range.first) +
               " blocks",
           "all of them (an unfinished or damaged shard)");
  }
}

// Decodes (and merges, as the run will) the tallies of `nodes` against `config`'s design, so that
// bytes that do not decode are refused here, naming their file, rather than failing the run.
void check_tallies(const StudyConfig& config, const std::vector<PartialNode>& nodes,
                   const std::string& file) {
  RunRequest probe;
  probe.progress = ProgressMode::quiet;
  probe.simulate = false;
  probe.partial_only = true;
  probe.preloaded = nodes;
  try {
    run_study(config, probe);
  } catch (const ArchiveError& e) {
    refuse(file, std::string("its tallies do not decode (") + e.what() + ")",
           "the tallies of this study's design");
  } catch (const std::length_error&) {
    refuse(file, "its tallies claim impossible sizes", "the tallies of this study's design");
  } catch (const std::bad_alloc&) {
    refuse(file, "its tallies claim impossible sizes", "the tallies of this study's design");
  } catch (const std::logic_error& e) {
    refuse(file, std::string("its tallies do not merge (") + e.what() + ")",
           "the tallies of this study's design");
  }
}

// The first identity field in which two partial-results headers differ, described for the user
// ("seed 3, not 4"); empty when they belong to the same run. Both headers passed check_header.
std::string identity_difference(const nlohmann::json& have, const nlohmann::json& want) {
  const std::pair<const char*, const char*> fields[] = {
      {"config_sha256", "config (sha256 "}, {"seed", "seed "},
      {"replicates", "replicate count "},   {"trialsim_version", "trialsim version "},
      {"git_revision", "trialsim build "},  {"block_size", "block size "}};
  for (const auto& field : fields) {
    // Named copies, not structured bindings: clang 14 (the fuzz build) cannot capture those.
    const char* const key = field.first;
    const char* const label = field.second;
    if (have.value(key, nlohmann::json()) == want.value(key, nlohmann::json())) continue;
    const auto show = [&](const nlohmann::json& v) {
      std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      // A NUL would end the message there (exception texts are C strings): shown as U+FFFD.
      for (std::size_t at; (at = s.find('\0')) != std::string::npos;) s.replace(at, 1, "\uFFFD");
      if (std::string(key) == "config_sha256") s = s.substr(0, 12) + "…)";
      return std::string(label) + clipped(s, 60);
    };
    return show(have.value(key, nlohmann::json())) + ", not " +
           show(want.value(key, nlohmann::json()));
  }
  return {};
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  if (text == "slurm") {
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
    const char* max = std::getenv("SLURM_ARRAY_TASK_MAX");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) {
      throw UsageError(
          "--shard slurm: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set "
          "(run it inside an sbatch --array job, or give --shard I/N)");
    }
    const std::uint64_t task = parse_whole(id, "--shard slurm: SLURM_ARRAY_TASK_ID", 0);
    const std::uint64_t first =
        min ? parse_whole(min, "--shard slurm: SLURM_ARRAY_TASK_MIN", 0) : 0;
    const std::uint64_t tasks = parse_whole(count, "--shard slurm: SLURM_ARRAY_TASK_COUNT", 1);
    const std::uint64_t last =
        max ? parse_whole(max, "--shard slurm: SLURM_ARRAY_TASK_MAX", 0) : UINT64_MAX;
    if (task < first || task > last) {
      refuse("--shard slurm: SLURM_ARRAY_TASK_ID", std::to_string(task) + " is outside the array",
             "a task between SLURM_ARRAY_TASK_MIN " + std::to_string(first) +
                 (max ? " and SLURM_ARRAY_TASK_MAX " + std::to_string(last)
                      : std::string(" and above")));
    }
    const ShardSpec shard{task - first + 1, tasks};
    if (shard.index > shard.count || (max && last - first + 1 != tasks)) {
      refuse("--shard slurm",
             "array task " + std::to_string(task) + " is not among " + std::to_string(tasks) +
                 " consecutive tasks from " + std::to_string(first),
             "an array of consecutive tasks (use --array=" + std::to_string(first) + "-" +
                 std::to_string(first + (tasks - 1)) + ")");
    }
    return shard;
  }
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    refuse("--shard", "\"" + clipped(text, 40) + "\" is not I/N",
           "I/N with 1 <= I <= N (e.g. 2/4), or slurm");
  }
  ShardSpec shard{parse_whole(text.substr(0, slash), "--shard I", 1),
                  parse_whole(text.substr(slash + 1), "--shard N", 1)};
  if (shard.index > shard.count) refuse("--shard " + text, "I is larger than N", "1 <= I <= N");
  return shard;
}

void check_shard_fits(const ShardSpec& shard, const StudyConfig& config) {
  check_shard_count(shard, config.simulation.replicates,
                    "--shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count));
}

nlohmann::json partial_header(const RunIdentity& run, const std::string& kind,
                              std::optional<ShardSpec> shard) {
  const StudyConfig& config = *run.config;
  nlohmann::json header = {
      {"format", "trialsim partial results"}, {"kind", kind},
      {"trialsim_version", VERSION},          {"git_revision", GIT_REVISION},
      {"config_file", config.config_file},    {"config_sha256", config.sha256()},
      {"config_text", run.config_text},       {"overrides", run.overrides},
      {"seed", config.simulation.seed},       {"replicates", config.simulation.replicates},
      {"block_size", REPLICATE_BLOCK_SIZE},   {"blocks", total_blocks(config)}};
  if (shard) {
    const BlockRange range = shard_blocks(total_blocks(config), *shard);
    header["shard"] = {{"index", shard->index},
                       {"count", shard->count},
                       {"first_block", range.first},
                       {"end_block", range.end}};
  }
  return header;
}

std::string shard_file_name(const ShardSpec& shard) {
  char name[64];
  std::snprintf(name, sizeof name, "shard-%04llu-of-%04llu.trialsim",
                static_cast<unsigned long long>(shard.index),
                static_cast<unsigned long long>(shard.count));
  return name;
}

std::filesystem::path checkpoint_path(const std::filesystem::path& directory,
                                      std::optional<ShardSpec> shard) {
  if (!shard) return directory / "checkpoint.trialsim-checkpoint";
  std::string name = shard_file_name(*shard);
  return directory /
         (name.substr(0, name.size() - std::string(".trialsim").size()) + ".trialsim-checkpoint");
}

Checkpointing::Checkpointing(const RunIdentity& run, std::filesystem::path file,
                             std::optional<ShardSpec> shard, std::chrono::seconds interval,
                             bool resume, RunRequest& request)
    : file_(std::move(file)), interval_(interval), last_write_(std::chrono::steady_clock::now()) {
  const StudyConfig& config = *run.config;  // `run` checked the shard against it (check_shard_fits)
  header_ = partial_header(run, "checkpoint", shard);
  std::error_code error;
  const bool present = std::filesystem::symlink_status(file_, error).type() !=
                           std::filesystem::file_type::not_found &&
                       !error;
  if (resume && present) {
    const std::string name = shown(file_);
    const std::string start_again = "; remove it, or run without --resume to start again";
    PartialResults saved;
    try {
      saved = read_partial_results(file_);
    } catch (const ArchiveError& e) {
      throw UsageError(std::string(e.what()) + start_again);
    }
    const CheckedHeader checked = check_header(saved.header, name);
    if (checked.kind != "checkpoint") {
      refuse(name, "is a " + checked.kind + ", not a checkpoint",
             "the checkpoint of this run" + start_again);
    }
    const std::string difference = identity_difference(saved.header, header_);
    if (!difference.empty() ||
        saved.header.value("shard", nlohmann::json()) != header_.value("shard", nlohmann::json())) {
      throw UsageError(name + ": this checkpoint belongs to another run (" +
                       (difference.empty() ? std::string("another shard") : difference) +
                       "); refusing to resume. Run without --resume to start again");
    }
    // The blocks this process may hold: its shard's, or the whole run's (up to the precision
    // mode's cap, which may run past the first replicate count).
    const std::uint64_t run_blocks = blocks_of(
        config.simulation.precision
            ? std::max(config.simulation.replicates, config.simulation.precision->max_replicates)
            : config.simulation.replicates);
    const BlockRange mine = shard ? shard_blocks(run_blocks, *shard) : BlockRange{0, run_blocks};
    check_nodes(saved.nodes, mine, false, name, shard ? "this shard" : "this run");
    check_tallies(config, saved.nodes, name);
    std::uint64_t blocks = 0;
    for (const PartialNode& node : saved.nodes) blocks += node.span.block_count;
    std::fprintf(stderr, "resuming from %s: %llu of %llu replicate blocks already done\n",
                 name.c_str(), static_cast<unsigned long long>(blocks),
                 static_cast<unsigned long long>(mine.end - mine.first));
    request.preloaded = std::move(saved.nodes);
    resumed_ = true;
  } else {
    if (resume)
      std::fprintf(stderr, "no checkpoint at %s: starting from the beginning\n",
                   shown(file_).c_str());
    std::error_code ignored;
    std::filesystem::remove(file_, ignored);  // a stale checkpoint of an earlier run
  }
  // SIGTERM/SIGINT stop the run after the current wave, with a checkpoint (core/stop_signal.h;
  // `run` installs the handlers before taking its output directory).
  if (!request.stop_requested) {
    install_stop_handlers();
    request.stop_requested = stop_requested;
  }
  request.save_partial = [this](SaveReason reason,
                                const std::function<std::vector<PartialNode>()>& nodes) {
    const auto now = std::chrono::steady_clock::now();
    if (reason == SaveReason::finished) return;
    if (reason == SaveReason::progress && now - last_write_ < interval_) return;
    // The directory is made when the first checkpoint is written, not before: a run refused or
    // failed before then leaves nothing behind.
    std::filesystem::create_directories(file_.parent_path().empty() ? "." : file_.parent_path());
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
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
        if (entry.is_regular_file(error) && entry.path().extension() == ".trialsim")
          found.push_back(entry.path());
      }
      if (error)
        refuse(shown(path), "cannot be listed (" + error.message() + ")",
               "a directory of shard files");
      std::sort(found.begin(), found.end());
      if (found.empty())
        refuse(shown(path), "no shard files (*.trialsim) in this directory",
               "the shards of one run");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(path);
    }
  }
  if (files.empty()) throw UsageError("merge: no shards given");

  struct Shard {
    std::string name;
    PartialResults partial;
    CheckedHeader header;
  };
  std::vector<Shard> shards;
  for (const auto& file : files) {
    Shard shard{shown(file), {}, {}};
    try {
      shard.partial = read_partial_results(file);
    } catch (const ArchiveError& e) {
      throw UsageError(e.what());
    }
    shard.header = check_header(shard.partial.header, shard.name);
    if (shard.header.kind != "shard") {
      refuse(shard.name, "is a " + shard.header.kind + ", not a shard",
             "shard files (from trialsim run --shard I/N)");
    }
    shards.push_back(std::move(shard));
  }
  const Shard& first = shards.front();
  const std::uint64_t count = first.header.shard->count;
  const std::uint64_t blocks = first.header.blocks;
  const std::uint64_t replicates = first.header.replicates;
  std::map<std::uint64_t, std::size_t> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    Shard& shard = shards[i];
    std::string difference = identity_difference(shard.partial.header, first.partial.header);
    if (difference.empty() && shard.header.shard->count != count) {
      difference = "split into " + std::to_string(shard.header.shard->count) + " shards, not " +
                   std::to_string(count);
    }
    if (!difference.empty()) {
      throw UsageError(shard.name + " and " + first.name + " come from different runs: " +
                       difference + "; merge only the shards of one run");
    }
    const std::uint64_t index = shard.header.shard->index;
    const auto [it, inserted] = by_index.emplace(index, i);
    if (!inserted) {
      throw UsageError("shard " + std::to_string(index) + " of " + std::to_string(count) +
                       " is given twice (" + shards[it->second].name + " and " + shard.name +
                       "); each shard must be merged once");
    }
    // The nodes must tile exactly the shard's own blocks.
    const BlockRange range = shard_blocks(blocks, ShardSpec{index, count});
    std::uint64_t held = 0;
    for (const PartialNode& node : shard.partial.nodes) held += node.span.block_count;
    if (held < range.end - range.first) {
      throw UsageError(shard.name + ": does not hold all of its " +
                       replicate_range(range, replicates) + " (an unfinished or damaged shard)");
    }
    check_nodes(shard.partial.nodes, range, true, shard.name,
                "shard " + std::to_string(index) + " of " + std::to_string(count));
  }
  std::string missing;
  for (std::uint64_t index = 1; index <= count && missing.size() < 2000; ++index) {
    if (by_index.count(index)) continue;
    if (!missing.empty()) missing += ", ";
    missing += std::to_string(index) + " of " + std::to_string(count) + " (" +
               replicate_range(shard_blocks(blocks, ShardSpec{index, count}), replicates) + ")";
  }
  if (!missing.empty()) {
    throw UsageError("missing shard" + std::string(count - by_index.size() > 1 ? "s " : " ") +
                     missing + "; merge needs every shard of the run");
  }

  MergeInput input;
  input.shard_count = count;
  input.config_text = first.header.config_text;
  input.overrides = first.header.overrides;
  try {
    input.config =
        load_study_config_text(input.config_text, first.header.config_file, input.overrides);
  } catch (const ConfigError& e) {
    refuse(first.name, std::string("the config it carries does not load (") + e.what() + ")",
           "the config of a trialsim run");
  }
  if (input.config.sha256() != first.header.config_sha256) {
    throw UsageError(
        "the shards' config no longer resolves to the same study (sha256 " +
        input.config.sha256().substr(0, 12) + "…, shards have " +
        first.header.config_sha256.substr(0, 12) +
        "…): a file it refers to (e.g. a fitted model) has changed since the shards ran");
  }
  // The header's seed and replicate count must be the config's own (the hash leaves them out).
  const SimulationSettings& simulation = input.config.simulation;
  if (simulation.seed != first.header.seed || simulation.replicates != first.header.replicates) {
    refuse(first.name,
           "its header says seed " + std::to_string(first.header.seed) + " and " +
               std::to_string(replicates) + " replicates, its config seed " +
               std::to_string(simulation.seed) + " and " + std::to_string(simulation.replicates),
           "the same seed and replicate count in both");
  }
  if (simulation.mode != EvaluationMode::simulate || simulation.precision ||
      !input.config.grid.empty() || input.config.search) {
    refuse(first.name,
           "its config is not a plain simulation (exact mode, precision, grid or search)",
           "the config of a run that can be sharded");
  }
  for (Shard& shard : shards) check_tallies(input.config, shard.partial.nodes, shard.name);
  for (Shard& shard : shards) {
    for (auto& node : shard.partial.nodes) input.nodes.push_back(std::move(node));
  }
  return input;
}

}  // namespace trialsim
