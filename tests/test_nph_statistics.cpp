// The statistics of non-proportional-hazards trials (issue 16, item 2 and acceptance 1):
// Fleming-Harrington weighted log-rank tests, MaxCombo and its multivariate normal p-value, RMST
// and milestone differences, and the one-pass analysis, against R (scripts/r/nph-reference.R
// writes tests/fixtures/survival/*.fh.csv, *.maxcombo.csv, *.nph.csv and mvn.csv).
// TRIALSIM_SURVIVAL_REPORT=1 prints the worst relative error per quantity.
#include <boost/math/special_functions/owens_t.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "statistics/survival/logrank.h"
#include "statistics/survival/max_combo.h"
#include "statistics/survival/nph_pass.h"
#include "statistics/survival/rmst.h"
#include "statistics/survival/two_arm_pass.h"
#include "statistics/survival/weighted_logrank.h"
#include "tests/test_survival_fixtures.h"

using namespace trialsim;
using trialsim::test::check_close;

namespace {

const std::vector<std::string> DATASETS = {"ties",      "n10",         "noevents",    "strata",
                                           "random200", "nph_delayed", "nph_crossing"};

// |actual - expected| <= rel_tol |expected| + abs_tol; NaN must meet NaN. Records the relative
// error in the shared report (tests/test_survival_fixtures.h).
void check_within(double actual, double expected, double rel_tol, double abs_tol,
                  const std::string& quantity, const std::string& where) {
  double err = 0.0;
  bool ok;
  if (std::isnan(expected)) {
    ok = std::isnan(actual);
  } else {
    err = std::abs(actual - expected);
    ok = err <= rel_tol * std::abs(expected) + abs_tol;
    if (expected != 0.0) err /= std::abs(expected);
  }
  auto& w = test::error_report.worst[quantity];
  w.first = std::max(w.first, std::isnan(err) ? std::numeric_limits<double>::infinity() : err);
  ++w.second;
  if (!ok) {
    std::ostringstream msg;
    msg.precision(17);
    msg << quantity << " at " << where << ": actual " << actual << ", R " << expected;
    FAIL_CHECK(msg.str());
  }
}

std::vector<double> split_numbers(const std::string& s) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string field;
  while (std::getline(ss, field, ';')) out.push_back(std::stod(field));
  return out;
}

// R's r[upper.tri(r)]: the strict upper triangle column by column, (0,1), (0,2), (1,2), ...
std::vector<double> full_matrix(const std::vector<double>& upper_by_column, std::size_t m) {
  std::vector<double> r(m * m, 1.0);
  std::size_t next = 0;
  for (std::size_t j = 1; j < m; ++j) {
    for (std::size_t i = 0; i < j; ++i) r[i * m + j] = r[j * m + i] = upper_by_column[next++];
  }
  return r;
}

std::vector<FhWeight> fh_set_named(const std::string& name) {
  if (name == "default") return {DEFAULT_MAX_COMBO_SET.begin(), DEFAULT_MAX_COMBO_SET.end()};
  if (name == "pair") return {{0, 0}, {0, 1}};
  if (name == "three") return {{0, 0}, {0, 1}, {1, 0}};
  if (name == "six") return {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {2, 0}};
  if (name == "four_regular") return {{0, 0}, {0, 1}, {0.5, 0.5}, {0, 0.5}};
  if (name == "six_regular") return {{0, 0}, {0, 1}, {0, 0.5}, {0.5, 0.5}, {0.5, 0}, {2, 0.5}};
  throw std::runtime_error("unknown FH set " + name);
}

const std::vector<SortedSubject>& sorted(const std::string& dataset, SurvivalWorkspace& ws,
                                         test::Dataset& keep) {
  keep = test::load_dataset(dataset);
  sort_cohort(keep.view(), ws);
  return ws.sorted;
}

}  // namespace

TEST_CASE("FH(rho, 0) chi-squares equal survdiff(rho = rho)", "[survival][nph][fixture]") {
  SurvivalWorkspace ws;
  for (const std::string& ds : DATASETS) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".fh.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      if (ref.num(r, "gamma") != 0.0) continue;
      const FhWeight w{ref.num(r, "rho"), 0.0};
      const WeightedLogRankResult fh = weighted_log_rank(data.view(), ws, w);
      const std::string where = ds + "/rho=" + ref.str(r, "rho");
      check_close(fh.chisq, ref.num(r, "survdiff_chisq"), "fh.chisq vs survdiff (1e-8)", where);
      CHECK(fh.p_value == Approx(chisq1_upper_tail(ref.num(r, "survdiff_chisq"))).epsilon(1e-8));
    }
  }
  // FH(0, 0) is the log-rank test.
  const auto data = test::load_dataset("random200");
  const LogRankResult lr = log_rank(data.view(), ws);
  const WeightedLogRankResult fh = weighted_log_rank(data.view(), ws, {0.0, 0.0});
  CHECK(fh.variance == lr.variance);
  CHECK(fh.z == Approx(lr.z).epsilon(1e-13));
}

TEST_CASE("FH(rho, gamma) equal the R reference", "[survival][nph][fixture]") {
  SurvivalWorkspace ws;
  test::Dataset keep;
  for (const std::string& ds : DATASETS) {
    const auto& cohort = sorted(ds, ws, keep);
    const auto ref = test::read_fixture(ds + ".fh.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const FhWeight w{ref.num(r, "rho"), ref.num(r, "gamma")};
      const WeightedLogRankResult fh = weighted_log_rank(cohort, w);
      const std::string where = ds + "/FH(" + ref.str(r, "rho") + "," + ref.str(r, "gamma") + ")";
      check_within(fh.score, ref.num(r, "score"), 1e-6, 1e-12, "fh.score (1e-6)", where);
      check_within(fh.variance, ref.num(r, "variance"), 1e-6, 0.0, "fh.variance (1e-6)", where);
      check_within(fh.z, ref.num(r, "z"), 1e-6, 1e-12, "fh.z (1e-6)", where);
      check_within(fh.chisq, ref.num(r, "chisq"), 1e-6, 1e-12, "fh.chisq (1e-6)", where);
    }
  }
}

TEST_CASE("The multivariate normal CDF equals mvtnorm", "[survival][nph][mvn][fixture]") {
  const auto ref = test::read_fixture("mvn.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    const auto m = static_cast<std::size_t>(ref.num(r, "dim"));
    const std::vector<double> upper = split_numbers(ref.str(r, "upper"));
    const std::vector<double> corr = full_matrix(split_numbers(ref.str(r, "corr")), m);
    const double cdf = multivariate_normal_cdf(upper, corr);
    const std::string where =
        "problem " + std::to_string(r + 1) + " (dim " + ref.str(r, "dim") + ")";
    // Miwa's algorithm (steps 4096) and Genz-Bretz (2e7 points) differ from each other by up to
    // 1e-7 here; the tolerance is what the references allow: 4 x Genz-Bretz's error estimate,
    // and 1e-7 from Miwa's (no error estimate; its differences from Genz-Bretz are <= 8e-8).
    const double genz_tolerance = 4.0 * ref.num(r, "genz_error") + 1e-12;
    check_within(cdf, ref.num(r, "cdf_genz"), 0.0, genz_tolerance, "mvn.cdf vs Genz-Bretz", where);
    check_within(cdf, ref.num(r, "cdf_miwa"), 0.0, 1e-7, "mvn.cdf vs Miwa (abs 1e-7)", where);
  }
}

TEST_CASE("The bivariate normal CDF equals Owen's T formula", "[survival][nph][mvn]") {
  // Phi_2(h, k; r) = (Phi(h) + Phi(k)) / 2 - T(h, a_h) - T(k, a_k) - beta (Owen 1956), with
  // a_h = (k - r h) / (h sqrt(1 - r^2)), beta = 1/2 when h k < 0 (h, k != 0).
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  double worst = 0.0;
  for (const double h : {-2.5, -1.0, -0.3, 0.4, 1.5, 2.8}) {
    for (const double k : {-1.7, -0.2, 0.7, 1.96, 3.1}) {
      for (const double r : {-0.99, -0.8, -0.5, -0.1, 0.2, 0.5, 0.7, 0.9, 0.95, 0.999}) {
        const double s = std::sqrt(1.0 - r * r);
        const double owen =
            0.5 * (phi(h) + phi(k)) - boost::math::owens_t(h, (k - r * h) / (h * s)) -
            boost::math::owens_t(k, (h - r * k) / (k * s)) - (h * k < 0 ? 0.5 : 0.0);
        worst = std::max(worst, std::abs(bivariate_normal_cdf(h, k, r) - owen));
      }
    }
  }
  CHECK(worst < 1e-14);
  CHECK(bivariate_normal_cdf(1.0, INFINITY, 0.5) == Approx(phi(1.0)).epsilon(1e-15));
  CHECK(bivariate_normal_cdf(-INFINITY, 1.0, 0.5) == 0.0);
  // Independence and r = 1.
  CHECK(bivariate_normal_cdf(0.3, -0.4, 0.0) == Approx(phi(0.3) * phi(-0.4)).epsilon(1e-14));
  CHECK(bivariate_normal_cdf(0.3, -0.4, 1.0) == Approx(phi(-0.4)).epsilon(1e-14));
}

TEST_CASE("MaxCombo statistics and p-values equal the R reference", "[survival][nph][fixture]") {
  SurvivalWorkspace ws;
  test::Dataset keep;
  for (const std::string& ds : DATASETS) {
    const auto& cohort = sorted(ds, ws, keep);
    const auto ref = test::read_fixture(ds + ".maxcombo.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const std::vector<FhWeight> set = fh_set_named(ref.str(r, "set"));
      // Six tests take 0.2 to 1.2 s each (nested quadrature): two datasets keep the test short.
      if (set.size() > 4 && ds != "random200" && ds != "nph_delayed") continue;
      WeightedLogRankSet fh;
      weighted_log_rank(cohort, set, fh);
      const MaxComboResult mc = max_combo(fh);
      const std::string where = ds + "/" + ref.str(r, "set");
      const std::size_t m = set.size();
      const std::vector<double> z = split_numbers(ref.str(r, "z"));
      const std::vector<double> corr = full_matrix(split_numbers(ref.str(r, "corr")), m);
      for (std::size_t a = 0; a < m; ++a) {
        check_within(fh.z[a], z[a], 1e-8, 1e-12, "maxcombo.z (1e-8)", where);
        for (std::size_t b = 0; b < m; ++b)
          check_within(mc.correlation[a][b], corr[a * m + b], 1e-8, 1e-12,
                       "maxcombo.correlation (1e-8)", where);
      }
      check_within(mc.statistic, ref.num(r, "statistic"), 1e-8, 0.0, "maxcombo.statistic", where);
      CHECK(static_cast<double>(mc.best) == ref.num(r, "best"));
      // The reference: inclusion-exclusion over upper orthants, each by Genz-Bretz to a
      // relative error (scripts/r/nph-reference.R). Tolerance 1e-6 relative, or 4 x the sum of
      // the terms' error estimates where the reference itself is less precise than that (the
      // near-singular 4- and 6-test sets "four_regular", "six_regular"; see the report).
      const double p_ref = ref.num(r, "p_ref"), p_ref_error = ref.num(r, "p_ref_error");
      const bool precise = 4.0 * p_ref_error <= 1e-6 * p_ref;
      check_within(mc.p_value, p_ref, 0.0, std::max(1e-6 * p_ref, 4.0 * p_ref_error),
                   precise ? "maxcombo.p vs inclusion-exclusion (1e-6)"
                           : "maxcombo.p vs inclusion-exclusion (4 x its error)",
                   where);
      // Miwa's deterministic algorithm (mvtnorm, steps = 4096), where it applies (non-singular
      // sets) and is itself accurate (up to 4 tests; its grid error reaches ~3e-11 absolute at
      // p ~ 5e-6 and 1e-7 on the near-singular 6-test sets): absolute 1e-10, i.e. 1e-6
      // relative for p >= 1e-4.
      const double p_miwa = ref.num(r, "p_miwa");
      if (!std::isnan(p_miwa) && m <= 4)
        check_within(mc.p_value, p_miwa, 0.0, 1e-10, "maxcombo.p vs Miwa (abs 1e-10)", where);
      if (std::getenv("TRIALSIM_SURVIVAL_REPORT")) {
        std::printf("%-13s %-12s p %.12e  ref %.12e +- %.1e  miwa %.12e  genz %.12e +- %.1e\n",
                    ds.c_str(), ref.str(r, "set").c_str(), mc.p_value, p_ref, p_ref_error,
                    ref.num(r, "p_miwa"), ref.num(r, "p_genz"), ref.num(r, "genz_error"));
      }
    }
  }
}

TEST_CASE("RMST and milestone differences equal the R reference", "[survival][nph][fixture]") {
  SurvivalWorkspace ws;
  test::Dataset keep;
  for (const std::string& ds : DATASETS) {
    const auto& cohort = sorted(ds, ws, keep);
    const auto ref = test::read_fixture(ds + ".nph.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const double t = ref.num(r, "t");
      const std::string where = ds + "/" + ref.str(r, "kind") + "@" + ref.str(r, "t");
      const auto check = [&](double actual, const char* column) {
        check_within(actual, ref.num(r, column), 1e-6, 1e-12,
                     ref.str(r, "kind") + "." + column + " (1e-6)", where);
      };
      if (ref.str(r, "kind") == "rmst") {
        const RmstComparison c = rmst_comparison(cohort, t);
        CHECK((c.arm[0].tau_within_follow_up && c.arm[1].tau_within_follow_up) ==
              (ref.str(r, "estimable") == "1"));
        check(c.arm[0].rmst, "value0");
        check(c.arm[1].rmst, "value1");
        check(std::sqrt(c.arm[0].variance), "se0");
        check(std::sqrt(c.arm[1].variance), "se1");
        check(c.difference, "difference");
        check(c.difference_se, "difference_se");
        check(c.difference_z, "difference_z");
        check(c.ratio, "ratio");
        check(c.log_ratio_se, "log_ratio_se");
      } else {
        const MilestoneComparison c = milestone_comparison(cohort, t);
        CHECK(c.estimable == (ref.str(r, "estimable") == "1"));
        check(c.surv[0], "value0");
        check(c.surv[1], "value1");
        check(c.std_err[0], "se0");
        check(c.std_err[1], "se1");
        check(c.difference, "difference");
        check(c.difference_se, "difference_se");
        check(c.difference_z, "difference_z");
        check(c.cloglog_z, "cloglog_z");
      }
    }
  }
}

TEST_CASE("The one-pass NPH analysis equals the separate analyses", "[survival][nph]") {
  SurvivalWorkspace ws;
  test::Dataset keep;
  const std::vector<double> milestones = {0.5, 3.0, 6.0, 12.0, 1000.0};
  const NphPlan plan(DEFAULT_MAX_COMBO_SET, 12.0, milestones);
  NphAnalysis out;
  for (const std::string& ds : DATASETS) {
    const auto& cohort = sorted(ds, ws, keep);
    SurvivalWorkspace table_ws;
    analyse_nph(cohort, plan, out, &table_ws.arm_risk);
    INFO(ds);
    // The Cox risk table of the same walk gives cox_ph_arm's fit, bit for bit.
    CoxFit from_walk, from_cohort;
    cox_ph_arm_from_table(table_ws, from_walk);
    SurvivalWorkspace cox_ws;
    cox_ph_arm(cohort, cox_ws, from_cohort);
    REQUIRE(table_ws.arm_risk.size() == cox_ws.arm_risk.size());
    CHECK(from_walk.iterations == from_cohort.iterations);
    CHECK(from_walk.loglik == from_cohort.loglik);
    if (from_cohort.status == CoxStatus::converged) {
      CHECK(from_walk.coef[0].beta == from_cohort.coef[0].beta);
      CHECK(from_walk.coef[0].se == from_cohort.coef[0].se);
    }
    const LogRankResult lr = log_rank(cohort);
    CHECK(out.log_rank.z == lr.z);  // bit-identical: same terms, same order
    CHECK(out.log_rank.variance == lr.variance);
    CHECK(out.log_rank.chisq() == lr.chisq());
    WeightedLogRankSet fh;
    weighted_log_rank(cohort, DEFAULT_MAX_COMBO_SET, fh);
    for (std::size_t a = 0; a < fh.size; ++a) {
      CHECK(out.fh.z[a] == fh.z[a]);
      for (std::size_t b = 0; b < fh.size; ++b)
        CHECK(out.fh.covariance[a][b] == fh.covariance[a][b]);
    }
    const RmstComparison rm = rmst_comparison(cohort, 12.0);
    CHECK(out.rmst.difference == rm.difference);
    CHECK(out.rmst.difference_se == rm.difference_se);
    CHECK(out.rmst.log_ratio_se == rm.log_ratio_se);
    REQUIRE(out.milestone_count == milestones.size());
    for (std::size_t i = 0; i < milestones.size(); ++i) {
      const MilestoneComparison mc = milestone_comparison(cohort, milestones[i]);
      CHECK(out.milestone[i].estimable == mc.estimable);
      if (!mc.estimable) continue;
      CHECK(out.milestone[i].difference == mc.difference);
      CHECK(out.milestone[i].difference_se == mc.difference_se);
    }
  }
}

TEST_CASE("RMST agrees with restricted_mean's survfit fixtures", "[survival][nph][fixture]") {
  SurvivalWorkspace ws;
  test::Dataset keep;
  for (const std::string ds : {"ties", "n10", "noevents", "strata", "random200"}) {
    const auto& cohort = sorted(ds, ws, keep);
    const auto ref = test::read_fixture(ds + ".rmst.csv");
    const RmstComparison c = rmst_comparison(cohort, 12.0);
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const int arm = test::group_arm(ref.str(r, "group"));
      if (arm < 0) continue;
      check_close(c.arm[arm].rmst, ref.num(r, "rmean"), "rmst vs print(fit, rmean)", ds);
      check_close(std::sqrt(c.arm[arm].variance), ref.num(r, "se"), "rmst.se vs print(fit)", ds);
    }
  }
}

TEST_CASE("max_combo_rejects decides as the p-value", "[survival][nph]") {
  // Simulated delayed-effect cohorts: the bounds settle most decisions, the quadrature the rest;
  // either way the decision is p <= alpha.
  std::mt19937_64 gen(16);
  std::exponential_distribution<double> unit(1.0);
  std::uniform_real_distribution<double> censor(6.0, 36.0);
  std::vector<double> time(150);
  std::vector<int> status(150), arm(150);
  SurvivalWorkspace ws;
  WeightedLogRankSet fh;
  int decisions = 0;
  for (int rep = 0; rep < 60; ++rep) {
    const double late_hazard = 0.03 + 0.001 * rep;
    for (std::size_t i = 0; i < time.size(); ++i) {
      arm[i] = static_cast<int>(i % 2);
      double e = unit(gen) / 0.1;
      if (arm[i] == 1 && e > 4.0) e = 4.0 + unit(gen) / late_hazard;
      const double c = censor(gen);
      time[i] = std::round(std::min(e, c) * 10.0) / 10.0;
      status[i] = e <= c ? 1 : 0;
    }
    sort_cohort({time, status, arm}, ws);
    weighted_log_rank(ws.sorted, DEFAULT_MAX_COMBO_SET, fh);
    const double p = max_combo(fh).p_value;
    // Levels 5e-5 from p fall within the loose screening quadrature's margin (1e-3): the
    // decision is then recomputed at 1e-10, and must still be exact.
    for (const double alpha :
         {0.001, 0.01, 0.025, 0.05, 0.1, 0.9 * p, 1.1 * p, p - 5e-5, p + 5e-5}) {
      if (!(alpha > 0.0 && alpha < 1.0)) continue;
      ++decisions;
      CHECK(max_combo_rejects(fh, alpha) == (p <= alpha));
    }
  }
  CHECK(decisions >= 530);
}

TEST_CASE("NPH sign conventions and refusals", "[survival][nph]") {
  // Arm 1's events all come later: every FH z < 0, the RMST and milestone differences > 0.
  const std::vector<double> time{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::vector<int> status{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0};
  const std::vector<int> arm{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
  SurvivalWorkspace ws;
  sort_cohort({time, status, arm}, ws);
  const std::vector<double> milestones{6.0};
  NphAnalysis out;
  analyse_nph(ws.sorted, NphPlan(DEFAULT_MAX_COMBO_SET, 10.0, milestones), out);
  for (std::size_t k = 0; k < out.fh.size; ++k) CHECK(out.fh.z[k] < 0.0);
  CHECK(out.rmst.difference > 0.0);
  CHECK(out.rmst.difference_z > 0.0);
  CHECK(out.rmst.ratio > 1.0);
  // By hand: control all dead by 6 (S = 0), experimental S(6) = 1; RMST(10): control
  // 1 + 5/6 + 4/6 + 3/6 + 2/6 + 1/6 = 3.5, experimental 6 + (1 + 5/6 + 4/6 + 3/6) = 9.
  CHECK(out.rmst.arm[0].rmst == Approx(3.5).epsilon(1e-14));
  CHECK(out.rmst.arm[1].rmst == Approx(9.0).epsilon(1e-14));
  CHECK(out.milestone[0].difference == 1.0);
  const MaxComboResult mc = max_combo(out.fh);
  CHECK(mc.statistic > 0.0);
  CHECK(mc.p_value < 0.01);
  // The p-value lies between its bounds: the best single test and Bonferroni.
  const double single = 0.5 * std::erfc(mc.statistic / std::sqrt(2.0));
  CHECK(mc.p_value >= single);
  CHECK(mc.p_value <= 4.0 * single);
  // Swapping the arms flips every sign.
  const std::vector<int> swapped{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  sort_cohort({time, status, swapped}, ws);
  NphAnalysis flipped;
  analyse_nph(ws.sorted, NphPlan(DEFAULT_MAX_COMBO_SET, 10.0, milestones), flipped);
  for (std::size_t k = 0; k < out.fh.size; ++k)
    CHECK(flipped.fh.z[k] == Approx(-out.fh.z[k]).epsilon(1e-12));
  CHECK(flipped.rmst.difference == Approx(-out.rmst.difference).epsilon(1e-12));

  const std::vector<FhWeight> negative{{-1.0, 0.0}};
  const std::vector<FhWeight> seven(7);
  const std::vector<double> unordered{6.0, 3.0};
  CHECK_THROWS_AS(NphPlan(negative), std::invalid_argument);
  CHECK_THROWS_AS(NphPlan(seven), std::invalid_argument);
  CHECK_THROWS_AS(NphPlan(DEFAULT_MAX_COMBO_SET, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(NphPlan(DEFAULT_MAX_COMBO_SET, 12.0, unordered), std::invalid_argument);
  CHECK_THROWS_AS(rmst_comparison(ws.sorted, NAN), std::invalid_argument);
  CHECK_THROWS_AS(milestone_comparison(ws.sorted, -1.0), std::invalid_argument);
  // No events: every test is undefined, MaxCombo says so and does not reject.
  const std::vector<int> none(12, 0);
  sort_cohort({time, none, arm}, ws);
  WeightedLogRankSet empty;
  weighted_log_rank(ws.sorted, DEFAULT_MAX_COMBO_SET, empty);
  CHECK(std::isnan(max_combo(empty).p_value));
  CHECK_FALSE(max_combo_rejects(empty, 0.025));
}
