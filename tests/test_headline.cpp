// The headline of a run and the type I error warning (issue 17, items 6 and 7;
// edges/report/headline.h).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edges/report/headline.h"
#include "edges/report/memo.h"
#include "tests/support.h"

namespace trialsim {
namespace {

using testing::run_in_process;
using testing::run_trialsim;
using testing::source_path;
using testing::TempDir;

const nlohmann::json FACTS = {
    {"null_hypothesis", {{"one_sided_alpha", 0.025}, {"scenarios", {"h0"}}}},
    {"analytic_power", {{"h0", {{"logrank", 0.025}}}}},
};

const std::vector<OcRow> ROWS = {
    {"h0", "logrank", "rejection_probability", 0.0299, 0.0005, 100000},
    {"h0", "conduct", "patients_analysed_mean", 120.0, 0.0, 100000},
    {"h0", "km_control_t12", "mean_ci_width", 0.25, 0.001, 100000},
    {"h0", "km_control_t12", "ci_coverage", 0.95, 0.001, 100000},
    {"h1", "logrank", "rejection_probability", 0.80, 0.004, 100000},
    {"h1", "conduct", "study_duration_mean", 30.0, 0.1, 100000},
    {"h1", "logrank", "mean_z", -2.5, 0.01, 100000},
    {"h0 (assurance)", "logrank", "rejection_probability", 0.03, 0.001, 100000},
    {"h1 (assurance)", "logrank", "rejection_probability", 0.70, 0.004, 100000},
};

std::vector<std::string> labels_of(const std::vector<HeadlineRow>& rows) {
  std::vector<std::string> out;
  for (const HeadlineRow& row : rows) out.push_back(row.scenario + "|" + row.label);
  return out;
}

TEST_CASE("The default headline labels power, type I error, N, duration and CI width",
          "[headline]") {
  const auto rows = headline_rows(ROWS, default_headline(), FACTS);
  CHECK(labels_of(rows) ==
        std::vector<std::string>{
            "h0|type I error", "h0|expected N", "h0|CI width", "h1|power", "h1|duration (months)",
            "h0 (assurance)|P(false positive), prior-averaged", "h1 (assurance)|assurance"});
  CHECK(rows[0].estimate == 0.0299);
  CHECK(rows[0].mcse == 0.0005);
}

TEST_CASE("A headline asks for what it names, in the rows' order", "[headline]") {
  CHECK(labels_of(headline_rows(ROWS, {"coverage", "power"}, FACTS)) ==
        std::vector<std::string>{"h0|CI coverage", "h1|power", "h1 (assurance)|assurance"});
  CHECK(labels_of(headline_rows(ROWS, {"type_i_error"}, FACTS)) ==
        std::vector<std::string>{"h0|type I error",
                                 "h0 (assurance)|P(false positive), prior-averaged"});
  // A design that declares no null scenario: every rejection probability, under power.
  CHECK(labels_of(headline_rows(ROWS, {"power"}, nlohmann::json::object())) ==
        std::vector<std::string>{"h0|rejection probability", "h1|rejection probability",
                                 "h0 (assurance)|rejection probability",
                                 "h1 (assurance)|rejection probability"});
  CHECK(headline_rows(ROWS, {"type_i_error"}, nlohmann::json::object()).empty());
}

TEST_CASE("A type I error above alpha by more than 4 MCSE is a warning", "[headline]") {
  // 0.0299 - 0.025 = 0.0049 = 9.8 MCSE: a warning with the analytic figure beside it.
  const auto warnings = type_i_error_warnings(ROWS, FACTS);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].scenario == "h0");
  CHECK(warnings[0].text ==
        "type I error of logrank at null scenario h0 is 0.0299 (MCSE 0.0005), above alpha 0.0250 "
        "by 9.8 MCSE; the analytic (large-sample) figure is 0.0250: the test does not hold its "
        "level at this size");
  // At 4 MCSE exactly, or below alpha, or at an alternative: none.
  const std::vector<OcRow> edge = {
      {"h0", "logrank", "rejection_probability", 0.027, 0.0005, 1000},
      {"h0", "fh_0_1", "rejection_probability", 0.020, 0.0005, 1000},
      {"h1", "logrank", "rejection_probability", 0.9, 0.0005, 1000},
  };
  CHECK(type_i_error_warnings(edge, FACTS).empty());
  // Exact rows (MCSE 0) warn at any excess, without an MCSE count.
  const std::vector<OcRow> exact = {{"h0", "exact_test", "rejection_probability", 0.026, 0.0, 0}};
  REQUIRE(type_i_error_warnings(exact, FACTS).size() == 1);
  CHECK(type_i_error_warnings(exact, FACTS)[0].text.find("0.0260 (MCSE 0.0000), above alpha "
                                                         "0.0250 (exact)") != std::string::npos);
}

// The case: the log-rank test at 2:1 allocation with 120 events of 120 patients holds
// about 0.0299, not 0.025 (a small-sample property, Schoenfeld's approximation says 0.025). At
// 100 000 replicates, 4 MCSE is 0.0022 and the excess 0.0049.
TEST_CASE("The log-rank test at 2:1 and 120 events warns of its type I error",
          "[headline][statistical]") {
  const auto run =
      run_in_process(source_path("configs/examples/two-arm-survival.yaml"),
                     {"simulation.replicates=100000", "design.allocation.experimental=2",
                      "design.analysis.events=120", "scenarios=[{name: h0, hazard_ratio: 1.0}]"});
  const auto warnings = type_i_error_warnings(run.result.rows, run.result.design_facts);
  REQUIRE(warnings.size() == 1);
  INFO(warnings[0].text);
  CHECK(warnings[0].analysis == "logrank");
  CHECK(warnings[0].estimate > 0.025 + 4.0 * warnings[0].mcse);
  CHECK(std::abs(warnings[0].estimate - 0.0299) < 4.0 * warnings[0].mcse);
}

TEST_CASE("The console and summary.json show the headline and the warnings", "[headline][cli]") {
  const TempDir scratch("headline");
  const auto result = run_trialsim(
      {"run", source_path("configs/examples/two-arm-survival.yaml").string(), "-q", "-t", "1", "-r",
       "2000", "-o", (scratch / "out").string(), "--set", "headline=[power, events]"},
      scratch);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("hr-0.6           logrank                power") != std::string::npos);
  CHECK(result.out.find("events") != std::string::npos);
  CHECK(result.out.find("type I error") == std::string::npos);  // not asked for
  const auto summary = nlohmann::json::parse(testing::read_text(scratch / "out/summary.json"));
  REQUIRE(summary.contains("headline"));
  // Scenario by scenario: hr-1.0 (null) shows its events only, hr-0.6 its power first.
  CHECK(summary["headline"][0]["label"] == "events");
  CHECK(summary["headline"][0]["scenario"] == "hr-1.0");
  CHECK(summary["headline"][1]["label"] == "power");
  CHECK(summary["headline"][1]["scenario"] == "hr-0.6");
  CHECK(summary["warnings"].empty());
  CHECK(summary["design"]["null_hypothesis"]["scenarios"] == nlohmann::json{"hr-1.0"});
}

TEST_CASE("Estimates after early stopping are labelled naive", "[headline][cli]") {
  const TempDir scratch("headline-naive");
  const auto sequential =
      run_trialsim({"run", source_path("configs/examples/group-sequential.yaml").string(), "-q",
                    "-t", "1", "-r", "1000", "-o", (scratch / "gs").string()},
                   scratch);
  REQUIRE(sequential.exit_code == 0);
  CHECK(sequential.out.find("note: the Cox HR, Kaplan-Meier and median estimates are computed at "
                            "the look that ended each trial") != std::string::npos);
  const auto summary = nlohmann::json::parse(testing::read_text(scratch / "gs/summary.json"));
  CHECK(summary["design"]["naive_estimates"].get<std::string>().find("conditionally biased") !=
        std::string::npos);
  // A fixed-sample design has nothing to label.
  const auto fixed =
      run_trialsim({"run", source_path("configs/examples/two-arm-survival.yaml").string(), "-q",
                    "-t", "1", "-r", "1000", "-o", (scratch / "fixed").string()},
                   scratch);
  REQUIRE(fixed.exit_code == 0);
  CHECK(fixed.out.find("note:") == std::string::npos);
}

TEST_CASE("The memo rounds each estimate to its MCSE and escapes names for Markdown",
          "[headline][memo]") {
  using report::markdown_escape;
  using report::rounded_to_mcse;
  CHECK(rounded_to_mcse(0.03203, 0.0039) == "0.032");
  CHECK(rounded_to_mcse(23.4518, 0.0397) == "23.45");
  CHECK(rounded_to_mcse(0.2965, 0.00007) == "0.29650");
  CHECK(rounded_to_mcse(119.9995, 0.4) == "120.0");  // at least one decimal
  CHECK(rounded_to_mcse(120.0, 0.0) == "120");       // exact: trailing zeros trimmed
  CHECK(rounded_to_mcse(0.025, 0.0) == "0.025");
  CHECK(rounded_to_mcse(NAN, 0.1) == "–");
  // Inline markup, HTML and control characters are data; intraword underscores stay readable.
  CHECK(markdown_escape("two_arm_survival") == "two_arm_survival");
  CHECK(markdown_escape("a *b* [c](http://x) `d` | e") ==
        "a \\*b\\* \\[c\\](http://x) \\`d\\` \\| e");
  CHECK(markdown_escape("<script>alert(1)</script>") == "&lt;script>alert(1)&lt;/script>");
  CHECK(markdown_escape("x\ny\x1b[31m") == "x y \\[31m");
  CHECK(markdown_escape("_lead") == "\\_lead");
  // Block markup only where a line starts.
  CHECK(markdown_escape("# not a heading") == "\\# not a heading");
  CHECK(markdown_escape("# in a cell", false) == "# in a cell");
  CHECK(markdown_escape("12. not a list") == "12\\. not a list");
  CHECK(markdown_escape("0.025", false) == "0.025");
  CHECK(markdown_escape("> quote") == "&gt; quote");
  CHECK(markdown_escape("z >= 2", false) == "z >= 2");
}

}  // namespace
}  // namespace trialsim
