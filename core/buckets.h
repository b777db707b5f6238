#pragma once
// Equal-width buckets, as the bucket sorts and selections of simulated cohorts use them
// (statistics/survival/survival_data.cpp, models/conduct.cpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace trialsim {

// The bucket of v among equal-width buckets from `lo`, `scale` buckets per unit, the last one
// `last` (which also takes the largest value): min(last, floor((v - lo) scale)). Requires
// v >= lo and (v - lo) scale finite and below 2^63. Through a signed conversion: on x86-64 without
// AVX-512 the unsigned one costs a comparison and a branch per value, and both give the same
// bucket in that range.
// Buckets per unit for `buckets` equal-width buckets over [lo, hi]: 0 (every value in the first
// bucket) when the range is empty, or so narrow (subnormal) that the scale overflows.
inline double equal_width_scale(std::size_t buckets, double lo, double hi) {
  const double scale = hi > lo ? static_cast<double>(buckets) / (hi - lo) : 0.0;
  return std::isfinite(scale) ? scale : 0.0;
}

inline std::size_t equal_width_bucket(double v, double lo, double scale, std::size_t last) {
  return std::min(last, static_cast<std::size_t>(static_cast<std::int64_t>((v - lo) * scale)));
}

}  // namespace trialsim
