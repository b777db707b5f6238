// Maintenance versus observation after CAR-T response (issue 5's randomised design): stratified
// permuted blocks, type I error of the stratified log-rank, reproducibility.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "designs/maintenance_after_car_t/maintenance_trial.h"
#include "edges/fit/fit_command.h"
#include "support.h"

using namespace trialsim;
using namespace trialsim::testing;

namespace {
const std::string EXAMPLE = source_path("configs/examples/maintenance-after-car-t.yaml").string();
}

TEST_CASE("stratified permuted blocks balance the arms within every stratum", "[maintenance]") {
  const FittedModel fitted =
      load_fitted_model(source_path("configs/fitted/inati-cel-post-hsct.yaml"));
  TwoArmSurvivalDesign design;
  design.sample_size = 157;
  design.accrual.kind = AccrualModel::Kind::uniform;
  design.accrual.duration = 24;
  const std::vector<car_t::StratumCovariate> strata = {car_t::StratumCovariate::extramedullary,
                                                       car_t::StratumCovariate::ph_positive};
  TwoArmSurvivalWorkspace ws;
  for (std::uint64_t r = 0; r < 200; ++r) {
    car_t::draw_maintenance_cohort(fitted.point, design, strata, 5, r, ws);
    std::map<int, int> imbalance;  // stratum -> (#maintenance - #observation)
    for (std::size_t i = 0; i < ws.arm.size(); ++i)
      imbalance[ws.stratum[i]] += ws.arm[i] == 1 ? 1 : -1;
    // Blocks of 4 (1:1): within a stratum the imbalance is at most 2, whatever the stratum sizes.
    for (const auto& [stratum, d] : imbalance) {
      INFO("replicate " << r << " stratum " << stratum);
      REQUIRE(std::abs(d) <= 2);
    }
    REQUIRE(imbalance.size() >= 3);  // EMD x Ph+ gives four strata; with 157 patients >= 3 occur
    for (std::size_t i = 0; i < ws.arm.size(); ++i)
      REQUIRE(ws.event_time[i] >= 0.0);  // RFS from randomisation
  }
}

TEST_CASE("maintenance trial: stratified log-rank size within 4 MCSE of alpha; reproducible",
          "[cli][maintenance][statistical]") {
  TempDir dir("cli-maintenance");
  const auto r =
      run_trialsim({"run", EXAMPLE, "-r", "20000", "-o", (dir / "m").string(), "-q", "--set",
                    "scenarios=[{name: no-effect, overrides: {maintenance_hazard_ratio: 1.0}}]"},
                   dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(read_text(dir / "m" / "oc.csv"));
  std::string line;
  double size = NAN, mcse = NAN;
  while (std::getline(in, line)) {
    if (line.rfind("no-effect,logrank,rejection_probability,", 0) != 0) continue;
    std::stringstream row(line);
    std::vector<std::string> f;
    for (std::string field; std::getline(row, field, ',');) f.push_back(field);
    size = std::stod(f[3]);
    mcse = std::stod(f[4]);
  }
  INFO("type I error " << size << " (MCSE " << mcse << ")");
  REQUIRE(std::abs(size - 0.025) <= 4.0 * mcse);
  for (const std::string threads : {"1", "2"}) {
    REQUIRE(run_trialsim({"run", EXAMPLE, "-r", "1500", "-t", threads, "-o",
                          (dir / ("t" + threads)).string(), "-q"},
                         dir)
                .exit_code == 0);
  }
  REQUIRE(read_text(dir / "t1" / "oc.csv") == read_text(dir / "t2" / "oc.csv"));
}
