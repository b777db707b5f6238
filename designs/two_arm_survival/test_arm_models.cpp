// A patient model per arm (model.type: per_arm; designs/arm_models.h, arm_cohort.h): the same
// trial as the exponential model when both arms are exponential, the type I error when both arms
// follow the fitted CAR-T model, the true survival the landmarks are measured against, and the
// located refusal of a model that does not provide the design's endpoint.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "designs/two_arm_survival/test_support.h"

using namespace trialsim;

namespace {

using namespace trialsim::two_arm_test;

const OcRow& row(const StudyResult& result, const std::string& scenario,
                 const std::string& analysis, const std::string& metric) {
  return find_row(result, scenario, analysis, metric);
}

std::string config_error(const std::string& text) {
  return two_arm_test::config_error(text, "per-arm-test.yaml");
}

// A config whose `model` mapping holds `model` (indented lines), read as if from the examples
// folder (so the fitted file's relative path resolves).
std::string two_arm_config(const std::string& endpoint, const std::string& model,
                           const std::string& scenarios) {
  return "schema_version: 1\nname: per-arm-test\nsimulation: {replicates: 4000, seed: 7}\n"
         "design:\n  type: two_arm_survival\n  endpoint: " +
         endpoint +
         "\n  sample_size: 100\n  accrual: {type: uniform, duration: 12}\n"
         "  analysis: {trigger: events, events: 60}\n  landmarks: [6, 12]\n"
         "model:\n" +
         model + "scenarios:\n" + scenarios;
}

std::string per_arm_config(const std::string& endpoint, const std::string& arms,
                           const std::string& scenarios) {
  return two_arm_config(endpoint, "  type: per_arm\n" + arms, scenarios);
}

StudyResult run(const StudyConfig& config) {
  RunRequest request;
  request.threads = 2;
  request.progress = ProgressMode::quiet;
  return run_study(config, request);
}

}  // namespace

TEST_CASE("per_arm with exponential arms is the exponential two-arm trial", "[per_arm]") {
  // Same design, same hazards: the per_arm trial draws the arms' event times from streams of its
  // own, so power agrees with the exponential model's within Monte Carlo error (4 combined MCSE),
  // not bit for bit; the KM landmarks are measured against exp(-lambda t).
  const std::string arms =
      "  control: {type: exponential, median: 8}\n"
      "  experimental: {type: exponential, hazard_ratio: 0.6}\n";
  const StudyConfig per_arm = load_study_config_text(
      per_arm_config("overall_survival", arms, "  - name: hr-0.6\n"), EXAMPLES / "t.yaml", {});
  const StudyConfig exponential = load_study_config_text(
      two_arm_config("overall_survival", "  type: exponential\n  control_survival: {median: 8}\n",
                     "  - {name: hr-0.6, hazard_ratio: 0.6}\n"),
      EXAMPLES / "t.yaml", {});
  const StudyResult a = run(per_arm), b = run(exponential);
  const OcRow& power_a = row(a, "hr-0.6", "logrank", "rejection_probability");
  const OcRow& power_b = row(b, "hr-0.6", "logrank", "rejection_probability");
  INFO("per_arm " << power_a.estimate << " exponential " << power_b.estimate);
  REQUIRE(power_a.estimate > 0.5);
  REQUIRE(std::abs(power_a.estimate - power_b.estimate) <=
          4.0 * std::hypot(power_a.mcse, power_b.mcse));
  // Both arms exponential: the hazard ratio is a parameter, so bias and coverage are reported.
  const OcRow& coverage = row(a, "hr-0.6", "cox", "hr_ci_coverage");
  REQUIRE(std::abs(coverage.estimate - 0.95) <= 4.0 * std::sqrt(0.95 * 0.05 / 4000.0));
  const OcRow& control_12 = row(a, "hr-0.6", "km_control_t12", "bias");
  REQUIRE(std::abs(control_12.estimate) <= 4.0 * control_12.mcse);
}

TEST_CASE("per_arm: the fitted CAR-T model in both arms holds the type I error", "[per_arm]") {
  const std::string arms =
      "  control: {type: car_t, fitted: ../fitted/inati-cel-post-hsct.yaml}\n"
      "  experimental: {type: car_t, fitted: ../fitted/inati-cel-post-hsct.yaml}\n";
  const StudyConfig config = load_study_config_text(
      per_arm_config("overall_survival", arms, "  - name: same-car-t\n"), EXAMPLES / "t.yaml", {});
  const StudyResult result = run(config);
  const OcRow& alpha = row(result, "same-car-t", "logrank", "rejection_probability");
  INFO("type I error " << alpha.estimate << " (MCSE " << alpha.mcse << ")");
  REQUIRE(std::abs(alpha.estimate - 0.025) <= 4.0 * std::sqrt(0.025 * 0.975 / 4000.0));
  // The CAR-T arm's hazard is not constant: the Cox estimate is measured against its limit under
  // the trial's conduct, here 1 (the same curve in both arms), covered at its level; the
  // landmarks against the model's true OS (bias within 4 MCSE).
  const OcRow& coverage = row(result, "same-car-t", "cox", "hr_ci_coverage");
  REQUIRE(std::abs(coverage.estimate - 0.95) <= 4.0 * std::sqrt(0.95 * 0.05 / 4000.0));
  for (const char* analysis : {"km_control_t6", "km_experimental_t12"}) {
    const OcRow& bias = row(result, "same-car-t", analysis, "bias");
    INFO(analysis << " bias " << bias.estimate << " MCSE " << bias.mcse);
    REQUIRE(bias.replicates == 4000);
    REQUIRE(std::abs(bias.estimate) <= 4.0 * bias.mcse + 0.002);  // + the truth's own MC error
  }
}

TEST_CASE("per_arm: a model that does not provide the endpoint is refused, located", "[per_arm]") {
  const std::string car_t_arm =
      "  control: {type: exponential, median: 8}\n"
      "  experimental: {type: car_t, fitted: ../fitted/inati-cel-post-hsct.yaml}\n";
  const std::string message =
      config_error(per_arm_config("relapse_free_survival", car_t_arm, "  - name: s\n"));
  INFO(message);
  REQUIRE(message.find("per-arm-test.yaml:14:24: ") != std::string::npos);
  REQUIRE(message.find("model.experimental.type: the car_t model does not provide "
                       "relapse_free_survival (design.endpoint is relapse_free_survival)") !=
          std::string::npos);
  // A hazard ratio needs an exponential control arm to be relative to.
  const std::string ratio_on_control =
      config_error(per_arm_config("overall_survival",
                                  "  control: {type: exponential, hazard_ratio: 0.5}\n"
                                  "  experimental: {type: exponential, median: 8}\n",
                                  "  - name: s\n"));
  INFO(ratio_on_control);
  REQUIRE(ratio_on_control.find("model.control.hazard_ratio: a hazard ratio is relative to the "
                                "control arm") != std::string::npos);
  // The exponential model's keys are not a per_arm scenario's.
  const std::string mixed = config_error(
      per_arm_config("overall_survival", car_t_arm, "  - {name: s, hazard_ratio: 0.5}\n"));
  INFO(mixed);
  const bool located =
      mixed.find("scenarios[0].hazard_ratio: a key of model.type exponential") !=
          std::string::npos ||
      mixed.find("scenarios.0.hazard_ratio: a key of model.type exponential") != std::string::npos;
  REQUIRE(located);
}
