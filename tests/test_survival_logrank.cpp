// Log-rank test (plain and stratified) against survival::survdiff, plus unit tests.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "statistics/survival/logrank.h"
#include "tests/test_survival_fixtures.h"

using namespace trialsim;
using trialsim::test::check_close;

TEST_CASE("Log-rank test matches survdiff", "[survival][logrank][fixture]") {
  SurvivalWorkspace ws;
  for (const std::string ds : {"ties", "n10", "noevents", "strata", "random200"}) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".logrank.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const bool stratified = ref.str(r, "stratified") == "1";
      const LogRankResult lr = log_rank(data.view(), ws, stratified);
      const std::string where = ds + (stratified ? "/stratified" : "/plain");
      check_close(lr.chisq(), ref.num(r, "chisq"), "logrank.chisq", where);
      check_close(lr.p_value(), ref.num(r, "p"), "logrank.p", where);
      check_close(lr.observed[0], ref.num(r, "obs0"), "logrank.observed", where);
      check_close(lr.observed[1], ref.num(r, "obs1"), "logrank.observed", where);
      check_close(lr.expected[0], ref.num(r, "exp0"), "logrank.expected", where);
      check_close(lr.expected[1], ref.num(r, "exp1"), "logrank.expected", where);
      check_close(lr.variance, ref.num(r, "var11"), "logrank.variance", where);
      // z^2 = chisq, and the sign says which arm did better.
      CHECK(lr.z * lr.z == Approx(lr.chisq()).epsilon(1e-12));
      CHECK((lr.z < 0) == (lr.observed[1] < lr.expected[1]));
    }
  }
}

TEST_CASE("Log-rank sign convention and one-sided p", "[survival][logrank]") {
  // Arm 1 events all late: benefit for arm 1, so z < 0 and the one-sided p is small.
  const std::vector<double> time{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<int> status(10, 1);
  const std::vector<int> arm{0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  SurvivalWorkspace ws;
  const LogRankResult lr = log_rank({time, status, arm}, ws);
  CHECK(lr.z < 0.0);
  CHECK(lr.observed[1] == 5.0);
  CHECK(lr.expected[1] > 5.0);
  CHECK(log_rank_one_sided_p(lr) == Approx(lr.p_value() / 2.0).epsilon(1e-12));
  CHECK(lr.n_strata == 1);
  // Swapping the arms flips the sign only.
  const std::vector<int> swapped{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  const LogRankResult sw = log_rank({time, status, swapped}, ws);
  CHECK(sw.z == Approx(-lr.z).epsilon(1e-12));
  CHECK(sw.chisq() == Approx(lr.chisq()).epsilon(1e-12));

  // No events: the test is undefined.
  const std::vector<int> none(10, 0);
  CHECK(std::isnan(log_rank({time, none, arm}, ws).chisq()));
  CHECK_THROWS_AS(log_rank({time, status}, ws), std::invalid_argument);
  CHECK_THROWS_AS(log_rank({time, status, arm}, ws, true), std::invalid_argument);
}
