// The group-sequential two-arm survival example (issue 5; in process, and futility through the
// binary with --set): Lan–DeMets boundaries in the run,
// type I error at HR 1 within 4 MCSE of alpha, power near the exact crossing probabilities under
// Schoenfeld's drift, and non-binding futility.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.h"

using namespace trialsim::testing;

namespace {

const std::string EXAMPLE = source_path("configs/examples/group-sequential.yaml").string();

}  // namespace

TEST_CASE("group-sequential example: boundaries, type I error and power",
          "[group_sequential][statistical]") {
  // In process, 51 200 replicates: MCSE 0.0007 for the size, 0.00017 for the interim stop.
  const InProcessRun run =
      run_in_process(EXAMPLE, {"simulation.replicates=51200", "simulation.seed=3"});
  const auto& gs = run.result.design_facts["group_sequential"];
  // rpact getDesignGroupSequential(kMax = 2, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
  // informationRates = c(0.5, 1))$criticalValues = 2.962588, 1.968596
  // (scripts/r/group-sequential-reference.R; tests/fixtures/group_sequential/boundaries.csv).
  REQUIRE(gs["efficacy_boundaries_benefit_z"][0].get<double>() == Approx(2.962588).margin(1e-5));
  REQUIRE(gs["efficacy_boundaries_benefit_z"][1].get<double>() == Approx(1.968596).margin(1e-5));
  REQUIRE(gs["interim_events"][0] == 30);
  const auto& oc = run.oc;
  const auto size = oc.at("hr-1.0/logrank/rejection_probability");
  INFO("type I error " << size.estimate << " (MCSE " << size.mcse << ")");
  REQUIRE(std::abs(size.estimate - 0.025) <= 4.0 * size.mcse);
  // Stage-wise efficacy stops under H0: the spent alpha, 0.001525 at the interim.
  const auto look1 = oc.at("hr-1.0/group_sequential/efficacy_stop_probability_look1");
  REQUIRE(std::abs(look1.estimate - 0.001525322757988909) <= 4.0 * look1.mcse);
  // Power under HR 0.6 / 0.4 against the exact crossing probability at Schoenfeld's drift (an
  // asymptotic approximation, as for the single analysis: within 0.02).
  for (const std::string scenario : {"hr-0.6", "hr-0.4"}) {
    const double exact = gs["schoenfeld_crossing"][scenario]["power"].get<double>();
    REQUIRE(std::abs(oc.at(scenario + "/logrank/rejection_probability").estimate - exact) < 0.02);
  }
  // Stopping early saves events: fewer than 60 on average under HR 0.4.
  REQUIRE(oc.at("hr-0.4/conduct/events_mean").estimate < 52.0);
}

TEST_CASE("non-binding futility lowers the type I error and stops half the null trials early",
          "[cli][group_sequential][statistical]") {
  TempDir dir("cli-gs-futility");
  REQUIRE(run_trialsim({"run", EXAMPLE, "-r", "25600", "-o", (dir / "f").string(), "-q", "--set",
                        "design.interim.futility=[0.0]"},
                       dir)
              .exit_code == 0);
  const auto oc = read_oc_table(dir / "f" / "oc.csv");
  // Futility at benefit z < 0 at half information: under H0 that is P(Z_1 < 0) = 0.5.
  const auto futility = oc.at("hr-1.0/group_sequential/futility_stop_probability_look1");
  REQUIRE(std::abs(futility.estimate - 0.5) <= 4.0 * futility.mcse + 0.005);
  // The efficacy boundaries ignore futility (non-binding), so obeying it can only lower alpha.
  const auto size = oc.at("hr-1.0/logrank/rejection_probability");
  REQUIRE(size.estimate <= 0.025 + 4.0 * size.mcse);
  const auto summary = nlohmann::json::parse(read_text(dir / "f" / "summary.json"));
  REQUIRE(summary["design"]["group_sequential"]["efficacy_boundaries_benefit_z"][1].get<double>() ==
          Approx(1.968596).margin(1e-5));
}
