// The test design (designs/plugin_check/README.md): registered by one line, read, echoed, run and
// checked against its exact values, through the same entry points as every design.
#include <catch2/catch.hpp>
#include <cmath>

#include "edges/config/study_config.h"
#include "tests/support.h"

using namespace trialsim;

namespace {

std::filesystem::path config_path() {
  return std::filesystem::path(TRIALSIM_SOURCE_DIR) / "designs/plugin_check/plugin-check.yaml";
}

}  // namespace

TEST_CASE("a design added as one folder is registered, read, echoed and run", "[plugin]") {
  REQUIRE(find_design("plugin_check") != nullptr);
  const StudyConfig config = load_study_config(config_path(), {"design.sample_size=10"});
  REQUIRE(config.design_type == "plugin_check");
  REQUIRE(config.resolved()["design"]["sample_size"] == 10);
  REQUIRE(config.scenario_names() == std::vector<std::string>{"low", "high"});
  RunRequest request;
  request.threads = 2;
  request.progress = ProgressMode::quiet;
  const StudyResult result = run_study(config, request);
  REQUIRE(result.rows.size() == 4);
  REQUIRE(result.exact_estimates.size() == 4);
  // Exact: E[proportion] = p, P(all respond) = p^10; within 4 MCSE at 20 000 replicates, the
  // MCSE from the exact variance (p(1 - p)/10 per replicate for the proportion, q(1 - q) for the
  // indicator with q = p^10), so a row that happens to have no variance is still checked.
  const double R = 20000.0;
  const auto proportion_mcse = [&](double p) { return std::sqrt(p * (1 - p) / 10.0 / R); };
  const auto indicator_mcse = [&](double q) { return std::sqrt(q * (1 - q) / R); };
  const double expected[] = {0.3, std::pow(0.3, 10), 0.9, std::pow(0.9, 10)};
  const double mcse[] = {proportion_mcse(0.3), indicator_mcse(expected[1]), proportion_mcse(0.9),
                         indicator_mcse(expected[3])};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(result.rows[i].scenario << " " << result.rows[i].metric << " " << result.rows[i].estimate);
    REQUIRE(result.rows[i].replicates == 20000);
    REQUIRE(result.exact_estimates[i] == Approx(expected[i]).epsilon(1e-15));
    REQUIRE(std::abs(result.rows[i].estimate - expected[i]) <= 4.0 * mcse[i]);
  }
  REQUIRE(result.rows[3].mcse > 0.0);  // P(all 10 of 0.9 respond) = 0.35: a real spread
}

TEST_CASE("the test design's errors are located like every design's", "[plugin]") {
  try {
    load_study_config(config_path(), {"design.sample_size=0"});
    FAIL("no error");
  } catch (const ConfigError& e) {
    REQUIRE(std::string(e.what()).find("design.sample_size") != std::string::npos);
  }
  try {
    load_study_config(config_path(), {"scenarios.0.colour=1"});
    FAIL("no error");
  } catch (const ConfigError& e) {
    REQUIRE(std::string(e.what()).find("scenarios.0.colour: unknown key") != std::string::npos);
  }
}
