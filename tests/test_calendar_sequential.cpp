// Tests for designs/single_arm_sequential/calendar_trial.h: the single-arm sequential trial in
// calendar time with pending outcomes.
//  * With every outcome known at enrolment it is run_sequential_trial, decision for decision, on
//    thousands of random trials (Simon and Bayesian rules, with and without safety rules).
//  * Hand-built cohorts whose events can be followed on paper: overrun, pending outcomes left out
//    of a look, the pause at the interim, safety looks on known toxicities only, an efficacy stop
//    ending safety monitoring, and the tie order.
//  * With random accrual and delays independent of the outcomes, the looks use the first n1 / n
//    evaluated patients (iid), so the Simon decision probabilities are the exact ones
//    (statistics/simon_two_stage.h) within 4 MCSE, while the enrolled count exceeds E[N].
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "designs/single_arm_sequential/calendar_trial.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"
#include "statistics/sequential_monitoring.h"
#include "statistics/simon_two_stage.h"

using namespace trialsim;

namespace {

SingleArmSequentialDesign simon_design(int n1, int r1, int n, int r,
                                       std::optional<StoppingBoundary> safety = std::nullopt) {
  SingleArmSequentialDesign design;
  design.efficacy.kind = SequentialEfficacyRule::Kind::simon;
  design.efficacy.simon.n1 = n1;
  design.efficacy.simon.r1 = r1;
  design.efficacy.simon.n = n;
  design.efficacy.simon.r = r;
  design.safety = std::move(safety);
  return design;
}

SingleArmSequentialDesign bayesian_design(EfficacyFutilityBoundary boundary,
                                          std::optional<StoppingBoundary> safety = std::nullopt) {
  SingleArmSequentialDesign design;
  design.efficacy.kind = SequentialEfficacyRule::Kind::bayesian;
  design.efficacy.bayesian = std::move(boundary);
  design.safety = std::move(safety);
  return design;
}

EfficacyFutilityBoundary bayesian_boundary(int max_patients, int first_look, int every,
                                           double efficacy_cutoff, double futility_cutoff) {
  PredictiveMonitoringRule rule;
  rule.prior = BetaPrior{0.4, 1.6};
  rule.max_patients = max_patients;
  rule.p0 = 0.2;
  rule.theta_t = 0.9;
  rule.efficacy_cutoff = efficacy_cutoff;
  rule.futility_cutoff = futility_cutoff;
  rule.first_look = first_look;
  rule.every = every;
  return predictive_monitoring_boundary(rule);
}

// Patient i enrols at i, response known `response_delay` later, toxicity `toxicity_delay` later.
std::vector<PendingOutcomePatient> regular_patients(int n, double response_delay,
                                                    double toxicity_delay) {
  std::vector<PendingOutcomePatient> patients(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    PendingOutcomePatient& p = patients[static_cast<std::size_t>(i)];
    p.enrolled_at = i;
    p.response_known_at = i + response_delay;
    p.toxicity_known_at = i + toxicity_delay;
  }
  return patients;
}

CalendarSequentialReplicate run(const SingleArmSequentialDesign& design,
                                const std::vector<PendingOutcomePatient>& patients,
                                bool pause = false) {
  CalendarSequentialWorkspace ws;
  return run_sequential_trial_in_calendar_time(design, patients, SequentialConductOptions{pause},
                                               ws);
}

// The safety rule alone on outcomes known at enrolment: the reference for safety_*_stop.
bool safety_alone_instant(const StoppingBoundary& safety, const std::vector<double>& toxicity_u,
                          double q) {
  int toxicities = 0;
  std::size_t look = 0;
  for (int i = 0; i < safety.max_patients && look < safety.look_sizes.size(); ++i) {
    toxicities += toxicity_u[static_cast<std::size_t>(i)] < q ? 1 : 0;
    if (safety.look_sizes[look] == i + 1) {
      if (stops_at_look(safety, static_cast<int>(look), toxicities)) return true;
      ++look;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("outcomes known at enrolment reproduce run_sequential_trial decision for decision",
          "[calendar_sequential]") {
  // 16 designs x 400 trials; each trial's true rates, enrolment gaps and outcome uniforms come
  // from its own streams; enrolment times strictly increase (gaps >= 0.05 months).
  std::vector<SingleArmSequentialDesign> efficacy_rules = {
      simon_design(13, 3, 43, 12), simon_design(3, 0, 8, 2),
      bayesian_design(bayesian_boundary(30, 5, 5, 0.95, 0.05)),
      bayesian_design(bayesian_boundary(20, 1, 1, 0.9, 0.1))};
  std::vector<SingleArmSequentialDesign> designs;
  for (const SingleArmSequentialDesign& rule : efficacy_rules) {
    const int n = rule.efficacy.max_patients();
    designs.push_back(rule);
    for (const StoppingBoundary& safety : {bayesian_toxicity_boundary(1, 1, 0.3, 0.8, n, 1),
                                           bayesian_toxicity_boundary(0.5, 1.5, 0.25, 0.7, n, 3),
                                           pocock_toxicity_boundary(0.2, 0.1, n, 5)}) {
      SingleArmSequentialDesign with_safety = rule;
      with_safety.safety = safety;
      designs.push_back(with_safety);
    }
  }
  CalendarSequentialWorkspace ws;
  int trials = 0, safety_stops = 0, early_efficacy = 0, early_futility = 0, successes = 0;
  for (std::size_t d = 0; d < designs.size(); ++d) {
    const SingleArmSequentialDesign& design = designs[d];
    SingleArmSequentialDesign without_safety = design;
    without_safety.safety.reset();
    const int n = design.efficacy.max_patients();
    for (std::uint64_t i = 0; i < 400; ++i) {
      Rng enrolment = make_stream(77, d * 1000 + i, StreamPurpose::enrolment);
      Rng response = make_stream(77, d * 1000 + i, StreamPurpose::response);
      Rng adverse = make_stream(77, d * 1000 + i, StreamPurpose::adverse_events);
      SequentialScenario scenario{"s", uniform(0.05, 0.7, enrolment),
                                  uniform(0.05, 0.7, enrolment)};
      std::vector<double> response_u(static_cast<std::size_t>(n)), toxicity_u(response_u.size());
      std::vector<PendingOutcomePatient> patients(response_u.size());
      double t = 0.0;
      for (std::size_t k = 0; k < patients.size(); ++k) {
        t += 0.05 + exponential(1.5, enrolment);
        response_u[k] = uniform01(response);
        toxicity_u[k] = uniform01(adverse);
        patients[k] = {t, response_u[k] < scenario.response_rate, t,
                       toxicity_u[k] < scenario.toxicity_rate, t};
      }
      const SequentialReplicate expected =
          run_sequential_trial(design, scenario, response_u, toxicity_u);
      const CalendarSequentialReplicate got =
          run_sequential_trial_in_calendar_time(design, patients, {}, ws);
      INFO("design " << d << " trial " << i);
      REQUIRE(got.success == expected.success);
      REQUIRE(got.early_efficacy == expected.early_efficacy);
      REQUIRE(got.early_futility == expected.early_futility);
      REQUIRE(got.safety_stop == expected.safety_stop);
      REQUIRE(got.patients_enrolled == expected.patients);
      // The deciding look is at the last enrolled patient; a safety stop comes before that
      // patient's response is looked at (safety first at one instant).
      REQUIRE(got.duration ==
              patients[static_cast<std::size_t>(expected.patients) - 1].enrolled_at);
      REQUIRE(got.toxicities_evaluated == expected.patients);
      REQUIRE(got.responses_evaluated == expected.patients - (expected.safety_stop ? 1 : 0));
      // Single rules: the efficacy rule without the safety rule, the safety rule over all n.
      REQUIRE(got.efficacy_rule_alone_success ==
              run_sequential_trial(without_safety, scenario, response_u, toxicity_u).success);
      const bool safety_alone =
          design.safety && safety_alone_instant(*design.safety, toxicity_u, scenario.toxicity_rate);
      REQUIRE(got.safety_rule_alone_stop == safety_alone);
      REQUIRE(got.safety_would_stop_if_continued == safety_alone);
      ++trials;
      safety_stops += got.safety_stop;
      early_efficacy += got.early_efficacy;
      early_futility += got.early_futility;
      successes += got.success;
    }
  }
  // Every kind of decision was exercised.
  CHECK(trials == 6400);
  CHECK(safety_stops > 200);
  CHECK(early_efficacy > 200);
  CHECK(early_futility > 200);
  CHECK(successes > 200);
}

TEST_CASE("overrun: patients enrolled while stage-1 outcomes are pending stay enrolled",
          "[calendar_sequential]") {
  // Simon 0/3, 2/6. Patient i enrols at month i, response known 2.5 months later, no responses.
  // The stage-1 look is at the 3rd response (patient 2, month 4.5); patients 0-4 have enrolled.
  const SingleArmSequentialDesign design = simon_design(3, 0, 6, 2);
  const std::vector<PendingOutcomePatient> patients = regular_patients(6, 2.5, 0.0);
  const CalendarSequentialReplicate overrun = run(design, patients);
  CHECK(overrun.early_futility);
  CHECK_FALSE(overrun.success);
  CHECK(overrun.patients_enrolled == 5);
  CHECK(overrun.responses_evaluated == 3);
  CHECK(overrun.toxicities_evaluated == 5);
  CHECK(overrun.duration == 4.5);

  SECTION("pausing enrolment after stage 1 avoids the overrun") {
    const CalendarSequentialReplicate paused = run(design, patients, true);
    CHECK(paused.early_futility);
    CHECK(paused.patients_enrolled == 3);
    CHECK(paused.responses_evaluated == 3);
    CHECK(paused.toxicities_evaluated == 3);
    CHECK(paused.duration == 4.5);
  }
}

TEST_CASE("a look uses the outcomes known at its time, not the first patients enrolled",
          "[calendar_sequential]") {
  // Simon 0/3, 2/6. Patient 0 responds but is assessed late (month 10); patients 1-5 do not
  // respond and are assessed half a month after enrolling (months 1.5, 2.5, 3.5, ...). The
  // stage-1 look (month 3.5) sees patients 1-3: 0 responses, stop, although patient 0 responded.
  const SingleArmSequentialDesign design = simon_design(3, 0, 6, 2);
  std::vector<PendingOutcomePatient> patients = regular_patients(6, 0.5, 0.0);
  patients[0].responded = true;
  patients[0].response_known_at = 10.0;
  const CalendarSequentialReplicate got = run(design, patients);
  CHECK(got.early_futility);
  CHECK(got.duration == 3.5);
  CHECK(got.responses_evaluated == 3);
  CHECK(got.patients_enrolled == 4);
  // Known at enrolment, stage 1 would be patients 0-2 with one response: the trial continues.
  const SequentialReplicate instant = run_sequential_trial(
      design, {"s", 0.5, 0.0}, {0.0, 0.9, 0.9, 0.9, 0.9, 0.9}, {1, 1, 1, 1, 1, 1});
  CHECK_FALSE(instant.early_futility);
}

TEST_CASE("pause_for_interim holds enrolment until the stage-1 decision, then shifts accrual",
          "[calendar_sequential]") {
  // Simon 0/2, 1/4, everyone responds; patient i enrols at month i, response known 2 later.
  const SingleArmSequentialDesign design = simon_design(2, 0, 4, 1);
  std::vector<PendingOutcomePatient> patients = regular_patients(4, 2.0, 0.0);
  for (PendingOutcomePatient& p : patients) p.responded = true;
  const CalendarSequentialReplicate overrun = run(design, patients);
  CHECK(overrun.success);
  CHECK(overrun.duration == 5.0);  // patient 3's response
  CHECK(overrun.patients_enrolled == 4);
  // Paused: the stage-1 decision comes with patient 1's response at month 3; enrolment was held
  // from month 1 (patient 1's entry), so patients 2 and 3 enrol 2 months late (4 and 5) and the
  // final analysis is at month 7.
  const CalendarSequentialReplicate paused = run(design, patients, true);
  CHECK(paused.success);
  CHECK_FALSE(paused.early_futility);
  CHECK(paused.duration == 7.0);
  CHECK(paused.patients_enrolled == 4);
  CHECK(paused.responses_evaluated == 4);

  SECTION("a patient arriving at the decision instant enrols only if the trial continues") {
    // Everyone enrols and is assessed at month 0, no responses. Without the pause all four have
    // enrolled when the stage-1 look stops the trial (enrolment first at one instant); with it,
    // only stage 1.
    std::vector<PendingOutcomePatient> at_once = regular_patients(4, 0.0, 0.0);
    for (PendingOutcomePatient& p : at_once)
      p.enrolled_at = p.response_known_at = p.toxicity_known_at = 0.0;
    const CalendarSequentialReplicate no_pause = run(design, at_once);
    CHECK(no_pause.early_futility);
    CHECK(no_pause.patients_enrolled == 4);
    const CalendarSequentialReplicate with_pause = run(design, at_once, true);
    CHECK(with_pause.early_futility);
    CHECK(with_pause.patients_enrolled == 2);
    CHECK(with_pause.duration == 0.0);
  }
  SECTION("Bayesian rules pause at every interim look") {
    // Looks after 1, 2 and 3 responses known, none can stop before the last; a response known
    // 1 month after entry: each patient waits for the previous one's response.
    const EfficacyFutilityBoundary never_early{{1, 2, 3}, {2, 3, 1}, {-1, -1, 0}};
    const std::vector<PendingOutcomePatient> three = regular_patients(3, 1.0, 0.0);
    const CalendarSequentialReplicate paused_bayes = run(bayesian_design(never_early), three, true);
    // Patient 0: enrols 0, known 1; patient 1 enrols 1 + 1 (pause 0 -> 1) = 2, known 3;
    // patient 2 enrols 2 + 1 + (3 - 2) = 4, known 5.
    CHECK(paused_bayes.duration == 5.0);
    CHECK_FALSE(paused_bayes.success);
    CHECK(run(bayesian_design(never_early), three).duration == 3.0);
  }
}

TEST_CASE("a safety look uses only the toxicity outcomes known at its time",
          "[calendar_sequential]") {
  // Simon 0/2, 1/4, everyone responds, responses known from month 20. Safety looks after 2 and 4
  // known toxicity outcomes, stopping at 2 and 3 toxicities. Patients 0 and 1 are toxic but
  // their toxicity is known at months 10 and 11; patients 2 and 3 are not toxic, known at entry.
  const StoppingBoundary safety{{2, 4}, {2, 3}, 4};
  const SingleArmSequentialDesign design = simon_design(2, 0, 4, 1, safety);
  std::vector<PendingOutcomePatient> patients = regular_patients(4, 20.0, 0.0);
  for (PendingOutcomePatient& p : patients) p.responded = true;
  patients[0].toxic = patients[1].toxic = true;
  patients[0].toxicity_known_at = 10.0;
  patients[1].toxicity_known_at = 11.0;
  // First look (month 3): patients 2, 3, no toxicity; second (month 11): 2 of 4, below 3.
  const CalendarSequentialReplicate got = run(design, patients);
  CHECK_FALSE(got.safety_stop);
  CHECK(got.success);
  CHECK(got.duration == 23.0);
  CHECK(got.toxicities_evaluated == 4);
  CHECK_FALSE(got.safety_would_stop_if_continued);
  CHECK_FALSE(got.safety_rule_alone_stop);
  // Known at enrolment, the first look would see patients 0 and 1 and stop.
  const SequentialReplicate instant =
      run_sequential_trial(design, {"s", 0.5, 0.5}, {0, 0, 0, 0}, {0.0, 0.0, 0.9, 0.9});
  CHECK(instant.safety_stop);
  CHECK(instant.patients == 2);
}

TEST_CASE("an early efficacy stop ends safety monitoring; the flags say what it would have done",
          "[calendar_sequential]") {
  // Bayesian looks after 2 and 4 known responses: efficacy at 2 of 2. Safety looks after 2 and 4
  // known toxicities, stopping at 2. Everyone responds (known 1 month after entry) and is toxic.
  const EfficacyFutilityBoundary efficacy{{2, 4}, {2, 3}, {-1, 2}};
  const StoppingBoundary safety{{2, 4}, {2, 2}, 4};
  const SingleArmSequentialDesign design = bayesian_design(efficacy, safety);
  std::vector<PendingOutcomePatient> patients = regular_patients(4, 1.0, 5.0);
  for (PendingOutcomePatient& p : patients) p.responded = p.toxic = true;

  SECTION("toxicities known after the efficacy stop are never looked at") {
    // Efficacy look at month 2 (patient 1's response); patient 2 enrols at that instant.
    const CalendarSequentialReplicate got = run(design, patients);
    CHECK(got.success);
    CHECK(got.early_efficacy);
    CHECK_FALSE(got.safety_stop);
    CHECK(got.duration == 2.0);
    CHECK(got.patients_enrolled == 3);
    CHECK(got.toxicities_evaluated == 0);
    CHECK(got.responses_evaluated == 2);
    CHECK(got.efficacy_rule_alone_success);
    CHECK(got.safety_would_stop_if_continued);  // 2 toxic of the first 2 known, month 6
    CHECK(got.safety_rule_alone_stop);
  }
  SECTION("a safety look at the same instant as an efficacy look comes first") {
    for (PendingOutcomePatient& p : patients) p.toxicity_known_at = p.response_known_at;
    const CalendarSequentialReplicate got = run(design, patients);
    CHECK(got.safety_stop);
    CHECK_FALSE(got.success);
    CHECK_FALSE(got.early_efficacy);
    CHECK(got.duration == 2.0);
    CHECK(got.patients_enrolled == 3);
    CHECK(got.toxicities_evaluated == 2);
    CHECK(got.responses_evaluated == 1);
    CHECK(got.efficacy_rule_alone_success);
    CHECK(got.safety_would_stop_if_continued);
    CHECK(got.safety_rule_alone_stop);
  }
}

TEST_CASE("with a pause, the safety flags follow their own calendars", "[calendar_sequential]") {
  // Simon 0/2, 1/4, everyone responds, responses known 5 months after entry. One safety look
  // after 2 known toxicities, stopping at 2. Patients 0 and 1 are toxic, known at 5.5 and 6.5;
  // patients 2 and 3 are not, known at entry.
  const SingleArmSequentialDesign design = simon_design(2, 0, 4, 1, StoppingBoundary{{2}, {2}, 4});
  std::vector<PendingOutcomePatient> patients = regular_patients(4, 5.0, 0.0);
  for (PendingOutcomePatient& p : patients) p.responded = true;
  patients[0].toxic = patients[1].toxic = true;
  patients[0].toxicity_known_at = 5.5;
  patients[1].toxicity_known_at = 6.5;
  // Without the pause patients 2 and 3 (months 2, 3) are the first two known: no stop.
  const CalendarSequentialReplicate unpaused = run(design, patients);
  CHECK_FALSE(unpaused.safety_stop);
  CHECK(unpaused.success);
  CHECK_FALSE(unpaused.safety_rule_alone_stop);
  // Paused from month 1 to the stage-1 decision at month 6, patients 2 and 3 enrol at 7 and 8:
  // patients 0 and 1 are the first two known, and the look at month 6.5 stops the trial.
  const CalendarSequentialReplicate paused = run(design, patients, true);
  CHECK(paused.safety_stop);
  CHECK(paused.duration == 6.5);
  CHECK(paused.patients_enrolled == 2);
  CHECK(paused.responses_evaluated == 2);
  CHECK(paused.efficacy_rule_alone_success);
  CHECK(paused.safety_would_stop_if_continued);
  CHECK_FALSE(paused.safety_rule_alone_stop);  // the safety rule alone has no pause
}

TEST_CASE("calendar trial rejects patient lists it cannot run", "[calendar_sequential]") {
  const SingleArmSequentialDesign design = simon_design(2, 0, 4, 1);
  CalendarSequentialWorkspace ws;
  std::vector<PendingOutcomePatient> patients = regular_patients(3, 1.0, 1.0);
  CHECK_THROWS_AS(run_sequential_trial_in_calendar_time(design, patients, {}, ws),
                  std::invalid_argument);
  patients = regular_patients(4, 1.0, 1.0);
  patients[2].response_known_at = 1.5;  // before its enrolment at month 2
  CHECK_THROWS_AS(run_sequential_trial_in_calendar_time(design, patients, {}, ws),
                  std::invalid_argument);
  patients = regular_patients(4, 1.0, 1.0);
  patients[3].enrolled_at = 1.0;  // before patient 2
  CHECK_THROWS_AS(run_sequential_trial_in_calendar_time(design, patients, {}, ws),
                  std::invalid_argument);
  patients = regular_patients(4, 1.0, 1.0);
  patients[1].toxicity_known_at = std::nan("");
  CHECK_THROWS_AS(run_sequential_trial_in_calendar_time(design, patients, {}, ws),
                  std::invalid_argument);
  patients = regular_patients(5, 1.0, 1.0);  // an extra patient is ignored
  patients[4].enrolled_at = -1.0;
  CHECK_NOTHROW(run_sequential_trial_in_calendar_time(design, patients, {}, ws));
}

TEST_CASE("with random accrual and delays the Simon decisions keep their exact probabilities",
          "[calendar_sequential][statistical]") {
  // Optimal Simon design for p0 = 0.2, p1 = 0.4, alpha = 0.05, beta = 0.2 (13 / 43 patients)
  // with a Bayesian safety rule after every 3 known toxicities. Poisson accrual of 2 patients a
  // month; response known 1 + Exp(mean 1) months after entry, toxicity U(0, 1) months after: the
  // known order differs from the enrolment order, independently of the outcomes. Tolerance:
  // 4 MCSE, from the exact variance q (1 - q) / R for indicators, the sample variance for counts.
  const SimonDesign simon = simon_search(0.2, 0.4, 0.05, 0.2).optimal.value();
  REQUIRE(simon.n1 == 13);
  REQUIRE(simon.n == 43);
  const SingleArmSequentialDesign plain = simon_design(simon.n1, simon.r1, simon.n, simon.r);
  const StoppingBoundary safety = bayesian_toxicity_boundary(1, 1, 0.3, 0.8, simon.n, 3);
  const SingleArmSequentialDesign with_safety =
      simon_design(simon.n1, simon.r1, simon.n, simon.r, safety);
  constexpr std::uint64_t REPLICATES = 40000;
  const double r = REPLICATES;
  const auto within = [r](const MomentAccumulator& estimate, double q) {
    return std::abs(estimate.mean() - q) <= 4 * std::sqrt(q * (1 - q) / r);
  };
  CalendarSequentialWorkspace ws;
  std::vector<PendingOutcomePatient> patients(static_cast<std::size_t>(simon.n));
  for (const double p : {0.2, 0.4}) {
    const double q = p;  // toxicity rate
    INFO("p = q = " << p);
    MomentAccumulator success, futility, enrolled, paused_success, paused_enrolled, efficacy_alone,
        safety_alone, safety_if_continued;
    for (std::uint64_t i = 0; i < REPLICATES; ++i) {
      Rng enrolment = make_stream(2024, i, StreamPurpose::enrolment);
      Rng response = make_stream(2024, i, StreamPurpose::response);
      Rng adverse = make_stream(2024, i, StreamPurpose::adverse_events);
      Rng delays = make_stream(2024, i, StreamPurpose::outcomes);
      double t = 0.0;
      for (PendingOutcomePatient& patient : patients) {
        t += exponential(2.0, enrolment);
        patient = {t, bernoulli(p, response), t + 1.0 + exponential(1.0, delays),
                   bernoulli(q, adverse), t + uniform01(delays)};
      }
      const CalendarSequentialReplicate overrun =
          run_sequential_trial_in_calendar_time(plain, patients, {}, ws);
      success.add(overrun.success);
      futility.add(overrun.early_futility);
      enrolled.add(overrun.patients_enrolled);
      const CalendarSequentialReplicate paused = run_sequential_trial_in_calendar_time(
          plain, patients, SequentialConductOptions{true}, ws);
      paused_success.add(paused.success);
      paused_enrolled.add(paused.patients_enrolled);
      REQUIRE((paused.patients_enrolled == simon.n1 || paused.patients_enrolled == simon.n));
      const CalendarSequentialReplicate monitored =
          run_sequential_trial_in_calendar_time(with_safety, patients, {}, ws);
      REQUIRE(monitored.efficacy_rule_alone_success == overrun.success);  // same calendar
      efficacy_alone.add(monitored.efficacy_rule_alone_success);
      safety_alone.add(monitored.safety_rule_alone_stop);
      safety_if_continued.add(monitored.safety_would_stop_if_continued);
    }
    const SimonOperatingCharacteristics exact = simon_exact(simon, p);
    const double exact_safety = exact_stopping(safety, q).stop_probability;
    CHECK(within(success, exact.rejection_probability));
    CHECK(within(futility, exact.pet));
    CHECK(within(paused_success, exact.rejection_probability));
    CHECK(std::abs(paused_enrolled.mean() - exact.expected_n) <= 4 * paused_enrolled.mcse());
    // Overrun: patients keep enrolling while stage-1 responses are pending (about 2 months at 2
    // a month, so about 4 more patients whenever stage 1 stops the trial).
    CHECK(enrolled.mean() - 4 * enrolled.mcse() > exact.expected_n + 0.5 * exact.pet);
    CHECK(within(efficacy_alone, exact.rejection_probability));
    CHECK(within(safety_alone, exact_safety));
    CHECK(within(safety_if_continued, exact_safety));
  }
}
