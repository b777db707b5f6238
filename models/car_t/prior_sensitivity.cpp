#include "models/car_t/prior_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "models/car_t/calibration.h"  // describe_prior

namespace trialsim::car_t {
namespace {

constexpr double NEG_INF = -std::numeric_limits<double>::infinity();

// The main model choices whose priors the sensitivity table varies (issue 14 item 4).
const char* const MAIN_CHOICES[] = {"maintenance_hazard_ratio", "nonrelapse_mortality_shape",
                                    "crs_response_log_odds_ratio", "relapse_hazard_ratio_emd"};

const Prior* fitted_prior(const Evidence& evidence, const std::string& parameter) {
  const Assumption* a = evidence.find_assumption(parameter);
  return a && a->prior.kind != Prior::Kind::fixed ? &a->prior : nullptr;
}

// The posterior mean and MCSE of `values` under weights `w` (self-normalised importance
// sampling; the MCSE by the delta method, Owen 2013 ch. 9, eq. 9.8).
void weighted_mean(const std::vector<double>& w, const std::vector<double>& values, double& mean,
                   double& mcse) {
  double sum_w = 0.0, sum_wv = 0.0;
  for (std::size_t j = 0; j < w.size(); ++j) {
    sum_w += w[j];
    sum_wv += w[j] * values[j];
  }
  mean = sum_wv / sum_w;
  double sum_sq = 0.0;
  for (std::size_t j = 0; j < w.size(); ++j) {
    const double d = w[j] * (values[j] - mean);
    sum_sq += d * d;
  }
  mcse = std::sqrt(sum_sq) / sum_w;
}

SensitivityRow weighted_row(const std::vector<double>& w, const std::vector<double>& parameter,
                            const std::vector<DrawQuantity>& quantities) {
  SensitivityRow row;
  double sum_w = 0.0, sum_w2 = 0.0, unused = 0.0;
  for (double x : w) {
    sum_w += x;
    sum_w2 += x * x;
  }
  row.effective_draws = sum_w2 > 0.0 ? sum_w * sum_w / sum_w2 : 0.0;
  row.supported = row.effective_draws >= MIN_EFFECTIVE_DRAWS;
  weighted_mean(w, parameter, row.parameter_mean, unused);
  for (const DrawQuantity& q : quantities) {
    double mean = 0.0, mcse = 0.0;
    weighted_mean(w, q.values, mean, mcse);
    row.means.push_back(mean);
    row.mcse.push_back(mcse);
  }
  return row;
}

}  // namespace

double prior_log_density(const Prior& prior, double x) {
  switch (prior.kind) {
    case Prior::Kind::beta:
      if (!(x > 0.0 && x < 1.0)) return NEG_INF;
      return (prior.a - 1.0) * std::log(x) + (prior.b - 1.0) * std::log1p(-x) +
             std::lgamma(prior.a + prior.b) - std::lgamma(prior.a) - std::lgamma(prior.b);
    case Prior::Kind::lognormal: {
      if (!(x > 0.0)) return NEG_INF;
      const double z = (std::log(x) - std::log(prior.median)) / prior.sdlog;
      return -0.5 * z * z - std::log(x * prior.sdlog) - 0.5 * std::log(2.0 * std::numbers::pi);
    }
    case Prior::Kind::normal: {
      const double z = (x - prior.mean) / prior.sd;
      return -0.5 * z * z - std::log(prior.sd) - 0.5 * std::log(2.0 * std::numbers::pi);
    }
    case Prior::Kind::fixed:
      break;
  }
  throw std::invalid_argument("a fixed prior has no density");
}

std::vector<PriorAlternative> default_prior_alternatives(const Evidence& evidence) {
  std::vector<PriorAlternative> alternatives;
  for (const char* name : MAIN_CHOICES) {
    const Prior* base = fitted_prior(evidence, name);
    if (!base || base->kind == Prior::Kind::beta) continue;
    const bool lognormal = base->kind == Prior::Kind::lognormal;
    const double spread = lognormal ? base->sdlog : base->sd;
    const auto shifted = [&](double sds) {
      Prior p = *base;
      if (lognormal)
        p.median = base->median * std::exp(sds * spread);
      else
        p.mean = base->mean + sds * spread;
      return p;
    };
    const auto scaled = [&](double factor) {
      Prior p = *base;
      (lognormal ? p.sdlog : p.sd) = spread * factor;
      return p;
    };
    alternatives.push_back({name, "centre one prior SD lower", shifted(-1.0)});
    alternatives.push_back({name, "centre one prior SD higher", shifted(1.0)});
    alternatives.push_back({name, "half the spread", scaled(0.5)});
    alternatives.push_back({name, "twice the spread", scaled(2.0)});
  }
  return alternatives;
}

std::vector<SensitivityRow> prior_sensitivity(const std::vector<CarTParameters>& draws,
                                              const Evidence& evidence,
                                              const std::vector<PriorAlternative>& alternatives,
                                              const std::vector<DrawQuantity>& quantities) {
  for (const DrawQuantity& q : quantities) {
    if (q.values.size() != draws.size())
      throw std::invalid_argument("quantity " + q.name + " has " + std::to_string(q.values.size()) +
                                  " values for " + std::to_string(draws.size()) + " draws");
  }
  std::vector<SensitivityRow> rows;
  if (draws.empty()) return rows;
  const std::vector<double> ones(draws.size(), 1.0);
  SensitivityRow fitted = weighted_row(ones, ones, quantities);
  fitted.label = "as fitted";
  fitted.parameter_mean = std::numeric_limits<double>::quiet_NaN();
  rows.push_back(fitted);
  for (const PriorAlternative& alternative : alternatives) {
    const Prior* base = fitted_prior(evidence, alternative.parameter);
    const NamedParameter* parameter = find_parameter(alternative.parameter);
    if (!base || !parameter) continue;
    std::vector<double> w(draws.size()), values(draws.size());
    double max_log = NEG_INF;
    for (std::size_t j = 0; j < draws.size(); ++j) {
      values[j] = draws[j].*parameter->member;
      w[j] = prior_log_density(alternative.prior, values[j]) - prior_log_density(*base, values[j]);
      max_log = std::max(max_log, w[j]);
    }
    for (double& x : w) x = std::exp(x - max_log);  // scale-free: self-normalised
    SensitivityRow row = weighted_row(w, values, quantities);
    row.parameter = alternative.parameter;
    row.label = alternative.label;
    row.prior = describe_prior(alternative.prior);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace trialsim::car_t
