// Issue 14 item 3-4: the explicit model choices (EMD acting on relapse, a CRS-response
// association that keeps the population CRS rate) and the prior-sensitivity reweighting.
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.h"
#include "core/samplers.h"
#include "models/car_t/patient_model.h"
#include "models/car_t/prior_sensitivity.h"

using namespace trialsim;
using namespace trialsim::car_t;

TEST_CASE("the CRS-response association keeps the population CRS rate", "[model_choices]") {
  CarTParameters p;
  p.p_crs_any = 0.452;
  for (const double theta : {-2.0, -0.5, 0.7, 1.5, 4.0}) {
    p.crs_response_log_odds_ratio = theta;
    const double r = population_response_probability(p);
    const double with = crs_probability_given_response(p, true);
    const double without = crs_probability_given_response(p, false);
    INFO("theta " << theta << ": P(CRS | R) " << with << ", P(CRS | NR) " << without);
    // Exact by construction (Newton to double precision): the mixture is p_crs_any and the
    // log-odds ratio is theta.
    CHECK(std::abs(r * with + (1.0 - r) * without - p.p_crs_any) < 1e-12);
    CHECK(std::abs(std::log(with / (1.0 - with)) - std::log(without / (1.0 - without)) - theta) <
          1e-9);
  }
  p.crs_response_log_odds_ratio = 0.0;  // independence: the rate itself, no solve
  CHECK(crs_probability_given_response(p, true) == p.p_crs_any);
  CHECK(crs_probability_given_response(p, false) == p.p_crs_any);
}

TEST_CASE("simulated patients show the CRS-response association and keep the rates",
          "[model_choices][statistical]") {
  CarTParameters p;
  p.crs_response_log_odds_ratio = 1.5;
  p.response_logit_intercept = 0.5;  // ORR near 0.55: both groups well populated
  const int n = 200000;
  CarTPatient patient;
  int responders = 0, crs_responders = 0, crs_others = 0, crs = 0, crs3 = 0;
  for (int i = 0; i < n; ++i) {
    CarTStreams streams(777, static_cast<std::uint64_t>(i));
    simulate_patient(p, streams, patient);
    responders += patient.responded;
    crs += patient.crs_grade > 0;
    crs3 += patient.crs_grade >= 3;
    (patient.responded ? crs_responders : crs_others) += patient.crs_grade > 0;
  }
  const double with = crs_probability_given_response(p, true);
  const double without = crs_probability_given_response(p, false);
  const auto within_4_mcse = [n](double observed_count, double denominator, double expected) {
    const double mcse = std::sqrt(expected * (1.0 - expected) / denominator);
    INFO("observed " << observed_count / denominator << ", expected " << expected << ", MCSE "
                     << mcse << " (n " << n << ")");
    CHECK(std::abs(observed_count / denominator - expected) <= 4.0 * mcse);
  };
  within_4_mcse(crs, n, p.p_crs_any);
  within_4_mcse(crs_responders, responders, with);
  within_4_mcse(crs_others, n - responders, without);
  // Grade >= 3 scales with the any-grade rate of the response group, so its population rate is
  // the EMD-weighted p_CRS3 (the response groups' shares differ by EMD only through the logit).
  const double crs3_expected = p.p_extramedullary * p.p_crs_grade3plus_emd +
                               (1.0 - p.p_extramedullary) * p.p_crs_grade3plus_non_emd;
  const double mcse3 = std::sqrt(crs3_expected * (1.0 - crs3_expected) / n);
  // Not exact: within an EMD group the response share differs from the population's, so allow
  // 4 MCSE plus 10 % of the rate.
  CHECK(std::abs(crs3 / double(n) - crs3_expected) <= 4.0 * mcse3 + 0.1 * crs3_expected);
}

TEST_CASE("EMD multiplies the relapse hazard of responders", "[model_choices][statistical]") {
  // With no cure, no maintenance and no competing death, relapse latency is Weibull with
  // cumulative hazard h (t / lambda)^k, so S_EMD(t) = S_other(t)^HR_EMD exactly.
  CarTParameters p;
  p.cure_fraction = 0.0;
  p.p_maintenance = 0.0;
  p.nonrelapse_mortality_rate = 0.0;
  p.relapse_hazard_ratio_emd = 2.5;
  p.p_extramedullary = 0.5;
  p.response_logit_intercept = 30.0;  // everyone responds
  p.response_logit_emd = 0.0;
  const double t = 6.0;  // months from response
  const double s_other = std::exp(-std::pow(t / p.relapse_scale, p.relapse_shape));
  const double s_emd = std::pow(s_other, p.relapse_hazard_ratio_emd);
  int emd = 0, other = 0, emd_free = 0, other_free = 0;
  CarTPatient patient;
  for (int i = 0; i < 100000; ++i) {
    CarTStreams streams(4242, static_cast<std::uint64_t>(i));
    simulate_patient(p, streams, patient);
    const bool relapse_free = patient.trajectory.relapse_time > p.response_time + t;
    (patient.extramedullary ? emd : other) += 1;
    (patient.extramedullary ? emd_free : other_free) += relapse_free;
  }
  for (const auto& [free, total, expected] :
       {std::tuple{emd_free, emd, s_emd}, std::tuple{other_free, other, s_other}}) {
    const double mcse = std::sqrt(expected * (1.0 - expected) / total);
    INFO("relapse-free at 6 months " << double(free) / total << ", expected " << expected);
    CHECK(std::abs(double(free) / total - expected) <= 4.0 * mcse);
  }
}

TEST_CASE("prior densities are the normalised densities", "[model_choices]") {
  Prior lognormal{Prior::Kind::lognormal};
  lognormal.median = 0.8;
  lognormal.sdlog = 0.4;
  Prior normal{Prior::Kind::normal};
  normal.mean = 0.3;
  normal.sd = 0.7;
  Prior beta{Prior::Kind::beta};
  beta.a = 2.0;
  beta.b = 3.0;
  const boost::math::lognormal_distribution<> ln(std::log(0.8), 0.4);
  const boost::math::normal_distribution<> nd(0.3, 0.7);
  for (const double x : {0.2, 0.5, 0.8, 1.7}) {
    CHECK(prior_log_density(lognormal, x) ==
          Approx(std::log(boost::math::pdf(ln, x))).epsilon(1e-12));
    CHECK(prior_log_density(normal, x) == Approx(std::log(boost::math::pdf(nd, x))).epsilon(1e-12));
  }
  CHECK(prior_log_density(beta, 0.25) ==
        Approx(std::log(12.0 * 0.25 * 0.75 * 0.75)).epsilon(1e-12));
  CHECK(std::isinf(prior_log_density(lognormal, -1.0)));
}

TEST_CASE("reweighting draws of one prior gives the moments of another",
          "[model_choices][statistical]") {
  // Draws of the prior itself (a posterior with a flat likelihood): reweighted to an
  // alternative lognormal, the weighted mean of the parameter is the alternative's mean
  // exp(log m + s^2 / 2), within 4 of the reported MCSEs.
  Evidence evidence;
  Assumption a;
  a.parameter = "maintenance_hazard_ratio";
  a.prior.kind = Prior::Kind::lognormal;
  a.prior.median = 0.8;
  a.prior.sdlog = 0.4;
  evidence.assumptions.push_back(a);
  std::vector<CarTParameters> draws(20000);
  Rng rng = make_stream(99, 0, StreamPurpose::parameters);
  for (auto& d : draws) d.maintenance_hazard_ratio = lognormal_median(0.8, 0.4, rng);
  std::vector<DrawQuantity> quantities = {{"hr", {}}};
  for (const auto& d : draws) quantities[0].values.push_back(d.maintenance_hazard_ratio);
  const auto alternatives = default_prior_alternatives(evidence);
  REQUIRE(alternatives.size() == 4);
  const auto rows = prior_sensitivity(draws, evidence, alternatives, quantities);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].effective_draws == Approx(20000.0));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const Prior& q = alternatives[i - 1].prior;
    const double mean = std::exp(std::log(q.median) + 0.5 * q.sdlog * q.sdlog);
    INFO(rows[i].label << ": weighted mean " << rows[i].means[0] << " (MCSE " << rows[i].mcse[0]
                       << ", ESS " << rows[i].effective_draws << "), exact " << mean);
    CHECK(rows[i].parameter_mean == rows[i].means[0]);
    CHECK(std::abs(rows[i].means[0] - mean) <= 4.0 * rows[i].mcse[0]);
  }
  // A wider alternative than the draws support shows in its effective sample size.
  CHECK(rows[4].effective_draws < rows[3].effective_draws);
}
