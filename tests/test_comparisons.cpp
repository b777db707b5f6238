// Paired comparisons (issue 17, item 3; config `comparisons:`, edges/report/comparisons.h): the
// difference between two rows of one run with its paired MCSE.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config_test_support.h"
#include "edges/report/comparisons.h"
#include "edges/report/memo.h"
#include "edges/report/report_data.h"
#include "support.h"

namespace trialsim {
namespace {

using testing::error_of;
using testing::run_in_process;
using testing::run_trialsim;
using testing::SINGLE_ARM_BINARY_YAML;
using testing::source_path;
using testing::TempDir;
using testing::write;

// Scenario b (p = 0.8) against a (p = 0.6) of the small single-arm config, on one metric.
std::string binary_comparison(const std::string& metric, const std::string& first = "b",
                              const std::string& analysis = "exact_binomial_test") {
  return "comparisons=[{metric: " + metric + ", first: {scenario: " + first +
         ", analysis: " + analysis + "}, second: {scenario: a, analysis: " + analysis + "}}]";
}

TEST_CASE("A comparison names rows the design reports, on a metric averaged over every replicate",
          "[comparisons][config]") {
  const TempDir dir("comparisons-config");
  const auto file = write(dir, "c.yaml", SINGLE_ARM_BINARY_YAML);
  CHECK(error_of(file, {binary_comparison("rejection_probability")}) == "no error");
  CHECK_THAT(error_of(file, {binary_comparison("rejection_probability", "c")}),
             Catch::Contains("comparisons.0.first.scenario: no scenario \"c\" in this config"));
  CHECK_THAT(error_of(file, {binary_comparison("rejection_probability", "b", "exact_test")}),
             Catch::Contains("comparisons.0.first.analysis: no analysis \"exact_test\""));
  // A conditional mean (over the replicates with an interval) or a quantile is refused where the
  // metric is written.
  CHECK_THAT(error_of(file, {binary_comparison("mean_width", "b", "clopper_pearson")}),
             Catch::Contains("comparisons.0.metric: \"mean_width\" is not a mean over every "
                             "replicate, expected a probability"));
  CHECK_THAT(error_of(file, {binary_comparison("power")}),
             Catch::Contains("comparisons.0.metric: \"power\" is not a mean over every replicate"));
  CHECK_THAT(error_of(file, {"comparisons=[{metric: rejection_probability, first: {scenario: b, "
                             "analysis: exact_binomial_test}, secnd: {scenario: a, analysis: "
                             "exact_binomial_test}}]"}),
             Catch::Contains("secnd") && Catch::Contains("second"));
  CHECK_THAT(error_of(file, {"comparisons=[{metric: rejection_probability, first: {scenario: a, "
                             "analysis: exact_binomial_test}, second: {scenario: a, analysis: "
                             "exact_binomial_test}}]"}),
             Catch::Contains("comparisons.0.second: the same row as first"));
  CHECK(comparable_metric("rejection_probability"));
  CHECK(comparable_metric("efficacy_stop_probability_look2"));
  CHECK(comparable_metric("expected_patients"));
  CHECK_FALSE(comparable_metric("_probability"));
  CHECK_FALSE(comparable_metric("stop_probability_look"));
  CHECK_FALSE(comparable_metric("study_duration_q50"));
  CHECK_FALSE(comparable_metric("ci_coverage"));
}

// Each patient responds when U < p with U shared by the scenarios (common random numbers), so a
// trial that rejects at p = 0.6 rejects at p = 0.8 too: every paired difference is 0 or 1, and
// then sd(d)^2 = R m (1 - m) / (R - 1) exactly, whatever the draws. The paired MCSE must equal
// sqrt(m (1 - m) / (R - 1)) to rounding; an MCSE computed from the unpaired rows would not.
TEST_CASE("Monotone coupling makes every paired difference 0 or 1: the paired MCSE is exact",
          "[comparisons]") {
  const TempDir dir("comparisons-binary");
  const auto file = write(dir, "c.yaml", SINGLE_ARM_BINARY_YAML);
  const auto run = run_in_process(
      file, {"simulation.replicates=4096", binary_comparison("rejection_probability")});
  const auto rows = comparison_rows(run.config.comparisons, run.result, false);
  REQUIRE(rows.size() == 1);
  const ComparisonRow& c = rows[0];
  const double m = c.difference;
  CHECK(c.replicates == 4096);
  CHECK(m == Approx(c.first_estimate - c.second_estimate).margin(1e-12));
  CHECK(m > 0.5);  // power 0.8 at p = 0.8 minus 0.025 at p0 = 0.6, roughly
  CHECK(c.paired_mcse == Approx(std::sqrt(m * (1.0 - m) / 4095.0)).epsilon(1e-12));
  CHECK(c.unpaired_mcse == Approx(std::hypot(c.first_mcse, c.second_mcse)).epsilon(1e-15));
  CHECK(c.paired_mcse < c.unpaired_mcse);

  // Exact mode: the exact difference, without an MCSE.
  const auto exact =
      run_in_process(file, {"simulation.mode=exact", binary_comparison("rejection_probability")});
  const auto exact_rows = comparison_rows(exact.config.comparisons, exact.result, true);
  REQUIRE(exact_rows.size() == 1);
  CHECK(exact_rows[0].difference ==
        exact.oc.at("b/exact_binomial_test/rejection_probability").estimate -
            exact.oc.at("a/exact_binomial_test/rejection_probability").estimate);
  CHECK(std::isnan(exact_rows[0].paired_mcse));
}

// The committed example compares the design with and without its safety rule (efficacy rule
// alone) on the same virtual patients.
TEST_CASE("Comparisons leave the run's rows unchanged and are the same bits on any thread count",
          "[comparisons]") {
  const auto config = source_path("configs/examples/car-t-simon-with-safety.yaml");
  const auto with = run_in_process(config, {"simulation.replicates=3000"}, 2);
  const auto one_thread = run_in_process(config, {"simulation.replicates=3000"}, 1);
  const auto without =
      run_in_process(config, {"simulation.replicates=3000", "comparisons=null"}, 2);
  REQUIRE(with.result.rows.size() == without.result.rows.size());
  for (std::size_t i = 0; i < with.result.rows.size(); ++i) {
    INFO(with.result.rows[i].scenario << " " << with.result.rows[i].metric);
    CHECK(with.result.rows[i].estimate == without.result.rows[i].estimate);
    CHECK(with.result.rows[i].mcse == without.result.rows[i].mcse);
  }
  CHECK(without.result.paired_differences.empty());
  const auto rows = comparison_rows(with.config.comparisons, with.result, false);
  const auto rows_1 = comparison_rows(one_thread.config.comparisons, one_thread.result, false);
  REQUIRE(rows.size() == 4);
  CHECK(to_json(rows) == to_json(rows_1));
  for (const ComparisonRow& c : rows) {
    INFO(c.name);
    CHECK(c.replicates == 3000);
    CHECK(c.paired_mcse < c.unpaired_mcse);
  }
  // The safety rule stops about half the trials under toxic CRS: it costs about 0.46 of power,
  // estimated with a paired MCSE near 0.0035 at 20 000 replicates (0.009 here).
  CHECK(rows[1].name == "power lost to the safety rule (toxic CRS)");
  CHECK(rows[1].difference < -0.3);
  // Where the rule rarely fires the paired difference is nearly exact: its MCSE is a small
  // fraction of the unpaired one.
  CHECK(rows[0].paired_mcse < 0.2 * rows[0].unpaired_mcse);
}

TEST_CASE("The console, summary.json and the memo report the comparisons; names are escaped",
          "[comparisons][cli][memo]") {
  const TempDir scratch("comparisons-cli");
  const auto file = write(scratch, "c.yaml", SINGLE_ARM_BINARY_YAML);
  const std::string named =
      "comparisons=[{name: \"<b>|x\\e[31m\", metric: rejection_probability, first: {scenario: b, "
      "analysis: exact_binomial_test}, second: {scenario: a, analysis: exact_binomial_test}}]";
  const auto result = run_trialsim({"run", file.string(), "-q", "-t", "1", "-r", "2048", "-o",
                                    (scratch / "out").string(), "--set", named},
                                   scratch);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("comparisons (first - second"));
  CHECK_THAT(result.out, Catch::Contains("b/exact_binomial_test - a/exact_binomial_test = +0."));
  CHECK(result.out.find('\x1b') == std::string::npos);
  const auto summary = nlohmann::json::parse(testing::read_text(scratch / "out/summary.json"));
  REQUIRE(summary["comparisons"].size() == 1);
  const auto& c = summary["comparisons"][0];
  CHECK(c["name"] == "<b>|x\x1b[31m");
  CHECK(c["paired_mcse"].get<double>() < c["unpaired_mcse"].get<double>());
  CHECK(summary["config"]["comparisons"][0]["first"]["scenario"] == "b");
  const report::Memo memo = report::design_memo(report::load_results(scratch / "out"));
  CHECK_THAT(memo.markdown, Catch::Contains("Paired comparisons on common random numbers"));
  CHECK_THAT(memo.markdown, Catch::Contains("&lt;b>\\|x"));
  CHECK(memo.markdown.find("\\\\|") == std::string::npos);  // one escape, not two
  CHECK_THAT(memo.html, Catch::Contains("&lt;b&gt;|x"));
  CHECK(memo.html.find("<b>|x") == std::string::npos);
}

}  // namespace
}  // namespace trialsim

namespace trialsim {
namespace {

// Two grid cells are two designs run on the same random numbers: cell 2 raises scenario b's
// response rate from 0.7 to 0.8, so (monotone coupling, as above) every paired difference of the
// rejection indicator is 0 or 1 and the paired MCSE is sqrt(m (1 - m) / (R - 1)) exactly.
TEST_CASE("A comparison between grid cells pairs the cells replicate by replicate",
          "[comparisons][grid]") {
  const TempDir scratch("comparisons-grid");
  const std::string config = testing::SINGLE_ARM_BINARY_YAML +
                             "grid:\n  scenarios.1.response_rate: [0.7, 0.8]\n"
                             "comparisons:\n  - metric: rejection_probability\n"
                             "    first: {cell: 2, scenario: b, analysis: exact_binomial_test}\n"
                             "    second: {cell: 1, scenario: b, analysis: exact_binomial_test}\n";
  const auto file = write(scratch, "grid.yaml", config);
  nlohmann::json first;
  for (const char* threads : {"1", "2"}) {
    const auto out = scratch / (std::string("out") + threads);
    const auto result = run_trialsim(
        {"run", file.string(), "-q", "-t", threads, "-r", "3000", "-o", out.string()}, scratch);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out,
               Catch::Contains("cell 2: b/exact_binomial_test - cell 1: b/exact_binomial_test"));
    const auto summary = nlohmann::json::parse(testing::read_text(out / "summary.json"));
    REQUIRE(summary["comparisons"].size() == 1);
    const auto& c = summary["comparisons"][0];
    const double m = c["difference"].get<double>();
    CHECK(c["replicates"] == 3000);
    CHECK(c["first"]["cell"] == 2);
    CHECK(m == Approx(c["first"]["estimate"].get<double>() - c["second"]["estimate"].get<double>())
                   .margin(1e-12));
    CHECK(m > 0.1);
    CHECK(c["paired_mcse"].get<double>() == Approx(std::sqrt(m * (1 - m) / 2999.0)).epsilon(1e-12));
    CHECK(c["paired_mcse"].get<double>() < c["unpaired_mcse"].get<double>());
    if (first.is_null())
      first = summary["comparisons"];
    else
      CHECK(summary["comparisons"] == first);  // the same bits on 1 and 2 threads
  }
}

TEST_CASE("A comparison between cells needs a grid, both cells, and cells that exist",
          "[comparisons][grid][config]") {
  const TempDir dir("comparisons-grid-config");
  const auto file = write(dir, "c.yaml", SINGLE_ARM_BINARY_YAML);
  const std::string grid = "grid={scenarios.1.response_rate: [0.7, 0.8]}";
  const auto between = [](const std::string& first_cell, const std::string& second_cell) {
    return "comparisons=[{metric: rejection_probability, first: {" + first_cell +
           "scenario: b, analysis: exact_binomial_test}, second: {" + second_cell +
           "scenario: b, analysis: exact_binomial_test}}]";
  };
  CHECK(error_of(file, {grid, between("cell: 2, ", "cell: 1, ")}) == "no error");
  CHECK_THAT(
      error_of(file, {between("cell: 2, ", "cell: 1, ")}),
      Catch::Contains("comparisons.0.first.cell: a cell in a config without grid or search"));
  CHECK_THAT(error_of(file, {grid, between("cell: 3, ", "cell: 1, ")}),
             Catch::Contains("comparisons.0.first.cell: cell 3 of a grid of 2 cells"));
  CHECK_THAT(error_of(file, {grid, between("cell: 2, ", "")}),
             Catch::Contains("comparisons.0.second: no cell where the other row has one"));
  CHECK_THAT(error_of(file, {grid, between("cell: 1, ", "cell: 1, ")}),
             Catch::Contains("comparisons.0.second: the same row as first"));
  CHECK_THAT(
      error_of(file, {grid, "simulation.replicates=40000000", between("cell: 2, ", "cell: 1, ")}),
      Catch::Contains("comparisons: comparisons between cells would keep 2 values for each "
                      "of 40000000 replicates"));
  // A null grid value removes the key in its cell, as --set key=null does (here the file's
  // optional interval list: the cell reads the default).
  const auto with_intervals = write(dir, "i.yaml",
                                    testing::replace(SINGLE_ARM_BINARY_YAML, "  sample_size: 40\n",
                                                     "  sample_size: 40\n  intervals: [wilson]\n"));
  CHECK(error_of(with_intervals, {"grid={design.intervals: [null]}"}) == "no error");
  CHECK_THAT(error_of(file, {"grid={design.intervals: [null]}"}),
             Catch::Contains("nothing to remove"));
}

}  // namespace
}  // namespace trialsim
