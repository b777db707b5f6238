// End-to-end checks of the main study (configs/studies/inati-cel-next-study.yaml): a single-arm
// CAR-T study simulated from the fitted patient model (issue 4).
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

TEST_CASE("main study: ORR power and CRS interval coverage agree with exact binomial values",
          "[cli][car_t][statistical]") {
  TempDir dir("cli-car-t");
  const auto result = run_trialsim(
      {"run", MAIN_STUDY, "-r", "40000", "-s", "11", "-o", (dir / "out").string(), "-q"}, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto oc = read_oc_table(dir / "out" / "oc.csv");
  const auto summary = nlohmann::json::parse(read_text(dir / "out" / "summary.json"));
  const int critical = summary["design"]["critical_value"].get<int>();
  REQUIRE(critical == 34);  // smallest r with P(X >= r | n = 45, p0 = 0.6) <= 0.025
  for (const std::string scenario : {"orr-about-0.60", "orr-about-0.75", "fitted", "emd-50pct"}) {
    INFO(scenario);
    // Patients are independent, so the responder count is Binomial(45, true ORR) and the exact
    // power is its upper tail at the critical value; the simulation must agree within 4 MCSE.
    const auto& truth = summary["design"]["true_values"][scenario];
    const double orr = truth["orr"].get<double>();
    const double exact_power = trialsim::binomial_upper_tail(critical, 45, orr);
    const OcValue power = oc.at(scenario + "/exact_binomial_test/rejection_probability");
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
  // The fitted scenario reproduces the seed's 12-month OS (64.5 %) within 2 points.
  REQUIRE(std::abs(summary["design"]["true_values"]["fitted"]["os_at_landmarks"][0].get<double>() -
                   0.645) < 0.02);
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

TEST_CASE("the committed fitted model is what trialsim fit produces", "[cli][car_t][regression]") {
  // configs/fitted/inati-cel-post-hsct.yaml is generated, not edited: a fresh fit with the default
  // settings must reproduce it byte for byte (apart from the evidence path as typed).
  TempDir dir("cli-car-t-refit");
  const auto result =
      run_trialsim({"fit", source_path("configs/evidence/inati-cel-post-hsct.yaml").string(), "-o",
                    (dir / "fitted.yaml").string(), "-q"},
                   dir);
  REQUIRE(result.exit_code == 0);
  const auto drop_evidence_line = [](const std::string& text) {
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line))
      if (line.rfind("evidence: ", 0) != 0) out += line + "\n";
    return out;
  };
  const std::string fresh = drop_evidence_line(read_text(dir / "fitted.yaml"));
  const std::string committed =
      drop_evidence_line(read_text(source_path("configs/fitted/inati-cel-post-hsct.yaml")));
  REQUIRE(fresh.size() > 10000);
  REQUIRE(fresh == committed);
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

TEST_CASE("assurance equals the exact average power over the posterior draws",
          "[cli][car_t][assurance][statistical]") {
  // Each assurance replicate uses one posterior draw, chosen uniformly; patients are independent,
  // so given the draw the responder count is Binomial(45, ORR(draw)). Assurance is therefore the
  // average over draws of the exact power, and the simulation must agree within 4 MCSE.
  TempDir dir("cli-car-t-assurance");
  const auto result =
      run_trialsim({"run", MAIN_STUDY, "-r", "40000", "-o", (dir / "out").string(), "-q"}, dir);
  REQUIRE(result.exit_code == 0);
  const auto oc = read_oc_table(dir / "out" / "oc.csv");
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
  INFO("assurance " << assurance.estimate << " exact " << exact_assurance << " power "
                    << power.estimate);
  REQUIRE(std::abs(assurance.estimate - exact_assurance) <= 4.0 * assurance.mcse);
  // Power at the point estimate (ORR 0.84) is high, on the concave part of the power curve, so
  // averaging over the ORR uncertainty lowers it: assurance < power, by several points.
  REQUIRE(power.estimate - assurance.estimate > 0.03);
  // Near H0 the power curve is convex: uncertainty raises the probability of success.
  REQUIRE(oc.at("orr-about-0.60 (assurance)/exact_binomial_test/rejection_probability").estimate >
          oc.at("orr-about-0.60/exact_binomial_test/rejection_probability").estimate + 0.03);
}
