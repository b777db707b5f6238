// End-to-end checks of `trialsim run` on configs/examples/single-arm-binary.yaml (issue 2's
// acceptance points): simulated operating characteristics agree with the exact ones within
// 4 MCSE, results are byte-identical across thread counts, and broken inputs fail cleanly.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

using namespace trialsim::testing;

namespace {

const std::string EXAMPLE = source_path("configs/examples/single-arm-binary.yaml").string();

// Exact values for n = 40, p0 = 0.6, one-sided alpha 0.025 (reject when X >= 31), computed by
// scripts/r/binomial-reference.R (sum over the binomial distribution in R).
constexpr double EXACT_SIZE = 0.015572623523328314;      // P(X >= 31 | p = 0.6)
constexpr double EXACT_POWER_080 = 0.73177711429148329;  // P(X >= 31 | p = 0.8)
const std::map<std::string, double> EXACT_COVERAGE = {
    {"response-0.60/clopper_pearson", 0.96551662301710151},
    {"response-0.80/clopper_pearson", 0.97265049379653656},
    {"response-0.60/wilson", 0.96551662301710151},
    {"response-0.80/wilson", 0.92829628316393187},
    {"response-0.60/jeffreys", 0.945866766426261},
    {"response-0.80/jeffreys", 0.95213053661160685},
};

void require_within_4_mcse(const OcValue& simulated, double exact) {
  INFO("simulated " << simulated.estimate << " (MCSE " << simulated.mcse << "), exact " << exact);
  REQUIRE(simulated.mcse > 0.0);
  REQUIRE(std::abs(simulated.estimate - exact) <= 4.0 * simulated.mcse);
}

}  // namespace

TEST_CASE("power and type I error agree with the exact binomial values (200k replicates)",
          "[statistical]") {
  // In process (a cheap design: 200 000 replicates take well under a second); the binary's
  // summary.json is checked against its oc.csv in the thread test below.
  const InProcessRun run =
      run_in_process(EXAMPLE, {"simulation.replicates=200000", "simulation.seed=7"});
  const auto& oc = run.oc;
  const OcValue size = oc.at("response-0.60/exact_binomial_test/rejection_probability");
  const OcValue power = oc.at("response-0.80/exact_binomial_test/rejection_probability");
  REQUIRE(size.replicates == 200000);
  REQUIRE(EXACT_SIZE <= 0.025);
  require_within_4_mcse(size, EXACT_SIZE);
  require_within_4_mcse(power, EXACT_POWER_080);

  SECTION("coverage of the three intervals agrees with the exact coverage") {
    for (const auto& [key, exact] : EXACT_COVERAGE) {
      INFO(key);
      require_within_4_mcse(oc.at(key + "/coverage"), exact);
    }
    REQUIRE(EXACT_COVERAGE.at("response-0.60/clopper_pearson") >= 0.95);
    REQUIRE(EXACT_COVERAGE.at("response-0.80/clopper_pearson") >= 0.95);
  }
  SECTION("bias of the estimate is zero within 4 MCSE") {
    require_within_4_mcse(oc.at("response-0.60/response_rate/bias"), 0.0);
    require_within_4_mcse(oc.at("response-0.80/response_rate/bias"), 0.0);
  }
  SECTION("the design facts carry the critical value and the exact reference") {
    REQUIRE(run.result.design_facts["critical_value"] == 31);
    REQUIRE(run.config.simulation.seed == 7);
    REQUIRE(run.exact.at("response-0.80/exact_binomial_test/rejection_probability") ==
            Approx(EXACT_POWER_080).epsilon(1e-12));
  }
}

TEST_CASE("exact mode reproduces the exact values with zero MCSE", "[cli]") {
  TempDir dir("cli-exact");
  const auto result =
      run_trialsim({"run", EXAMPLE, "--exact", "-o", (dir / "x").string(), "-q"}, dir);
  REQUIRE(result.exit_code == 0);
  const auto oc = read_oc_table(dir / "x" / "oc.csv");
  REQUIRE(oc.at("response-0.80/exact_binomial_test/rejection_probability").estimate ==
          Approx(EXACT_POWER_080).epsilon(1e-12));
  REQUIRE(oc.at("response-0.60/exact_binomial_test/rejection_probability").mcse == 0.0);
  REQUIRE(oc.at("response-0.80/jeffreys/coverage").estimate ==
          Approx(EXACT_COVERAGE.at("response-0.80/jeffreys")).epsilon(1e-12));
}

TEST_CASE("results are byte-identical for 1, 2 and 8 threads", "[cli][reproducibility]") {
  TempDir dir("cli-threads");
  std::map<std::string, std::string> oc_by_threads;
  std::map<std::string, std::string> summary_by_threads;
  for (const std::string threads : {"1", "2", "8"}) {
    const auto out = dir / ("t" + threads);
    const auto result =
        run_trialsim({"run", EXAMPLE, "--replicates", "30000", "--seed", "11", "--threads", threads,
                      "-o", out.string(), "-q", "--per-replicate"},
                     dir);
    REQUIRE(result.exit_code == 0);
    oc_by_threads[threads] = read_text(out / "oc.csv");
    summary_by_threads[threads] = read_text(out / "summary.json");
    const auto manifest = nlohmann::json::parse(read_text(out / "manifest.json"));
    REQUIRE(manifest["threads"] == std::stoi(threads));
    if (threads == "2") {
      // replicates.csv: a header and one row per (replicate, scenario), identical for all counts.
      const std::string rows = read_text(out / "replicates.csv");
      REQUIRE(std::count(rows.begin(), rows.end(), '\n') == 1 + 30000 * 2);
      REQUIRE(rows == read_text(dir / "t1" / "replicates.csv"));
    }
  }
  REQUIRE(oc_by_threads["1"].size() > 1000);
  REQUIRE(oc_by_threads["1"] == oc_by_threads["2"]);
  REQUIRE(oc_by_threads["1"] == oc_by_threads["8"]);
  REQUIRE(summary_by_threads["1"] == summary_by_threads["2"]);
  REQUIRE(summary_by_threads["1"] == summary_by_threads["8"]);
  // summary.json carries oc.csv's numbers and the exact reference.
  const auto summary = nlohmann::json::parse(summary_by_threads["1"]);
  REQUIRE(summary["design"]["critical_value"] == 31);
  REQUIRE(summary["seed"] == 11);
  const auto& metric = summary["scenarios"][1]["metrics"][0];
  REQUIRE(metric["metric"] == "rejection_probability");
  REQUIRE(metric["estimate"].get<double>() ==
          read_oc_table(dir / "t1" / "oc.csv")
              .at("response-0.80/exact_binomial_test/rejection_probability")
              .estimate);
  REQUIRE(metric["exact"].get<double>() == Approx(EXACT_POWER_080).epsilon(1e-12));
}

TEST_CASE("a different seed gives different results", "[cli][reproducibility]") {
  TempDir dir("cli-seed");
  for (const std::string seed : {"1", "2"}) {
    REQUIRE(run_trialsim(
                {"run", EXAMPLE, "-r", "5000", "-s", seed, "-o", (dir / seed).string(), "-q"}, dir)
                .exit_code == 0);
  }
  REQUIRE(read_text(dir / "1" / "oc.csv") != read_text(dir / "2" / "oc.csv"));
}

TEST_CASE("broken inputs: one-line error with location and key, exit 2, no output",
          "[cli][errors]") {
  TempDir dir("cli-broken");
  const auto example = read_text(EXAMPLE);
  const auto variant = [&](const std::string& name, const std::string& from,
                           const std::string& to) {
    std::string text = example;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    const auto path = dir / name;
    std::ofstream(path) << text;
    return path.string();
  };
  struct Case {
    std::string file;
    std::string expected_fragment;
  };
  const std::vector<Case> cases = {
      {variant("invalid.yaml", "scenarios:", "scenarios: [\n"), ": (document): invalid YAML"},
      {variant("unknown.yaml", "  alpha: 0.025", "  alpha: 0.025\n  alhpa: 0.05"),
       ":18:3: design.alhpa: unknown key"},
      {variant("string.yaml", "sample_size: 40", "sample_size: forty"),
       ":15:16: design.sample_size: found \"forty\", expected an integer"},
      {variant("alpha.yaml", "alpha: 0.025", "alpha: 1.5"),
       ":17:10: design.alpha: value 1.5 is out of range, expected a number in (0, 1)"},
      {variant("n0.yaml", "sample_size: 40", "sample_size: 0"),
       ":15:16: design.sample_size: value 0 is out of range"},
      {(dir / "missing.yaml").string(), ":0:0: (document): file not found"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const auto out = dir / "never-written";
    const auto result = run_trialsim({"run", c.file, "-o", out.string(), "-q"}, dir);
    REQUIRE(result.exit_code == 2);
    REQUIRE_THAT(result.err,
                 Catch::StartsWith(c.file + ":") && Catch::Contains(c.expected_fragment));
    REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
    REQUIRE(result.out.empty());
    REQUIRE_FALSE(std::filesystem::exists(out));
    // validate reports the same error
    REQUIRE(run_trialsim({"validate", c.file}, dir).exit_code == 2);
  }
  // Nothing was staged beside the output either.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    REQUIRE(entry.path().filename().string().find("staging") == std::string::npos);
  }
}

namespace {

// A shell command's standard output (trailing newline removed) and exit code.
std::pair<std::string, int> shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {"", -1};
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = ::pclose(pipe);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

}  // namespace

TEST_CASE("the version and manifest.json name the commit the binary was built from", "[cli]") {
  // cmake/version.cmake refreshes the revision before every build; a revision fixed at configure
  // time went stale with every commit after it.
  const std::string git = "git -C '" + source_path("").string() + "' ";
  const auto [revision, rev_status] = shell(git + "rev-parse --short=12 HEAD 2>/dev/null");
  if (rev_status != 0 || revision.size() != 12) {
    WARN("not a git checkout: the revision is \"unknown\", nothing to compare");
    return;
  }
  const bool dirty = shell(git + "diff --quiet HEAD -- 2>/dev/null").second == 1;
  const std::string expected = revision + (dirty ? "-dirty" : "");
  TempDir dir("cli-version");
  const std::string version_line = run_trialsim({"--version"}, dir).out;
  REQUIRE(version_line.rfind("trialsim 0.", 0) == 0);
  REQUIRE_THAT(version_line, Catch::EndsWith(" (" + expected + ")\n"));
  REQUIRE(run_trialsim({"run", EXAMPLE, "-r", "10", "-q", "-o", (dir.path() / "out").string()}, dir)
              .exit_code == 0);
  const auto manifest = nlohmann::json::parse(read_text(dir.path() / "out" / "manifest.json"));
  REQUIRE(manifest.at("git_revision") == expected);
}

TEST_CASE("command line: help, version, usage errors", "[cli]") {
  TempDir dir("cli-usage");
  REQUIRE(run_trialsim({"--version"}, dir).out.rfind("trialsim 0.", 0) == 0);
  REQUIRE(run_trialsim({"--help"}, dir).exit_code == 0);
  const auto run_help = run_trialsim({"run", "--help"}, dir);
  REQUIRE(run_help.exit_code == 0);
  REQUIRE_THAT(run_help.out, Catch::Contains("--replicates") && Catch::Contains("--set"));
  REQUIRE(run_trialsim({"validate", "--help"}, dir).exit_code == 0);
  REQUIRE(run_trialsim({"frobnicate"}, dir).exit_code == 2);
  REQUIRE(run_trialsim({"run"}, dir).exit_code == 2);
  REQUIRE(run_trialsim({"run", EXAMPLE, "--threads", "many"}, dir).exit_code == 2);
  const auto valid = run_trialsim({"validate", EXAMPLE, "--set", "design.sample_size=50"}, dir);
  REQUIRE(valid.exit_code == 0);
  REQUIRE_THAT(valid.out, Catch::Contains("valid"));
  const auto bad_set = run_trialsim({"validate", EXAMPLE, "--set", "design.alpha=2"}, dir);
  REQUIRE(bad_set.exit_code == 2);
  REQUIRE(bad_set.err ==
          "--set design.alpha=2:1:14: design.alpha: value 2 is out of range, expected a number in "
          "(0, 1)\n");
}

TEST_CASE("precision mode runs until the MCSE target and equals a plain run of the same count",
          "[cli][precision]") {
  TempDir dir("cli-precision");
  const std::string precision =
      "simulation.precision={scenario: response-0.80, analysis: exact_binomial_test, metric: "
      "rejection_probability, "
      "target_mcse: 0.002, max_replicates: 500000}";
  REQUIRE(run_trialsim(
              {"run", EXAMPLE, "-r", "10000", "-o", (dir / "p").string(), "-q", "--set", precision},
              dir)
              .exit_code == 0);
  const auto summary = nlohmann::json::parse(read_text(dir / "p" / "summary.json"));
  const auto replicates = summary["precision"]["replicates"].get<std::uint64_t>();
  // Power 0.73 has SD 0.44: MCSE 0.002 needs about 0.197 / 0.002^2 = 49 000 replicates; the run
  // starts at 10 240 (whole blocks) and scales up by (mcse / target)^2.
  REQUIRE(summary["precision"]["target_reached"] == true);
  REQUIRE(summary["precision"]["mcse"].get<double>() <= 0.002);
  REQUIRE(replicates > 40000);
  REQUIRE(replicates < 80000);
  REQUIRE(replicates % 1024 == 0);
  REQUIRE(summary["replicates"] == replicates);
  REQUIRE(run_trialsim({"run", EXAMPLE, "-r", std::to_string(replicates), "-o",
                        (dir / "plain").string(), "-q"},
                       dir)
              .exit_code == 0);
  REQUIRE(read_text(dir / "p" / "oc.csv") == read_text(dir / "plain" / "oc.csv"));

  SECTION("the cap stops a target that cannot be reached, and says so") {
    const std::string capped =
        "simulation.precision={scenario: response-0.80, analysis: exact_binomial_test, metric: "
        "rejection_probability, "
        "target_mcse: 0.0001, max_replicates: 20480}";
    const auto r = run_trialsim(
        {"run", EXAMPLE, "-r", "10000", "-o", (dir / "c").string(), "--set", capped}, dir);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, Catch::Contains("target NOT reached"));
    const auto s = nlohmann::json::parse(read_text(dir / "c" / "summary.json"));
    REQUIRE(s["precision"]["replicates"] == 20480);
    REQUIRE(s["precision"]["target_reached"] == false);
  }
}
