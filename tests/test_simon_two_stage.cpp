// Tests for statistics/simon_two_stage.h.
//
// Designs: Simon (1989), Controlled Clinical Trials 10:1-10, Table 1 (p1 - p0 = 0.20), and an
// independent base-R brute force over every (n1, r1, n, r) with n <= 70
// (scripts/r/simon-reference.R, R 4.2.2; its printed EN, PET, alpha and power are pasted below
// with 17 significant digits). The published table prints E[N | p0] to 0.1 and PET(p0) to 0.01.
// Tolerances: 1e-10 relative against R (two summation orders of ~40 positive terms agree to
// ~1e-15); published values within half a unit of their last printed digit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "statistics/binomial.h"
#include "statistics/simon_two_stage.h"

using namespace trialsim;

namespace {

constexpr double REL = 1e-10;

struct ReferenceDesign {
  int r1, n1, r, n;
  double expected_n, pet, alpha, power;  // scripts/r/simon-reference.R
};

struct ReferenceCase {
  double p0, p1, alpha, beta;
  ReferenceDesign optimal, minimax;
  // Simon (1989) Table 1, as printed: E[N | p0] (1 decimal) and PET(p0) (2 decimals).
  double published_optimal_en, published_optimal_pet, published_minimax_en, published_minimax_pet;
};

// The design integers of every row are Simon's Table 1 entries; R's brute force finds the same.
const ReferenceCase CASES[] = {
    {0.05,
     0.25,
     0.10,
     0.10,
     {0, 9, 2, 24, 14.546258854130862, 0.63024940972460919, 0.093129409322869131, 0.90284070561453},
     {0, 13, 2, 20, 16.406605417043462, 0.51334208327950526, 0.073555025523947645,
      0.90295250450435538},
     14.5,
     0.63,
     16.4,
     0.51},
    {0.05,
     0.25,
     0.05,
     0.20,
     {0, 9, 2, 17, 11.958004722203126, 0.63024940972460919, 0.046604957238962665,
      0.8121611114474947},
     {0, 12, 2, 16, 13.838559649349452, 0.54036008766263688, 0.042677805193585043,
      0.80128038534894586},
     12.0,
     0.63,
     13.8,
     0.54},
    {0.10,
     0.30,
     0.05,
     0.20,
     {1, 10, 5, 29, 15.014120347100004, 0.73609892909999974, 0.047086306643891331,
      0.80506291315032485},
     {1, 15, 5, 25, 19.509569810809364, 0.54904301891906371, 0.032808666815223861,
      0.801700570418866},
     15.0,
     0.74,
     19.5,
     0.55},
    {0.10,
     0.30,
     0.05,
     0.10,
     {2, 18, 6, 35, 22.525468088649411, 0.73379599478532875, 0.047385933136998001,
      0.90159584009819516},
     {2, 22, 6, 33, 26.179549677469069, 0.62004093841190289, 0.040857823559602484,
      0.90176897533229461},
     22.5,
     0.73,
     26.2,
     0.62},
    {0.20,
     0.40,
     0.05,
     0.20,
     {3, 13, 12, 43, 20.580270714880008, 0.74732430950399975, 0.049581449748052543,
      0.80021435618811565},
     {4, 18, 10, 33, 22.254692764070708, 0.71635381572861956, 0.0458301341673421,
      0.80114168242083772},
     20.6,
     0.75,
     22.3,
     0.72},
    {0.20,
     0.40,
     0.10,
     0.10,
     {3, 17, 10, 37, 26.022475908284427, 0.54887620458577868, 0.094784374331495516,
      0.90327428659244102},
     {3, 19, 10, 36, 28.263491380121604, 0.455088742345788, 0.086094460683320106,
      0.90235301394791811},
     26.0,
     0.55,
     28.3,
     0.46},
    {0.30,
     0.50,
     0.05,
     0.20,
     {5, 15, 18, 46, 23.629735353664707, 0.72162144020436436, 0.049865007486029345,
      0.8032059936744389},
     {6, 19, 16, 39, 25.689969859460859, 0.66550150702695698, 0.045498996161495595,
      0.80362299638909485},
     23.6,
     0.72,
     25.7,
     0.67},
    {0.70,
     0.90,
     0.05,
     0.20,
     {4, 6, 22, 27, 14.823674999999996, 0.57982500000000015, 0.049237334370962407,
      0.80417869028666999},
     {19, 23, 21, 26, 23.161531463892885, 0.94615617870237156, 0.045259111003134407,
      0.80096341329104015},
     14.8,
     0.58,
     23.2,
     0.95},
};

void check_design(const SimonDesign& got, const ReferenceDesign& want, double published_en,
                  double published_pet) {
  CHECK(got.r1 == want.r1);
  CHECK(got.n1 == want.n1);
  CHECK(got.r == want.r);
  CHECK(got.n == want.n);
  CHECK(got.expected_n_p0 == Approx(want.expected_n).epsilon(REL));
  CHECK(got.pet_p0 == Approx(want.pet).epsilon(REL));
  CHECK(got.alpha_actual == Approx(want.alpha).epsilon(REL));
  CHECK(got.power_actual == Approx(want.power).epsilon(REL));
  CHECK(std::abs(got.expected_n_p0 - published_en) <= 0.05);
  CHECK(std::abs(got.pet_p0 - published_pet) <= 0.005);
}

// Binomial(m, p) pmfs from statistics/binomial.h (Boost), pmf[m][x] for m = 1..max_m.
std::vector<std::vector<double>> pmf_table(int max_m, double p) {
  std::vector<std::vector<double>> table(static_cast<std::size_t>(max_m) + 1);
  for (int m = 1; m <= max_m; ++m) {
    for (int x = 0; x <= m; ++x)
      table[static_cast<std::size_t>(m)].push_back(binomial_pmf(x, m, p));
  }
  return table;
}

// P(reject) by the double sum over (x1, x2), independent of simon_exact's single sum.
double rejection_by_double_sum(const SimonDesign& d, const std::vector<std::vector<double>>& pmf) {
  const auto& stage1 = pmf[static_cast<std::size_t>(d.n1)];
  const auto& stage2 = pmf[static_cast<std::size_t>(d.n - d.n1)];
  double sum = 0.0;
  for (int x1 = d.r1 + 1; x1 <= d.n1; ++x1) {
    for (int x2 = 0; x2 <= d.n - d.n1; ++x2) {
      if (x1 + x2 > d.r)
        sum += stage1[static_cast<std::size_t>(x1)] * stage2[static_cast<std::size_t>(x2)];
    }
  }
  return sum;
}

}  // namespace

TEST_CASE("simon_search reproduces Simon (1989) Table 1 and a brute force in R", "[simon]") {
  for (const auto& c : CASES) {
    INFO("p0 " << c.p0 << " p1 " << c.p1 << " alpha " << c.alpha << " beta " << c.beta);
    const auto result = simon_search(c.p0, c.p1, c.alpha, c.beta);
    REQUIRE(result.optimal.has_value());
    REQUIRE(result.minimax.has_value());
    {
      INFO("optimal");
      check_design(*result.optimal, c.optimal, c.published_optimal_en, c.published_optimal_pet);
    }
    {
      INFO("minimax");
      check_design(*result.minimax, c.minimax, c.published_minimax_en, c.published_minimax_pet);
    }
    CHECK(result.optimal->expected_n_p0 <= result.minimax->expected_n_p0);
    CHECK(result.minimax->n <= result.optimal->n);
  }
}

TEST_CASE("simon_search agrees with an exhaustive search over every design", "[simon]") {
  // Every (n1, r1, n, r) with n <= 30, rejection probabilities by the double sum.
  const double p0 = 0.05, p1 = 0.25, alpha = 0.05, beta = 0.20;
  const int nmax = 30;
  const auto pmf0 = pmf_table(nmax, p0);
  const auto pmf1 = pmf_table(nmax, p1);
  double best_en = std::numeric_limits<double>::infinity();
  int best_n1 = 0, best_r1 = 0, best_n = 0;
  int minimax_n = 0;
  double minimax_en = std::numeric_limits<double>::infinity();
  for (int n = 2; n <= nmax; ++n) {
    for (int n1 = 1; n1 < n; ++n1) {
      for (int r1 = 0; r1 < n1; ++r1) {
        for (int r = r1; r < n; ++r) {
          const SimonDesign d{n1, r1, n, r};
          if (rejection_by_double_sum(d, pmf0) > alpha) continue;
          if (rejection_by_double_sum(d, pmf1) < 1.0 - beta) continue;
          const double en = n1 + (1.0 - binomial_cdf(r1, n1, p0)) * (n - n1);
          if (en < best_en) best_en = en, best_n1 = n1, best_r1 = r1, best_n = n;
          if (minimax_n == 0 || n == minimax_n) {
            minimax_n = n;
            minimax_en = std::min(minimax_en, en);
          }
        }
      }
    }
  }
  const auto result = simon_search(p0, p1, alpha, beta, nmax);
  REQUIRE(result.optimal.has_value());
  CHECK(result.optimal->n1 == best_n1);
  CHECK(result.optimal->r1 == best_r1);
  CHECK(result.optimal->n == best_n);
  CHECK(result.optimal->expected_n_p0 == Approx(best_en).epsilon(1e-12));
  CHECK(result.minimax->n == minimax_n);
  CHECK(result.minimax->expected_n_p0 == Approx(minimax_en).epsilon(1e-12));
}

TEST_CASE("simon_exact sums the two-stage distribution", "[simon]") {
  const SimonDesign design{10, 1, 29, 5};
  for (double p : {0.0, 0.1, 0.3, 0.55, 1.0}) {
    INFO("p " << p);
    const auto pmf = pmf_table(design.n, p);
    const auto oc = simon_exact(design, p);
    const double pet = binomial_cdf(1, 10, p);
    CHECK(oc.p == p);
    CHECK(oc.pet == Approx(pet).epsilon(1e-12).margin(1e-15));
    CHECK(oc.expected_n == Approx(10 + (1 - pet) * 19).epsilon(1e-12));
    CHECK(oc.rejection_probability ==
          Approx(rejection_by_double_sum(design, pmf)).epsilon(1e-12).margin(1e-15));
  }
  CHECK(simon_exact(design, 1.0).rejection_probability == Approx(1.0).epsilon(1e-15));
  CHECK(simon_exact(design, 0.0).rejection_probability == 0.0);
}

TEST_CASE("simon_search reports when no design fits under nmax", "[simon]") {
  const auto result = simon_search(0.20, 0.40, 0.05, 0.20, 30);  // needs n >= 33
  CHECK_FALSE(result.optimal.has_value());
  CHECK_FALSE(result.minimax.has_value());
  CHECK(result.nmax == 30);
}

TEST_CASE("simon_decide turns response counts into a decision", "[simon]") {
  const SimonDesign design{10, 1, 29, 5};
  const auto early = simon_decide(design, 1, 0);
  CHECK(early.stopped_early);
  CHECK_FALSE(early.rejected_null);
  CHECK(early.patients == 10);
  const auto continued_no = simon_decide(design, 2, 3);  // 5 responses: not > 5
  CHECK_FALSE(continued_no.stopped_early);
  CHECK_FALSE(continued_no.rejected_null);
  CHECK(continued_no.patients == 29);
  const auto continued_yes = simon_decide(design, 2, 4);
  CHECK(continued_yes.rejected_null);
  CHECK(simon_decide(design, 0, 99).stopped_early);  // stage 2 ignored after an early stop
}

TEST_CASE("simon functions reject invalid arguments", "[simon]") {
  CHECK_THROWS_WITH(simon_search(0.3, 0.2, 0.05, 0.2),
                    Catch::Matchers::Contains("simon_search: p1 is 0.2"));
  CHECK_THROWS_AS(simon_search(0.1, 0.3, 0.0, 0.2), std::invalid_argument);
  CHECK_THROWS_AS(simon_search(0.1, 0.3, 0.05, 0.2, 1), std::invalid_argument);
  CHECK_THROWS_WITH(simon_exact(SimonDesign{10, 10, 29, 5}, 0.3),
                    Catch::Matchers::Contains("simon_exact: r1 is 10"));
  CHECK_THROWS_AS(simon_exact(SimonDesign{10, 1, 29, 5}, 1.5), std::invalid_argument);
  CHECK_THROWS_AS(simon_decide(SimonDesign{10, 1, 29, 5}, 11, 0), std::invalid_argument);
  CHECK_THROWS_AS(simon_decide(SimonDesign{10, 1, 29, 5}, 5, 20), std::invalid_argument);
}

TEST_CASE("simulated Simon trials match the exact PET, E[N] and rejection probability",
          "[simon][statistical]") {
  // 200 000 replicates of the optimal design 1/10, 5/29 (p0 = 0.1, p1 = 0.3), each patient's
  // response a Bernoulli draw from the replicate's response stream. Tolerance: 4 MCSE, the
  // MCSE from the exact variance (Bernoulli PET and rejection; N = n1 + n2 * continue).
  const SimonDesign design{10, 1, 29, 5};
  constexpr std::uint64_t REPLICATES = 200000;
  constexpr std::uint64_t SEED = 20240611;
  for (double p : {0.1, 0.3}) {
    INFO("p " << p);
    MomentAccumulator stopped, rejected, patients;
    for (std::uint64_t i = 0; i < REPLICATES; ++i) {
      Rng rng = make_stream(SEED, i, StreamPurpose::response);
      int stage1 = 0;
      for (int k = 0; k < design.n1; ++k) stage1 += bernoulli(p, rng);
      int stage2 = 0;
      if (stage1 > design.r1) {
        for (int k = design.n1; k < design.n; ++k) stage2 += bernoulli(p, rng);
      }
      const auto decision = simon_decide(design, stage1, stage2);
      stopped.add(decision.stopped_early);
      rejected.add(decision.rejected_null);
      patients.add(decision.patients);
    }
    const auto oc = simon_exact(design, p);
    const double r = REPLICATES;
    const double n2 = design.n - design.n1;
    const double mcse_pet = std::sqrt(oc.pet * (1 - oc.pet) / r);
    const double mcse_reject =
        std::sqrt(oc.rejection_probability * (1 - oc.rejection_probability) / r);
    const double mcse_n = n2 * mcse_pet;
    CHECK(std::abs(stopped.mean() - oc.pet) <= 4 * mcse_pet);
    CHECK(std::abs(rejected.mean() - oc.rejection_probability) <= 4 * mcse_reject);
    CHECK(std::abs(patients.mean() - oc.expected_n) <= 4 * mcse_n);
  }
}
