#include "statistics/survival/weighted_logrank.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

WeightedLogRankResult WeightedLogRankSet::test(std::size_t k) const {
  const double u = score[k], v = covariance[k][k];
  if (!(v > 0.0)) return {u, v, NaN, NaN, NaN};
  const double chisq = u * u / v;  // survdiff's (O - E)^2 / V
  return {u, v, z[k], chisq, chisq1_upper_tail(chisq)};
}

double WeightedLogRankSet::correlation(std::size_t a, std::size_t b) const {
  const double va = covariance[a][a], vb = covariance[b][b];
  if (!(va > 0.0 && vb > 0.0)) return NaN;
  return a == b ? 1.0 : covariance[a][b] / std::sqrt(va * vb);
}

void check_fh_set(std::span<const FhWeight> set, const char* function) {
  if (set.empty() || set.size() > MAX_FH_TESTS) {
    std::ostringstream msg;
    msg << function << ": " << set.size() << " Fleming-Harrington tests, expected 1 to "
        << MAX_FH_TESTS;
    throw std::invalid_argument(msg.str());
  }
  for (std::size_t k = 0; k < set.size(); ++k) {
    for (const double e : {set[k].rho, set[k].gamma}) {
      if (std::isfinite(e) && e >= 0.0) continue;
      std::ostringstream msg;
      msg.precision(17);
      msg << function << ": FH(rho, gamma)[" << k << "] = (" << set[k].rho << ", " << set[k].gamma
          << "), expected finite exponents >= 0";
      throw std::invalid_argument(msg.str());
    }
  }
}

FhWeightEvaluator::FhWeightEvaluator(std::span<const FhWeight> set) : size_(set.size()) {
  check_fh_set(set, "FhWeightEvaluator");
  for (std::size_t k = 0; k < size_; ++k) {
    exponent_[2 * k] = set[k].rho;
    exponent_[2 * k + 1] = set[k].gamma;
  }
  for (std::size_t i = 0; i < 2 * size_; ++i) {
    const double e = exponent_[i];
    small_[i] = e == 0.0 ? 0 : e == 1.0 ? 1 : e == 2.0 ? 2 : -1;
  }
}

void finish_weighted_logrank(WeightedLogRankSet& set) noexcept {
  const std::size_t m = set.size;
  for (std::size_t a = 0; a < m; ++a) {
    for (std::size_t b = 0; b < a; ++b) set.covariance[a][b] = set.covariance[b][a];
    const double v = set.covariance[a][a];
    set.z[a] = v > 0.0 ? set.score[a] / std::sqrt(v) : NaN;
  }
}

void weighted_log_rank(std::span<const SortedSubject> cohort, std::span<const FhWeight> set,
                       WeightedLogRankSet& out) {
  const FhWeightEvaluator evaluator(set);
  out = WeightedLogRankSet{};
  out.size = set.size();
  for (std::size_t k = 0; k < set.size(); ++k) out.weight[k] = set[k];
  const std::size_t n = cohort.size();
  double at_risk = static_cast<double>(n), at_risk1 = 0.0, surv_before = 1.0;
  for (const SortedSubject& s : cohort) at_risk1 += s.arm;
  std::array<double, MAX_FH_TESTS> weights{};
  for (std::size_t k = 0; k < n;) {
    const double t = cohort[k].time;
    double d = 0.0, d1 = 0.0, m = 0.0, m1 = 0.0;
    for (; k < n && cohort[k].time == t; ++k) {
      const double a = cohort[k].arm, e = cohort[k].status;
      m += 1.0;
      m1 += a;
      d += e;
      d1 += a * e;
    }
    if (d > 0.0) {
      evaluator.evaluate(surv_before, weights.data());
      add_weighted_logrank_time(out, weights.data(), d, d1, at_risk, at_risk1);
      surv_before *= (at_risk - d) / at_risk;  // pooled Kaplan-Meier, left-continuous at t
    }
    at_risk -= m;
    at_risk1 -= m1;
  }
  finish_weighted_logrank(out);
}

WeightedLogRankResult weighted_log_rank(std::span<const SortedSubject> cohort, FhWeight weight) {
  WeightedLogRankSet set;
  weighted_log_rank(cohort, std::span<const FhWeight>(&weight, 1), set);
  return set.test(0);
}

WeightedLogRankResult weighted_log_rank(const SurvivalData& data, SurvivalWorkspace& ws,
                                        FhWeight weight) {
  check_survival_data(data, "weighted_log_rank", 1);
  if (!data.has_arm()) throw std::invalid_argument("weighted_log_rank: data.arm is required");
  sort_cohort(data, ws);
  return weighted_log_rank(ws.sorted, weight);
}

}  // namespace trialsim
