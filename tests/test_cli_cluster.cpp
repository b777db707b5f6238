// Split and interrupted runs, end to end through the real binary (issue 6): job-array shards and
// `trialsim merge`, kill-and-resume from checkpoints, and results that are never half-written.
// The MPI and Slurm runs are in scripts/cluster-test (they need the daemons).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "tests/support.h"

extern char** environ;

using namespace trialsim::testing;

namespace {

const std::string TWO_ARM = source_path("configs/examples/two-arm-survival.yaml").string();
const std::string SINGLE_ARM = source_path("configs/examples/single-arm-binary.yaml").string();

// trialsim ARGS in the background (stdout/stderr to files in `scratch`); returns its pid.
pid_t spawn_trialsim(const std::vector<std::string>& arguments, const TempDir& scratch,
                     const std::string& tag) {
  std::vector<std::string> argv_storage{TRIALSIM_BINARY};
  argv_storage.insert(argv_storage.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = (scratch / (tag + ".out")).string();
  const std::string err = (scratch / (tag + ".err")).string();
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, TRIALSIM_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

// Waits for `pid`; returns the exit code, or 128 + signal when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("four shards merged equal the unsharded run byte for byte", "[cli][cluster]") {
  TempDir scratch("shards");
  const std::vector<std::string> run = {"run", TWO_ARM, "-r", "20000", "-s", "3", "-q"};
  auto whole = run;
  whole.insert(whole.end(), {"-o", (scratch / "whole").string()});
  REQUIRE(run_trialsim(whole, scratch).exit_code == 0);
  for (int i = 1; i <= 4; ++i) {
    auto shard = run;
    // Different thread counts per shard: the result must not care.
    shard.insert(shard.end(), {"--shard", std::to_string(i) + "/4", "-t", std::to_string(i % 2 + 1),
                               "-o", (scratch / "shards").string()});
    const CommandResult result = run_trialsim(shard, scratch);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
  }
  // Shards named out of order, as files.
  std::vector<std::string> merge = {"merge"};
  for (int i : {3, 1, 4, 2})
    merge.push_back(
        (scratch / "shards" / ("shard-000" + std::to_string(i) + "-of-0004.trialsim")).string());
  merge.insert(merge.end(), {"-o", (scratch / "merged").string()});
  const CommandResult merged = run_trialsim(merge, scratch);
  INFO(merged.err);
  REQUIRE(merged.exit_code == 0);
  REQUIRE(read_text(scratch / "merged" / "oc.csv") == read_text(scratch / "whole" / "oc.csv"));
  REQUIRE(read_text(scratch / "merged" / "summary.json") ==
          read_text(scratch / "whole" / "summary.json"));
  REQUIRE(read_text(scratch / "whole" / "oc.csv").size() > 1000);

  SECTION("a missing shard is refused, naming it") {
    std::filesystem::create_directories(scratch / "three");
    for (int i : {1, 2, 4}) {
      const std::string name = "shard-000" + std::to_string(i) + "-of-0004.trialsim";
      std::filesystem::copy_file(scratch / "shards" / name, scratch / "three" / name);
    }
    const CommandResult r = run_trialsim(
        {"merge", (scratch / "three").string(), "-o", (scratch / "m").string()}, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("missing shard 3 of 4 (replicates 10240-15359)"));
    REQUIRE_FALSE(std::filesystem::exists(scratch / "m"));
  }
  SECTION("a doubled shard is refused, naming both files") {
    const std::string second = (scratch / "shards" / "shard-0002-of-0004.trialsim").string();
    const CommandResult r = run_trialsim(
        {"merge", (scratch / "shards").string(), second, "-o", (scratch / "m").string()}, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("shard 2 of 4 is given twice"));
    REQUIRE_FALSE(std::filesystem::exists(scratch / "m"));
  }
  SECTION("a shard from another seed is refused") {
    auto other = run;
    other[5] = "4";
    other.insert(other.end(), {"--shard", "3/4", "-o", (scratch / "other").string()});
    REQUIRE(run_trialsim(other, scratch).exit_code == 0);
    std::vector<std::string> mixed = {"merge"};
    for (int i : {1, 2, 4})
      mixed.push_back(
          (scratch / "shards" / ("shard-000" + std::to_string(i) + "-of-0004.trialsim")).string());
    mixed.push_back((scratch / "other" / "shard-0003-of-0004.trialsim").string());
    mixed.insert(mixed.end(), {"-o", (scratch / "m").string()});
    const CommandResult r = run_trialsim(mixed, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("come from different runs: seed 4, not seed 3"));
    REQUIRE_FALSE(std::filesystem::exists(scratch / "m"));
  }
  SECTION("a damaged shard is refused") {
    const auto file = scratch / "shards" / "shard-0001-of-0004.trialsim";
    std::string bytes = read_text(file);
    bytes[bytes.size() / 2] ^= 1;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
    const CommandResult r = run_trialsim(
        {"merge", (scratch / "shards").string(), "-o", (scratch / "m").string()}, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("checksum mismatch"));
  }
}

TEST_CASE("shards of a CAR-T study and of a single-arm design merge byte-identically",
          "[cli][cluster]") {
  TempDir scratch("shards-designs");
  const std::vector<std::pair<std::string, std::string>> studies = {
      {source_path("configs/studies/inati-cel-next-study.yaml").string(), "3000"},
      {SINGLE_ARM, "50000"}};
  for (const auto& [config, replicates] : studies) {
    const std::vector<std::string> run = {"run", config, "-r", replicates, "-s", "11", "-q"};
    auto whole = run;
    whole.insert(whole.end(), {"-o", (scratch / "whole").string()});
    REQUIRE(run_trialsim(whole, scratch).exit_code == 0);
    for (int i = 1; i <= 3; ++i) {
      auto shard = run;
      shard.insert(shard.end(),
                   {"--shard", std::to_string(i) + "/3", "-o", (scratch / "shards").string()});
      REQUIRE(run_trialsim(shard, scratch).exit_code == 0);
    }
    REQUIRE(
        run_trialsim({"merge", (scratch / "shards").string(), "-o", (scratch / "merged").string()},
                     scratch)
            .exit_code == 0);
    for (const auto& entry : std::filesystem::directory_iterator(scratch / "whole")) {
      const std::string name = entry.path().filename().string();
      if (name == "manifest.json") continue;  // timings and how the run was split
      CAPTURE(config, name);
      REQUIRE(read_text(scratch / "merged" / name) == read_text(entry.path()));
    }
    std::filesystem::remove_all(scratch / "whole");
    std::filesystem::remove_all(scratch / "shards");
    std::filesystem::remove_all(scratch / "merged");
  }
}

TEST_CASE("shard options are checked", "[cli][cluster]") {
  TempDir scratch("shard-options");
  for (const std::string bad : {"0/4", "5/4", "2", "a/b", "slurm"}) {
    const CommandResult r = run_trialsim(
        {"run", TWO_ARM, "-r", "100", "--shard", bad, "-o", (scratch / "x").string()}, scratch);
    CAPTURE(bad, r.err);
    REQUIRE(r.exit_code == 2);
  }
  // --shard slurm: task 5 of an array 4-7 is shard 2 of 4.
  ::setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "4", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  const CommandResult slurm = run_trialsim(
      {"run", SINGLE_ARM, "-r", "5000", "-q", "--shard", "slurm", "-o", (scratch / "s").string()},
      scratch);
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  INFO(slurm.err);
  REQUIRE(slurm.exit_code == 0);
  REQUIRE(std::filesystem::exists(scratch / "s" / "shard-0002-of-0004.trialsim"));
  const CommandResult exact =
      run_trialsim({"run", SINGLE_ARM, "--exact", "--shard", "1/2"}, scratch);
  REQUIRE(exact.exit_code == 2);
  REQUIRE_THAT(exact.err, Catch::Contains("exact mode"));
}

// A run killed by `signal` at about half of an uninterrupted run's time, then resumed, must equal
// the uninterrupted run byte for byte. 60 000 replicates (59 blocks, a checkpoint after every
// wave of blocks; ~1 s on 2 threads): the kill at half time has many waves on either side. One
// pass without SECTIONs (each would repeat both runs): a checkpoint of another seed or config is
// refused first and left in place, then the right run resumes from it.
void check_kill_and_resume(int signal) {
  TempDir scratch(signal == SIGKILL ? "resume-kill" : "resume-term");
  const std::vector<std::string> run = {
      "run", TWO_ARM, "-r", "60000", "-s", "3", "-q", "-t", "2", "--checkpoint-interval", "0"};
  auto whole = run;
  whole.insert(whole.end(), {"-o", (scratch / "whole").string()});
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(run_trialsim(whole, scratch).exit_code == 0);
  const double full_seconds = seconds_since(start);

  auto interrupted = run;
  interrupted.insert(interrupted.end(), {"-o", (scratch / "stopped").string()});
  const pid_t pid = spawn_trialsim(interrupted, scratch, "first");
  std::this_thread::sleep_for(std::chrono::duration<double>(0.5 * full_seconds));
  ::kill(pid, signal);
  const int code = wait_for(pid);
  INFO("uninterrupted run: " << full_seconds << " s; stderr: " << read_text(scratch / "first.err"));
  if (signal == SIGKILL) {
    REQUIRE(code == 128 + SIGKILL);
  } else {
    REQUIRE(code == 75);
    REQUIRE_THAT(read_text(scratch / "first.err"), Catch::Contains("--resume"));
  }
  const auto checkpoint = scratch / "stopped" / "checkpoint.trialsim-checkpoint";
  REQUIRE(std::filesystem::exists(checkpoint));
  REQUIRE_FALSE(std::filesystem::exists(scratch / "stopped" / "oc.csv"));

  {  // A checkpoint of another seed or config is refused.
    auto other_seed = interrupted;
    other_seed[5] = "4";
    other_seed.push_back("--resume");
    CommandResult r = run_trialsim(other_seed, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("belongs to another run (seed 3, not seed 4)"));
    auto other_config = interrupted;
    other_config.insert(other_config.end(), {"--set", "design.alpha=0.05", "--resume"});
    r = run_trialsim(other_config, scratch);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("belongs to another run (config"));
    REQUIRE(std::filesystem::exists(checkpoint));  // left for the right run
  }
  {  // Then resumed, it equals the uninterrupted run.
    auto resume = interrupted;
    resume.push_back("--resume");
    const CommandResult resumed = run_trialsim(resume, scratch);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    REQUIRE_THAT(resumed.err, Catch::Contains("resuming from"));
    REQUIRE(read_text(scratch / "stopped" / "oc.csv") == read_text(scratch / "whole" / "oc.csv"));
    REQUIRE(read_text(scratch / "stopped" / "summary.json") ==
            read_text(scratch / "whole" / "summary.json"));
    REQUIRE_FALSE(std::filesystem::exists(checkpoint));  // done with
  }
}

TEST_CASE("a run killed with SIGKILL half-way and resumed equals the uninterrupted run",
          "[cli][cluster]") {
  check_kill_and_resume(SIGKILL);
}

TEST_CASE(
    "a run stopped with SIGTERM half-way checkpoints, exits 75, and resumes to the same bytes",
    "[cli][cluster]") {
  check_kill_and_resume(SIGTERM);
}

TEST_CASE(
    "no result file is ever half-written: runs killed at random moments leave old or new files",
    "[cli][cluster]") {
  TempDir scratch("atomic");
  const auto output = scratch / "out";
  const auto run = [&](const std::string& seed) {
    return std::vector<std::string>{"run", SINGLE_ARM,     "-r", "80000", "-s",
                                    seed,  "-q",           "-t", "1",     "--per-replicate",
                                    "-o",  output.string()};
  };
  // The complete new results, for comparison, then the old ones in place.
  auto fresh = run("2");
  fresh.back() = (scratch / "new").string();
  // The shortest of three runs: kill moments are drawn as fractions of it.
  double run_seconds = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(run_trialsim(fresh, scratch).exit_code == 0);
    run_seconds = std::min(run_seconds, seconds_since(start));
  }
  REQUIRE(run_trialsim(run("1"), scratch).exit_code == 0);
  const std::vector<std::string> files = {"oc.csv", "summary.json", "replicates.csv"};
  std::map<std::string, std::string> old_contents, new_contents;
  for (const auto& f : files) {
    old_contents[f] = read_text(output / f);
    new_contents[f] = read_text(scratch / "new" / f);
    REQUIRE(old_contents[f] != new_contents[f]);
    REQUIRE(old_contents[f].size() > 100);
  }

  std::mt19937 random(2026);
  std::uniform_real_distribution<double> moment(0.2,
                                                1.0);  // weighted to the end, where writing happens
  int killed = 0, mixed = 0;
  for (int attempt = 0; attempt < 25; ++attempt) {
    const pid_t pid = spawn_trialsim(run("2"), scratch, "attempt");
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(random) * run_seconds));
    ::kill(pid, SIGKILL);
    if (wait_for(pid) == 128 + SIGKILL) ++killed;
    int new_files = 0;
    for (const auto& f : files) {
      CAPTURE(attempt, f);
      REQUIRE(std::filesystem::exists(output / f));  // old ones are only ever replaced by rename
      const std::string contents = read_text(output / f);
      const bool is_old = contents == old_contents[f];
      const bool is_new = contents == new_contents[f];
      REQUIRE((is_old || is_new));
      new_files += is_new;
    }
    if (new_files > 0) ++mixed;
    // Put the old results back for the next attempt.
    for (const auto& f : files)
      std::ofstream(output / f, std::ios::binary | std::ios::trunc) << old_contents[f];
  }
  // Visible entries of the output's parent: only the output directory itself (hidden
  // temporaries of killed runs are cleaned by the next run).
  REQUIRE(run_trialsim(run("1"), scratch).exit_code == 0);
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    REQUIRE(name.find(".staging-") == std::string::npos);
  }
  // Guard against a vacuous test: most attempts must really have been killed mid-run (a loaded
  // machine may let a few finish first).
  INFO(killed << " of 25 runs were killed (the rest had finished); " << mixed
              << " left some new files");
  REQUIRE(killed >= 8);
}
