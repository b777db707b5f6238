// Tests for statistics/binomial.h. Reference values were printed by base R 4.2.2 running
// scripts/r/binomial-reference.R (qbeta, qnorm, pbinom, dbinom; Wilson by formula), pasted here
// with 17 significant digits. Tolerances: 1e-10 relative for R comparisons (Boost and R's
// special functions agree to ~1e-14; the margin absorbs differing evaluation orders), and
// 1e-12 absolute for probability sums compared with a bound (rounding of ~40 terms of size <= 1).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "statistics/binomial.h"

using namespace trialsim;
using Catch::Matchers::Contains;

namespace {

constexpr double REL = 1e-10;
constexpr double SUM_ROUNDING = 1e-12;

void check_interval(const Interval& got, double lower, double upper) {
  CHECK(got.lower == Approx(lower).epsilon(REL));
  CHECK(got.upper == Approx(upper).epsilon(REL));
}

struct RInterval {
  int x, n;
  IntervalMethod method;
  double lower, upper;
};

// scripts/r/binomial-reference.R, "# Intervals at level 0.95".
const RInterval R_INTERVALS[] = {
    {26, 31, IntervalMethod::clopper_pearson, 0.66272841502682067, 0.94547567378491648},
    {26, 31, IntervalMethod::wilson, 0.6736564604120675, 0.92907375556634697},
    {26, 31, IntervalMethod::jeffreys, 0.68199210220309991, 0.93567425179136476},
    {0, 40, IntervalMethod::clopper_pearson, 0, 0.088097302878802353},
    {0, 40, IntervalMethod::wilson, 0, 0.087621601197286611},
    {0, 40, IntervalMethod::jeffreys, 0, 0.060497975214079514},
    {40, 40, IntervalMethod::clopper_pearson, 0.91190269712119765, 1},
    {40, 40, IntervalMethod::wilson, 0.91237839880271354, 1},
    {40, 40, IntervalMethod::jeffreys, 0.93950202478592049, 1},
    {32, 40, IntervalMethod::clopper_pearson, 0.64352198132076521, 0.90947759060000932},
    {32, 40, IntervalMethod::wilson, 0.65242693653600514, 0.89500010274562314},
    {32, 40, IntervalMethod::jeffreys, 0.65777887636214427, 0.90062599432011847},
};

}  // namespace

TEST_CASE("binomial pmf, cdf and upper tail match R", "[binomial]") {
  // R: dbinom(12, 40, 0.3), pbinom(12, 40, 0.3), pbinom(x - 1, n, p, lower.tail = FALSE).
  CHECK(binomial_pmf(12, 40, 0.3) == Approx(0.1365738206005615).epsilon(REL));
  CHECK(binomial_cdf(12, 40, 0.3) == Approx(0.57718092450343883).epsilon(REL));
  CHECK(binomial_upper_tail(26, 31, 0.6) == Approx(0.0039993074493930103).epsilon(REL));
  CHECK(binomial_upper_tail(32, 40, 0.6) == Approx(0.006064628398728086).epsilon(REL));
  CHECK(binomial_upper_tail(32, 40, 0.8) == Approx(0.59312713014838936).epsilon(REL));
  CHECK(binomial_upper_tail(1, 40, 0.01) == Approx(0.33102824143031984).epsilon(REL));
  CHECK(binomial_upper_tail(40, 40, 0.5) == Approx(9.0949470177292945e-13).epsilon(REL));
  CHECK(binomial_upper_tail(3, 1000, 0.0001) == Approx(0.00015422348474725456).epsilon(REL));
  CHECK(exact_test_p_value(32, 40, 0.6) == binomial_upper_tail(32, 40, 0.6));
}

TEST_CASE("binomial functions are exact at p = 0, p = 1 and the ends of the support",
          "[binomial]") {
  CHECK(binomial_pmf(0, 40, 0.0) == 1.0);
  CHECK(binomial_pmf(1, 40, 0.0) == 0.0);
  CHECK(binomial_pmf(40, 40, 1.0) == 1.0);
  CHECK(binomial_pmf(39, 40, 1.0) == 0.0);
  CHECK(binomial_cdf(0, 40, 0.0) == 1.0);
  CHECK(binomial_cdf(39, 40, 1.0) == 0.0);
  CHECK(binomial_cdf(40, 40, 0.3) == 1.0);
  CHECK(binomial_upper_tail(1, 40, 0.0) == 0.0);
  CHECK(binomial_upper_tail(40, 40, 1.0) == 1.0);
  CHECK(binomial_upper_tail(0, 40, 0.3) == 1.0);
  CHECK(binomial_upper_tail(41, 40, 0.3) == 0.0);
  CHECK(binomial_upper_tail(41, 40, 1.0) == 0.0);
  // Upper tail and cdf are complementary: P(X >= x) + P(X <= x - 1) = 1.
  for (int x = 1; x <= 40; ++x) {
    CHECK(binomial_upper_tail(x, 40, 0.37) + binomial_cdf(x - 1, 40, 0.37) ==
          Approx(1.0).margin(SUM_ROUNDING));
  }
}

TEST_CASE("intervals match R at level 0.95", "[binomial]") {
  for (const RInterval& r : R_INTERVALS) {
    INFO(to_string(r.method) << " x=" << r.x << " n=" << r.n);
    check_interval(binomial_interval(r.method, r.x, r.n, 0.95), r.lower, r.upper);
  }
  // Boundary conventions are exact, not rounded.
  for (IntervalMethod m : ALL_INTERVAL_METHODS) {
    CHECK(binomial_interval(m, 0, 40, 0.95).lower == 0.0);
    CHECK(binomial_interval(m, 40, 40, 0.95).upper == 1.0);
  }
  check_interval(clopper_pearson_interval(32, 40, 0.95), 0.64352198132076521, 0.90947759060000932);
  check_interval(wilson_interval(32, 40, 0.95), 0.65242693653600514, 0.89500010274562314);
  check_interval(jeffreys_interval(32, 40, 0.95), 0.65777887636214427, 0.90062599432011847);
  CHECK(to_string(IntervalMethod::clopper_pearson) == "clopper_pearson");
  CHECK(to_string(IntervalMethod::wilson) == "wilson");
  CHECK(to_string(IntervalMethod::jeffreys) == "jeffreys");
}

TEST_CASE("exact test at n = 40, p0 = 0.6, alpha = 0.025 matches R", "[binomial]") {
  const int r = exact_test_critical_value(40, 0.6, 0.025);
  CHECK(r == 31);
  const double size = binomial_upper_tail(r, 40, 0.6);
  CHECK(size == Approx(0.015572623523328314).epsilon(REL));
  CHECK(size <= 0.025);
  // r is the smallest such value: one fewer would exceed alpha.
  CHECK(binomial_upper_tail(r - 1, 40, 0.6) == Approx(0.035222480114168765).epsilon(REL));
  CHECK(binomial_upper_tail(r - 1, 40, 0.6) > 0.025);
  CHECK(binomial_upper_tail(r, 40, 0.8) == Approx(0.73177711429148329).epsilon(REL));
  // Degenerate nulls: p0 = 0 rejects on any response, p0 = 1 never rejects.
  CHECK(exact_test_critical_value(40, 0.0, 0.025) == 1);
  CHECK(exact_test_critical_value(40, 1.0, 0.025) == 41);
  CHECK(exact_test_critical_value(1, 0.5, 0.025) == 2);
}

TEST_CASE("table agrees with the direct functions for every x", "[binomial]") {
  const SingleArmBinaryTable table(40, 0.6, 0.025, 0.95);
  REQUIRE(table.n() == 40);
  REQUIRE(table.critical_value() == exact_test_critical_value(40, 0.6, 0.025));
  for (int x = 0; x <= table.n(); ++x) {
    INFO("x=" << x);
    CHECK(table.p_hat(x) == static_cast<double>(x) / 40);
    CHECK(table.p_value(x) == exact_test_p_value(x, 40, 0.6));
    CHECK(table.rejects(x) == (x >= table.critical_value()));
    CHECK(table.rejects(x) == (table.p_value(x) <= 0.025));
    for (IntervalMethod m : ALL_INTERVAL_METHODS) {
      const Interval direct = binomial_interval(m, x, 40, 0.95);
      CHECK(table.interval(m, x).lower == direct.lower);
      CHECK(table.interval(m, x).upper == direct.upper);
      CHECK(0.0 <= direct.lower);
      CHECK(direct.lower <= direct.upper);
      CHECK(direct.upper <= 1.0);
    }
  }
  const SingleArmBinaryTable never(5, 1.0, 0.025, 0.95);
  CHECK(never.critical_value() == 6);
  for (int x = 0; x <= 5; ++x) CHECK_FALSE(never.rejects(x));
}

TEST_CASE("exact operating characteristics at n = 40 match R", "[binomial]") {
  const SingleArmBinaryTable table(40, 0.6, 0.025, 0.95);
  struct Expected {
    IntervalMethod method;
    double coverage, width, lower, q025, q50, q975;
  };
  // scripts/r/binomial-reference.R, "# Exact operating characteristics".
  const Expected at_06[] = {
      {IntervalMethod::clopper_pearson, 0.96551662301710151, 0.31429785751750811,
       0.43513221232252541, 0.29258835003987982, 0.4332670521932967, 0.58803801984857007},
      {IntervalMethod::wilson, 0.96551662301710151, 0.28706489410256064, 0.44770539282899108,
       0.30705307810904925, 0.44595893660346192, 0.59806038579231979},
      {IntervalMethod::jeffreys, 0.945866766426261, 0.29113469147294935, 0.44748634050727421,
       0.3038079203171527, 0.44559258993963857, 0.60169395572475382}};
  const Expected at_08[] = {
      {IntervalMethod::clopper_pearson, 0.97265049379653656, 0.26133155490237159,
       0.64568735916094933, 0.50870512452155159, 0.64352198132076521, 0.79613525126710105},
      {IntervalMethod::wilson, 0.92829628316393187, 0.23850845655632025, 0.65445929136265391,
       0.52017746189877678, 0.65242693653600514, 0.80135766475689463},
      {IntervalMethod::jeffreys, 0.95213053661160685, 0.23824075371033993, 0.66010833719639972,
       0.52163932651178468, 0.65777887636214427, 0.81318570276237512}};
  const auto check_all = [&](double p, const Expected(&expected)[3]) {
    const ExactBinaryOperatingCharacteristics oc = exact_operating_characteristics(table, p);
    CHECK(oc.true_p == p);
    CHECK(oc.p_hat_bias == Approx(0.0).margin(SUM_ROUNDING));
    for (const Expected& e : expected) {
      INFO("p=" << p << " " << to_string(e.method));
      const IntervalOperatingCharacteristics& got = oc.interval(e.method);
      CHECK(got.coverage == Approx(e.coverage).epsilon(REL));
      CHECK(got.expected_width == Approx(e.width).epsilon(REL));
      CHECK(got.expected_lower == Approx(e.lower).epsilon(REL));
      CHECK(got.lower_quantile_025 == Approx(e.q025).epsilon(REL));
      CHECK(got.lower_median == Approx(e.q50).epsilon(REL));
      CHECK(got.lower_quantile_975 == Approx(e.q975).epsilon(REL));
    }
    return oc;
  };
  // At p0 the rejection probability is the exact size; at 0.8 it is the power.
  CHECK(check_all(0.6, at_06).rejection_probability == Approx(0.015572623523328314).epsilon(REL));
  CHECK(check_all(0.8, at_08).rejection_probability == Approx(0.73177711429148329).epsilon(REL));
  // Degenerate truth: all mass at x = 0, so every quantile of L is L(0) = 0.
  const auto oc0 = exact_operating_characteristics(table, 0.0);
  CHECK(oc0.rejection_probability == 0.0);
  for (IntervalMethod m : ALL_INTERVAL_METHODS) {
    CHECK(oc0.interval(m).coverage == 1.0);
    CHECK(oc0.interval(m).lower_quantile_975 == 0.0);
  }
}

TEST_CASE("Clopper-Pearson coverage at n = 40 is at least 0.95 for every p", "[binomial]") {
  const int n = 40;
  const SingleArmBinaryTable table(n, 0.5, 0.025, 0.95);
  const auto coverage = [&](IntervalMethod m, double p) {
    return exact_operating_characteristics(table, p).interval(m).coverage;
  };
  for (int k = 1; k <= 19; ++k) {  // p = 0.05, 0.10, ..., 0.95
    const double p = 0.05 * k;
    INFO("p=" << p);
    CHECK(coverage(IntervalMethod::clopper_pearson, p) >= 0.95 - SUM_ROUNDING);
  }
  // The infimum of the coverage is approached just outside each bound, where an outcome drops
  // out of the covering set; check there too (Clopper & Pearson 1934: inf coverage >= level).
  for (int x = 0; x <= n; ++x) {
    const Interval ci = table.interval(IntervalMethod::clopper_pearson, x);
    if (ci.upper < 1.0)
      CHECK(coverage(IntervalMethod::clopper_pearson, ci.upper + 1e-9) >= 0.95 - SUM_ROUNDING);
    if (ci.lower > 0.0)
      CHECK(coverage(IntervalMethod::clopper_pearson, ci.lower - 1e-9) >= 0.95 - SUM_ROUNDING);
  }
  // The check can fail: Wilson, which is not exact, dips below 0.95 on the same grid
  // (Brown, Cai & DasGupta 2001, fig. 5), e.g. at p = 0.8 (R: 0.92829628316393187).
  double wilson_min = 1.0;
  for (int k = 1; k <= 19; ++k)
    wilson_min = std::min(wilson_min, coverage(IntervalMethod::wilson, 0.05 * k));
  CHECK(wilson_min < 0.95);
}

TEST_CASE("invalid arguments throw std::invalid_argument naming function and argument",
          "[binomial]") {
  CHECK_THROWS_AS(binomial_pmf(0, 0, 0.5), std::invalid_argument);
  CHECK_THROWS_WITH(binomial_pmf(0, 0, 0.5), Contains("binomial_pmf") && Contains("n is 0"));
  CHECK_THROWS_WITH(binomial_pmf(41, 40, 0.5), Contains("x is 41") && Contains("[0, 40]"));
  CHECK_THROWS_WITH(binomial_pmf(-1, 40, 0.5), Contains("x is -1"));
  CHECK_THROWS_WITH(binomial_cdf(3, 40, 1.5),
                    Contains("binomial_cdf") && Contains("p is 1.5") && Contains("[0, 1]"));
  CHECK_THROWS_WITH(binomial_cdf(3, 40, std::nan("")), Contains("p is nan"));
  CHECK_THROWS_WITH(binomial_upper_tail(42, 40, 0.5),
                    Contains("binomial_upper_tail") && Contains("[0, 41]"));
  CHECK_THROWS_WITH(
      exact_test_critical_value(40, 0.6, 0.0),
      Contains("exact_test_critical_value") && Contains("alpha is 0") && Contains("(0, 1)"));
  CHECK_THROWS_AS(exact_test_critical_value(40, 0.6, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(exact_test_critical_value(40, -0.1, 0.025), std::invalid_argument);
  CHECK_THROWS_WITH(exact_test_p_value(50, 40, 0.6), Contains("exact_test_p_value"));
  CHECK_THROWS_WITH(binomial_interval(IntervalMethod::wilson, 3, 40, 1.0),
                    Contains("binomial_interval") && Contains("level is 1"));
  CHECK_THROWS_AS(clopper_pearson_interval(3, -5, 0.95), std::invalid_argument);
  CHECK_THROWS_AS(wilson_interval(41, 40, 0.95), std::invalid_argument);
  CHECK_THROWS_AS(jeffreys_interval(3, 40, 0.0), std::invalid_argument);
  CHECK_THROWS_WITH(SingleArmBinaryTable(40, 0.6, 0.025, 95.0),
                    Contains("SingleArmBinaryTable") && Contains("level is 95"));
  CHECK_THROWS_AS(SingleArmBinaryTable(0, 0.6, 0.025, 0.95), std::invalid_argument);
  const SingleArmBinaryTable table(40, 0.6, 0.025, 0.95);
  CHECK_THROWS_WITH(exact_operating_characteristics(table, 1.2),
                    Contains("exact_operating_characteristics") && Contains("true_p is 1.2"));
}
