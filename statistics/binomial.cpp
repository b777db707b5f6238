#include "statistics/binomial.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/argument_checks.h"

namespace trialsim {
namespace {

using checks::check_open_unit;
using checks::check_probability;
using checks::throw_invalid;

// ---- Argument checks (Stan style: function, argument, value, expectation) ---------------------

// n + 1 must be representable: the critical value can be n + 1.
void check_trial_size(const char* function, int n) {
  if (n < 1 || n == std::numeric_limits<int>::max()) {
    throw_invalid(function, "n", n,
                  "in [1, " + std::to_string(std::numeric_limits<int>::max() - 1) + "]");
  }
}

void check_count(const char* function, const char* argument, int x, int n, int max_x) {
  if (x < 0 || x > max_x) {
    throw_invalid(function, argument, x,
                  "in [0, " + std::string(max_x == n ? "n" : "n + 1") + "] = [0, " +
                      std::to_string(max_x) + "]");
  }
}

// ---- Unchecked kernels (arguments already validated) ------------------------------------------

double upper_tail_unchecked(int x, int n, double p) {
  if (x <= 0) return 1.0;
  if (x > n) return 0.0;
  // P(X >= x) = P(X > x - 1): Boost evaluates the complement through ibetac, not 1 - cdf.
  const boost::math::binomial_distribution<double> distribution(n, p);
  return boost::math::cdf(boost::math::complement(distribution, x - 1));
}

// Beta(a, b) quantiles; the upper one via ibetac_inv so that it is accurate near 1.
double beta_lower_quantile(double a, double b, double tail) {
  return boost::math::ibeta_inv(a, b, tail);
}
double beta_upper_quantile(double a, double b, double tail) {
  return boost::math::ibetac_inv(a, b, tail);
}

Interval clopper_pearson_unchecked(int x, int n, double level) {
  const double half_alpha = (1.0 - level) / 2.0;
  return {x == 0 ? 0.0 : beta_lower_quantile(x, n - x + 1, half_alpha),
          x == n ? 1.0 : beta_upper_quantile(x + 1, n - x, half_alpha)};
}

Interval wilson_unchecked(int x, int n, double level) {
  const double half_alpha = (1.0 - level) / 2.0;
  const double z = boost::math::quantile(
      boost::math::complement(boost::math::normal_distribution<double>(), half_alpha));
  const double z2 = z * z;
  const double nd = n;
  const double xd = x;
  const double centre = (xd + z2 / 2.0) / (nd + z2);
  const double half_width = z / (nd + z2) * std::sqrt(xd * (nd - xd) / nd + z2 / 4.0);
  // At x = 0 (x = n) the lower (upper) bound is 0 (1) exactly; set it rather than round it.
  return {x == 0 ? 0.0 : std::max(0.0, centre - half_width),
          x == n ? 1.0 : std::min(1.0, centre + half_width)};
}

Interval jeffreys_unchecked(int x, int n, double level) {
  const double half_alpha = (1.0 - level) / 2.0;
  const double a = x + 0.5;
  const double b = n - x + 0.5;
  // Brown, Cai & DasGupta (2001) sec. 4.1.2: lower = 0 at x = 0, upper = 1 at x = n.
  return {x == 0 ? 0.0 : beta_lower_quantile(a, b, half_alpha),
          x == n ? 1.0 : beta_upper_quantile(a, b, half_alpha)};
}

Interval interval_unchecked(IntervalMethod method, int x, int n, double level) {
  switch (method) {
    case IntervalMethod::clopper_pearson:
      return clopper_pearson_unchecked(x, n, level);
    case IntervalMethod::wilson:
      return wilson_unchecked(x, n, level);
    case IntervalMethod::jeffreys:
      return jeffreys_unchecked(x, n, level);
  }
  throw std::invalid_argument("binomial_interval: method is not a valid IntervalMethod");
}

void check_interval_arguments(const char* function, int x, int n, double level) {
  check_trial_size(function, n);
  check_count(function, "x", x, n, n);
  check_open_unit(function, "level", level);
}

}  // namespace

// ---- Binomial distribution -------------------------------------------------------------------

double binomial_pmf(int x, int n, double p) {
  check_trial_size("binomial_pmf", n);
  check_count("binomial_pmf", "x", x, n, n);
  check_probability("binomial_pmf", "p", p);
  return boost::math::pdf(boost::math::binomial_distribution<double>(n, p), x);
}

double binomial_cdf(int x, int n, double p) {
  check_trial_size("binomial_cdf", n);
  check_count("binomial_cdf", "x", x, n, n);
  check_probability("binomial_cdf", "p", p);
  return boost::math::cdf(boost::math::binomial_distribution<double>(n, p), x);
}

double binomial_upper_tail(int x, int n, double p) {
  check_trial_size("binomial_upper_tail", n);
  check_count("binomial_upper_tail", "x", x, n, n + 1);
  check_probability("binomial_upper_tail", "p", p);
  return upper_tail_unchecked(x, n, p);
}

// ---- Exact test ------------------------------------------------------------------------------

int exact_test_critical_value(int n, double p0, double alpha) {
  check_trial_size("exact_test_critical_value", n);
  check_probability("exact_test_critical_value", "p0", p0);
  check_open_unit("exact_test_critical_value", "alpha", alpha);
  // P(X >= r | p0) is non-increasing in r, equal to 1 > alpha at r = 0 and 0 <= alpha at
  // r = n + 1: bisect for the first r where it is <= alpha. Invariant: tail(low) > alpha,
  // tail(high) <= alpha.
  int low = 0;
  int high = n + 1;
  while (high - low > 1) {
    const int mid = low + (high - low) / 2;
    if (upper_tail_unchecked(mid, n, p0) <= alpha) {
      high = mid;
    } else {
      low = mid;
    }
  }
  return high;
}

double exact_test_p_value(int x, int n, double p0) {
  check_trial_size("exact_test_p_value", n);
  check_count("exact_test_p_value", "x", x, n, n);
  check_probability("exact_test_p_value", "p0", p0);
  return upper_tail_unchecked(x, n, p0);
}

// ---- Intervals -------------------------------------------------------------------------------

Interval clopper_pearson_interval(int x, int n, double level) {
  check_interval_arguments("clopper_pearson_interval", x, n, level);
  return clopper_pearson_unchecked(x, n, level);
}

Interval wilson_interval(int x, int n, double level) {
  check_interval_arguments("wilson_interval", x, n, level);
  return wilson_unchecked(x, n, level);
}

Interval jeffreys_interval(int x, int n, double level) {
  check_interval_arguments("jeffreys_interval", x, n, level);
  return jeffreys_unchecked(x, n, level);
}

Interval binomial_interval(IntervalMethod method, int x, int n, double level) {
  check_interval_arguments("binomial_interval", x, n, level);
  return interval_unchecked(method, x, n, level);
}

// ---- Table -----------------------------------------------------------------------------------

SingleArmBinaryTable::SingleArmBinaryTable(int n, double p0, double alpha, double level)
    : n_(n), p0_(p0), alpha_(alpha), level_(level), critical_value_(0) {
  constexpr const char* function = "SingleArmBinaryTable";
  check_trial_size(function, n);
  check_probability(function, "p0", p0);
  check_open_unit(function, "alpha", alpha);
  check_open_unit(function, "level", level);
  critical_value_ = exact_test_critical_value(n, p0, alpha);
  rows_.reserve(static_cast<std::size_t>(n) + 1);
  for (int x = 0; x <= n; ++x) {
    Row row{};
    row.p_hat = static_cast<double>(x) / n;
    row.p_value = upper_tail_unchecked(x, n, p0);
    for (IntervalMethod method : ALL_INTERVAL_METHODS) {
      row.intervals[index_of(method)] = interval_unchecked(method, x, n, level);
    }
    row.rejects = x >= critical_value_;
    rows_.push_back(row);
  }
}

// ---- Exact operating characteristics ---------------------------------------------------------

ExactBinaryOperatingCharacteristics exact_operating_characteristics(
    const SingleArmBinaryTable& table, double true_p) {
  check_probability("exact_operating_characteristics", "true_p", true_p);
  const int n = table.n();
  const auto size = static_cast<std::size_t>(n) + 1;
  const boost::math::binomial_distribution<double> distribution(n, true_p);
  std::vector<double> weight(size);  // weight[x] = P(X = x | true_p)
  for (int x = 0; x <= n; ++x)
    weight[static_cast<std::size_t>(x)] = boost::math::pdf(distribution, x);

  ExactBinaryOperatingCharacteristics result{};
  result.true_p = true_p;
  result.rejection_probability = upper_tail_unchecked(table.critical_value(), n, true_p);
  double expected_p_hat = 0.0;
  for (int x = 0; x <= n; ++x)
    expected_p_hat += weight[static_cast<std::size_t>(x)] * table.p_hat(x);
  result.p_hat_bias = expected_p_hat - true_p;

  std::vector<int> order(size);  // outcomes x sorted by lower bound, for its quantiles
  for (IntervalMethod method : ALL_INTERVAL_METHODS) {
    IntervalOperatingCharacteristics& oc = result.intervals[index_of(method)];
    for (int x = 0; x <= n; ++x) {
      const Interval& ci = table.interval(method, x);
      const double w = weight[static_cast<std::size_t>(x)];
      if (ci.lower <= true_p && true_p <= ci.upper) oc.coverage += w;
      oc.expected_width += w * (ci.upper - ci.lower);
      oc.expected_lower += w * ci.lower;
    }
    // Inverse-CDF quantiles of L: walk the outcomes in increasing L, accumulating P(L <= v).
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return table.interval(method, a).lower < table.interval(method, b).lower;
    });
    const std::array<double, 3> probabilities = {0.025, 0.5, 0.975};
    std::array<double, 3> quantiles{};
    std::size_t next = 0;
    double cumulative = 0.0;
    for (int x : order) {
      cumulative += weight[static_cast<std::size_t>(x)];
      while (next < probabilities.size() && cumulative >= probabilities[next]) {
        quantiles[next++] = table.interval(method, x).lower;
      }
    }
    // Guard against a total mass rounded below a probability: use the largest L.
    while (next < probabilities.size())
      quantiles[next++] = table.interval(method, order.back()).lower;
    oc.lower_quantile_025 = quantiles[0];
    oc.lower_median = quantiles[1];
    oc.lower_quantile_975 = quantiles[2];
  }
  return result;
}

}  // namespace trialsim
