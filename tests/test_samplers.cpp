// Samplers (core/samplers.h): exact values for given raw generator outputs, and moments over
// 10^6 draws within 4 standard errors (tolerance = 4 * SD / sqrt(N), a false-alarm rate ~6e-5).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/samplers.h"

using namespace trialsim;

namespace {

// A generator that replays given 64-bit outputs, so sampler arithmetic can be checked exactly.
struct ScriptedRng {
  std::vector<std::uint64_t> outputs;
  std::size_t next = 0;
  std::uint64_t operator()() { return outputs.at(next++); }
};

constexpr std::uint64_t HALF = 1ULL << 63;  // top 53 bits = 2^52 -> U = 0.5 exactly

// `kurtosis` is mu_4 / sigma^4 of the distribution: the relative SE of a sample variance is
// sqrt((kurtosis - 1) / N), so the variance tolerance is 4 times that.
template <class Draw>
void check_mean_and_variance(Draw draw, double mean, double variance, double kurtosis,
                             int n = 1000000) {
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
  REQUIRE(std::abs(sample_variance / variance - 1.0) < 4.0 * std::sqrt((kurtosis - 1.0) / n));
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

TEST_CASE("bernoulli, exponential, weibull and normal by inversion on known uniforms",
          "[samplers]") {
  ScriptedRng rng{{HALF, HALF, HALF, HALF, HALF}};
  REQUIRE(bernoulli(0.6, rng));  // 0.5 < 0.6
  // U in (0,1] is (2^52 + 1) * 2^-53 = 0.5 + 2^-53 for raw HALF.
  const double u = 0.5 + 0x1.0p-53;
  REQUIRE(exponential(2.0, rng) == Approx(-std::log(u) / 2.0).epsilon(1e-15));
  REQUIRE(weibull(1.5, 10.0, rng) ==
          Approx(10.0 * std::pow(-std::log(u), 1.0 / 1.5)).epsilon(1e-15));
  // Box–Muller with u1 = 0.5 + 2^-53, u2 = 0.5: sqrt(-2 log u1) * cos(pi) = -sqrt(-2 log u1).
  REQUIRE(standard_normal(rng) == Approx(-std::sqrt(-2.0 * std::log(u))).epsilon(1e-15));
}

TEST_CASE("sampler moments over 10^6 draws", "[samplers][statistical]") {
  SECTION("exponential rate 0.05 per month: mean 20, variance 400") {
    check_mean_and_variance([](Rng& r) { return exponential(0.05, r); }, 20.0, 400.0, 9.0);
  }
  SECTION("standard normal") {
    check_mean_and_variance([](Rng& r) { return standard_normal(r); }, 0.0, 1.0, 3.0);
  }
  SECTION("weibull shape 2 scale 3: mean 3 Gamma(1.5), variance 9 (1 - Gamma(1.5)^2)") {
    const double g = std::tgamma(1.5);
    check_mean_and_variance([](Rng& r) { return weibull(2.0, 3.0, r); }, 3.0 * g,
                            9.0 * (1.0 - g * g), 3.245);
  }
  SECTION("uniform(2, 5): mean 3.5, variance 0.75") {
    check_mean_and_variance([](Rng& r) { return uniform(2.0, 5.0, r); }, 3.5, 0.75, 1.8);
  }
  SECTION("gamma(2.5): mean 2.5, variance 2.5") {
    check_mean_and_variance([](Rng& r) { return standard_gamma(2.5, r); }, 2.5, 2.5,
                            3.0 + 6.0 / 2.5);
  }
  SECTION("gamma(0.5), the boost branch: mean 0.5, variance 0.5") {
    check_mean_and_variance([](Rng& r) { return standard_gamma(0.5, r); }, 0.5, 0.5,
                            3.0 + 6.0 / 0.5);
  }
  SECTION("beta(26.5, 5.5): mean a/(a+b), variance ab/((a+b)^2 (a+b+1))") {
    const double a = 26.5, b = 5.5, n = a + b;
    check_mean_and_variance([&](Rng& r) { return beta(a, b, r); }, a / n, a * b / (n * n * (n + 1)),
                            3.5);
  }
  SECTION("lognormal median 9 sdlog 0.8: mean 9 exp(0.32), variance 81 (e^0.64 - 1) e^0.64") {
    const double s2 = 0.64;
    check_mean_and_variance([](Rng& r) { return lognormal_median(9.0, 0.8, r); },
                            9.0 * std::exp(s2 / 2), 81.0 * (std::exp(s2) - 1.0) * std::exp(s2),
                            std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3);
  }
  SECTION("bernoulli(0.3): mean 0.3, variance 0.21") {
    check_mean_and_variance([](Rng& r) { return bernoulli(0.3, r) ? 1.0 : 0.0; }, 0.3, 0.21,
                            (1.0 - 6.0 * 0.21) / 0.21 + 3.0);
  }
}
