// Hostile input (issue 12, items 6 and 7), end to end through the real binary: forged and
// malformed shards and checkpoints, `--shard` values and Slurm variables, evidence that cannot be
// true, and hostile CSV for `trialsim analyze`. Every case must end with exit 2 and ONE line on
// stderr naming the problem (the fragment of the table), no internal exception text, no control
// character on the terminal, nothing on stdout, and nothing left behind: the case's directory is
// exactly as it was before the command (no output directory, no temporary or staging file).
//
// Forged files keep a valid checksum: they are rebuilt with the file layout of
// core/cluster/partial_file.h, so the checks behind the checksum are what is tested.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "core/cluster/partial_file.h"
#include "core/output.h"
#include "tests/support.h"
#include "trialsim/version.h"

using namespace trialsim;
using namespace trialsim::testing;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

const std::string TWO_ARM = source_path("configs/examples/two-arm-survival.yaml").string();
const std::string EVIDENCE = source_path("configs/evidence/inati-cel-post-hsct.yaml").string();
// 3000 replicates are 3 blocks of 1024: shard 1 of 2 holds block 0, shard 2 blocks 1 and 2.
const std::vector<std::string> SHARD_RUN = {"run", TWO_ARM, "-r", "3000", "-s", "3", "-q"};

// What a directory holds, recursively: relative path -> size and contents (small files).
using Snapshot = std::map<std::string, std::string>;
Snapshot snapshot(const fs::path& root) {
  Snapshot out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = fs::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      out[name] = "(directory)";
    } else {
      const auto size = entry.file_size();
      out[name] = std::to_string(size) + ":" +
                  (size < (1u << 20) ? read_text(entry.path()) : std::string());
    }
  }
  return out;
}

// `trialsim ARGS`, stdout and stderr captured in `capture` (outside the case directory), with
// `environment` set for the child only.
CommandResult run_in(const std::vector<std::string>& arguments, const fs::path& capture,
                     const std::vector<std::pair<std::string, std::string>>& environment = {}) {
  std::string command = "env";
  for (const auto& [name, value] : environment)
    command.append(" ").append(shell_quote(name + "=" + value));
  command.append(" ").append(shell_quote(TRIALSIM_BINARY));
  for (const auto& argument : arguments) command.append(" ").append(shell_quote(argument));
  const auto out = capture / "stdout.txt";
  const auto err = capture / "stderr.txt";
  command.append(" >")
      .append(shell_quote(out.string()))
      .append(" 2>")
      .append(shell_quote(err.string()));
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

struct Case {
  std::string name;
  // Writes what the case needs into its directory; returns the command's arguments.
  std::function<std::vector<std::string>(const fs::path& dir)> setup;
  int exit_code;
  std::string fragment;  // must appear in the one line on stderr
  std::vector<std::pair<std::string, std::string>> environment = {};
};

// Runs every case in a fresh directory and checks the promises of the file comment.
void run_cases(const std::vector<Case>& cases, const std::string& tag) {
  TempDir scratch(tag);
  const fs::path capture = scratch / "capture";
  fs::create_directories(capture);
  for (const Case& c : cases) {
    const fs::path dir = scratch / ("case-" + std::to_string(&c - cases.data()));
    fs::create_directories(dir);
    const std::vector<std::string> arguments = c.setup(dir);
    const Snapshot before = snapshot(dir);
    const CommandResult r = run_in(arguments, capture, c.environment);
    CAPTURE(c.name, r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK_THAT(r.err, Catch::Contains(c.fragment));
    // One line, nothing a terminal would act on, no internal exception text.
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(std::none_of(r.err.begin(), r.err.end() - (r.err.empty() ? 0 : 1), [](char ch) {
      return (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f;
    }));
    for (const char* internal :
         {"json.exception", "stoull", "stoi", "DyadicBlockTree", "std::", "basic_string"}) {
      CHECK_THAT(r.err, !Catch::Contains(internal));
    }
    CHECK(r.out.empty());
    CHECK(snapshot(dir) == before);  // nothing new, nothing changed, nothing removed
    fs::remove_all(dir);
  }
}

// ---------------------------------------------------------------- partial-results files

// The two valid shards of SHARD_RUN, made once.
struct ValidShards {
  std::string first, second;
};
const ValidShards& valid_shards() {
  static const ValidShards shards = [] {
    TempDir dir("hostile-shards-source");
    for (const char* shard : {"1/2", "2/2"}) {
      auto run = SHARD_RUN;
      run.insert(run.end(), {"--shard", shard, "-o", (dir / "sh").string()});
      const CommandResult r = run_trialsim(run, dir);
      if (r.exit_code != 0) throw std::runtime_error("shard run failed: " + r.err);
    }
    return ValidShards{read_text(dir / "sh" / "shard-0001-of-0002.trialsim"),
                       read_text(dir / "sh" / "shard-0002-of-0002.trialsim")};
  }();
  return shards;
}

// `bytes` parsed, edited and written again with a valid checksum.
std::string forged(const std::string& bytes, const std::function<void(PartialResults&)>& edit) {
  PartialResults partial = parse_partial_results(bytes, "valid shard");
  edit(partial);
  return serialize_partial_results(partial);
}

template <class T>
void append_raw(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
}

// A file in the layout of partial_file.h from its parts, sealed with a valid checksum:
// magic, byte-order mark, header length + header, then `rest` (node count and nodes).
std::string sealed(const std::string& header, std::uint64_t header_length,
                   const std::string& rest) {
  std::string out = "TRIALSIM PARTIAL RESULTS 1\n";
  append_raw<std::uint32_t>(out, 0x01020304);
  append_raw<std::uint64_t>(out, header_length);
  out += header + rest;
  return out + sha256_hex(out);
}
std::string nodes_part(
    std::uint64_t count,
    const std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::string>>&
        nodes) {
  std::string out;
  append_raw(out, count);
  for (const auto& [first, blocks, length, bytes] : nodes) {
    append_raw(out, first);
    append_raw(out, blocks);
    append_raw(out, length);
    out += bytes;
  }
  return out;
}
std::string header_of(const std::string& shard) {
  return parse_partial_results(shard, "valid shard").header.dump();
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

// A merge of shard 1 (as `content` makes it) with shard 2 (valid unless `second` is given),
// into `dir`/merged.
Case merge_case(const std::string& name, std::function<std::string()> content,
                const std::string& fragment, std::function<std::string()> second = {}) {
  return {name,
          [content, second](const fs::path& dir) {
            write_bytes(dir / "sh" / "shard-0001-of-0002.trialsim", content());
            write_bytes(dir / "sh" / "shard-0002-of-0002.trialsim",
                        second ? second() : valid_shards().second);
            return std::vector<std::string>{"merge", (dir / "sh").string(), "-o",
                                            (dir / "merged").string()};
          },
          2, fragment};
}

// Shard 1 with one header field replaced (`value` null: removed).
Case header_case(const std::string& name, const std::string& key, const Json& value,
                 const std::string& fragment) {
  return merge_case(
      name,
      [key, value] {
        return forged(valid_shards().first, [&](PartialResults& p) {
          if (value.is_null())
            p.header.erase(key);
          else
            p.header[key] = value;
        });
      },
      fragment);
}

Case shard_field_case(const std::string& name, const std::string& key, const Json& value,
                      const std::string& fragment) {
  return merge_case(
      name,
      [key, value] {
        return forged(valid_shards().first, [&](PartialResults& p) {
          if (value.is_null())
            p.header["shard"].erase(key);
          else
            p.header["shard"][key] = value;
        });
      },
      fragment);
}

Case nodes_case(const std::string& name, const std::function<void(std::vector<PartialNode>&)>& edit,
                const std::string& fragment) {
  return merge_case(
      name,
      [edit] { return forged(valid_shards().first, [&](PartialResults& p) { edit(p.nodes); }); },
      fragment);
}

// Both shards with one header field replaced: they agree with each other, not with their config.
Case both_headers_case(const std::string& name, const std::string& key, const Json& value,
                       const std::string& fragment) {
  const auto edit = [key, value](const std::string& shard) {
    return forged(shard, [&](PartialResults& p) { p.header[key] = value; });
  };
  return merge_case(
      name, [edit] { return edit(valid_shards().first); }, fragment,
      [edit] { return edit(valid_shards().second); });
}

// A varint of `value` (LEB128), as the tallies encode lengths.
std::string varint(std::uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

std::vector<Case> shard_cases() {
  const auto first = [] { return valid_shards().first; };
  std::vector<Case> cases = {
      merge_case(
          "empty file", [] { return std::string(); },
          "shard-0001-of-0002.trialsim: empty file, expected"),
      merge_case(
          "garbage bytes",
          [] {
            return std::string(
                "\x7f"
                "ELF\x02\x01\x01 garbage\n\x1b[31m",
                20);
          },
          "no trialsim partial-results header, expected"),
      merge_case(
          "a YAML config", [] { return read_text(TWO_ARM); }, "no trialsim partial-results header"),
      merge_case(
          "magic line only",
          [] { return std::string("TRIALSIM PARTIAL RESULTS 1\n") + std::string(70, 'x'); },
          "checksum mismatch"),
      merge_case(
          "truncated to half", [first] { return first().substr(0, first().size() / 2); },
          "checksum mismatch"),
      merge_case(
          "one byte flipped",
          [first] {
            std::string b = first();
            b[b.size() / 3] ^= 0x10;
            return b;
          },
          "checksum mismatch: truncated or corrupt"),
      merge_case(
          "header is not JSON", [] { return sealed("{not json", 9, nodes_part(0, {})); },
          "header is not a JSON object"),
      merge_case(
          "header is a JSON array", [] { return sealed("[1,2]", 5, nodes_part(0, {})); },
          "header is not a JSON object"),
      merge_case(
          "header length 2^60",
          [] { return sealed("{}", std::uint64_t{1} << 60, nodes_part(0, {})); },
          "a length runs past the end of the file"),
      merge_case(
          "node count 2^60",
          [first] {
            return sealed(header_of(first()), header_of(first()).size(),
                          nodes_part(std::uint64_t{1} << 60, {}));
          },
          "nodes but has room for at most"),
      merge_case(
          "node length 2^60",
          [first] {
            return sealed(header_of(first()), header_of(first()).size(),
                          nodes_part(1, {{0, 1, std::uint64_t{1} << 60, ""}}));
          },
          "a length runs past the end of the file"),
      merge_case(
          "node span not dyadic",
          [first] {
            return sealed(header_of(first()), header_of(first()).size(),
                          nodes_part(1, {{1, 2, 0, ""}}));
          },
          "is not a dyadic block span"),
      merge_case(
          "node of zero blocks",
          [first] {
            return sealed(header_of(first()), header_of(first()).size(),
                          nodes_part(1, {{0, 0, 0, ""}}));
          },
          "is not a dyadic block span"),
      header_case("seed a string", "seed", "x",
                  "header field \"seed\" is \"x\", expected a whole number >= 0"),
      header_case("seed negative", "seed", -1, "header field \"seed\" is -1"),
      header_case("seed fractional", "seed", 1.5, "header field \"seed\" is 1.5"),
      header_case("seed missing", "seed", nullptr, "header has no \"seed\""),
      header_case("replicates zero", "replicates", 0,
                  "header field \"replicates\" is 0, expected a replicate count >= 1"),
      header_case("replicates a string", "replicates", "3000",
                  "header field \"replicates\" is \"3000\""),
      header_case("blocks do not fit the replicates", "blocks", 4,
                  "expected 3 blocks for 3000 replicates"),
      header_case("another block size", "block_size", 512, "header field \"block_size\" is 512"),
      header_case("a checkpoint given as a shard", "kind", "checkpoint",
                  "is a checkpoint, not a shard"),
      header_case("kind a number", "kind", 7, "header field \"kind\" is 7, expected a string"),
      header_case("kind unknown", "kind", "bogus", "header field \"kind\" is \"bogus\""),
      header_case("format missing", "format", nullptr, "header does not say \"format\""),
      header_case("shard -1", "shard", -1, "header field \"shard\" is -1"),
      header_case("shard missing", "shard", nullptr, "header of a shard has no \"shard\""),
      header_case("overrides not a list", "overrides", "-r 3000",
                  "header field \"overrides\" is \"-r 3000\""),
      header_case("overrides of numbers", "overrides", Json::array({1}),
                  "header field \"overrides\" is 1"),
      header_case("config hash not hex", "config_sha256", "abc",
                  "header field \"config_sha256\" is \"abc\""),
      header_case("config file name with a newline", "config_file", "x.yaml\n!touch /tmp/pwned",
                  "expected a file name without control characters"),
      header_case("config text not a string", "config_text", Json::object(),
                  "header field \"config_text\" is {}"),
      header_case("config text that is not a config", "config_text", "::: [",
                  "the config it carries does not load"),
      header_case("version with escapes (differs from shard 2)", "trialsim_version",
                  "\x1b[2J\x1b[31mevil\n",
                  std::string("come from different runs: trialsim version ") + VERSION +
                      ", not trialsim version \\x1b[2J\\x1b[31mevil\\n"),
      header_case("version with a NUL (differs from shard 2)", "trialsim_version",
                  std::string("a\0b", 3),
                  "not trialsim version a\xEF\xBF\xBD"
                  "b"),
      header_case("replicates of another run", "replicates", 2900,
                  "come from different runs: replicate count 3000, not replicate count 2900"),
      both_headers_case("seed of both shards not their config's", "seed", 4,
                        "its header says seed 4 and 3000 replicates, its config seed 3 and 3000"),
      both_headers_case("replicates of both shards not their config's", "replicates", 2900,
                        "its header says seed 3 and 2900 replicates, its config seed 3 and 3000"),
      shard_field_case("shard index 0", "index", 0,
                       "header field \"shard.index\" is 0, expected 1 <= index <= count"),
      shard_field_case("shard index above count", "index", 3, "header field \"shard.index\" is 3"),
      shard_field_case("shard index a string", "index", "1",
                       "header field \"shard.index\" is \"1\""),
      shard_field_case("shard count above the blocks", "count", 1000,
                       "1000 shards, expected at most 3 shards for 3000 replicates"),
      shard_field_case("shard count missing", "count", nullptr,
                       "header field \"shard\" has no \"count\""),
      shard_field_case("shard first block wrong", "first_block", 2,
                       "covers blocks 2-1 (end excluded), expected blocks 0-1"),
      nodes_case(
          "duplicate node", [](std::vector<PartialNode>& n) { n.push_back(n.front()); },
          "holds block 0 twice"),
      nodes_case(
          "node beyond the run",
          [](std::vector<PartialNode>& n) {
            n.front().span = {1024, 1};
          },
          "holds block 1024, beyond shard 1 of 2"),
      nodes_case(
          "node of the other shard",
          [](std::vector<PartialNode>& n) {
            n.front().span = {2, 1};
          },
          "holds block 2, beyond shard 1 of 2"),
      nodes_case(
          "node at the end of 64-bit blocks",
          [](std::vector<PartialNode>& n) {
            n.front().span = {std::uint64_t{1} << 63, std::uint64_t{1} << 63};
          },
          "beyond shard 1 of 2"),
      nodes_case(
          "no nodes", [](std::vector<PartialNode>& n) { n.clear(); },
          "does not hold all of its replicates 0-1023"),
      nodes_case(
          "node bytes garbage", [](std::vector<PartialNode>& n) { n.front().bytes = "garbage"; },
          "its tallies do not decode"),
      nodes_case(
          "node bytes empty", [](std::vector<PartialNode>& n) { n.front().bytes.clear(); },
          "its tallies do not decode"),
      nodes_case(
          "node bytes claim 2^60 tallies",
          [](std::vector<PartialNode>& n) {
            n.front().bytes = varint(std::uint64_t{1} << 60) + n.front().bytes;
          },
          "its tallies do not decode"),
      nodes_case(
          "node bytes with trailing bytes",
          [](std::vector<PartialNode>& n) { n.front().bytes += "x"; }, "trailing bytes"),
  };
  cases.push_back({"a directory without shards",
                   [](const fs::path& dir) {
                     fs::create_directories(dir / "empty");
                     return std::vector<std::string>{"merge", (dir / "empty").string(), "-o",
                                                     (dir / "m").string()};
                   },
                   2, "empty: no shard files (*.trialsim) in this directory"});
  cases.push_back({"a missing file",
                   [](const fs::path& dir) {
                     return std::vector<std::string>{"merge", (dir / "nothing.trialsim").string(),
                                                     "-o", (dir / "m").string()};
                   },
                   2, "nothing.trialsim: no such file"});
  cases.push_back(
      {"a file larger than the cap (sparse)",
       [](const fs::path& dir) {
         const fs::path big = dir / "big.trialsim";
         write_bytes(big, "TRIALSIM PARTIAL RESULTS 1\n");
         fs::resize_file(big, MAX_PARTIAL_RESULTS_BYTES + 1);
         return std::vector<std::string>{"merge", big.string(), "-o", (dir / "m").string()};
       },
       2, "bytes, more than the 1073741824 a partial-results file may have"});
  cases.push_back({"a directory named like a shard",
                   [](const fs::path& dir) {
                     fs::create_directories(dir / "d.trialsim" / "inner");
                     return std::vector<std::string>{"merge",
                                                     (dir / "d.trialsim" / "inner").string(), "-o",
                                                     (dir / "m").string()};
                   },
                   2, "no shard files"});
  return cases;
}

// --resume with `content` as the run's checkpoint.
Case checkpoint_case(const std::string& name, std::function<std::string()> content,
                     const std::string& fragment) {
  return {name,
          [content](const fs::path& dir) {
            write_bytes(dir / "out" / "checkpoint.trialsim-checkpoint", content());
            auto run = SHARD_RUN;
            run.insert(run.end(), {"-o", (dir / "out").string(), "--resume"});
            return run;
          },
          2, fragment};
}

// Shard 2 turned into a checkpoint of the whole run (what a run stopped after blocks 1 and 2
// would hold), then edited.
std::string checkpoint_from_shard(const std::function<void(PartialResults&)>& edit) {
  return forged(valid_shards().second, [&](PartialResults& p) {
    p.header["kind"] = "checkpoint";
    p.header.erase("shard");
    edit(p);
  });
}

std::vector<Case> checkpoint_cases() {
  return {
      checkpoint_case(
          "empty checkpoint", [] { return std::string(); },
          "checkpoint.trialsim-checkpoint: empty file"),
      checkpoint_case(
          "garbage checkpoint", [] { return std::string("garbage\0\xff\x1b[1m", 12); },
          "no trialsim partial-results header, expected a complete trialsim partial-results file"),
      checkpoint_case(
          "truncated checkpoint",
          [] { return checkpoint_from_shard([](PartialResults&) {}).substr(0, 100); },
          "checksum mismatch"),
      checkpoint_case(
          "a shard as the checkpoint", [] { return valid_shards().first; },
          "is a shard, not a checkpoint"),
      checkpoint_case(
          "checkpoint seed a string",
          [] { return checkpoint_from_shard([](PartialResults& p) { p.header["seed"] = "x"; }); },
          "header field \"seed\" is \"x\""),
      checkpoint_case(
          "checkpoint header length 2^60",
          [] { return sealed("{}", std::uint64_t{1} << 60, nodes_part(0, {})); },
          "a length runs past the end of the file"),
      checkpoint_case(
          "checkpoint of another seed",
          [] { return checkpoint_from_shard([](PartialResults& p) { p.header["seed"] = 4; }); },
          "belongs to another run (seed 4, not seed 3)"),
      checkpoint_case(
          "checkpoint node beyond the run",
          [] {
            return checkpoint_from_shard([](PartialResults& p) { p.nodes.front().span = {4, 4}; });
          },
          "holds blocks 4-7, beyond this run"),
      checkpoint_case(
          "checkpoint duplicate node",
          [] {
            return checkpoint_from_shard(
                [](PartialResults& p) { p.nodes.push_back(p.nodes.back()); });
          },
          "twice (duplicate or overlapping nodes)"),
      checkpoint_case(
          "checkpoint node bytes garbage",
          [] {
            return checkpoint_from_shard(
                [](PartialResults& p) { p.nodes.front().bytes = "\x01\x02\x03"; });
          },
          "its tallies do not decode"),
      checkpoint_case(
          "checkpoint node count absurd",
          [] {
            const std::string header =
                parse_partial_results(checkpoint_from_shard([](PartialResults&) {}), "c")
                    .header.dump();
            return sealed(header, header.size(), nodes_part(~std::uint64_t{0}, {}));
          },
          "nodes but has room for at most"),
      {"a directory at the checkpoint path",
       [](const fs::path& dir) {
         fs::create_directories(dir / "out" / "checkpoint.trialsim-checkpoint");
         auto run = SHARD_RUN;
         run.insert(run.end(), {"-o", (dir / "out").string(), "--resume"});
         return run;
       },
       2, "checkpoint.trialsim-checkpoint: is a directory"},
  };
}

std::vector<Case> shard_option_cases() {
  const auto shard = [](const std::string& value, const std::string& fragment) {
    return Case{"--shard " + value,
                [value](const fs::path& dir) {
                  auto run = SHARD_RUN;
                  run.insert(run.end(), {"--shard", value, "-o", (dir / "out").string()});
                  return run;
                },
                2, fragment};
  };
  const auto slurm = [](const std::string& name,
                        std::vector<std::pair<std::string, std::string>> environment,
                        const std::string& fragment) {
    return Case{name,
                [](const fs::path& dir) {
                  auto run = SHARD_RUN;
                  run.insert(run.end(), {"--shard", "slurm", "-o", (dir / "out").string()});
                  return run;
                },
                2, fragment, std::move(environment)};
  };
  return {
      shard("0/0", "--shard I: 0 is too small, expected a whole number >= 1"),
      shard("5/4", "--shard 5/4: I is larger than N, expected 1 <= I <= N"),
      shard("1/0", "--shard N: 0 is too small"),
      shard("1/99999999999999999999",
            "--shard N: \"99999999999999999999\" is not a whole number that fits in 64 bits"),
      shard("a/b", "--shard I: \"a\" is not a whole number"),
      shard("-1/2", "--shard I: \"-1\" is not a whole number"),
      shard(" 1/2", "--shard I: \" 1\" is not a whole number"),
      shard("1/2/3", "--shard N: \"2/3\" is not a whole number"),
      shard("4", "--shard: \"4\" is not I/N"),
      shard("1/4", "--shard 1/4: 4 shards, expected at most 3 shards for 3000 replicates"),
      shard("1/18446744073709551615", "expected at most 3 shards for 3000 replicates"),
      slurm("Slurm task id not a number",
            {{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "2"}},
            "SLURM_ARRAY_TASK_ID: \"x\" is not a whole number"),
      slurm("Slurm task id negative",
            {{"SLURM_ARRAY_TASK_ID", "-1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}},
            "SLURM_ARRAY_TASK_ID: \"-1\" is not a whole number"),
      slurm("Slurm task count zero",
            {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "0"}},
            "SLURM_ARRAY_TASK_COUNT: 0 is too small"),
      slurm("Slurm task min not a number",
            {{"SLURM_ARRAY_TASK_ID", "1"},
             {"SLURM_ARRAY_TASK_MIN", "1e3"},
             {"SLURM_ARRAY_TASK_COUNT", "2"}},
            "SLURM_ARRAY_TASK_MIN: \"1e3\" is not a whole number"),
      slurm("Slurm task id above max",
            {{"SLURM_ARRAY_TASK_ID", "9"},
             {"SLURM_ARRAY_TASK_MIN", "4"},
             {"SLURM_ARRAY_TASK_MAX", "7"},
             {"SLURM_ARRAY_TASK_COUNT", "4"}},
            "SLURM_ARRAY_TASK_ID: 9 is outside the array, expected a task between "
            "SLURM_ARRAY_TASK_MIN 4 and SLURM_ARRAY_TASK_MAX 7"),
      slurm("Slurm task id below min",
            {{"SLURM_ARRAY_TASK_ID", "3"},
             {"SLURM_ARRAY_TASK_MIN", "4"},
             {"SLURM_ARRAY_TASK_COUNT", "2"}},
            "SLURM_ARRAY_TASK_ID: 3 is outside the array"),
      slurm("Slurm count disagrees with min and max",
            {{"SLURM_ARRAY_TASK_ID", "4"},
             {"SLURM_ARRAY_TASK_MIN", "4"},
             {"SLURM_ARRAY_TASK_MAX", "12"},
             {"SLURM_ARRAY_TASK_COUNT", "3"}},
            "is not among 3 consecutive tasks from 4"),
      slurm("Slurm array larger than the blocks",
            {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "8"}},
            "8 shards, expected at most 3 shards for 3000 replicates"),
  };
}

// ---------------------------------------------------------------- evidence

// The Inati-cel evidence file with `from` replaced by `to` (each must occur).
std::string evidence_with(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = read_text(EVIDENCE);
  for (const auto& [from, to] : edits) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("evidence edit: no \"" + from + "\"");
    text.replace(at, from.size(), to);
  }
  return text;
}

Case fit_case(const std::string& name, std::function<std::string()> content,
              const std::string& fragment) {
  return {name,
          [content](const fs::path& dir) {
            write_bytes(dir / "e.yaml", content());
            return std::vector<std::string>{"fit",
                                            (dir / "e.yaml").string(),
                                            "--output",
                                            (dir / "fit" / "m.yaml").string(),
                                            "--draws",
                                            "2000",
                                            "--accepted",
                                            "100",
                                            "--point-replicas",
                                            "50",
                                            "-q"};
          },
          2, fragment};
}
Case evidence_case(const std::string& name, std::vector<std::pair<std::string, std::string>> edits,
                   const std::string& fragment) {
  return fit_case(
      name, [edits] { return evidence_with(edits); }, fragment);
}

const std::string ORR = "value: 0.839, count: 26, denominator: 31";
const std::string OS12 =
    "{id: os_12m, statistic: km_landmark, endpoint: overall_survival, subgroup: all, time: 12, "
    "value: 0.645}";

std::vector<Case> evidence_cases() {
  std::vector<Case> cases = {
      evidence_case("count above its denominator",
                    {{ORR, "value: 0.839, count: 32, denominator: 31"}},
                    "figures.0.count: count 32 is more than its denominator 31, expected 0 <= "
                    "count <= denominator"),
      evidence_case(
          "denominator above the patients", {{ORR, "value: 0.65, count: 26, denominator: 40"}},
          "figures.0.denominator: denominator 40 is more than the 31 patients of the study"),
      evidence_case("baseline denominator above the patients",
                    {{"value: 0.419, count: 13, denominator: 31",
                      "value: 0.325, count: 13, denominator: 40"}},
                    "baseline.4.denominator: denominator 40 is more than the 31 patients"),
      evidence_case(
          "deaths above the patients",
          {{"event: death, subgroup: all, value: 5}", "event: death, subgroup: all, value: 32}"}},
          "figures.8.value: count 32 is more than the 31 patients of the study"),
      evidence_case("deaths by cause above the deaths",
                    {{"event: death_from_disease, subgroup: all, value: 3}",
                      "event: death_from_disease, subgroup: all, value: 4}"}},
                    "figures.11.value: deaths by cause add up to 6, more than the 5 deaths of "
                    "figure \"deaths\""),
      evidence_case("relapses above the responders",
                    {{"event: relapse, subgroup: responders, value: 2}",
                      "event: relapse, subgroup: responders, value: 27}"}},
                    "figures.12.value: count 27 among responders is more than the 26 responders of "
                    "figure \"orr\""),
      evidence_case("CD19-negative relapses above the relapses",
                    {{"event: cd19_negative_relapse, subgroup: responders, value: 0",
                      "event: cd19_negative_relapse, subgroup: responders, value: 3"}},
                    "count 3 of CD19-negative relapses is more than the 2 relapses"),
      evidence_case(
          "subgroup responses above the whole",
          {{"value: 0.727, count: 8, denominator: 11", "value: 0.871, count: 27, denominator: 31"}},
          "figures.2.count: subgroup count 27/31 does not fit within 26/31 of figure \"orr\""),
      evidence_case("Kaplan-Meier rising in time",
                    {{OS12, OS12 + "\n  - {id: os_6m, statistic: km_landmark, endpoint: "
                                   "overall_survival, subgroup: all, time: 6, value: 0.6}"}},
                    "survival 0.6 at 6 months against 0.645 at 12 months (figure \"os_12m\") rises "
                    "with time"),
      evidence_case(
          "landmark beyond the longest follow-up",
          {{"subgroup: all, time: 12, value: 0.645", "subgroup: all, time: 24, value: 0.645"}},
          "figures.3.time: landmark at 24 months is beyond the longest follow-up (16.93 months)"),
      evidence_case(
          "survival below one half with the median not reached",
          {{"subgroup: all, time: 12, value: 0.645", "subgroup: all, time: 12, value: 0.45"}},
          "says the median was not reached"),
      evidence_case("the same landmark twice",
                    {{OS12, OS12 + "\n  - {id: os_year, statistic: km_landmark, endpoint: "
                                   "overall_survival, subgroup: all, time: 12, value: 0.6}"}},
                    "reports the same quantity as figure \"os_12m\""),
      evidence_case("a percentage for a proportion",
                    {{ORR, "value: 83.9, count: 26, denominator: 31"}},
                    "figures.0.value: value 83.9 is more than 1 (a percentage? 83.9 % is 0.839), "
                    "expected a proportion in [0, 1]"),
      evidence_case("a percentage for a survival",
                    {{"time: 12, value: 0.645", "time: 12, value: 64.5"}},
                    "value 64.5 is more than 1 (a percentage?"),
      evidence_case("a negative proportion", {{ORR, "value: -0.1, count: 26, denominator: 31"}},
                    "figures.0.value: value -0.1 is negative"),
      evidence_case("a NaN survival", {{"time: 12, value: 0.645", "time: 12, value: .nan"}},
                    "figures.3.value: found"),
      evidence_case(
          "an infinite landmark time",
          {{"subgroup: all, time: 12, value: 0.645", "subgroup: all, time: .inf, value: 0.645"}},
          "figures.3.time: found"),
      evidence_case("a negative count", {{ORR, "value: 0.839, count: -1, denominator: 31"}},
                    "figures.0.count"),
      evidence_case(
          "a negative baseline median",
          {{"{id: age, statistic: median, value: 36", "{id: age, statistic: median, value: -36"}},
          "baseline.0.value: value -36 is out of range"),
      evidence_case(
          "a baseline median outside its range",
          {{"{id: age, statistic: median, value: 36", "{id: age, statistic: median, value: 70"}},
          "baseline.0.value: median 70 lies outside its range [20, 61]"),
      evidence_case("a p-value above one", {{"value: 0.185}", "value: 1.85}"}},
                    "value 1.85 is more than 1"),
      evidence_case("a p-value of zero", {{"value: 0.185}", "value: 0}"}},
                    "p-value 0, expected a p-value in (0, 1]"),
      evidence_case("zero patients", {{"patients: 31", "patients: 0"}},
                    "study.patients: value 0 is out of range"),
      evidence_case("a duplicate key",
                    {{"subgroup: all, time: 12, value: 0.645",
                      "subgroup: all, time: 12, value: 0.645, value: 0.5"}},
                    "duplicate key"),
      evidence_case(
          "an id with escapes, twice",
          {{"{id: os_12m,", "{id: \"orr\\e[31m\","}, {"{id: orr,", "{id: \"orr\\e[31m\","}},
          "duplicate id \"orr\\x1b[31m\""),
      evidence_case("an id with a NUL, twice",
                    {{"{id: os_12m,", "{id: \"orr\\0\","}, {"{id: orr,", "{id: \"orr\\0\","}},
                    "duplicate id \"orr\xEF\xBF\xBD\""),
      fit_case(
          "an empty evidence file", [] { return std::string(); }, "e.yaml:1:1: (document): "),
  };
  cases.push_back({"a directory as the evidence",
                   [](const fs::path& dir) {
                     fs::create_directories(dir / "e.yaml");
                     return std::vector<std::string>{"fit", (dir / "e.yaml").string(), "--output",
                                                     (dir / "fit" / "m.yaml").string()};
                   },
                   2, "e.yaml:0:0: (document): file not found or not a regular file"});
  return cases;
}

// ---------------------------------------------------------------- CSV for analyze

Case csv_case(const std::string& name, std::function<std::string()> content,
              const std::string& fragment) {
  return {name,
          [content](const fs::path& dir) {
            write_bytes(dir / "d.csv", content());
            return std::vector<std::string>{"analyze", (dir / "d.csv").string()};
          },
          2, fragment};
}
Case csv_text(const std::string& name, const std::string& content, const std::string& fragment) {
  return csv_case(
      name, [content] { return content; }, fragment);
}

std::vector<Case> csv_cases() {
  using namespace std::string_literals;
  std::vector<Case> cases = {
      csv_text("NUL byte in a column name", "time,sta\0tus\n1,1\n"s,
               "d.csv:1:2: (header): a NUL byte"),
      csv_text("NUL byte in a time", "time,status\n1,1\n2\0,0\n"s,
               "d.csv:3:1: time: a NUL byte, expected text (a CSV file, not binary data)"),
      csv_text("invalid UTF-8 in a column name", "time,status,\xff\xfe\n1,1,0\n",
               "d.csv:1:3: \xEF\xBF\xBD\xEF\xBF\xBD: unknown column"),
      csv_text("UTF-16 file", "\xff\xfet\0i\0m\0e\0"s,
               "d.csv:1:1: (document): UTF-16 text, expected a CSV file in UTF-8"),
      csv_text("ANSI escape in a column name", "time,status,\x1b[31mred\n1,1,0\n",
               "d.csv:1:3: \\x1b[31mred: unknown column"),
      csv_text("newline inside a quoted field", "time,status\n\"1\n!touch canary\",1\n",
               "d.csv:2:2: (row): 1 fields"),
      csv_text("a quoted comma", "time,status,arm\n\"1,5\",1\n",
               "d.csv:2:1: time: \"\"1\" holds a quote"),
      csv_text("a quote inside a number", "time,status\n1\"2,1\n",
               "holds a quote (quoted commas are not supported)"),
      csv_case(
          "a very long line", [] { return "time,status\n" + std::string(2'000'000, '1') + ",1\n"; },
          "d.csv:2:4097: (row): line longer than 4096 bytes"),
      csv_case(
          "ten million columns",
          [] {
            std::string header = "time,status";
            header.reserve(20'000'020);
            for (int i = 0; i < 10'000'000; ++i) header += ",x";
            return header + "\n1,1\n";
          },
          "d.csv:1:4097: (row): line longer than 4096 bytes"),
      csv_text("many columns within the line limit", "time,status,a,b,c,d,e,f,g,h\n1,1\n",
               "d.csv:1:3: a: unknown column (also unknown: \"b\", \"c\", \"d\", \"e\", \"f\" and "
               "2 more)"),
      csv_text("a row of many fields", "time,status\n" + std::string(1000, ',') + "\n",
               "d.csv:2:3: (row): 1001 fields, expected 2 fields"),
      csv_text("a negative time", "time,status\n1,1\n-2,0\n",
               "d.csv:3:1: time: \"-2\" is negative"),
      csv_text("a NaN time", "time,status\nnan,1\n", "d.csv:2:1: time: \"nan\" is not finite"),
      csv_text("an infinite time", "time,status\ninf,1\n", "\"inf\" is not finite"),
      csv_text("a minus-infinite time", "time,status\n-inf,1\n", "\"-inf\" is not finite"),
      csv_text("a time beyond double", "time,status\n1e400,1\n", "\"1e400\" is not a number"),
      csv_text("a hexadecimal time", "time,status\n0x10,1\n", "\"0x10\" is not a number"),
      csv_text("an empty time", "time,status\n,1\n", "d.csv:2:1: time: \"\" is not a number"),
      csv_text("status 2", "time,status\n1,2\n",
               "d.csv:2:2: status: \"2\" is not 0 or 1, expected 0 (censored) or 1 (event)"),
      csv_text("status -1", "time,status\n1,-1\n", "\"-1\" is not 0 or 1"),
      csv_text("status 1.0", "time,status\n1,1.0\n", "\"1.0\" is not 0 or 1"),
      csv_text("status huge", "time,status\n1,99999999999999999999\n",
               "\"99999999999999999999\" is not 0 or 1"),
      csv_text("arm 2", "time,status,arm\n1,1,2\n", "arm: \"2\" is not 0 or 1"),
      csv_text("stratum fractional", "time,status,stratum\n1,1,1.5\n",
               "stratum: \"1.5\" is not an integer"),
      csv_text("an empty file", "", "d.csv:1:1: (document): empty file"),
      csv_text("blank lines only", "\n \n\t\n", "(document): empty file"),
      csv_text("header only", "time,status\n", "d.csv:1:1: (document): a header but no data rows"),
      csv_text("duplicate header columns", "time,status,time\n1,1,2\n",
               "d.csv:1:3: time: column appears twice (also field 1)"),
      csv_text("an empty column name", "time,status,\n1,1,\n",
               "d.csv:1:3: (unnamed): unknown column"),
      csv_text("a missing status column", "time\n1\n",
               "d.csv:1:2: status: missing column in the header"),
      csv_text("carriage returns only", "time,status\r1,0\r2,1\r", "unknown column"),
  };
  cases.push_back({"a directory",
                   [](const fs::path& dir) {
                     fs::create_directories(dir / "d.csv");
                     return std::vector<std::string>{"analyze", (dir / "d.csv").string()};
                   },
                   2, "d.csv:0:0: (document): is a directory"});
  cases.push_back({"a missing file",
                   [](const fs::path& dir) {
                     return std::vector<std::string>{"analyze", (dir / "none.csv").string()};
                   },
                   2, "none.csv:0:0: (document): file not found or not a regular file"});
  cases.push_back({"a file larger than the cap (sparse)",
                   [](const fs::path& dir) {
                     write_bytes(dir / "d.csv", "time,status\n");
                     fs::resize_file(dir / "d.csv", (std::uintmax_t{1} << 30) + 1);
                     return std::vector<std::string>{"analyze", (dir / "d.csv").string()};
                   },
                   2,
                   "d.csv:0:0: (document): file of 1073741825 bytes is larger than the 1073741824 "
                   "bytes analyze reads"});
  cases.push_back({"a path with a newline and an escape",
                   [](const fs::path& dir) {
                     write_bytes(dir / "x\n\x1b[31m.csv", "time,status\n1,2\n");
                     return std::vector<std::string>{"analyze", (dir / "x\n\x1b[31m.csv").string()};
                   },
                   2, "x\\n\\x1b[31m.csv:2:2: status"});
  return cases;
}

}  // namespace

TEST_CASE("hostile shard files are refused by merge with one line, exit 2, nothing written",
          "[hostile][cluster]") {
  const std::vector<Case> cases = shard_cases();
  REQUIRE(cases.size() >= 50);
  run_cases(cases, "hostile-shards");
}

TEST_CASE(
    "hostile checkpoints are refused by --resume with one line, exit 2, the directory untouched",
    "[hostile][cluster]") {
  run_cases(checkpoint_cases(), "hostile-checkpoints");
}

TEST_CASE("hostile --shard values and Slurm variables are refused with exit 2",
          "[hostile][cluster]") {
  run_cases(shard_option_cases(), "hostile-shard-options");
}

TEST_CASE("evidence that cannot be true is refused by fit, located, exit 2, nothing written",
          "[hostile][evidence]") {
  run_cases(evidence_cases(), "hostile-evidence");
}

TEST_CASE("hostile CSV is refused by analyze, located, exit 2, bounded", "[hostile][analyze]") {
  run_cases(csv_cases(), "hostile-csv");
}

TEST_CASE(
    "controls: the valid shards merge and a valid forged checkpoint resumes to the same bytes",
    "[hostile][cluster]") {
  // The cases above must fail for the reason they name, not because the files were never valid.
  TempDir scratch("hostile-controls");
  auto whole = SHARD_RUN;
  whole.insert(whole.end(), {"-o", (scratch / "whole").string()});
  REQUIRE(run_trialsim(whole, scratch).exit_code == 0);

  write_bytes(scratch / "sh" / "shard-0001-of-0002.trialsim", valid_shards().first);
  write_bytes(scratch / "sh" / "shard-0002-of-0002.trialsim", valid_shards().second);
  const CommandResult merged = run_trialsim(
      {"merge", (scratch / "sh").string(), "-o", (scratch / "merged").string()}, scratch);
  INFO(merged.err);
  REQUIRE(merged.exit_code == 0);
  REQUIRE(read_text(scratch / "merged" / "oc.csv") == read_text(scratch / "whole" / "oc.csv"));

  write_bytes(scratch / "resumed" / "checkpoint.trialsim-checkpoint",
              checkpoint_from_shard([](PartialResults&) {}));
  auto resume = SHARD_RUN;
  resume.insert(resume.end(), {"-o", (scratch / "resumed").string(), "--resume"});
  const CommandResult resumed = run_trialsim(resume, scratch);
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  REQUIRE_THAT(resumed.err, Catch::Contains("2 of 3 replicate blocks already done"));
  REQUIRE(read_text(scratch / "resumed" / "oc.csv") == read_text(scratch / "whole" / "oc.csv"));

  // The unedited evidence file and CSV pass the same readers.
  const CommandResult csv = run_trialsim(
      {"analyze", source_path("tests/fixtures/analyze/n10-reordered.csv").string()}, scratch);
  REQUIRE(csv.exit_code == 0);
}
