// Accumulators (core/accumulator.h): exact small cases, and merge equals sequential add.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/accumulator.h"

using namespace trialsim;

TEST_CASE("moment accumulator on a known sample", "[accumulator]") {
  MomentAccumulator acc;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) acc.add(x);
  REQUIRE(acc.count() == 8);
  REQUIRE(acc.mean() == 5.0);
  REQUIRE(acc.variance() == Approx(32.0 / 7.0).epsilon(1e-15));  // sum of squares 32, N - 1 = 7
  REQUIRE(acc.mcse() == Approx(std::sqrt(32.0 / 7.0 / 8.0)).epsilon(1e-15));
}

TEST_CASE("empty and single-value accumulators report NaN where undefined", "[accumulator]") {
  MomentAccumulator acc;
  REQUIRE(std::isnan(acc.mean()));
  acc.add(3.0);
  REQUIRE(acc.mean() == 3.0);
  REQUIRE(std::isnan(acc.variance()));
  REQUIRE(std::isnan(acc.mcse()));
}

TEST_CASE("merging partial accumulators equals adding all values", "[accumulator]") {
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) values.push_back(std::sin(i * 0.37) * 10.0 + 1e6);  // large offset
  MomentAccumulator whole;
  for (double v : values) whole.add(v);
  MomentAccumulator a, b, c;
  for (int i = 0; i < 300; ++i) a.add(values[i]);
  for (int i = 300; i < 301; ++i) b.add(values[i]);
  for (int i = 301; i < 1000; ++i) c.add(values[i]);
  MomentAccumulator merged;
  merged.merge(a);
  merged.merge(MomentAccumulator{});  // merging an empty one changes nothing
  merged.merge(b);
  merged.merge(c);
  REQUIRE(merged.count() == whole.count());
  REQUIRE(merged.mean() == Approx(whole.mean()).epsilon(1e-14));
  REQUIRE(merged.variance() == Approx(whole.variance()).epsilon(1e-9));
}

TEST_CASE("discrete distribution quantiles follow the inverse-CDF definition", "[accumulator]") {
  DiscreteDistribution d;
  d.add(0.1, 25);
  d.add(0.2, 50);
  d.add(0.3, 25);
  REQUIRE(d.count() == 100);
  REQUIRE(d.quantile(0.25) == 0.1);  // F(0.1) = 0.25 >= 0.25
  REQUIRE(d.quantile(0.26) == 0.2);
  REQUIRE(d.quantile(0.75) == 0.2);
  REQUIRE(d.quantile(0.76) == 0.3);
  REQUIRE(d.quantile(0.0) == 0.1);
  REQUIRE(d.quantile(1.0) == 0.3);
  // SE of the empirical CDF at q = 0.5 is 0.05 for N = 100: quantiles at 0.45 and 0.55 are both
  // 0.2, so the MCSE of the median is 0; at q = 0.25 the band [0.207, 0.293] straddles 0.1|0.2.
  REQUIRE(d.quantile_mcse(0.5) == 0.0);
  REQUIRE(d.quantile_mcse(0.25) == Approx(0.05));
  DiscreteDistribution e;
  e.add(0.3, 25);
  e.add(0.1, 25);
  e.add(0.2, 50);
  DiscreteDistribution merged;
  merged.merge(e);
  REQUIRE(merged.counts() == d.counts());
}

TEST_CASE("a NaN in a discrete distribution has one key of its own, after every number",
          "[accumulator][hostile]") {
  DiscreteDistribution d;
  for (const double v : {2.0, std::nan(""), 1.0, std::nan(""), 3.0, 1.0}) d.add(v);
  REQUIRE(d.count() == 6);
  REQUIRE(d.distinct_values() == 4);  // 1, 2, 3 and NaN
  REQUIRE(d.counts().begin()->first == 1.0);
  REQUIRE(d.counts().begin()->second == 2);
  REQUIRE(std::isnan(d.counts().rbegin()->first));
  REQUIRE(d.counts().rbegin()->second == 2);
  // Quantiles of the numbers are those of operator<: F(1) = 2/6, F(2) = 3/6, F(3) = 4/6.
  REQUIRE(d.quantile(0.5) == 2.0);
  REQUIRE(d.quantile(0.6) == 3.0);
  REQUIRE(std::isnan(d.quantile(0.9)));
}
