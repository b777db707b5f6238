#pragma once
// Exact frequentist statistics for a single-arm binary endpoint: X ~ Binomial(n, p), X = number
// of responders among n patients, p = response probability (a proportion in [0, 1], no units).
//
// * Binomial pmf / cdf / upper tail via Boost.Math (incomplete beta), exact at p = 0 and p = 1.
// * One-sided exact binomial test of H0: p <= p0 against H1: p > p0 at level alpha: reject when
//   X >= r, r the smallest integer with P(X >= r | p0) <= alpha (r = n + 1: never reject).
// * Two-sided intervals at confidence level `level` (alpha_ci = 1 - level):
//   - Clopper & Pearson (1934), Biometrika 26:404-413, inverting two one-sided exact tests:
//       lower = B^{-1}(alpha_ci/2; x, n-x+1)   (0 when x = 0),
//       upper = B^{-1}(1-alpha_ci/2; x+1, n-x) (1 when x = n),  B^{-1} the Beta quantile.
//   - Wilson (1927), JASA 22:209-212, score interval without continuity correction:
//       (x + z^2/2)/(n + z^2) -+ z/(n + z^2) * sqrt(x(n-x)/n + z^2/4),  z = Phi^{-1}(1-alpha_ci/2).
//   - Jeffreys: equal-tailed quantiles of the Beta(x+1/2, n-x+1/2) posterior under the
//     Jeffreys prior, with the convention of Brown, Cai & DasGupta (2001), Statist. Sci.
//     16:101-133, sec. 4.1.2: lower = 0 when x = 0 and upper = 1 when x = n.
// * SingleArmBinaryTable: everything above precomputed once per (n, p0, alpha, level) for all
//   x = 0..n, so the simulation's hot loop only indexes a contiguous vector.
// * exact_operating_characteristics: power/size, bias, coverage, expected width and the
//   distribution of the lower bound, by summing over the Binomial(n, true_p) distribution
//   (the "analytic mode": no simulation, no Monte Carlo error).
//
// Invalid arguments throw std::invalid_argument naming the function, the argument, its value and
// what was expected (Stan Math style). Table accessors are unchecked in release builds (assert).
#include <array>
#include <cassert>
#include <cstddef>
#include <string_view>
#include <vector>

#include "statistics/interval.h"

namespace trialsim {

// ---- Binomial distribution -------------------------------------------------------------------

// P(X = x). Requires n >= 1, 0 <= x <= n, 0 <= p <= 1.
double binomial_pmf(int x, int n, double p);
// P(X <= x). Requires n >= 1, 0 <= x <= n, 0 <= p <= 1.
double binomial_cdf(int x, int n, double p);
// P(X >= x), computed directly (not as 1 - cdf) so small tails keep full relative precision.
// Requires n >= 1, 0 <= x <= n + 1 (x = n + 1 gives 0: the size of a test that never rejects).
double binomial_upper_tail(int x, int n, double p);

// ---- One-sided exact binomial test of H0: p <= p0 vs H1: p > p0 -------------------------------

// Smallest r in 0..n+1 with P(X >= r | p0) <= alpha; the test rejects H0 when X >= r.
// Requires n >= 1, 0 <= p0 <= 1, 0 < alpha < 1.
int exact_test_critical_value(int n, double p0, double alpha);
// One-sided p-value P(X >= x | p0). Requires n >= 1, 0 <= x <= n, 0 <= p0 <= 1.
double exact_test_p_value(int x, int n, double p0);

// ---- Two-sided confidence intervals ----------------------------------------------------------

enum class IntervalMethod { clopper_pearson, wilson, jeffreys };

inline constexpr std::size_t INTERVAL_METHOD_COUNT = 3;
inline constexpr std::array<IntervalMethod, INTERVAL_METHOD_COUNT> ALL_INTERVAL_METHODS = {
    IntervalMethod::clopper_pearson, IntervalMethod::wilson, IntervalMethod::jeffreys};

constexpr std::string_view to_string(IntervalMethod method) noexcept {
  switch (method) {
    case IntervalMethod::clopper_pearson:
      return "clopper_pearson";
    case IntervalMethod::wilson:
      return "wilson";
    case IntervalMethod::jeffreys:
      return "jeffreys";
  }
  return "unknown";
}

constexpr std::size_t index_of(IntervalMethod method) noexcept {
  return static_cast<std::size_t>(method);
}

// Each interval lies in [0, 1]. Requires n >= 1, 0 <= x <= n, 0 < level < 1.
Interval clopper_pearson_interval(int x, int n, double level);
Interval wilson_interval(int x, int n, double level);
Interval jeffreys_interval(int x, int n, double level);
Interval binomial_interval(IntervalMethod method, int x, int n, double level);

// ---- Precomputed table for the hot loop ------------------------------------------------------

// Test decision, p-value and all three intervals for every outcome x = 0..n of one design.
class SingleArmBinaryTable {
 public:
  // Requires n >= 1, 0 <= p0 <= 1, 0 < alpha < 1 (one-sided test level),
  // 0 < level < 1 (two-sided interval confidence level).
  SingleArmBinaryTable(int n, double p0, double alpha, double level);

  int n() const noexcept { return n_; }
  double p0() const noexcept { return p0_; }
  double alpha() const noexcept { return alpha_; }
  double level() const noexcept { return level_; }
  // Reject H0 when x >= critical_value(); n + 1 means the design can never reject.
  int critical_value() const noexcept { return critical_value_; }

  bool rejects(int x) const noexcept { return row(x).rejects; }
  double p_hat(int x) const noexcept { return row(x).p_hat; }
  double p_value(int x) const noexcept { return row(x).p_value; }
  const Interval& interval(IntervalMethod method, int x) const noexcept {
    return row(x).intervals[index_of(method)];
  }

 private:
  struct Row {
    double p_hat;                                           // x / n
    double p_value;                                         // P(X >= x | p0)
    std::array<Interval, INTERVAL_METHOD_COUNT> intervals;  // indexed by index_of(method)
    bool rejects;                                           // x >= critical_value
  };
  const Row& row(int x) const noexcept {
    assert(x >= 0 && x <= n_);
    return rows_[static_cast<std::size_t>(x)];
  }

  int n_;
  double p0_;
  double alpha_;
  double level_;
  int critical_value_;
  std::vector<Row> rows_;  // rows_[x], x = 0..n
};

// ---- Exact operating characteristics ("analytic mode") ---------------------------------------

// For one interval method, under X ~ Binomial(n, true_p):
struct IntervalOperatingCharacteristics {
  double coverage;        // P(L <= true_p <= U), the closed interval
  double expected_width;  // E[U - L]
  double expected_lower;  // E[L]
  // Quantiles of the distribution of L, inverse-CDF definition: the q-quantile is the smallest
  // attainable value v with P(L <= v) >= q.
  double lower_quantile_025;  // q = 0.025
  double lower_median;        // q = 0.5
  double lower_quantile_975;  // q = 0.975
};

struct ExactBinaryOperatingCharacteristics {
  double true_p;
  // P(X >= critical value | true_p): the power when true_p > p0, the size when true_p = p0.
  double rejection_probability;
  double p_hat_bias;  // E[X/n] - true_p; zero in exact arithmetic, computed as a check.
  std::array<IntervalOperatingCharacteristics, INTERVAL_METHOD_COUNT> intervals;

  const IntervalOperatingCharacteristics& interval(IntervalMethod method) const noexcept {
    return intervals[index_of(method)];
  }
};

// Sums over x = 0..n weighted by binomial_pmf(x, n, true_p). Requires 0 <= true_p <= 1.
ExactBinaryOperatingCharacteristics exact_operating_characteristics(
    const SingleArmBinaryTable& table, double true_p);

}  // namespace trialsim
