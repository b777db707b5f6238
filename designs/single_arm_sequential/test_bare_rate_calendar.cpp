// single_arm_sequential on bare response/toxicity rates with `design.conduct`
// (bare_rate_calendar.h), run in-process: with no delays it is the run without conduct decision for
// decision; the decision probabilities are Simon's exact ones whatever the delays (each look sees
// iid outcomes); without the pause the overrun, the trial's duration and the enrolled count follow
// their closed forms for Poisson accrual; bad conduct keys give located errors.
//
// Design: Simon's optimal two-stage design for p0 = 0.2, p1 = 0.4, alpha 0.05, beta 0.2 (Simon
// 1989: stop if <= 3 of 13 respond; reject H0 if > 12 of 43). Accrual: Poisson, 2 patients a
// month. Statistical checks are within 4 MCSE (the row's own MCSE).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "core/output.h"
#include "edges/config/study_config.h"
#include "statistics/sequential_monitoring.h"
#include "statistics/simon_two_stage.h"
#include "tests/config_test_support.h"

using namespace trialsim;
using namespace trialsim::testing;

namespace {

constexpr int N1 = 13, R1 = 3, N = 43, R = 12;
constexpr double ACCRUAL_RATE = 2.0;  // patients per month (Poisson)

const SimonDesign SIMON = with_characteristics(N1, R1, N, R, 0.2, 0.4);

// The safety rule of the configs that have one: stop if P(rate > 0.3 | data) > 0.8 under a
// Beta(1, 1) prior, after every 3 known toxicity outcomes.
const std::string SAFETY =
    "  safety: {rule: bayesian, prior: {a: 1, b: 1}, threshold: 0.3, cutoff: 0.8, every: 3}\n";
StoppingBoundary safety_boundary() { return bayesian_toxicity_boundary(1, 1, 0.3, 0.8, N, 3); }

// A bare-rate Simon config: `safety` (a block under design, or empty), `conduct` (the keys under
// design.conduct besides accrual; nullptr: no design.conduct at all), replicates. Scenarios:
// h0 (p 0.2, toxicity 0.2) and h1-toxic (p 0.4, toxicity 0.45).
std::string bare_config(const std::string& safety, const char* conduct, int replicates) {
  std::string yaml =
      "schema_version: 1\n"
      "simulation: {replicates: " +
      std::to_string(replicates) +
      ", seed: 17}\n"
      "design:\n"
      "  type: single_arm_sequential\n"
      "  efficacy:\n"
      "    rule: simon\n"
      "    null_response_rate: 0.2\n"
      "    alternative_response_rate: 0.4\n"
      "    stages: {n1: 13, r1: 3, n: 43, r: 12}\n" +
      safety;
  if (conduct != nullptr) {
    yaml +=
        "  conduct:\n    accrual: {type: piecewise, rates: [{rate: 2}]}\n" + std::string(conduct);
  }
  return yaml +
         "scenarios:\n"
         "  - {name: h0, response_rate: 0.2, toxicity_rate: 0.2}\n"
         "  - {name: h1-toxic, response_rate: 0.4, toxicity_rate: 0.45}\n";
}

const std::map<std::string, double> RESPONSE_RATE = {{"h0", 0.2}, {"h1-toxic", 0.4}};
const std::map<std::string, double> TOXICITY_RATE = {{"h0", 0.2}, {"h1-toxic", 0.45}};

struct Run {
  StudyResult result;
  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (scenario, a/m) -> row
  const OcRow& row(const std::string& scenario, const std::string& metric) const {
    return result.rows.at(index.at({scenario, metric}));
  }
  double exact(const std::string& scenario, const std::string& metric) const {
    return result.exact_estimates.at(index.at({scenario, metric}));
  }
};

Run run_config(const std::string& yaml) {
  const StudyConfig config = load_study_config_text(yaml, "bare.yaml", {});
  RunRequest request;
  request.progress = ProgressMode::quiet;
  Run run{run_study(config, request), {}};
  REQUIRE(run.result.exact_estimates.size() == run.result.rows.size());
  for (std::size_t i = 0; i < run.result.rows.size(); ++i) {
    const OcRow& r = run.result.rows[i];
    run.index[{r.scenario, r.analysis + "/" + r.metric}] = i;
  }
  return run;
}

void check_within_4_mcse(const OcRow& row, double exact) {
  INFO(row.scenario << " " << row.analysis << "/" << row.metric << ": " << row.estimate << " (MCSE "
                    << row.mcse << ") vs exact " << exact);
  CHECK(row.mcse > 0.0);
  CHECK(std::abs(row.estimate - exact) <= 4.0 * row.mcse);
}

// E[min(X, cap)] for X ~ Poisson(mean): the stage-1 overrun when patients arrive at `mean` per
// assessment delay and at most `cap` more can enrol.
double expected_capped_poisson(double mean, int cap) {
  double term = std::exp(-mean), below_cap = 0.0, p_below = 0.0;
  for (int k = 0; k < cap; ++k) {
    below_cap += k * term;
    p_below += term;
    term *= mean / (k + 1);
  }
  return below_cap + cap * (1.0 - p_below);
}

const char* const SEQUENTIAL_ROWS[] = {
    "sequential_test/rejection_probability", "sequential_test/early_efficacy_probability",
    "sequential_test/early_termination_probability", "safety/stop_probability",
    "sequential_test/expected_patients"};

}  // namespace

TEST_CASE("bare rates, no delays, pause: Simon's exact values, the run without conduct's rows",
          "[bare_rate_calendar]") {
  const char* no_delays_paused =
      "    response_assessment_months: 0\n    safety_window_days: 0\n    pause_for_interim: true\n";
  const Run calendar = run_config(bare_config("", no_delays_paused, 4000));
  for (const auto& [scenario, p] : RESPONSE_RATE) {
    const SimonOperatingCharacteristics oc = simon_exact(SIMON, p);
    check_within_4_mcse(calendar.row(scenario, "sequential_test/rejection_probability"),
                        oc.rejection_probability);
    check_within_4_mcse(calendar.row(scenario, "sequential_test/early_termination_probability"),
                        oc.pet);
    check_within_4_mcse(calendar.row(scenario, "sequential_test/expected_patients"), oc.expected_n);
    check_within_4_mcse(calendar.row(scenario, "conduct/patients_enrolled_mean"), oc.expected_n);
    CHECK(calendar.exact(scenario, "sequential_test/rejection_probability") ==
          Approx(oc.rejection_probability).margin(1e-12));
    CHECK(calendar.exact(scenario, "sequential_test/early_termination_probability") ==
          Approx(oc.pet).margin(1e-12));
    CHECK(calendar.exact(scenario, "conduct/patients_enrolled_mean") ==
          Approx(oc.expected_n).margin(1e-12));
    CHECK(calendar.row(scenario, "safety/stop_probability").estimate == 0.0);
  }
  // Same uniforms, outcomes known at entry: the run without conduct, bit for bit, with and
  // without a safety rule (calendar_trial.h; safety pre-empts efficacy at the same patient).
  for (const std::string& safety : {std::string(), SAFETY}) {
    const Run with_conduct = run_config(bare_config(safety, no_delays_paused, 4000));
    const Run without = run_config(bare_config(safety, nullptr, 4000));
    REQUIRE(without.result.rows.size() == 10);  // 5 rows a scenario
    REQUIRE(with_conduct.result.rows.size() == 20);
    for (const auto& [scenario, p] : RESPONSE_RATE) {
      for (const char* metric : SEQUENTIAL_ROWS) {
        INFO(scenario << " " << metric << (safety.empty() ? "" : " (safety rule)"));
        CHECK(with_conduct.row(scenario, metric).estimate ==
              without.row(scenario, metric).estimate);
        CHECK(with_conduct.row(scenario, metric).mcse == without.row(scenario, metric).mcse);
      }
    }
    if (!safety.empty()) {
      CHECK(with_conduct.row("h1-toxic", "safety/stop_probability").estimate > 0.3);
    }
  }
}

TEST_CASE("bare rates with delays: exact rules alone with the pause, overrun without it",
          "[bare_rate_calendar]") {
  constexpr double ASSESSMENT = 1.0;  // months from entry to the response assessment
  // With a safety rule and the pause: the efficacy and safety rules alone keep their exact
  // probabilities (which outcomes a look sees depends only on the times).
  const Run paused = run_config(bare_config(
      SAFETY, "    response_assessment_months: 1\n    pause_for_interim: true\n", 4000));
  for (const auto& [scenario, p] : RESPONSE_RATE) {
    const double efficacy = simon_exact(SIMON, p).rejection_probability;
    const double stop =
        exact_stopping(safety_boundary(), TOXICITY_RATE.at(scenario)).stop_probability;
    check_within_4_mcse(paused.row(scenario, "efficacy_rule_alone/rejection_probability"),
                        efficacy);
    check_within_4_mcse(paused.row(scenario, "safety_rule_alone/stop_probability"), stop);
    CHECK(paused.exact(scenario, "efficacy_rule_alone/rejection_probability") ==
          Approx(efficacy).margin(1e-12));
    CHECK(paused.exact(scenario, "safety_rule_alone/stop_probability") ==
          Approx(stop).margin(1e-12));
    // The combined design depends on the calendar: no exact value.
    CHECK(std::isnan(paused.exact(scenario, "sequential_test/rejection_probability")));
  }
  CHECK(paused.row("h1-toxic", "safety_rule_alone/stop_probability").estimate > 0.5);

  // Without a safety rule: the stage-1 look comes ASSESSMENT months after the 13th entry.
  //  * No pause: the patients entering meanwhile (Poisson(2 x 1), at most 30) stay enrolled when
  //    stage 1 stops the trial: E[enrolled] = E[N] + PET E[min(Poisson(2), 30)].
  //  * Duration: the deciding look is ASSESSMENT after the entry of patient N (the look size),
  //    independent of the entry gaps (mean 1/2 month): E = E[N] / 2 + ASSESSMENT; the pause adds
  //    ASSESSMENT to every trial that goes on to stage 2.
  const Run delayed = run_config(bare_config("", "    response_assessment_months: 1\n", 6000));
  const Run immediate = run_config(bare_config("", "    response_assessment_months: 0\n", 6000));
  const Run delayed_paused = run_config(
      bare_config("", "    response_assessment_months: 1\n    pause_for_interim: true\n", 6000));
  for (const auto& [scenario, p] : RESPONSE_RATE) {
    const SimonOperatingCharacteristics oc = simon_exact(SIMON, p);
    const double overrun = oc.pet * expected_capped_poisson(ACCRUAL_RATE * ASSESSMENT, N - N1);
    const OcRow& enrolled = delayed.row(scenario, "conduct/patients_enrolled_mean");
    const OcRow& enrolled_now = immediate.row(scenario, "conduct/patients_enrolled_mean");
    check_within_4_mcse(enrolled, oc.expected_n + overrun);
    check_within_4_mcse(enrolled_now, oc.expected_n);
    INFO(scenario << ": enrolled " << enrolled.estimate << " with a 1-month assessment, "
                  << enrolled_now.estimate << " without (MCSE " << enrolled.mcse << ")");
    // Every replicate enrols at least as many with the delay (same draws); under H0 (PET 0.75,
    // overrun about 1.5 patients) by more than 4 MCSE of the estimate.
    CHECK(enrolled.estimate > enrolled_now.estimate);
    if (scenario == "h0") CHECK(enrolled.estimate > enrolled_now.estimate + 4.0 * enrolled.mcse);
    // The same decisions (same uniforms, iid looks), whatever the delay and the pause.
    CHECK(delayed.row(scenario, "sequential_test/rejection_probability").estimate ==
          immediate.row(scenario, "sequential_test/rejection_probability").estimate);
    CHECK(delayed_paused.row(scenario, "sequential_test/rejection_probability").estimate ==
          delayed.row(scenario, "sequential_test/rejection_probability").estimate);
    check_within_4_mcse(delayed_paused.row(scenario, "conduct/patients_enrolled_mean"),
                        oc.expected_n);
    check_within_4_mcse(delayed.row(scenario, "conduct/duration_mean"),
                        oc.expected_n / ACCRUAL_RATE + ASSESSMENT);
    check_within_4_mcse(delayed_paused.row(scenario, "conduct/duration_mean"),
                        oc.expected_n / ACCRUAL_RATE + ASSESSMENT + (1.0 - oc.pet) * ASSESSMENT);
    CHECK(std::isnan(delayed.exact(scenario, "conduct/patients_enrolled_mean")));
  }
}

TEST_CASE("bare-rate conduct errors are located", "[bare_rate_calendar]") {
  const TempDir dir("bare-rate-calendar-errors");
  const std::string good = bare_config(SAFETY, "    response_assessment_months: 1\n", 100);
  CHECK(error_of(write(dir, "good.yaml", good)) == "no error");
  const auto path = [&](const std::string& name) { return (dir / name).string(); };
  CHECK(error_of(write(dir, "unknown.yaml",
                       replace(good, "response_assessment_months: 1", "window_days: 28"))) ==
        path("unknown.yaml") +
            ":13:5: design.conduct.window_days: unknown key, expected one of accrual, "
            "pause_for_interim, response_assessment_months, safety_window_days");
  CHECK(error_of(write(
            dir, "negative.yaml",
            replace(good, "response_assessment_months: 1", "response_assessment_months: -1"))) ==
        path("negative.yaml") +
            ":13:33: design.conduct.response_assessment_months: value -1 is out of range, "
            "expected a number >= 0");
  CHECK(
      error_of(write(dir, "pause.yaml",
                     replace(good, "response_assessment_months: 1", "pause_for_interim: maybe"))) ==
      path("pause.yaml") +
          ":13:24: design.conduct.pause_for_interim: found \"maybe\", expected true or false");
  CHECK(
      error_of(write(dir, "no-accrual.yaml",
                     replace(good, "    accrual: {type: piecewise, rates: [{rate: 2}]}\n", ""))) ==
      path("no-accrual.yaml") +
          ":12:5: design.conduct.accrual: missing required key, expected a mapping");
  // The safety event names a model's adverse event: still not a key on bare rates.
  CHECK_THAT(
      error_of(write(dir, "event.yaml",
                     replace(good, "rule: bayesian,", "rule: bayesian, event: crs_grade3plus,"))),
      Catch::Contains("design.safety.event: unknown key"));
}
