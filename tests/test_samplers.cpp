// Samplers (engine/samplers.h): exact values for given raw generator outputs, and moments over
// 10^6 draws within 4 standard errors (tolerance = 4 * SD / sqrt(N), a false-alarm rate ~6e-5).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/rng.h"
#include "engine/samplers.h"

using namespace trialsim;

namespace {

// A generator that replays given 64-bit outputs, so sampler arithmetic can be checked exactly.
struct ScriptedRng {
  std::vector<std::uint64_t> outputs;
  std::size_t next = 0;
  std::uint64_t operator()() { return outputs.at(next++); }
};

constexpr std::uint64_t HALF = 1ULL << 63;  // top 53 bits = 2^52 -> U = 0.5 exactly

template <class Draw>
void check_mean_and_variance(Draw draw, double mean, double variance, int n = 1000000) {
  Rng rng = make_stream(2024, 0, StreamPurpose::outcomes);
  double sum = 0.0;
  double sum_sq = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = draw(rng);
    sum += x;
    sum_sq += x * x;
  }
  const double sample_mean = sum / n;
  const double sample_variance = (sum_sq - n * sample_mean * sample_mean) / (n - 1);
  REQUIRE(std::abs(sample_mean - mean) < 4.0 * std::sqrt(variance / n));
  // Relative error of a sample variance is about sqrt(2/N) for light tails; 4 x that, x2 for
  // the heavier-tailed samplers here (exponential kurtosis 9: sqrt((9-1)/N)).
  REQUIRE(std::abs(sample_variance / variance - 1.0) < 4.0 * std::sqrt(8.0 / n));
}

}  // namespace

TEST_CASE("uniform01 maps raw outputs exactly", "[samplers]") {
  ScriptedRng rng{{0, HALF, ~0ULL}};
  REQUIRE(uniform01(rng) == 0.0);
  REQUIRE(uniform01(rng) == 0.5);
  REQUIRE(uniform01(rng) == 1.0 - 0x1.0p-53);
  ScriptedRng open{{0}};
  REQUIRE(uniform01_open_below(open) == 0x1.0p-53);
}

TEST_CASE("bernoulli, exponential, weibull and normal by inversion on known uniforms", "[samplers]") {
  ScriptedRng rng{{HALF, HALF, HALF, HALF, HALF}};
  REQUIRE(bernoulli(0.6, rng));  // 0.5 < 0.6
  // U in (0,1] is (2^52 + 1) * 2^-53 = 0.5 + 2^-53 for raw HALF.
  const double u = 0.5 + 0x1.0p-53;
  REQUIRE(exponential(2.0, rng) == Approx(-std::log(u) / 2.0).epsilon(1e-15));
  REQUIRE(weibull(1.5, 10.0, rng) == Approx(10.0 * std::pow(-std::log(u), 1.0 / 1.5)).epsilon(1e-15));
  // Box–Muller with u1 = 0.5 + 2^-53, u2 = 0.5: sqrt(-2 log u1) * cos(pi) = -sqrt(-2 log u1).
  REQUIRE(standard_normal(rng) == Approx(-std::sqrt(-2.0 * std::log(u))).epsilon(1e-15));
}

TEST_CASE("sampler moments over 10^6 draws", "[samplers][statistical]") {
  SECTION("exponential rate 0.05 per month: mean 20, variance 400") {
    check_mean_and_variance([](Rng& r) { return exponential(0.05, r); }, 20.0, 400.0);
  }
  SECTION("standard normal") {
    check_mean_and_variance([](Rng& r) { return standard_normal(r); }, 0.0, 1.0);
  }
  SECTION("weibull shape 2 scale 3: mean 3 Gamma(1.5), variance 9 (1 - Gamma(1.5)^2)") {
    const double g = std::tgamma(1.5);
    check_mean_and_variance([](Rng& r) { return weibull(2.0, 3.0, r); }, 3.0 * g, 9.0 * (1.0 - g * g));
  }
  SECTION("uniform(2, 5): mean 3.5, variance 0.75") {
    check_mean_and_variance([](Rng& r) { return uniform(2.0, 5.0, r); }, 3.5, 0.75);
  }
  SECTION("bernoulli(0.3): mean 0.3, variance 0.21") {
    check_mean_and_variance([](Rng& r) { return bernoulli(0.3, r) ? 1.0 : 0.0; }, 0.3, 0.21);
  }
}
