// The per-look table of a group-sequential design (issue 17, item 2; edges/report/headline.h)
// against rpact and a plain R loop (scripts/r/per-look-reference.R ->
// tests/fixtures/group_sequential/per_look.csv): configs/examples/group-sequential.yaml, looks at
// 30 and 60 events, O'Brien-Fleming-type spending, hazard ratios 1, 0.6 and 0.4.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "edges/report/headline.h"
#include "tests/support.h"

namespace trialsim {
namespace {

using Reference = std::map<std::string, double>;  // column -> value

// Rows keyed "scenario/look" (scenario hr-1.0, hr-0.6, hr-0.4 from the hazard ratio).
std::map<std::string, Reference> read_reference() {
  std::ifstream in(testing::source_path("tests/fixtures/group_sequential/per_look.csv"));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  for (std::stringstream h(line); std::getline(h, line, ',');) header.push_back(line);
  std::map<std::string, Reference> out;
  while (std::getline(in, line)) {
    Reference row;
    std::stringstream fields(line);
    for (std::size_t i = 0; i < header.size() && std::getline(fields, line, ','); ++i)
      row[header[i]] = line == "NA" ? NAN : std::stod(line);
    char name[16];
    std::snprintf(name, sizeof name, "hr-%.1f", row["hazard_ratio"]);
    out[std::string(name) + "/" + std::to_string(static_cast<int>(row["look"]))] = row;
  }
  return out;
}

double relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

TEST_CASE("The per-look table equals rpact's boundaries and the plain loop's look times",
          "[per_look][statistical]") {
  const auto reference = read_reference();
  REQUIRE(reference.size() == 6);
  const auto run =
      testing::run_in_process(testing::source_path("configs/examples/group-sequential.yaml"), {});
  const nlohmann::json table = per_look_table(run.result.rows, run.result.design_facts);
  REQUIRE(table.size() == 2);
  for (const nlohmann::json& look : table) {
    const int k = look["look"].get<int>();
    for (const nlohmann::json& s : look["scenarios"]) {
      const std::string name = s["name"].get<std::string>();
      const Reference& r = reference.at(name + "/" + std::to_string(k));
      INFO(name << " look " << k);
      CHECK(look["events"].get<double>() == r.at("events"));
      // Boundaries: rpact's criticalValues, criticalValuesPValueScale, criticalValuesEffectScale.
      CHECK(relative(look["efficacy_z"].get<double>(), r.at("efficacy_z")) < 1e-6);
      CHECK(relative(look["efficacy_p"].get<double>(), r.at("efficacy_p")) < 1e-6);
      CHECK(relative(look["efficacy_hr"].get<double>(), r.at("efficacy_hr")) < 1e-6);
      // The analytic time at which the expected events reach the target: rpact's analysisTime
      // (the integral on trialsim's grid, within 1e-4 months).
      CHECK(std::abs(s["expected_time"].get<double>() - r.at("expected_time")) < 1e-4);
      // The simulated means against the plain R loop of the same conduct, within 4 MCSE of the
      // difference (both Monte Carlo).
      const double time_se = std::hypot(s["time_mcse"].get<double>(), r.at("loop_time_mcse"));
      INFO("time " << s["time_mean"] << " vs loop " << r.at("loop_time_mean") << " (4 MCSE "
                   << 4 * time_se << ")");
      CHECK(std::abs(s["time_mean"].get<double>() - r.at("loop_time_mean")) <= 4.0 * time_se);
      const double enrolled_se =
          std::hypot(s["enrolled_mcse"].get<double>(), r.at("loop_enrolled_mcse"));
      if (enrolled_se > 0.0) {
        CHECK(std::abs(s["enrolled_mean"].get<double>() - r.at("loop_enrolled_mean")) <=
              4.0 * enrolled_se);
      } else {
        CHECK(s["enrolled_mean"].get<double>() == r.at("loop_enrolled_mean"));
      }
      CHECK(s["events_mean"].get<double>() == r.at("events"));
      // The fraction of trials that made the look, against the loop's (binomial MCSEs).
      const double reached = s["reached"].get<double>() / 10000.0;
      const double loop_reached = r.at("loop_reached") / 20000.0;
      const double reached_se = std::sqrt(reached * (1 - reached) / 10000.0 +
                                          loop_reached * (1 - loop_reached) / 20000.0);
      CHECK(std::abs(reached - loop_reached) <= 4.0 * reached_se + 1e-12);
    }
  }
}

TEST_CASE("The per-look table is in summary.json and on the console", "[per_look][cli]") {
  const testing::TempDir scratch("per-look");
  const auto result = testing::run_trialsim(
      {"run", testing::source_path("configs/examples/group-sequential.yaml").string(), "-q", "-t",
       "1", "-r", "1000", "-o", (scratch / "gs").string()},
      scratch);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("  look 1: 30 events (information 0.50); stop for efficacy if z >= "
                        "2.963, p <= 0.00153, HR <= 0.339") != std::string::npos);
  const auto summary = nlohmann::json::parse(testing::read_text(scratch / "gs/summary.json"));
  REQUIRE(summary["per_look"].size() == 2);
  CHECK(summary["per_look"][1]["scenarios"][0]["name"] == "hr-1.0");
  // A fixed-sample design has no per-look table.
  const auto fixed = testing::run_trialsim(
      {"run", testing::source_path("configs/examples/two-arm-survival.yaml").string(), "-q", "-t",
       "1", "-r", "1000", "-o", (scratch / "fixed").string()},
      scratch);
  REQUIRE(fixed.exit_code == 0);
  CHECK(fixed.out.find("per look:") == std::string::npos);
  CHECK(!nlohmann::json::parse(testing::read_text(scratch / "fixed/summary.json"))
             .contains("per_look"));
}

}  // namespace
}  // namespace trialsim
