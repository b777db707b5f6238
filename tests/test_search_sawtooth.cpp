// Honest searches (issue 17, item 4): the power of an exact test is a sawtooth in n, so a search
// reports the first n reaching the target and the n from which every larger searched n reaches
// it, both equal to an exact calculation made here independently; exact mode prints no MCSE; a
// search can tie a second parameter to the searched one; a grid prints a pivoted table.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/study_keys.h"
#include "edges/run/grid_run.h"
#include "support.h"

using namespace trialsim::testing;

namespace {

// P(X >= r) for X ~ Binomial(n, p), by summing the probability mass from the recurrence
// P(k + 1) = P(k) (n - k) / (k + 1) p / (1 - p), P(0) = (1 - p)^n. Plain doubles suffice for
// n <= 100: every term is a product of at most n factors of moderate size.
double upper_tail(int r, int n, double p) {
  double mass = std::pow(1.0 - p, n), tail = 0.0;
  for (int k = 0; k <= n; ++k) {
    if (k >= r) tail += mass;
    mass *= static_cast<double>(n - k) / (k + 1) * p / (1.0 - p);
  }
  return tail;
}

// The single-arm binary design's rule (designs/single_arm_binary, statistics/binomial.cpp):
// reject H0: p <= p0 when the responses reach r, the smallest count whose tail under p0 is at
// most alpha. Its power at the true rate p1 is the tail from r under p1.
double exact_power(int n, double p0, double p1, double alpha) {
  int r = 0;
  while (upper_tail(r, n, p0) > alpha) ++r;
  return upper_tail(r, n, p1);
}

struct ExactSearch {
  int first = -1;     // first n reaching the target
  int all_from = -1;  // n from which every larger n in the range reaches it
  std::vector<int> below_again;
};

ExactSearch exact_search(double target, int from, int to) {
  ExactSearch out;
  std::vector<bool> reaches;
  for (int n = from; n <= to; ++n) reaches.push_back(exact_power(n, 0.6, 0.8, 0.025) >= target);
  for (int n = from; n <= to; ++n) {
    if (out.first < 0 && reaches[n - from]) out.first = n;
    if (out.first >= 0 && n > out.first && !reaches[n - from]) out.below_again.push_back(n);
  }
  for (int n = to; n >= from && reaches[n - from]; --n) out.all_from = n;
  return out;
}

std::vector<int> ints_of(const nlohmann::json& list) {
  std::vector<int> out;
  for (const auto& v : list) out.push_back(v.get<int>());
  return out;
}

}  // namespace

TEST_CASE("the search reports the first n and the n from which all larger n reach the target",
          "[grid][search][sawtooth]") {
  TempDir dir("search-sawtooth");
  const std::string config = source_path("configs/examples/sample-size-search.yaml").string();
  // Exact powers (p0 0.6, p1 0.8, one-sided 0.025): 0.9092 at 57, 0.8969 at 58, 0.8836 at 59,
  // 0.9228 at 60 and >= 0.9005 beyond; 0.8259 at 45, 0.7826 at 47, >= 0.8139 from 48.
  const ExactSearch at_90 = exact_search(0.9, 30, 70);
  REQUIRE(at_90.first == 57);
  REQUIRE(at_90.all_from == 60);
  REQUIRE(at_90.below_again == std::vector<int>{58, 59});
  const ExactSearch at_80 = exact_search(0.8, 30, 70);
  REQUIRE(at_80.first == 45);
  REQUIRE(at_80.all_from == 48);
  REQUIRE(at_80.below_again == std::vector<int>{47});

  for (const auto& [target, expected] : {std::pair{0.9, at_90}, std::pair{0.8, at_80}}) {
    INFO("target " << target);
    // Appended, not chained with operator+: GCC 12's false -Wrestrict (GCC bug 105329).
    const auto out = dir / std::string("x").append(std::to_string(static_cast<int>(target * 100)));
    const auto r = run_trialsim({"run", config, "--exact", "-o", out.string(), "--set",
                                 "search.target.at_least=" + std::to_string(target)},
                                dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto search = nlohmann::json::parse(read_text(out / "summary.json"))["search"];
    CHECK(search["evaluation"] == "exact");
    CHECK(search["smallest_value"] == expected.first);
    CHECK(search["smallest_value_from_which_all_reach"] == expected.all_from);
    CHECK(ints_of(search["values_below_target_after_smallest_value"]) == expected.below_again);
    // Exact mode: no MCSE text anywhere on the console.
    CHECK(r.out.find("MCSE") == std::string::npos);
    CHECK(r.out.find("\\n") == std::string::npos);  // real line breaks, not escaped ones
  }
  const auto r90 = run_trialsim({"run", config, "--exact", "-o", (dir / "console").string(),
                                 "--set", "search.target.at_least=0.9"},
                                dir);
  REQUIRE(r90.exit_code == 0);
  CHECK_THAT(r90.out,
             Catch::Matchers::Contains(
                 "search: first design.sample_size reaching "
                 "response-0.80/exact_binomial_test/rejection_probability >= 0.9: 57 (exact value "
                 "0.9092)\n"));
  CHECK_THAT(r90.out, Catch::Matchers::Contains(
                          "search: design.sample_size from which every larger searched value (to "
                          "70) reaches 0.9: 60 (58, 59 fall below again)\n"));
}

TEST_CASE("a simulated search reports the sawtooth and keeps its MCSE text",
          "[grid][search][sawtooth]") {
  TempDir dir("search-sawtooth-sim");
  const auto out = dir / "s";
  // The example as written: target 0.8, 50 000 replicates, MCSE about 0.0018 near power 0.8. The
  // exact powers nearest the target sit >= 2.7 MCSE from it (46: 0.8048; 47: 0.7826; 50:
  // 0.8139), so the simulated decisions equal the exact ones: 45, 48, and 47 below again.
  const auto r = run_trialsim(
      {"run", source_path("configs/examples/sample-size-search.yaml").string(), "-o", out.string()},
      dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const ExactSearch exact = exact_search(0.8, 30, 70);
  const auto search = nlohmann::json::parse(read_text(out / "summary.json"))["search"];
  CHECK(search["evaluation"] == "simulation");
  CHECK(search["smallest_value"] == exact.first);
  CHECK(search["smallest_value_from_which_all_reach"] == exact.all_from);
  CHECK(ints_of(search["values_below_target_after_smallest_value"]) == exact.below_again);
  CHECK_THAT(r.out, Catch::Matchers::Contains(": 45 (estimate 0."));
  CHECK_THAT(r.out, Catch::Matchers::Contains(", MCSE 0.00"));
  CHECK_THAT(r.out, Catch::Matchers::Contains("reaches 0.8: 48 (47 falls below again)\n"));
  CHECK_THAT(r.out, Catch::Matchers::Contains("2 MCSE above the target"));
}

TEST_CASE("the tied value rounds a decimal half up", "[grid][search][tied]") {
  trialsim::TiedParameter tied{"design.analysis.events", 0.7, {}};
  // 0.7 * 45 is 31.4999999999999964 in doubles; written as decimals it is 31.5.
  CHECK(trialsim::tied_value(tied, 45) == 32);
  CHECK(trialsim::tied_value(tied, 90) == 63);
  CHECK(trialsim::tied_value(tied, 100) == 70);
  tied.fraction = 0.5;
  CHECK(trialsim::tied_value(tied, 7) == 4);
  CHECK(trialsim::tied_assignment(tied, 7) == "design.analysis.events=4");
}

namespace {

// The two-arm example with a search over n whose events are tied to n, as a file (so that
// errors are located in it).
std::filesystem::path tied_search_config(const TempDir& dir, const std::string& tied) {
  const auto file = dir / "tied.yaml";
  std::ofstream(file) << read_text(source_path("configs/examples/two-arm-survival.yaml"))
                      << "search:\n"
                         "  parameter: design.sample_size\n"
                         "  from: 61\n"
                         "  to: 121\n"
                         "  step: 30\n"
                         "  target: {scenario: hr-0.6, analysis: logrank, metric: "
                         "rejection_probability, at_least: 0.5}\n"
                         "  tied: "
                      << tied << "\n";
  return file;
}

int line_count(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("a search applies its tied parameter to every cell", "[grid][search][tied]") {
  TempDir dir("search-tied");
  const auto config = tied_search_config(dir, "{parameter: design.analysis.events, fraction: 0.5}");
  const auto out = dir / "t";
  const auto r = run_trialsim({"run", config.string(), "-r", "300", "-o", out.string()}, dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
  // n = 61, 91, 121 -> events round(0.5 n) = 31, 46, 61 (halves rounded up).
  const std::vector<std::pair<int, int>> expected = {{61, 31}, {91, 46}, {121, 61}};
  REQUIRE(summary["cells"].size() == 3);
  for (std::size_t c = 0; c < 3; ++c) {
    const auto& cell = summary["cells"][c];
    CHECK(cell["tied"]["parameter"] == "design.analysis.events");
    CHECK(cell["tied"]["value"] == expected[c].second);  // read back from the cell's config
    CHECK(cell["assignments"][1] == "design.analysis.events=" + std::to_string(expected[c].second));
    CHECK(summary["search"]["curve"][c]["value"] == expected[c].first);
    CHECK(summary["search"]["curve"][c]["tied_value"] == expected[c].second);
  }
  CHECK(summary["search"]["tied"]["fraction"] == 0.5);
  CHECK(read_text(out / "search.csv").rfind("design.sample_size,design.analysis.events,", 0) == 0);
  CHECK_THAT(read_text(out / "search.csv"), Catch::Matchers::Contains("\n91,46,"));
  CHECK_THAT(r.out, Catch::Matchers::Contains(
                        "search: design.analysis.events tied to design.sample_size as round(0.5 "
                        "x value)\n"));
  // grid.csv keeps the axes only (the tied value is no axis): cell, n, then the OC columns.
  CHECK(read_text(out / "grid.csv").rfind("cell,design.sample_size,scenario,", 0) == 0);

  // The middle cell equals a plain run with n = 91 and 46 events (same seed: common random
  // numbers), so the tied value was applied, not just recorded.
  const auto plain = dir / "plain";
  REQUIRE(run_trialsim({"run", source_path("configs/examples/two-arm-survival.yaml").string(), "-r",
                        "300", "-o", plain.string(), "-q", "--set", "design.sample_size=91",
                        "--set", "design.analysis.events=46"},
                       dir)
              .exit_code == 0);
  std::istringstream rows(read_text(plain / "oc.csv"));
  std::string line;
  std::getline(rows, line);
  const std::string grid_csv = read_text(out / "grid.csv");
  int matched = 0;
  while (std::getline(rows, line)) {
    INFO(line);
    CHECK(grid_csv.find("\n2,91," + line + "\n") != std::string::npos);
    ++matched;
  }
  CHECK(matched == line_count(read_text(plain / "oc.csv")) - 1);
  CHECK(matched > 10);
}

TEST_CASE("the tied parameter is part of the config hash", "[grid][search][tied]") {
  // Two searches that differ only in their tied fraction run different cells: their manifests
  // must not claim the same study definition.
  TempDir dir("search-tied-hash");
  const std::string half =
      trialsim::load_study_config(
          tied_search_config(dir, "{parameter: design.analysis.events, fraction: 0.5}"), {})
          .sha256();
  const std::string more =
      trialsim::load_study_config(
          tied_search_config(dir, "{parameter: design.analysis.events, fraction: 0.6}"), {})
          .sha256();
  const std::string again =
      trialsim::load_study_config(
          tied_search_config(dir, "{parameter: design.analysis.events, fraction: 0.5}"), {})
          .sha256();
  CHECK(half.size() == 64);
  CHECK(half != more);
  CHECK(half == again);
}

TEST_CASE("a bad tied parameter is a located error before anything runs", "[grid][search][tied]") {
  TempDir dir("search-tied-errors");
  // `tied:` is the config's last line, the 7th after the example's text.
  const int tied_line =
      line_count(read_text(source_path("configs/examples/two-arm-survival.yaml"))) + 7;
  const auto error_of = [&](const std::string& tied) {
    const auto config = tied_search_config(dir, tied);
    const auto r =
        run_trialsim({"run", config.string(), "-r", "100", "-o", (dir / "e").string()}, dir);
    CHECK(r.exit_code == 2);
    CHECK(!std::filesystem::exists(dir / "e"));
    return r.err;
  };
  const std::string at = std::string(":").append(std::to_string(tied_line)).append(":");
  std::string err = error_of("{parameter: design.analysis.events, fraction: 0}");
  CHECK_THAT(err, Catch::Matchers::Contains(at));
  CHECK_THAT(err, Catch::Matchers::Contains("search.tied.fraction: "));
  err = error_of("{parameter: design.analysis.events, fraction: 1.5}");
  CHECK_THAT(err, Catch::Matchers::Contains("search.tied.fraction: "));
  err = error_of("{parameter: design.sample_size, fraction: 0.5}");
  CHECK_THAT(err, Catch::Matchers::Contains(at));
  CHECK_THAT(err, Catch::Matchers::Contains(
                      "search.tied.parameter: the tied parameter is the searched one"));
  err = error_of("{parameter: design.analysis.events, fraction: 0.5, step: 2}");
  CHECK_THAT(err, Catch::Matchers::Contains("search.tied.step"));
  // round(0.005 x 61) = 0 events: the design refuses it, reported at the tied parameter.
  err = error_of("{parameter: design.analysis.events, fraction: 0.005}");
  CHECK_THAT(err, Catch::Matchers::Contains(at));
  CHECK_THAT(err, Catch::Matchers::Contains("search.tied.parameter: the tied value 0 (at "
                                            "design.sample_size = 61) makes design.analysis.events "
                                            "invalid"));
  err = error_of("{parameter: design.no_such_key, fraction: 0.5}");
  CHECK_THAT(err, Catch::Matchers::Contains("search.tied.parameter: the tied value 31 "));
  // `name` takes any text, so "31" is accepted there, but it is no integer setting.
  err = error_of("{parameter: name, fraction: 0.5}");
  CHECK_THAT(err, Catch::Matchers::Contains(
                      "search.tied.parameter: \"name\" is not an integer key of this design"));
}

TEST_CASE("a grid prints a pivoted table of each scenario's headline metric", "[grid][pivot]") {
  using trialsim::GridAxis;
  using trialsim::OcRow;
  const std::vector<GridAxis> axes = {{"design.sample_size", {"30", "50"}},
                                      {"design.null_response_rate", {"0.5", "0.6", "0.7"}}};
  std::vector<std::vector<OcRow>> cell_rows;
  for (int c = 0; c < 6; ++c) {
    OcRow width{"p-0.8", "exact_test", "ci_width", 0.3, 0.001, 1000};
    OcRow power{"p-0.8", "exact_test", "rejection_probability", 0.1 * (c + 1), 0.0012, 1000};
    OcRow coverage{"p-0.6", "clopper_pearson", "coverage", 0.95 + 0.001 * c, 0.002, 1000};
    cell_rows.push_back({width, power, coverage});
  }
  const auto lines = trialsim::grid_pivot_lines(axes, cell_rows, false);
  // One table per scenario: its rejection_probability row, else its first row.
  const std::vector<std::string> expected = {
      "p-0.8: exact_test/rejection_probability, estimate (MCSE)",
      "  design.sample_size \\ design.null_response_rate |             0.5 |             0.6 |"
      "             0.7",
      "  30                                             | 0.1000 (0.0012) | 0.2000 (0.0012) | "
      "0.3000 (0.0012)",
      "  50                                             | 0.4000 (0.0012) | 0.5000 (0.0012) | "
      "0.6000 (0.0012)",
      "p-0.6: clopper_pearson/coverage, estimate (MCSE)",
      "  design.sample_size \\ design.null_response_rate |             0.5 |             0.6 |"
      "             0.7",
      "  30                                             | 0.9500 (0.0020) | 0.9510 (0.0020) | "
      "0.9520 (0.0020)",
      "  50                                             | 0.9530 (0.0020) | 0.9540 (0.0020) | "
      "0.9550 (0.0020)"};
  CHECK(lines == expected);
  const auto exact = trialsim::grid_pivot_lines(axes, cell_rows, true);
  REQUIRE(exact.size() == 8);
  CHECK(exact[0] == "p-0.8: exact_test/rejection_probability (exact)");
  CHECK(exact[2] == "  30                                             | 0.1000 | 0.2000 | 0.3000");
  for (const auto& line : exact) CHECK(line.find("MCSE") == std::string::npos);
  // Names and values from input are escaped for the terminal (the CLI prints the lines as they
  // are): no ESC or line break reaches it.
  std::vector<GridAxis> hostile_axes = {{"design.label", {"a\x1b[2J"}}};
  std::vector<std::vector<OcRow>> hostile_rows = {
      {OcRow{"evil\x1b[31m\nname", "t", "rejection_probability", 0.5, 0.01, 100}}};
  const auto escaped = trialsim::grid_pivot_lines(hostile_axes, hostile_rows, false);
  REQUIRE(escaped.size() == 3);
  CHECK(escaped[0] == "evil\\x1b[31m\\nname: t/rejection_probability, estimate (MCSE)");
  CHECK(escaped[2] == "  a\\x1b[2J     |       0.5000 (0.0100)");
  for (const auto& line : escaped) {
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
  }
}

TEST_CASE("a 2-D grid run prints its table and writes the tidy grid.csv", "[grid][pivot]") {
  TempDir dir("grid-pivot");
  const auto out = dir / "g";
  const auto r =
      run_trialsim({"run", source_path("configs/examples/single-arm-binary.yaml").string(),
                    "--exact", "-o", out.string(), "--set",
                    "grid={design.sample_size: [30, 50], design.null_response_rate: [0.5, 0.6]}"},
                   dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Matchers::Contains("4 grid cells evaluated exactly\n"));
  CHECK_THAT(r.out, Catch::Matchers::Contains(
                        "  design.sample_size \\ design.null_response_rate |    0.5 |    0.6\n"));
  CHECK(r.out.find("MCSE") == std::string::npos);
  // The n = 50, p0 = 0.6 cell's power at p = 0.8: the exact power of that test.
  char power[16];
  std::snprintf(power, sizeof power, "%.4f", exact_power(50, 0.6, 0.8, 0.025));
  CHECK_THAT(r.out,
             Catch::Matchers::Contains("  50                                             | "));
  CHECK_THAT(r.out, Catch::Matchers::Contains(std::string("| ") + power + "\n"));
  CHECK(read_text(out / "grid.csv")
            .rfind("cell,design.sample_size,design.null_response_rate,scenario,analysis,metric,"
                   "estimate,mcse,replicates\n",
                   0) == 0);
}
