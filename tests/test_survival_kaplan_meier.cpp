// Kaplan-Meier curve, pointwise CIs, landmarks, median and RMST against R's survival package
// (fixtures from scripts/r/survival-fixtures.R), plus unit tests.
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/km_summary.h"
#include "tests/test_survival_fixtures.h"

using namespace trialsim;
using trialsim::test::check_close;

namespace {

const char* const KM_DATASETS[] = {"ties", "n10", "noevents", "strata", "random200"};
const char* const GROUPS[] = {"all", "arm0", "arm1"};

struct CiColumn {
  CiType type;
  const char* name;
};
const CiColumn CI_TYPES[] = {
    {CiType::plain, "plain"}, {CiType::log, "log"}, {CiType::log_log, "loglog"}};

}  // namespace

TEST_CASE("Kaplan-Meier tables match survfit", "[survival][km][fixture]") {
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  for (const std::string ds : KM_DATASETS) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".km.csv");
    for (const std::string g : GROUPS) {
      kaplan_meier(data.view(), ws, km, test::group_arm(g));
      std::size_t row = 0;
      for (std::size_t r = 0; r < ref.rows.size(); ++r) {
        if (ref.str(r, "group") != g) continue;
        const std::string where = ds + "/" + g + " row " + std::to_string(row);
        REQUIRE(row < km.size());
        check_close(km.time[row], ref.num(r, "time"), "km.time", where);
        check_close(km.n_risk[row], ref.num(r, "n_risk"), "km.n_risk", where);
        check_close(km.n_event[row], ref.num(r, "n_event"), "km.n_event", where);
        check_close(km.surv[row], ref.num(r, "surv"), "km.surv", where);
        check_close(km.std_err(row), ref.num(r, "std_err"), "km.std_err", where);
        for (const auto& ci : CI_TYPES) {
          const Interval iv = km_ci(km, row, ci.type);
          check_close(iv.lower, ref.num(r, std::string("lower_") + ci.name),
                      std::string("km.lower_") + ci.name, where);
          check_close(iv.upper, ref.num(r, std::string("upper_") + ci.name),
                      std::string("km.upper_") + ci.name, where);
        }
        ++row;
      }
      CHECK(row == km.size());
    }
  }
}

TEST_CASE("Landmark survival matches summary(fit, times, extend = FALSE)",
          "[survival][km][fixture]") {
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  for (const std::string ds : KM_DATASETS) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".landmark.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const std::string g = ref.str(r, "group");
      kaplan_meier(data.view(), ws, km, test::group_arm(g));
      const double t = ref.num(r, "t");
      const std::string where = ds + "/" + g + " t=" + ref.str(r, "t");
      for (const auto& ci : CI_TYPES) {
        const LandmarkEstimate e = survival_at(km, t, ci.type);
        CHECK(e.estimable == (ref.str(r, "estimable") == "1"));
        check_close(e.surv, ref.num(r, "surv"), "landmark.surv", where);
        check_close(e.std_err, ref.num(r, "std_err"), "landmark.std_err", where);
        check_close(e.lower, ref.num(r, std::string("lower_") + ci.name), "landmark.lower", where);
        check_close(e.upper, ref.num(r, std::string("upper_") + ci.name), "landmark.upper", where);
      }
    }
  }
}

TEST_CASE("Median survival and CI match quantile.survfit", "[survival][km][fixture]") {
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  for (const std::string ds : KM_DATASETS) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".median.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const std::string g = ref.str(r, "group"), type = ref.str(r, "conf_type");
      kaplan_meier(data.view(), ws, km, test::group_arm(g));
      const CiType ct = type == "plain" ? CiType::plain
                        : type == "log" ? CiType::log
                                        : CiType::log_log;
      const MedianEstimate m = median_survival(km, ws, ct);
      const std::string where = ds + "/" + g + "/" + type;
      auto value = [](const std::optional<double>& v) {
        return v ? *v : std::numeric_limits<double>::quiet_NaN();
      };
      check_close(value(m.median), ref.num(r, "median"), "median", where);
      check_close(value(m.lower), ref.num(r, "lower"), "median.lower", where);
      check_close(value(m.upper), ref.num(r, "upper"), "median.upper", where);
    }
  }
}

TEST_CASE("RMST and its standard error match print(fit, rmean = tau)", "[survival][km][fixture]") {
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  for (const std::string ds : KM_DATASETS) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".rmst.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const std::string g = ref.str(r, "group");
      kaplan_meier(data.view(), ws, km, test::group_arm(g));
      const RmstEstimate e = restricted_mean(km, ref.num(r, "tau"));
      check_close(e.rmst, ref.num(r, "rmean"), "rmst", ds + "/" + g);
      check_close(e.std_err, ref.num(r, "se"), "rmst.se", ds + "/" + g);
    }
  }
}

TEST_CASE("Kaplan-Meier hand-computed example", "[survival][km]") {
  // Times 1, 2, 2+, 3, 4 (+ = censored): S = 0.8, 0.6, 0.3, 0.
  const std::vector<double> time{3, 1, 2, 4, 2};
  const std::vector<int> status{1, 1, 0, 1, 1};
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  kaplan_meier({time, status}, ws, km);
  REQUIRE(km.size() == 4);
  CHECK(km.surv[0] == Approx(0.8));
  CHECK(km.surv[1] == Approx(0.6));
  CHECK(km.surv[2] == Approx(0.3));
  CHECK(km.surv[3] == 0.0);
  CHECK(km.n_risk[2] == 2);
  CHECK(km.var_log[0] == Approx(1.0 / 20.0));
  CHECK(std::isinf(km.var_log[3]));
  CHECK(std::isnan(km.std_err(3)));  // 0 * Inf, as R reports
  // The step function is right-continuous.
  CHECK(survival_at(km, 2.0).surv == Approx(0.6));
  CHECK(survival_at(km, 1.999).surv == Approx(0.8));
  CHECK(survival_at(km, 0.5).surv == 1.0);
  CHECK_FALSE(survival_at(km, 4.5).estimable);
  // RMST to tau = 4 is the area 1 + 0.8 + 0.6 + 0.3.
  CHECK(restricted_mean(km, 4.0).rmst == Approx(2.7));
  CHECK(restricted_mean(km, 10.0).rmst == Approx(2.7));  // held flat (at 0) beyond follow-up
  // Median: S first drops below 0.5 at t = 3.
  CHECK(*median_survival(km, ws).median == 3.0);
}

TEST_CASE("Kaplan-Meier edge cases and input checks", "[survival][km]") {
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  const std::vector<double> none;
  const std::vector<int> none_i;
  kaplan_meier({none, none_i}, ws, km);
  CHECK(km.size() == 0);
  CHECK_FALSE(survival_at(km, 1.0).estimable);
  CHECK_FALSE(median_survival(km, ws).median.has_value());

  const std::vector<double> time{1, 2, 3};
  const std::vector<int> censored{0, 0, 0};
  kaplan_meier({time, censored}, ws, km);
  CHECK(km.size() == 0);
  CHECK(survival_at(km, 2.5).surv == 1.0);
  CHECK_FALSE(median_survival(km, ws).median.has_value());

  const std::vector<int> bad_status{0, 2, 1};
  CHECK_THROWS_AS(kaplan_meier({time, bad_status}, ws, km), std::invalid_argument);
  const std::vector<double> bad_time{1, -2, 3};
  CHECK_THROWS_AS(kaplan_meier({bad_time, censored}, ws, km), std::invalid_argument);
  const std::vector<int> short_status{0, 1};
  CHECK_THROWS_AS(kaplan_meier({time, short_status}, ws, km), std::invalid_argument);
  CHECK_THROWS_AS(normal_critical_value(1.0), std::invalid_argument);
}

TEST_CASE("normal critical values: each level its own quantile, in any order", "[survival][km]") {
  // normal_critical_value remembers the last four levels: asked in turn for up to six levels
  // (more than it remembers), each answer is R's qnorm(1 - (1 - level) / 2) for that level,
  // bit for bit (the same expression through Boost), never a remembered neighbour's.
  // R: qnorm(0.975) = 1.959963984540054, qnorm(0.95) = 1.644853626951472,
  // qnorm(0.9) = 1.281551565544601, qnorm(0.995) = 2.575829303548901.
  const std::vector<std::pair<double, double>> levels = {{0.95, 1.959963984540054},
                                                         {0.9, 1.644853626951472},
                                                         {0.8, 1.281551565544601},
                                                         {0.99, 2.575829303548901}};
  const auto exact = [](double level) {
    return boost::math::quantile(boost::math::normal_distribution<double>(),
                                 1.0 - (1.0 - level) / 2.0);
  };
  for (const double extra : {0.5, 0.75}) {
    for (int round = 0; round < 3; ++round) {
      for (const auto& [level, r_value] : levels) {
        INFO("level " << level << ", round " << round);
        CHECK(normal_critical_value(level) == exact(level));
        CHECK(normal_critical_value(level) == Approx(r_value).epsilon(1e-14));
      }
      CHECK(normal_critical_value(extra) == exact(extra));  // a fifth level evicts one
    }
  }
}

TEST_CASE("Workspace reuse gives identical curves", "[survival][km]") {
  const auto big = test::load_dataset("random200");
  const auto small = test::load_dataset("n10");
  SurvivalWorkspace ws;
  KaplanMeierCurve a, b;
  kaplan_meier(small.view(), ws, a, 1);
  kaplan_meier(big.view(), ws, b);  // grow
  kaplan_meier(small.view(), ws, b, 1);
  CHECK(a.surv == b.surv);
  CHECK(a.var_log == b.var_log);
  CHECK(a.time == b.time);
}
