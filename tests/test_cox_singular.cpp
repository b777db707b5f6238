// The general Cox fit (cox_ph) with singular and nearly singular designs: constant covariates,
// collinear covariates, a covariate constant within strata (aliased: coxph reports NA, "X matrix
// deemed to be singular") and nearly collinear or rare covariates (still estimable). References:
// survival::coxph via scripts/r/cox-singular-reference.R (tests/fixtures/survival/cox_singular.*),
// compared with check_close's relative tolerance 1e-8.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "statistics/survival/cox.h"
#include "tests/test_survival_fixtures.h"

using namespace trialsim;
using trialsim::test::check_close;

namespace {

void check_not_estimable(const CoxFit& fit) {
  CHECK(fit.status == CoxStatus::singular);
  for (const CoxCoefficient& c : fit.coef) {
    CHECK(c.aliased);
    CHECK_FALSE(c.infinite);
    CHECK(std::isnan(c.beta));
    CHECK(std::isnan(c.se));  // before the fix: a finite se of about 1e8 and status converged
    CHECK(std::isnan(c.hr));
    CHECK(std::isnan(c.p_value()));
  }
  CHECK(fit.variance.array().isNaN().all());
  CHECK(fit.loglik == fit.loglik_null);
}

// Row-major covariate matrix of the named columns of the fixture data.
std::vector<double> design(const test::CsvTable& data, const std::vector<std::string>& terms) {
  std::vector<double> x;
  for (std::size_t r = 0; r < data.rows.size(); ++r)
    for (const std::string& term : terms) x.push_back(data.num(r, term));
  return x;
}

}  // namespace

TEST_CASE("a constant covariate has no information: the Cox fit is singular",
          "[survival][cox][singular]") {
  const test::CsvTable data = test::read_fixture("cox_singular.data.csv");
  std::vector<double> time;
  std::vector<int> status, stratum;
  for (std::size_t r = 0; r < data.rows.size(); ++r) {
    time.push_back(data.num(r, "time"));
    status.push_back(static_cast<int>(data.num(r, "status")));
    stratum.push_back(static_cast<int>(data.num(r, "stratum")));
  }
  const std::size_t n = time.size();
  SurvivalWorkspace ws;
  CoxFit fit;
  for (const double value : {1.0, 0.0, -1.0, 2.5}) {
    const std::vector<double> constant(n, value);
    for (const CoxTies ties : {CoxTies::breslow, CoxTies::efron})
      for (const bool stratified : {false, true}) {
        INFO("constant " << value << (ties == CoxTies::efron ? " Efron" : " Breslow")
                         << (stratified ? " stratified" : ""));
        CoxOptions options;
        options.ties = ties;
        options.stratified = stratified;
        cox_ph({time, status, {}, stratum}, {constant, 1}, ws, fit, options);
        REQUIRE(fit.coef.size() == 1);
        check_not_estimable(fit);
      }
  }
  // Heavily tied random cohorts (times rounded to whole months, n = 2..400), covariate 1 for
  // everyone: the rounding noise in I (1 - 1 per death) must never pass for information.
  std::mt19937_64 random(20261202);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int fitted = 0;
  for (int k = 0; k < 200; ++k) {
    const std::size_t size = 2 + static_cast<std::size_t>(uniform(random) * 399);
    std::vector<double> t(size), ones(size, 1.0);
    std::vector<int> s(size);
    for (std::size_t i = 0; i < size; ++i) {
      t[i] = std::ceil(-std::log(uniform(random)) * 12.0);
      s[i] = uniform(random) < 0.7 ? 1 : 0;
    }
    for (const CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
      CoxOptions options;
      options.ties = ties;
      cox_ph({t, s}, {ones, 1}, ws, fit, options);
      INFO("cohort " << k << ", n " << size);
      CHECK(fit.status == CoxStatus::singular);
      CHECK(std::isnan(fit.coef[0].se));
      ++fitted;
    }
  }
  CHECK(fitted == 400);
}

TEST_CASE("aliased covariates are dropped and the rest fitted, as coxph",
          "[survival][cox][singular][fixture]") {
  // Per model and ties method: which terms R reports NA; the other terms' coef and se; the log
  // partial likelihoods; the iterations (R's for the model without the aliased columns). Models
  // with nothing aliased (x + near: correlation ~1 - 5e-7; arm + arm with one patient flipped;
  // arm + a covariate that is 1 for one patient; that rare covariate + x with one outlier at 1e6,
  // which must not make the rare column look like noise) must fit as usual, status converged.
  const test::CsvTable data = test::read_fixture("cox_singular.data.csv");
  const test::CsvTable ref = test::read_fixture("cox_singular.cox.csv");
  std::vector<double> time;
  std::vector<int> status, stratum;
  for (std::size_t r = 0; r < data.rows.size(); ++r) {
    time.push_back(data.num(r, "time"));
    status.push_back(static_cast<int>(data.num(r, "status")));
    stratum.push_back(static_cast<int>(data.num(r, "stratum")));
  }
  SurvivalWorkspace ws;  // shared by every fit: a singular fit must not leak into the next
  CoxFit fit;
  std::size_t models = 0, aliased_terms = 0, estimated_terms = 0;
  for (std::size_t first = 0; first < ref.rows.size();) {
    std::size_t last = first;
    std::vector<std::string> terms;
    while (last < ref.rows.size() && ref.str(last, "model") == ref.str(first, "model") &&
           ref.str(last, "ties") == ref.str(first, "ties"))
      terms.push_back(ref.str(last++, "term"));
    const std::string where = ref.str(first, "model") + "/" + ref.str(first, "ties");
    INFO(where);
    CoxOptions options;
    options.ties = ref.str(first, "ties") == "efron" ? CoxTies::efron : CoxTies::breslow;
    options.stratified = ref.str(first, "stratified") == "1";
    const std::vector<double> x = design(data, terms);
    cox_ph({time, status, {}, stratum}, {x, terms.size()}, ws, fit, options);
    REQUIRE(fit.coef.size() == terms.size());
    bool any_aliased = false, all_aliased = true;
    for (std::size_t k = 0; k < terms.size(); ++k) {
      const std::size_t r = first + k;
      const CoxCoefficient& c = fit.coef[k];
      const bool r_aliased = ref.str(r, "aliased") == "1";
      any_aliased = any_aliased || r_aliased;
      all_aliased = all_aliased && r_aliased;
      INFO("term " << terms[k]);
      CHECK(c.aliased == r_aliased);
      CHECK_FALSE(c.infinite);
      if (r_aliased) {
        ++aliased_terms;
        CHECK(std::isnan(c.beta));
        CHECK(std::isnan(c.se));
        CHECK(std::isnan(fit.variance(static_cast<Eigen::Index>(k), 0)));
        continue;
      }
      ++estimated_terms;
      check_close(c.beta, ref.num(r, "coef"), "cox_singular.coef", where + "/" + terms[k]);
      check_close(c.se, ref.num(r, "se"), "cox_singular.se", where + "/" + terms[k]);
      check_close(c.hr, std::exp(ref.num(r, "coef")), "cox_singular.hr", where + "/" + terms[k]);
    }
    CHECK(fit.status == (any_aliased ? CoxStatus::singular : CoxStatus::converged));
    check_close(fit.loglik_null, ref.num(first, "loglik0"), "cox_singular.loglik0", where);
    check_close(fit.loglik, ref.num(first, "loglik"), "cox_singular.loglik", where);
    if (!all_aliased) CHECK(fit.iterations == static_cast<int>(ref.num(first, "iter")));
    ++models;
    first = last;
  }
  CHECK(models == 22);  // 11 models x 2 ties methods
  CHECK(aliased_terms == 16);
  CHECK(estimated_terms == 28);
}
