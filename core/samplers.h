#pragma once
// Samplers owned by trialsim, so results do not depend on which standard library built the
// binary (std:: distributions differ between libstdc++ and libc++). Each is a free function of
// (parameters..., rng&) in the style of Stan Math's *_rng functions; the caller owns the
// generator. Tests in tests/test_samplers.cpp check known values and moments.
#include <cmath>
#include <cstdint>
#include <numbers>

namespace trialsim {

// Uniform on [0, 1): the top 53 bits of one 64-bit draw, scaled by 2^-53 (exactly representable).
template <class RNG>
inline double uniform01(RNG& rng) {
  return static_cast<double>(static_cast<std::uint64_t>(rng()) >> 11) * 0x1.0p-53;
}

// Uniform on (0, 1]: never 0, so log() is always finite.
template <class RNG>
inline double uniform01_open_below(RNG& rng) {
  return (static_cast<double>(static_cast<std::uint64_t>(rng()) >> 11) + 1.0) * 0x1.0p-53;
}

template <class RNG>
inline bool bernoulli(double probability, RNG& rng) {
  return uniform01(rng) < probability;
}

// Exponential with the given rate (1/mean) by inversion: -log(U)/rate, U in (0,1]; `uniform` is
// set to U (a larger U gives a smaller draw: a key that orders draws without the logarithm).
template <class RNG>
inline double exponential(double rate, RNG& rng, double& uniform) {
  uniform = uniform01_open_below(rng);
  return -std::log(uniform) / rate;
}

template <class RNG>
inline double exponential(double rate, RNG& rng) {
  double uniform;
  return exponential(rate, rng, uniform);
}

// Weibull with shape k and scale lambda by inversion: lambda * (-log U)^(1/k).
template <class RNG>
inline double weibull(double shape, double scale, RNG& rng) {
  return scale * std::pow(-std::log(uniform01_open_below(rng)), 1.0 / shape);
}

// Standard normal by the Box–Muller transform; one value per call (the second is discarded so
// that a stream's n-th normal draw does not depend on earlier calls' parity).
template <class RNG>
inline double standard_normal(RNG& rng) {
  const double u1 = uniform01_open_below(rng);
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class RNG>
inline double normal(double mean, double sd, RNG& rng) {
  return mean + sd * standard_normal(rng);
}

// Uniform on [low, high).
template <class RNG>
inline double uniform(double low, double high, RNG& rng) {
  return low + (high - low) * uniform01(rng);
}

// Gamma(shape, 1) by Marsaglia & Tsang (2000), ACM TOMS 26:363; shape < 1 by the boost
// U^(1/shape) (Marsaglia & Tsang, sec. 6). Scale it by multiplying the result.
template <class RNG>
inline double standard_gamma(double shape, RNG& rng) {
  if (shape < 1.0) {
    const double u = uniform01_open_below(rng);
    return standard_gamma(shape + 1.0, rng) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform01_open_below(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
template <class RNG>
inline double beta(double a, double b, RNG& rng) {
  const double x = standard_gamma(a, rng);
  const double y = standard_gamma(b, rng);
  return x / (x + y);
}

// Lognormal given its median and the SD of the log.
template <class RNG>
inline double lognormal_median(double median, double sdlog, RNG& rng) {
  return median * std::exp(sdlog * standard_normal(rng));
}

}  // namespace trialsim
