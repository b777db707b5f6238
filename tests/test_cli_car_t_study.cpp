// Checks of the main study (configs/studies/inati-cel-next-study.yaml): a single-arm CAR-T study
// simulated from the fitted patient model (issue 4). The statistical checks run in process; the
// thread test and the config errors go through the binary. (That `trialsim fit` reproduces the
// committed fitted model is a section of "the seed fit" in test_calibration.cpp, which fits once.)
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edges/fit/fit_command.h"
#include "models/car_t/patient_model.h"
#include "statistics/binomial.h"
#include "support.h"

using namespace trialsim::testing;

namespace {

const std::string MAIN_STUDY = source_path("configs/studies/inati-cel-next-study.yaml").string();

}  // namespace

// One in-process run of the main study shared by the statistical sections (ctest runs each
// TEST_CASE in its own process; every SECTION re-enters the case, the run is done once).
// 10 240 replicates (10 blocks): MCSE <= 0.005 for every probability, so 4 MCSE <= 0.02, and
// the assurance-versus-power gaps below (observed 0.058 and 0.065) are over 10 MCSE of their
// difference.
const InProcessRun& main_study_run() {
  static const InProcessRun run =
      run_in_process(MAIN_STUDY, {"simulation.replicates=10240", "simulation.seed=11"});
  return run;
}

TEST_CASE(
    "main study: ORR power, CRS interval coverage and assurance agree with exact binomial values",
    "[car_t][statistical][assurance]") {
  const InProcessRun& run = main_study_run();
  const auto& oc = run.oc;
  const nlohmann::json& design = run.result.design_facts;

  SECTION("ORR power and CRS interval coverage agree with exact binomial values") {
    const int critical = design["critical_value"].get<int>();
    REQUIRE(critical == 34);  // smallest r with P(X >= r | n = 45, p0 = 0.6) <= 0.025
    for (const std::string scenario : {"orr-about-0.60", "orr-about-0.75", "fitted", "emd-50pct"}) {
      INFO(scenario);
      // Patients are independent, so the responder count is Binomial(45, true ORR) and the exact
      // power is its upper tail at the critical value; the simulation must agree within 4 MCSE.
      const auto& truth = design["true_values"][scenario];
      const double orr = truth["orr"].get<double>();
      const double exact_power = trialsim::binomial_upper_tail(critical, 45, orr);
      const OcValue power = oc.at(scenario + "/exact_binomial_test/rejection_probability");
      INFO("power " << power.estimate << " (MCSE " << power.mcse << "), exact " << exact_power);
      REQUIRE(power.replicates == 10240);
      REQUIRE(std::abs(power.estimate - exact_power) <= 4.0 * power.mcse);
      // Clopper–Pearson coverage of the true CRS rate, exactly, versus simulated.
      const double crs = truth["crs_any_grade"].get<double>();
      const trialsim::SingleArmBinaryTable table(45, 0.5, 0.025, 0.95);
      const auto exact = trialsim::exact_operating_characteristics(table, crs);
      const OcValue coverage = oc.at(scenario + "/crs_any_grade/ci_coverage");
      REQUIRE(std::abs(coverage.estimate -
                       exact.interval(trialsim::IntervalMethod::clopper_pearson).coverage) <=
              4.0 * coverage.mcse);
      // The 12-month KM estimates are nearly unbiased for the model's true survival (12 months of
      // follow-up after the last infusion: every patient can reach the landmark).
      const OcValue os_bias = oc.at(scenario + "/km_os_t12/bias");
      REQUIRE(std::abs(os_bias.estimate) <= 4.0 * os_bias.mcse + 0.005);
    }
    // The fitted scenario is the fit's point, the centre of the posterior (issue 14), not a fit
    // to the reported 64.5 %: its true 12-month OS (400 000 patients) agrees with the one the
    // fit chose the point by (the calibration report's point_check row, 20 000 patients on the
    // same streams, the first 20 000 of these): binomial SE sqrt(0.73 x 0.27 / 20000) = 0.003,
    // so 0.013 is 4 SE.
    double fit_os_12m = NAN;
    {
      std::istringstream csv(
          read_text(source_path("configs/fitted/inati-cel-post-hsct.calibration.csv")));
      const std::string prefix = "point_check,os_12m_true,";
      for (std::string line; std::getline(csv, line);) {
        if (line.rfind(prefix, 0) != 0) continue;
        std::vector<std::string> fields;
        std::stringstream row(line);
        for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
        fit_os_12m = std::stod(fields.at(5));  // point_replica_median column: the point's value
      }
    }
    const double os_12m = design["true_values"]["fitted"]["os_at_landmarks"][0].get<double>();
    INFO("fitted scenario's true 12-month OS " << os_12m << ", the fit's " << fit_os_12m);
    REQUIRE(std::abs(os_12m - fit_os_12m) < 0.013);
  }

  SECTION("assurance equals the exact average power over the posterior draws") {
    // Each assurance replicate uses one posterior draw, chosen uniformly; patients are
    // independent, so given the draw the responder count is Binomial(45, ORR(draw)). Assurance is
    // therefore the average over draws of the exact power, and the simulation must agree within
    // 4 MCSE.
    const trialsim::FittedModel fitted =
        trialsim::load_fitted_model(source_path("configs/fitted/inati-cel-post-hsct.yaml"));
    REQUIRE(fitted.draws.size() == 1000);
    double exact_assurance = 0.0;
    for (const auto& draw : fitted.draws) {
      exact_assurance += trialsim::binomial_upper_tail(
          34, 45, trialsim::car_t::population_response_probability(draw));
    }
    exact_assurance /= static_cast<double>(fitted.draws.size());
    const OcValue assurance = oc.at("fitted (assurance)/exact_binomial_test/rejection_probability");
    const OcValue power = oc.at("fitted/exact_binomial_test/rejection_probability");
    INFO("assurance " << assurance.estimate << " (MCSE " << assurance.mcse << ") exact "
                      << exact_assurance << " power " << power.estimate);
    REQUIRE(std::abs(assurance.estimate - exact_assurance) <= 4.0 * assurance.mcse);
    // Power at the point estimate (ORR 0.84) is high, on the concave part of the power curve, so
    // averaging over the ORR uncertainty lowers it: assurance < power, by several points.
    REQUIRE(power.estimate - assurance.estimate > 0.03);
    // Near H0 the power curve is convex: uncertainty raises the probability of success.
    const double near_h0_assurance =
        oc.at("orr-about-0.60 (assurance)/exact_binomial_test/rejection_probability").estimate;
    const double near_h0_power =
        oc.at("orr-about-0.60/exact_binomial_test/rejection_probability").estimate;
    INFO("near H0: assurance " << near_h0_assurance << ", power " << near_h0_power);
    REQUIRE(near_h0_assurance > near_h0_power + 0.03);
  }
}

TEST_CASE("main study: byte-identical results for 1, 2 and 8 threads",
          "[cli][car_t][reproducibility]") {
  TempDir dir("cli-car-t-threads");
  std::map<std::string, std::string> outputs;
  for (const std::string threads : {"1", "2", "8"}) {
    const auto out = dir / ("t" + threads);
    REQUIRE(run_trialsim({"run", MAIN_STUDY, "-r", "2500", "-t", threads, "-o", out.string(), "-q",
                          "--per-replicate"},
                         dir)
                .exit_code == 0);
    outputs[threads] = read_text(out / "oc.csv") + read_text(out / "summary.json") +
                       read_text(out / "replicates.csv");
  }
  REQUIRE(outputs["1"] == outputs["2"]);
  REQUIRE(outputs["1"] == outputs["8"]);
}

TEST_CASE("CAR-T study config errors are located", "[cli][car_t][errors]") {
  TempDir dir("cli-car-t-errors");
  std::string text = read_text(MAIN_STUDY);
  text.replace(text.find("fitted: ../fitted/inati-cel-post-hsct.yaml"), 42,
               "fitted: " + source_path("configs/fitted/inati-cel-post-hsct.yaml").string());
  const auto write_variant = [&](const std::string& from, const std::string& to) {
    std::string variant = text;
    const auto at = variant.find(from);
    REQUIRE(at != std::string::npos);
    variant.replace(at, from.size(), to);
    std::ofstream(dir / "v.yaml") << variant;
    return (dir / "v.yaml").string();
  };
  const auto unknown = run_trialsim(
      {"validate", write_variant("p_extramedullary: 0.5", "p_extramedulary: 0.5")}, dir);
  REQUIRE(unknown.exit_code == 2);
  REQUIRE_THAT(unknown.err,
               Catch::Contains("scenarios.3.overrides.p_extramedulary: unknown model parameter"));
  const auto missing = run_trialsim(
      {"validate", write_variant("inati-cel-post-hsct.yaml\n", "nowhere.yaml\n")}, dir);
  REQUIRE(missing.exit_code == 2);
  REQUIRE_THAT(missing.err, Catch::Contains("model.fitted: no fitted model file at"));
}
