// The parametric survival models of issue 16 item 1 (models/survival_models.h): each model's true
// survival is its closed form (exact to 1e-12), the empirical survival of 200 000 simulated
// patients agrees with it within 4 binomial standard errors, a one-piece piecewise exponential
// model is the exponential model bit for bit, a delayed effect is the piecewise formula, and each
// model draws a fixed number of values per patient (common random numbers across parameters).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

#include "models/patient_model.h"
#include "models/survival_models.h"

using namespace trialsim;

namespace {

constexpr auto OS = PatientOutcome::overall_survival;
constexpr int OS_INDEX = static_cast<int>(OS);

// The fraction of `n` simulated patients still event-free at each time (event time > t) agrees
// with the model's true survival within 4 binomial SEs, sqrt(S (1 - S) / n).
void check_empirical_survival(const PatientModel& model, const std::vector<double>& times,
                              std::uint64_t seed) {
  const int n = 200000;
  PatientStreams streams(seed, 0, 1);
  SimulatedPatient patient;
  std::vector<int> surviving(times.size(), 0);
  for (int i = 0; i < n; ++i) {
    model.simulate(streams, patient);
    for (std::size_t j = 0; j < times.size(); ++j)
      surviving[j] += patient.event_time[OS_INDEX] > times[j] ? 1 : 0;
  }
  const std::vector<double> truth = model.true_survival(OS, times);
  for (std::size_t j = 0; j < times.size(); ++j) {
    const double empirical = static_cast<double>(surviving[j]) / n;
    const double se = std::sqrt(truth[j] * (1.0 - truth[j]) / n);
    INFO(model.type() << " at t = " << times[j] << ": empirical " << empirical << ", true "
                      << truth[j] << ", SE " << se);
    REQUIRE(std::abs(empirical - truth[j]) <= 4.0 * se);
  }
}

// true_survival(OS, times) equals `closed_form` at each time within 1e-12.
void check_closed_form(const PatientModel& model, const std::vector<double>& times,
                       const std::function<double(double)>& closed_form) {
  const std::vector<double> truth = model.true_survival(OS, times);
  REQUIRE(truth.size() == times.size());
  for (std::size_t j = 0; j < times.size(); ++j) {
    INFO(model.type() << " at t = " << times[j]);
    REQUIRE(std::abs(truth[j] - closed_form(times[j])) <= 1e-12);
  }
}

// Only the time to the endpoint's event: every time-to-event outcome, nothing else.
void check_provides(const PatientModel& model) {
  for (auto outcome : {PatientOutcome::overall_survival, PatientOutcome::event_free_survival,
                       PatientOutcome::relapse_free_survival}) {
    REQUIRE(model.provides(outcome));
    REQUIRE(model.missing_reason(outcome).empty());
  }
  for (auto outcome : {PatientOutcome::response, PatientOutcome::crs_grade3plus,
                       PatientOutcome::baseline_covariates}) {
    REQUIRE_FALSE(model.provides(outcome));
    REQUIRE(model.missing_reason(outcome) ==
            "the " + std::string(model.type()) +
                " model gives only the time to the endpoint's event, not " +
                std::string(to_string(outcome)));
    REQUIRE(std::isnan(model.true_survival(outcome, {1.0})[0]));
    REQUIRE(std::isnan(model.constant_hazard(outcome)));
  }
  PatientStreams streams(3, 0, 2);
  SimulatedPatient patient;
  model.simulate(streams, patient);
  REQUIRE(patient.event_time[static_cast<int>(PatientOutcome::event_free_survival)] ==
          patient.event_time[OS_INDEX]);
  REQUIRE(std::isnan(patient.event_time[static_cast<int>(PatientOutcome::response)]));
}

// After each patient simulated by `a` and by `b` from identical streams, the next value of every
// stream is the same: the two models draw the same number of values from each, patient by
// patient, whatever happens to the patient.
void check_same_draw_count(const PatientModel& a, const PatientModel& b, int patients) {
  PatientStreams streams_a(17, 4, 2), streams_b(17, 4, 2);
  SimulatedPatient patient_a, patient_b;
  for (int i = 0; i < patients; ++i) {
    a.simulate(streams_a, patient_a);
    b.simulate(streams_b, patient_b);
    // Peek by copying: the copies' next draws, the streams themselves untouched.
    Rng next_a = streams_a.outcomes, next_b = streams_b.outcomes;
    INFO(a.type() << " vs " << b.type() << ", patient " << i);
    REQUIRE(next_a() == next_b());
  }
  // The streams other than `outcomes` are not touched at all.
  const PatientStreams fresh(17, 4, 2);
  Rng c = streams_a.covariates, r = streams_a.response, e = streams_a.adverse_events,
      d = streams_a.dropout;
  Rng fc = fresh.covariates, fr = fresh.response, fe = fresh.adverse_events, fd = fresh.dropout;
  REQUIRE(c() == fc());
  REQUIRE(r() == fr());
  REQUIRE(e() == fe());
  REQUIRE(d() == fd());
}

}  // namespace

TEST_CASE("piecewise exponential: rates[k] on [b_{k-1}, b_k), exact and simulated",
          "[survival_models]") {
  const PiecewiseExponentialModel model({3.0, 9.0}, {0.2, 0.05, 0.1});
  check_provides(model);
  // H(t) = 0.2 min(t, 3) + 0.05 (min(t, 9) - 3)+ + 0.1 (t - 9)+.
  const auto closed_form = [](double t) {
    const double h = 0.2 * std::min(t, 3.0) + 0.05 * std::max(std::min(t, 9.0) - 3.0, 0.0) +
                     0.1 * std::max(t - 9.0, 0.0);
    return std::exp(-h);
  };
  check_closed_form(model, {0.0, 1.0, 3.0, 5.5, 9.0, 12.0, 30.0}, closed_form);
  REQUIRE(model.true_survival(OS, {std::numeric_limits<double>::infinity()})[0] == 0.0);
  check_empirical_survival(model, {1.0, 3.0, 6.0, 9.0, 15.0}, 101);
  // The inverse of H: H(H^{-1}(x)) = x on every piece, and the breakpoints map to themselves.
  for (double x : {0.0, 0.3, 0.6, 0.75, 0.9, 2.5}) {
    REQUIRE(std::abs(model.cumulative_hazard(model.time_at_cumulative_hazard(x)) - x) <= 1e-12);
  }
  REQUIRE(model.time_at_cumulative_hazard(model.cumulative_hazard(3.0)) == 3.0);
  REQUIRE(model.hazard_at(2.999) == 0.2);
  REQUIRE(model.hazard_at(3.0) == 0.05);  // left-closed pieces
  REQUIRE(model.hazard_at(9.0) == 0.1);
  REQUIRE(std::isnan(model.constant_hazard(OS)));
  REQUIRE(PiecewiseExponentialModel({4.0}, {0.1, 0.1}).constant_hazard(OS) == 0.1);
}

TEST_CASE("piecewise exponential with one piece is the exponential model bit for bit",
          "[survival_models]") {
  const PiecewiseExponentialModel piecewise({}, {0.0731});
  const ExponentialEventModel exponential(0.0731);
  const std::vector<double> times{0.5, 6.0, 12.0, 40.0};
  REQUIRE(piecewise.true_survival(OS, times) == exponential.true_survival(OS, times));
  REQUIRE(piecewise.constant_hazard(OS) == exponential.constant_hazard(OS));
  PatientStreams a(9, 1, 1), b(9, 1, 1);
  SimulatedPatient pa, pb;
  for (int i = 0; i < 10000; ++i) {
    piecewise.simulate(a, pa);
    exponential.simulate(b, pb);
    REQUIRE(pa.event_time[OS_INDEX] == pb.event_time[OS_INDEX]);
  }
  // piecewise_form: an exponential model as one piece, a piecewise model as itself.
  const auto form = piecewise_form(exponential);
  REQUIRE(form.has_value());
  REQUIRE(form->breakpoints().empty());
  REQUIRE(form->rates() == std::vector<double>{0.0731});
  REQUIRE_FALSE(piecewise_form(WeibullEventModel(1.5, 10.0)).has_value());
}

TEST_CASE("piecewise exponential and delayed effect: the restricted mean in closed form",
          "[survival_models]") {
  const PiecewiseExponentialModel model({3.0, 9.0}, {0.2, 0.05, 0.1});
  // int_0^tau S: piece by piece, S(a) (1 - exp(-r (b - a))) / r, written out for tau = 12.
  const double s3 = std::exp(-0.6), s9 = std::exp(-0.6 - 0.3);
  const double by_hand = (1.0 - std::exp(-0.6)) / 0.2 + s3 * (1.0 - std::exp(-0.3)) / 0.05 +
                         s9 * (1.0 - std::exp(-0.3)) / 0.1;
  REQUIRE(std::abs(model.true_restricted_mean(OS, 12.0) - by_hand) <= 1e-12);
  // Within the first piece, and equal to the interface's Simpson rule (1e-6: its error at the
  // kinks of S is O(h^2)).
  REQUIRE(std::abs(model.true_restricted_mean(OS, 2.0) - (1.0 - std::exp(-0.4)) / 0.2) <= 1e-12);
  for (double tau : {2.0, 3.0, 7.0, 24.0}) {
    REQUIRE(std::abs(model.true_restricted_mean(OS, tau) -
                     model.PatientModel::true_restricted_mean(OS, tau)) <= 1e-6);
  }
  REQUIRE(std::isnan(model.true_restricted_mean(PatientOutcome::response, 12.0)));
  // One piece: the exponential model's closed form, bit for bit.
  REQUIRE(PiecewiseExponentialModel({}, {0.0731}).true_restricted_mean(OS, 18.0) ==
          ExponentialEventModel(0.0731).true_restricted_mean(OS, 18.0));
  const DelayedEffectModel delayed(PiecewiseExponentialModel({6.0}, {0.07, 0.0455}), {3.0},
                                   {1.0, 0.6});
  REQUIRE(std::abs(delayed.true_restricted_mean(OS, 24.0) -
                   delayed.PatientModel::true_restricted_mean(OS, 24.0)) <= 1e-6);
}

TEST_CASE("Weibull: S(t) = exp(-(t/scale)^shape), exact and simulated", "[survival_models]") {
  for (double shape : {0.7, 1.8}) {
    const WeibullEventModel model(shape, 10.0);
    check_provides(model);
    check_closed_form(model, {0.0, 1.0, 5.0, 10.0, 25.0},
                      [&](double t) { return std::exp(-std::pow(t / 10.0, shape)); });
    check_empirical_survival(model, {2.0, 5.0, 10.0, 20.0}, 202);
    REQUIRE(std::isnan(model.constant_hazard(OS)));
  }
  // The scale of a median: S(median) = 1/2.
  const WeibullEventModel by_median(1.3, WeibullEventModel::scale_for_median(1.3, 14.0));
  REQUIRE(std::abs(by_median.true_survival(OS, {14.0})[0] - 0.5) <= 1e-12);
  // Shape 1 is the exponential model with hazard 1/scale: a constant hazard.
  REQUIRE(WeibullEventModel(1.0, 8.0).constant_hazard(OS) == 1.0 / 8.0);
}

TEST_CASE("mixture cure: S(t) = pi + (1 - pi) S_u(t), exact and simulated", "[survival_models]") {
  // Exponential latency (shape 1, scale 1/hazard) and Weibull latency.
  const MixtureCureModel exponential_latency(0.35, 1.0, 1.0 / 0.15);
  check_provides(exponential_latency);
  check_closed_form(exponential_latency, {0.0, 2.0, 6.0, 12.0, 48.0},
                    [](double t) { return 0.35 + 0.65 * std::exp(-0.15 * t); });
  check_empirical_survival(exponential_latency, {1.0, 6.0, 12.0, 36.0}, 303);
  const MixtureCureModel weibull_latency(0.2, 1.6, 9.0);
  check_closed_form(weibull_latency, {0.0, 3.0, 9.0, 20.0},
                    [](double t) { return 0.2 + 0.8 * std::exp(-std::pow(t / 9.0, 1.6)); });
  check_empirical_survival(weibull_latency, {3.0, 9.0, 20.0, 40.0}, 404);
  // The plateau: a cured patient never has the event; S(infinity) = pi.
  REQUIRE(
      std::abs(exponential_latency.true_survival(OS, {std::numeric_limits<double>::infinity()})[0] -
               0.35) <= 1e-15);
  REQUIRE(std::isnan(exponential_latency.constant_hazard(OS)));
  // No cure and an exponential latency: a constant hazard.
  REQUIRE(MixtureCureModel(0.0, 1.0, 5.0).constant_hazard(OS) == 0.2);
  REQUIRE(std::isnan(MixtureCureModel(0.0, 1.5, 5.0).constant_hazard(OS)));
}

TEST_CASE("delayed effect: HR_k x the control's hazard, the piecewise formula",
          "[survival_models]") {
  // Control: 0.07 on [0, 6), 0.0455 after; hazard ratio 1 on [0, 3), 0.6 after.
  const PiecewiseExponentialModel control({6.0}, {0.07, 0.0455});
  const DelayedEffectModel model(control, {3.0}, {1.0, 0.6});
  check_provides(model);
  REQUIRE(model.merged().breakpoints() == std::vector<double>{3.0, 6.0});
  REQUIRE(model.merged().rates() == std::vector<double>{0.07, 0.6 * 0.07, 0.6 * 0.0455});
  // S_E(t) = exp(-int_0^t HR(s) lambda_C(s) ds), the integral written out piece by piece.
  const auto closed_form = [](double t) {
    const double h = 0.07 * std::min(t, 3.0) + 0.6 * 0.07 * std::clamp(t - 3.0, 0.0, 3.0) +
                     0.6 * 0.0455 * std::max(t - 6.0, 0.0);
    return std::exp(-h);
  };
  check_closed_form(model, {0.0, 1.0, 3.0, 4.5, 6.0, 12.0, 24.0}, closed_form);
  check_empirical_survival(model, {2.0, 4.0, 8.0, 16.0, 30.0}, 505);
  REQUIRE(std::isnan(model.constant_hazard(OS)));
  // Before the effect starts the arms share one curve; a single ratio against an exponential
  // control is proportional hazards, a constant hazard.
  REQUIRE(model.true_survival(OS, {2.5})[0] == control.true_survival(OS, {2.5})[0]);
  const DelayedEffectModel proportional(PiecewiseExponentialModel({}, {0.05}), {}, {0.7});
  REQUIRE(std::abs(proportional.constant_hazard(OS) - 0.035) <= 1e-15);
  // Hazard ratio breakpoints beyond the control's, and shared ones, merge once each.
  const DelayedEffectModel shared(control, {6.0, 10.0}, {1.0, 0.5, 0.8});
  REQUIRE(shared.merged().breakpoints() == std::vector<double>{6.0, 10.0});
  REQUIRE(shared.merged().rates() == std::vector<double>{0.07, 0.5 * 0.0455, 0.8 * 0.0455});
}

TEST_CASE("each model draws a fixed number of values per patient", "[survival_models]") {
  // Mixture cure: patient i cured under one model (pi 0.9) and not under another (pi 0.1,
  // another latency) leaves the streams in the same place: one uniform and one Exp(1) each.
  const MixtureCureModel mostly_cured(0.9, 1.0, 4.0), mostly_not(0.1, 2.5, 30.0);
  check_same_draw_count(mostly_cured, mostly_not, 2000);
  // And exactly two values from `outcomes`: as a model that draws two exponentials would.
  PatientStreams streams(17, 4, 2), reference(17, 4, 2);
  SimulatedPatient patient;
  for (int i = 0; i < 100; ++i) {
    mostly_cured.simulate(streams, patient);
    reference.outcomes();
    reference.outcomes();
  }
  REQUIRE(streams.outcomes() == reference.outcomes());
  // The one-draw models agree with the exponential model's one Exp(1), whatever the parameters.
  const ExponentialEventModel exponential(0.1);
  check_same_draw_count(exponential, PiecewiseExponentialModel({1.0, 2.0}, {0.5, 0.01, 3.0}), 500);
  check_same_draw_count(exponential, WeibullEventModel(0.5, 100.0), 500);
  check_same_draw_count(exponential,
                        DelayedEffectModel(PiecewiseExponentialModel({}, {0.1}), {5.0}, {1.0, 0.2}),
                        500);
  // The same patient under two cure fractions: cured in both, or the same latency when not cured
  // in either (common random numbers).
  PatientStreams a(5, 5, 1), b(5, 5, 1);
  const MixtureCureModel low(0.2, 1.0, 10.0), high(0.5, 1.0, 10.0);
  SimulatedPatient pa, pb;
  int both_cured = 0, neither = 0;
  for (int i = 0; i < 1000; ++i) {
    low.simulate(a, pa);
    high.simulate(b, pb);
    if (std::isinf(pa.event_time[OS_INDEX])) {
      REQUIRE(std::isinf(pb.event_time[OS_INDEX]));  // cured at 0.2 => cured at 0.5
      ++both_cured;
    } else if (!std::isinf(pb.event_time[OS_INDEX])) {
      REQUIRE(pa.event_time[OS_INDEX] == pb.event_time[OS_INDEX]);
      ++neither;
    }
  }
  REQUIRE(both_cured > 100);
  REQUIRE(neither > 400);
}

TEST_CASE("survival models refuse parameters outside their domain", "[survival_models]") {
  REQUIRE_THROWS_AS(PiecewiseExponentialModel({}, {}), std::invalid_argument);
  REQUIRE_THROWS_AS(PiecewiseExponentialModel({3.0}, {0.1}), std::invalid_argument);
  REQUIRE_THROWS_AS(PiecewiseExponentialModel({3.0, 3.0}, {0.1, 0.2, 0.3}), std::invalid_argument);
  REQUIRE_THROWS_AS(PiecewiseExponentialModel({0.0}, {0.1, 0.2}), std::invalid_argument);
  REQUIRE_THROWS_AS(PiecewiseExponentialModel({2.0}, {0.1, 0.0}), std::invalid_argument);
  REQUIRE_THROWS_AS(WeibullEventModel(0.0, 1.0), std::invalid_argument);
  REQUIRE_THROWS_AS(WeibullEventModel(1.0, -1.0), std::invalid_argument);
  REQUIRE_THROWS_AS(MixtureCureModel(1.0, 1.0, 1.0), std::invalid_argument);
  REQUIRE_THROWS_AS(MixtureCureModel(-0.1, 1.0, 1.0), std::invalid_argument);
  const PiecewiseExponentialModel control({}, {0.1});
  REQUIRE_THROWS_AS(DelayedEffectModel(control, {3.0}, {1.0}), std::invalid_argument);
  REQUIRE_THROWS_AS(DelayedEffectModel(control, {}, {-1.0}), std::invalid_argument);
}
