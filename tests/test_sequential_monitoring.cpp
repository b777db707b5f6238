// Tests for statistics/sequential_monitoring.h. Reference values were printed by base R 4.2.2
// running scripts/r/monitoring-reference.R (pbeta, a term-by-term beta-binomial sum, boundary
// scans, and stopping probabilities by enumerating all 2^12 patient sequences: no dynamic
// programme), pasted with 17 significant digits. Tolerances: 1e-10 relative against R's special
// functions (Boost and R agree to ~1e-14), 1e-12 absolute for sums of at most 4096 probabilities.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "statistics/binomial.h"
#include "statistics/sequential_monitoring.h"

using namespace trialsim;

namespace {

constexpr double REL = 1e-10;
constexpr double SUM = 1e-12;

void check_stopping(const StoppingCharacteristics& got, double stop, double expected_n,
                    const std::vector<double>& by_look) {
  CHECK(got.stop_probability == Approx(stop).margin(SUM));
  CHECK(got.expected_patients == Approx(expected_n).margin(SUM));
  REQUIRE(got.stop_by_look.size() == by_look.size());
  for (std::size_t k = 0; k < by_look.size(); ++k) {
    CHECK(got.stop_by_look[k] == Approx(by_look[k]).margin(SUM));
  }
}

}  // namespace

TEST_CASE("posterior probabilities match R's pbeta", "[monitoring]") {
  // a, b, x, n, t, P(p > t | x, n)
  struct Row {
    double a, b;
    int x, n;
    double t, value;
  };
  const Row rows[] = {
      {1, 1, 3, 10, 0.2, 0.83886079999999985},      {0.5, 0.5, 0, 15, 0.1, 0.072993418122915724},
      {0.6, 0.4, 16, 23, 0.6, 0.83598080522105789}, {1, 1, 2, 2, 0.3, 0.97300000000000009},
      {0.3, 2.7, 7, 20, 0.3, 0.54936401369386179},  {2, 8, 40, 100, 0.33, 0.86947114016902494},
  };
  for (const auto& r : rows) {
    CHECK(posterior_probability_above(BetaPrior{r.a, r.b}, r.x, r.n, r.t) ==
          Approx(r.value).epsilon(REL));
  }
  CHECK(posterior_probability_above(BetaPrior{1, 1}, 3, 10, 0.0) == 1.0);
  CHECK(posterior_probability_above(BetaPrior{1, 1}, 3, 10, 1.0) == 0.0);
}

TEST_CASE("beta-binomial pmf matches R and sums to one", "[monitoring]") {
  CHECK(beta_binomial_pmf(0, 17, 16.6, 7.4) == Approx(1.8851962733286836e-06).epsilon(REL));
  CHECK(beta_binomial_pmf(9, 17, 16.6, 7.4) == Approx(0.079390152642602768).epsilon(REL));
  CHECK(beta_binomial_pmf(17, 17, 16.6, 7.4) == Approx(0.0098816664361260822).epsilon(REL));
  CHECK(beta_binomial_pmf(3, 10, 0.5, 0.5) == Approx(0.065460205078124986).epsilon(REL));
  double total = 0.0;
  for (int y = 0; y <= 40; ++y) total += beta_binomial_pmf(y, 40, 2.5, 0.7);
  CHECK(total == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("predictive probability of success matches R and Lee & Liu (2008)", "[monitoring]") {
  const BetaPrior lee_liu{0.6, 0.4};
  // Lee & Liu (2008), Clinical Trials 5:93-106, worked example: Beta(0.6, 0.4) prior, p0 = 0.6,
  // N_max = 40, theta_T = 0.90, 16 responses in 23 patients: PP = 0.5656 (4 decimals printed).
  const double pp = predictive_probability_of_success(lee_liu, 16, 23, 40, 0.6, 0.9);
  CHECK(pp == Approx(0.56555889752479738).epsilon(REL));
  CHECK(std::abs(pp - 0.5656) <= 0.00005);
  CHECK(predictive_probability_of_success(lee_liu, 10, 23, 40, 0.6, 0.9) == 0.0);
  CHECK(predictive_probability_of_success(lee_liu, 20, 23, 40, 0.6, 0.9) ==
        Approx(0.99843601649336555).epsilon(REL));
  CHECK(predictive_probability_of_success(BetaPrior{1, 1}, 2, 10, 30, 0.2, 0.95) ==
        Approx(0.20203446663764896).epsilon(REL));
  // At N_max the predictive probability is the final decision itself.
  CHECK(predictive_probability_of_success(BetaPrior{1, 1}, 5, 20, 20, 0.2, 0.95) == 0.0);
  CHECK(predictive_probability_of_success(BetaPrior{1, 1}, 10, 20, 20, 0.2, 0.95) ==
        Approx(1.0).epsilon(1e-12));
}

TEST_CASE("Bayesian toxicity boundary: table and exact stopping", "[monitoring]") {
  // Beta(1, 1), stop when P(p > 0.3 | data) > 0.9, a look after every patient, N = 12.
  // By hand, with 1 - I_t(a, b) = P(Binomial(a + b - 1, t) <= a - 1) for integer a, b:
  //   n = 1, x = 1: Beta(2, 1): 1 - 0.3^2 = 0.91 > 0.9, stop at 1 event;
  //   n = 2, x = 1: Beta(2, 2): 1 - (3 * 0.3^2 - 2 * 0.3^3) = 0.784; x = 2: 1 - 0.3^3 = 0.973;
  //   n = 3, x = 1: Beta(2, 3): 0.7^4 + 4 * 0.3 * 0.7^3 = 0.6517; x = 2: Beta(3, 2):
  //          1 - (4 * 0.3^3 * 0.7 + 0.3^4) = 0.9163 > 0.9: stop at 2.
  const auto boundary = bayesian_toxicity_boundary(1, 1, 0.3, 0.9, 12, 1);
  CHECK(boundary.look_sizes == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK(boundary.min_events_to_stop == std::vector<int>{1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6});
  CHECK(boundary.max_patients == 12);
  CHECK(stops_at_look(boundary, 2, 2));
  CHECK_FALSE(stops_at_look(boundary, 3, 2));
  // R: all 2^12 sequences enumerated.
  check_stopping(exact_stopping(boundary, 0.2), 0.25972212121600013, 9.377267814400005,
                 {0.20000000000000012, 0, 0.032000000000000021, 0, 0.010240000000000006, 0,
                  0.0040960000000000024, 0.0091750400000000058, 0, 0.0029360128000000016, 0,
                  0.0012750684160000008});
  check_stopping(exact_stopping(boundary, 0.4), 0.65299581337599999, 6.0448147455999992,
                 {0.40000000000000002, 0, 0.096000000000000002, 0, 0.046080000000000003, 0,
                  0.027648000000000002, 0.046448639999999999, 0, 0.022295347200000003, 0,
                  0.014523826176000001});
  const auto never = exact_stopping(boundary, 0.0);
  CHECK(never.stop_probability == 0.0);
  CHECK(never.expected_patients == 12.0);
  CHECK(exact_stopping(boundary, 1.0).stop_probability == 1.0);
}

TEST_CASE("Bayesian toxicity boundary with a look every 3 patients", "[monitoring]") {
  const auto boundary = bayesian_toxicity_boundary(0.5, 1.5, 0.25, 0.8, 12, 3);
  CHECK(boundary.look_sizes == std::vector<int>{3, 6, 9, 12});
  CHECK(boundary.min_events_to_stop == std::vector<int>{2, 3, 4, 5});
  check_stopping(
      exact_stopping(boundary, 0.3), 0.42903681455699971, 9.2363618099999929,
      {0.21599999999999986, 0.10451699999999993, 0.064178729999999962, 0.04434108455699997});
  // Looks not reaching max_patients: patients after the last look are still enrolled.
  const auto short_looks = bayesian_toxicity_boundary(0.5, 1.5, 0.25, 0.8, 13, 3);
  CHECK(short_looks.look_sizes == std::vector<int>{3, 6, 9, 12});
  CHECK(exact_stopping(short_looks, 0.0).expected_patients == 13.0);
}

TEST_CASE("Pocock-type toxicity boundary spends exactly the admissible alpha", "[monitoring]") {
  // Ivanova, Qaqish & Schell (2005): constant nominal level at every look, p = 0.2, alpha 0.1,
  // N = 12. R scanned every attainable level by enumeration.
  const auto design = pocock_toxicity_design(0.2, 0.1, 12, 1);
  CHECK(design.nominal_level == Approx(0.050409574399999997).epsilon(REL));
  CHECK(design.crossing_probability == Approx(0.093694791680000056).epsilon(REL));
  CHECK(design.next_nominal_level == Approx(0.056281600000000029).epsilon(REL));
  CHECK(design.next_crossing_probability == Approx(0.10309003264000006).epsilon(REL));
  CHECK(design.boundary.min_events_to_stop == std::vector<int>{2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6});
  CHECK(pocock_toxicity_boundary(0.2, 0.1, 12, 1).min_events_to_stop ==
        design.boundary.min_events_to_stop);

  // A larger design: crossing <= alpha < crossing at the next attainable nominal level, and
  // every boundary entry is the smallest count whose tail is within the nominal level.
  for (int every : {1, 5}) {
    INFO("every " << every);
    const double p = 0.25, alpha = 0.05;
    const auto d = pocock_toxicity_design(p, alpha, 60, every);
    CHECK(d.crossing_probability <= alpha);
    CHECK(d.next_crossing_probability > alpha);
    CHECK(d.next_nominal_level > d.nominal_level);
    CHECK(exact_stopping(d.boundary, p).stop_probability == d.crossing_probability);
    for (std::size_t k = 0; k < d.boundary.look_sizes.size(); ++k) {
      const int n = d.boundary.look_sizes[k];
      const int b = d.boundary.min_events_to_stop[k];
      if (b <= n) CHECK(binomial_upper_tail(b, n, p) <= d.nominal_level * (1 + 1e-12));
      CHECK(binomial_upper_tail(b - 1, n, p) > d.nominal_level * (1 - 1e-12));
    }
  }
}

TEST_CASE("exact stopping matches simulated Bayesian safety monitoring",
          "[monitoring][statistical]") {
  // 200 000 trials of N = 30 patients, a look after every patient, each patient's toxicity a
  // Bernoulli draw from the replicate's adverse-event stream. Tolerance: 4 MCSE from the exact
  // variance of each indicator (and of N via its sample variance).
  const auto boundary = bayesian_toxicity_boundary(1, 1, 0.3, 0.9, 30, 1);
  constexpr std::uint64_t REPLICATES = 200000;
  constexpr std::uint64_t SEED = 987654321;
  for (double p : {0.3, 0.45}) {
    INFO("p " << p);
    const auto exact = exact_stopping(boundary, p);
    MomentAccumulator stopped, patients;
    std::vector<MomentAccumulator> by_look(boundary.look_sizes.size());
    for (std::uint64_t i = 0; i < REPLICATES; ++i) {
      Rng rng = make_stream(SEED, i, StreamPurpose::adverse_events);
      int events = 0, enrolled = 0, stop_look = -1;
      for (std::size_t k = 0; k < boundary.look_sizes.size() && stop_look < 0; ++k) {
        for (; enrolled < boundary.look_sizes[k]; ++enrolled) events += bernoulli(p, rng);
        if (stops_at_look(boundary, static_cast<int>(k), events)) stop_look = static_cast<int>(k);
      }
      stopped.add(stop_look >= 0);
      patients.add(stop_look >= 0 ? boundary.look_sizes[static_cast<std::size_t>(stop_look)]
                                  : boundary.max_patients);
      for (std::size_t k = 0; k < by_look.size(); ++k)
        by_look[k].add(stop_look == static_cast<int>(k));
    }
    const double r = REPLICATES;
    const auto mcse = [r](double q) { return std::sqrt(q * (1 - q) / r); };
    CHECK(std::abs(stopped.mean() - exact.stop_probability) <= 4 * mcse(exact.stop_probability));
    CHECK(std::abs(patients.mean() - exact.expected_patients) <= 4 * patients.mcse());
    for (std::size_t k = 0; k < by_look.size(); ++k) {
      INFO("look " << k);
      const double q = exact.stop_by_look[k];
      if (q == 0.0) {
        CHECK(by_look[k].mean() == 0.0);
      } else {
        CHECK(std::abs(by_look[k].mean() - q) <= 4 * mcse(q));
      }
    }
  }
}

TEST_CASE("predictive monitoring boundary follows its definition", "[monitoring]") {
  PredictiveMonitoringRule rule;
  rule.prior = BetaPrior{0.6, 0.4};
  rule.max_patients = 40;
  rule.p0 = 0.6;
  rule.theta_t = 0.9;
  rule.efficacy_cutoff = 0.99;
  rule.futility_cutoff = 0.05;
  rule.first_look = 10;
  rule.every = 5;
  const auto boundary = predictive_monitoring_boundary(rule);
  CHECK(boundary.look_sizes == std::vector<int>{10, 15, 20, 25, 30, 35, 40});
  for (std::size_t k = 0; k + 1 < boundary.look_sizes.size(); ++k) {
    const int n = boundary.look_sizes[k];
    const int e = boundary.min_events_for_efficacy[k];
    const int f = boundary.max_events_for_futility[k];
    INFO("look n = " << n << " efficacy >= " << e << " futility <= " << f);
    CHECK(f < e);
    if (e <= n) CHECK(posterior_probability_above(rule.prior, e, n, rule.p0) > 0.99);
    if (e >= 1) CHECK(posterior_probability_above(rule.prior, e - 1, n, rule.p0) <= 0.99);
    if (f >= 0) CHECK(predictive_probability_of_success(rule.prior, f, n, 40, 0.6, 0.9) < 0.05);
    if (f + 1 < e) {
      CHECK(predictive_probability_of_success(rule.prior, f + 1, n, 40, 0.6, 0.9) >= 0.05);
    }
  }
  const int s_final = boundary.min_events_for_efficacy.back();
  CHECK(boundary.max_events_for_futility.back() == s_final - 1);
  CHECK(posterior_probability_above(rule.prior, s_final, 40, 0.6) > 0.9);
  CHECK(posterior_probability_above(rule.prior, s_final - 1, 40, 0.6) <= 0.9);

  SECTION("without interim stopping it is the single-stage test") {
    PredictiveMonitoringRule none = rule;
    none.efficacy_cutoff = 1.0;
    none.futility_cutoff = 0.0;
    const auto oc = exact_efficacy_futility(predictive_monitoring_boundary(none), 0.75);
    CHECK(oc.early_efficacy_probability == 0.0);
    CHECK(oc.early_futility_probability == 0.0);
    CHECK(oc.expected_patients == Approx(40.0).epsilon(1e-14));
    CHECK(oc.success_probability == Approx(binomial_upper_tail(s_final, 40, 0.75)).epsilon(1e-12));
  }
  SECTION("exact characteristics match simulation") {
    constexpr std::uint64_t REPLICATES = 200000;
    const double p = 0.7;
    const auto exact = exact_efficacy_futility(boundary, p);
    CHECK(exact.success_probability + exact.early_futility_probability +
              exact.futility_by_look.back() ==
          Approx(1.0).epsilon(1e-12));
    MomentAccumulator success, patients;
    for (std::uint64_t i = 0; i < REPLICATES; ++i) {
      Rng rng = make_stream(4242, i, StreamPurpose::response);
      int events = 0, enrolled = 0;
      bool decided = false, succeeded = false;
      for (std::size_t k = 0; k < boundary.look_sizes.size() && !decided; ++k) {
        for (; enrolled < boundary.look_sizes[k]; ++enrolled) events += bernoulli(p, rng);
        if (events >= boundary.min_events_for_efficacy[k]) decided = succeeded = true;
        if (events <= boundary.max_events_for_futility[k]) decided = true;
      }
      success.add(succeeded);
      patients.add(enrolled);
    }
    const double q = exact.success_probability;
    CHECK(std::abs(success.mean() - q) <= 4 * std::sqrt(q * (1 - q) / REPLICATES));
    CHECK(std::abs(patients.mean() - exact.expected_patients) <= 4 * patients.mcse());
  }
}

TEST_CASE("monitoring functions reject invalid arguments", "[monitoring]") {
  CHECK_THROWS_WITH(posterior_probability_above(BetaPrior{0, 1}, 1, 2, 0.3),
                    Catch::Matchers::Contains("posterior_probability_above: prior.a is 0"));
  CHECK_THROWS_AS(posterior_probability_above(BetaPrior{1, 1}, 3, 2, 0.3), std::invalid_argument);
  CHECK_THROWS_AS(predictive_probability_of_success(BetaPrior{1, 1}, 1, 5, 4, 0.2, 0.9),
                  std::invalid_argument);
  CHECK_THROWS_AS(bayesian_toxicity_boundary(1, 1, 0.3, 1.0, 10, 1), std::invalid_argument);
  CHECK_THROWS_AS(pocock_toxicity_design(0.2, 0.1, 10, 0), std::invalid_argument);
  StoppingBoundary bad{{3, 2}, {1, 1}, 5};
  CHECK_THROWS_WITH(exact_stopping(bad, 0.2), Catch::Matchers::Contains("exact_stopping"));
}
