// Checks of configs/examples/two-arm-survival.yaml (issue 3): log-rank type I error and power and
// conduct facts (in process), reproducibility across thread counts and config errors (binary).
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support.h"

using namespace trialsim::testing;

namespace {

const std::string EXAMPLE = source_path("configs/examples/two-arm-survival.yaml").string();

}  // namespace

TEST_CASE("two-arm example: log-rank size within 4 MCSE of 0.025, power near Schoenfeld",
          "[survival][statistical]") {
  // In process, 51 200 replicates (50 blocks): MCSE 0.0007 for the size, <= 0.0023 for a power.
  const InProcessRun run =
      run_in_process(EXAMPLE, {"simulation.replicates=51200", "simulation.seed=3"});
  const auto& oc = run.oc;

  const OcValue size = oc.at("hr-1.0/logrank/rejection_probability");
  INFO("type I error " << size.estimate << " (MCSE " << size.mcse << ")");
  REQUIRE(std::abs(size.estimate - 0.025) <= 4.0 * size.mcse);

  // Schoenfeld (1981): power = Phi(sqrt(D/4) |log HR| - z_{0.975}) with D = 60 events, 1:1.
  //   HR 0.6: Phi(sqrt(15) * 0.510826 - 1.959964) = Phi(0.018459) = 0.50736
  //   HR 0.4: Phi(sqrt(15) * 0.916291 - 1.959964) = Phi(1.588813) = 0.94395
  // The approximation is asymptotic; at 60 events it agrees with the exact log-rank power to
  // about 0.01, so we allow 0.02 (9 MCSE at 51 200 replicates).
  const OcValue power_06 = oc.at("hr-0.6/logrank/rejection_probability");
  const OcValue power_04 = oc.at("hr-0.4/logrank/rejection_probability");
  INFO("power HR 0.6 " << power_06.estimate << ", HR 0.4 " << power_04.estimate);
  REQUIRE(std::abs(power_06.estimate - 0.50736) <= 0.02);
  REQUIRE(std::abs(power_04.estimate - 0.94395) <= 0.02);

  const nlohmann::json& design = run.result.design_facts;
  REQUIRE(design["schoenfeld_power"]["hr-0.6"].get<double>() == Approx(0.50736).epsilon(1e-4));
  REQUIRE(design["schoenfeld_power"]["hr-0.4"].get<double>() == Approx(0.94395).epsilon(1e-4));

  // Every analysis happens at exactly 60 events (no dropout: the target is always reached).
  REQUIRE(oc.at("hr-0.6/conduct/events_mean").estimate == 60.0);
  REQUIRE(oc.at("hr-0.6/conduct/event_target_reached_probability").estimate == 1.0);
  // Under exponential control survival with S(12) = 0.55, the true 12-month survival is inside
  // the log-log interval about 95 % of the time (n = 60 per arm).
  const OcValue coverage = oc.at("hr-1.0/km_control_t12/ci_coverage");
  REQUIRE(std::abs(coverage.estimate - 0.95) < 0.01);
  // The Cox log-HR estimate is nearly unbiased at 60 events.
  const OcValue bias = oc.at("hr-0.6/cox/log_hr_bias");
  REQUIRE(std::abs(bias.estimate) < 0.02);
}

TEST_CASE("two-arm example: byte-identical results for 1, 2 and 8 threads",
          "[cli][survival][reproducibility]") {
  TempDir dir("cli-two-arm-threads");
  std::map<std::string, std::string> oc;
  for (const std::string threads : {"1", "2", "8"}) {
    const auto out = dir / ("t" + threads);
    REQUIRE(run_trialsim({"run", EXAMPLE, "-r", "3000", "-s", "5", "-t", threads, "-o",
                          out.string(), "-q", "--per-replicate"},
                         dir)
                .exit_code == 0);
    oc[threads] = read_text(out / "oc.csv") + read_text(out / "summary.json") +
                  read_text(out / "replicates.csv");
  }
  REQUIRE(oc["1"] == oc["2"]);
  REQUIRE(oc["1"] == oc["8"]);
}

TEST_CASE("two-arm config errors are located", "[cli][survival][errors]") {
  TempDir dir("cli-two-arm-errors");
  const auto variant = [&](const std::string& from, const std::string& to) {
    std::string text = read_text(EXAMPLE);
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    const auto path = dir / "variant.yaml";
    std::ofstream(path) << text;
    return path.string();
  };
  const auto check = [&](const std::string& file, const std::string& fragment) {
    const auto r = run_trialsim({"validate", file}, dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains(fragment));
  };
  check(variant("events: 60", "events: 121"),
        "design.analysis.events: value 121 is out of range, expected an integer from 1 to 120");
  check(variant("probability: 0.55", "probability: 1.2"),
        "model.control_survival.survival_at.probability: value 1.2 is out of range");
  check(variant("survival_at: {time: 12, probability: 0.55}", "median: 14\n    hazard: 0.05"),
        "model.control_survival: found 2 of hazard, median, survival_at, expected exactly one of "
        "them");
  check(variant("trigger: events", "trigger: whenever"),
        "design.analysis.trigger: unknown value \"whenever\"");
  check(variant("landmarks: [12]", "landmarks: [12, 6]"),
        "design.landmarks.1: value 6 is out of range or order");
  const auto exact = run_trialsim({"run", EXAMPLE, "--exact", "-o", (dir / "x").string()}, dir);
  REQUIRE(exact.exit_code == 2);
  REQUIRE_THAT(exact.err, Catch::Contains("simulation.mode: exact evaluation is not available"));
  REQUIRE_FALSE(std::filesystem::exists(dir / "x"));
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// An oc.csv row of the estimates (scenario,analysis,metric,...): Cox, Kaplan-Meier landmarks,
// medians per arm, median follow-up (reverse KM and simple).
bool is_estimate_row(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream row(line);
  for (std::string field; std::getline(row, field, ',');) f.push_back(field);
  REQUIRE(f.size() >= 3);
  return f[1] == "cox" || f[1].rfind("km_", 0) == 0 || f[1].rfind("median_", 0) == 0 ||
         f[2] == "median_follow_up_reverse_km_mean" || f[2] == "median_follow_up_simple_mean";
}

// Runs `config` in full and with design.estimates=false (same seed, different thread counts):
// the test-only oc.csv is the full one without the estimate rows, byte for byte, and
// replicates.csv differs only in cox_hr, which is NA.
void check_estimates_off(const std::string& config, const TempDir& dir,
                         const std::string& replicates) {
  const auto full = dir / "full", off = dir / "off";
  REQUIRE(run_trialsim({"run", config, "-r", replicates, "-s", "11", "-t", "2", "-o", full.string(),
                        "-q", "--per-replicate"},
                       dir)
              .exit_code == 0);
  const auto r =
      run_trialsim({"run", config, "-r", replicates, "-s", "11", "-t", "1", "-o", off.string(),
                    "-q", "--per-replicate", "--set", "design.estimates=false"},
                   dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> kept;
  int estimate_rows = 0;
  for (const std::string& line : lines_of(read_text(full / "oc.csv"))) {
    if (is_estimate_row(line)) {
      ++estimate_rows;
    } else {
      kept.push_back(line);
    }
  }
  REQUIRE(estimate_rows > 0);
  REQUIRE(lines_of(read_text(off / "oc.csv")) == kept);

  const auto full_rows = lines_of(read_text(full / "replicates.csv"));
  const auto off_rows = lines_of(read_text(off / "replicates.csv"));
  REQUIRE(full_rows.size() == off_rows.size());
  REQUIRE(off_rows.size() > 1);
  for (std::size_t i = 1; i < off_rows.size(); ++i) {
    const auto cut = [](const std::string& line) { return line.substr(0, line.rfind(',')); };
    REQUIRE(cut(off_rows[i]) == cut(full_rows[i]));
    REQUIRE(off_rows[i].substr(off_rows[i].rfind(',') + 1) == "NA");
  }
  const auto summary = nlohmann::json::parse(read_text(off / "summary.json"));
  REQUIRE(summary.dump().find("\"estimates\":false") != std::string::npos);
}

}  // namespace

TEST_CASE(
    "two-arm designs with design.estimates false: the test's rows byte-identical, estimate rows "
    "absent",
    "[cli][survival][two_arm][estimates]") {
  TempDir dir("cli-two-arm-estimates");
  SECTION("single analysis") { check_estimates_off(EXAMPLE, dir, "3000"); }
  SECTION("group-sequential") {
    check_estimates_off(source_path("configs/examples/group-sequential.yaml").string(), dir,
                        "3000");
  }
  SECTION("maintenance after CAR-T (stratified)") {
    check_estimates_off(source_path("configs/examples/maintenance-after-car-t.yaml").string(), dir,
                        "600");
  }
}
