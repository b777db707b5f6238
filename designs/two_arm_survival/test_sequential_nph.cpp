// Group-sequential looks for the weighted log-rank tests and calendar-time looks (issue 16,
// item 3): each FH test of design.nph runs its own trial through the interims with Lan-DeMets
// boundaries on its observed information (statistics/group_sequential.h,
// ObservedInformationBoundaries), and calendar looks give every cohort its own boundaries on the
// events it observed. Every test holds its one-sided level when both arms share one curve (a
// cure-shaped one included); the per-look stop probabilities add up to the rejection
// probability; what has no boundaries (MaxCombo, RMST, milestones) is refused, located.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "designs/two_arm_survival/test_support.h"

using namespace trialsim;
using namespace trialsim::two_arm_test;

namespace {

const char* const CAR_T_ARM = "{type: car_t, fitted: ../fitted/inati-cel-post-hsct.yaml}\n";

std::string sequential_config(int replicates, const std::string& interim, const std::string& model,
                              const std::string& nph = "{}",
                              const std::string& scenario = "{name: same-curve}") {
  return "schema_version: 1\nname: sequential-nph\nsimulation: {replicates: " +
         std::to_string(replicates) +
         ", seed: 23}\n"
         "design:\n  type: two_arm_survival\n  sample_size: 200\n"
         "  accrual: {type: uniform, duration: 12}\n"
         "  analysis: {trigger: events, events: 120}\n  landmarks: [6, 12]\n"
         "  estimates: false\n  interim: " +
         interim + "\n  nph: " + nph + "\nmodel:\n" + model + "scenarios:\n  - " + scenario + "\n";
}

const char* const TESTS[] = {"logrank", "fh_0_0", "fh_0_1", "fh_1_0", "fh_1_1"};

// Every test's rejection probability within 4 binomial MCSE (from alpha itself) of 0.025, and
// each FH test's per-look efficacy stops adding up to its rejection probability.
void require_level_and_looks(const StudyResult& result, int replicates, int looks) {
  const double mcse = std::sqrt(0.025 * 0.975 / replicates);
  for (const char* test : TESTS) {
    const OcRow& r = find_row(result, "", test, "rejection_probability");
    INFO(test << " type I error " << r.estimate << " (4 MCSE " << 4 * mcse << ")");
    REQUIRE(r.replicates == static_cast<std::uint64_t>(replicates));
    CHECK(std::abs(r.estimate - 0.025) <= 4.0 * mcse);
    if (std::string(test) == "logrank") continue;
    double stops = 0.0;
    for (int k = 1; k <= looks; ++k)
      stops +=
          find_row(result, "", test, "efficacy_stop_probability_look" + std::to_string(k)).estimate;
    REQUIRE(stops == Approx(r.estimate).margin(1e-12));
  }
}

}  // namespace

TEST_CASE("sequential FH tests hold alpha on the fitted CAR-T model's cure-shaped curve",
          "[sequential_nph]") {
  // One interim at half the events, O'Brien-Fleming spending on the event fraction.
  constexpr int REPLICATES = 40000;
  const StudyResult result = run_text(
      sequential_config(
          REPLICATES, "{information_fractions: [0.5], spending: obrien_fleming}",
          std::string("  type: per_arm\n  control: ") + CAR_T_ARM + "  experimental: " + CAR_T_ARM),
      "sequential-nph.yaml");
  require_level_and_looks(result, REPLICATES, 2);
  // The late-weighted test spends alpha at the interim with little information: it stops there
  // rarely, but not never.
  const double early = find_row(result, "", "fh_0_1", "efficacy_stop_probability_look1").estimate;
  CHECK(early > 0.0);
  CHECK(early < 0.01);
}

TEST_CASE("calendar-time looks hold alpha for the log-rank and the FH tests", "[sequential_nph]") {
  // Looks at months 10 and 16 (Pocock spending on the events seen by then over 120) and the final
  // analysis at 120 events, on one exponential curve with median 9 months; a look after the
  // final cut-off is not made.
  constexpr int REPLICATES = 40000;
  const StudyResult result =
      run_text(sequential_config(REPLICATES, "{calendar_months: [10, 16], spending: pocock}",
                                 "  type: exponential\n  control_survival: {median: 9}\n", "{}",
                                 "{name: same-curve, hazard_ratio: 1}"),
               "sequential-nph.yaml");
  require_level_and_looks(result, REPLICATES, 3);
  double logrank_stops = 0.0;
  for (int k = 1; k <= 3; ++k) {
    logrank_stops += find_row(result, "", "group_sequential",
                              "efficacy_stop_probability_look" + std::to_string(k))
                         .estimate;
  }
  REQUIRE(logrank_stops ==
          Approx(find_row(result, "", "logrank", "rejection_probability").estimate).margin(1e-12));
  // Pocock spends at every look: each look rejects some cohorts.
  CHECK(find_row(result, "", "group_sequential", "efficacy_stop_probability_look1").estimate >
        0.002);
}

TEST_CASE("calendar looks find a real effect earlier than the final analysis", "[sequential_nph]") {
  // HR 0.6 (exponential, control median 9): a sizeable share stops at the calendar interims, and
  // the overall power stays near the fixed design's (Schoenfeld: 0.85 at 120 events; Pocock loses
  // a little).
  const std::string text =
      sequential_config(4000, "{calendar_months: [14], spending: pocock}",
                        "  type: exponential\n  control_survival: {median: 9}\n", "{}",
                        "{name: effect, hazard_ratio: 0.6}");
  const StudyResult result = run_text(text, "sequential-nph.yaml");
  const OcRow& power = find_row(result, "", "logrank", "rejection_probability");
  const OcRow& early = find_row(result, "", "group_sequential", "efficacy_stop_probability_look1");
  INFO("power " << power.estimate << " early " << early.estimate);
  CHECK(power.estimate > 0.70);
  CHECK(power.estimate < 0.86);
  CHECK(early.estimate > 0.2);
}

TEST_CASE("what has no group-sequential boundaries is refused with interims, located",
          "[sequential_nph]") {
  const std::string model = "  type: exponential\n  control_survival: {median: 9}\n";
  const std::string interim = "{information_fractions: [0.5], spending: obrien_fleming}";
  const std::string effect = "{name: effect, hazard_ratio: 0.7}";
  const std::string file = (EXAMPLES / "s.yaml").string();
  CHECK(
      config_error(sequential_config(10, interim, model, "{max_combo: true}", effect), "s.yaml") ==
      file +
          ":12:20: design.nph.max_combo: MaxCombo has no group-sequential boundaries in trialsim "
          "(the FH tests do, on their observed information), expected no design.nph.max_combo "
          "with design.interim");
  CHECK_THAT(
      config_error(sequential_config(10, interim, model, "{rmst_tau: 12}", effect), "s.yaml"),
      Catch::Matchers::Contains("design.nph.rmst_tau: the RMST test has no "
                                "group-sequential boundaries"));
  CHECK_THAT(
      config_error(sequential_config(10, interim, model, "{milestones: [6]}", effect), "s.yaml"),
      Catch::Matchers::Contains("design.nph.milestones: the milestone test has no"));
  CHECK_THAT(
      config_error(
          sequential_config(
              10, "{information_fractions: [0.5], calendar_months: [12], spending: pocock}", model),
          "s.yaml"),
      Catch::Matchers::Contains("design.interim.calendar_months: given with "
                                "information_fractions, expected one of"));
  // max_combo: false is accepted with interims (nothing to refuse).
  CHECK(config_error(sequential_config(10, interim, model, "{max_combo: false}", effect),
                     "s.yaml") == "no error");
}
