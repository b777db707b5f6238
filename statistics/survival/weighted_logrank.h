#pragma once
// Fleming-Harrington weighted log-rank tests FH(rho, gamma) of two arms (Harrington & Fleming
// 1982; Fleming & Harrington 1991, ch. 7), as several tests on one sorted cohort.
//
// At each distinct event time t_j with n at risk (n1 in arm 1), d events (d1 in arm 1), and the
// pooled left-continuous Kaplan-Meier estimate S(t_j-) (all subjects, both arms):
//   w_j   = S(t_j-)^rho (1 - S(t_j-))^gamma                       (0^0 = 1)
//   U     = sum_j w_j (d1_j - d_j n1_j / n_j)                      (weighted O1 - E1)
//   v_j   = d (n - d) / (n - 1) * (n1 / n) (1 - n1 / n)            (hypergeometric, ties)
//   Var U = sum_j w_j^2 v_j,   Cov(U_a, U_b) = sum_j w_a,j w_b,j v_j
//   z     = U / sqrt(Var U),   chisq = z^2 (1 df)
// For gamma = 0 this is R's survival::survdiff(Surv(time, status) ~ arm, rho = rho) (its
// survdiff2.c uses the same pooled S(t-) before the update at t_j); FH(0, 0) is the log-rank
// test of logrank.h (same expressions, same order).
// Sign, as log_rank: z < 0 when arm 1 (experimental) has fewer weighted events than expected
// under H0, i.e. benefit for arm 1; the one-sided p-value for benefit is Phi(z).
// Times in months. No heap allocation: at most MAX_FH_TESTS tests, held in fixed arrays.
#include <array>
#include <cmath>
#include <cstddef>
#include <span>

#include "statistics/survival/survival_data.h"

namespace trialsim {

inline constexpr std::size_t MAX_FH_TESTS = 6;

struct FhWeight {
  double rho = 0.0;    // exponent of S(t-): weight on early differences
  double gamma = 0.0;  // exponent of 1 - S(t-): weight on late differences
};

// The default MaxCombo set (Lin et al. 2020, Roychoudhury et al. 2021): FH(0,0), FH(0,1),
// FH(1,0), FH(1,1).
inline constexpr std::array<FhWeight, 4> DEFAULT_MAX_COMBO_SET = {
    FhWeight{0.0, 0.0}, FhWeight{0.0, 1.0}, FhWeight{1.0, 0.0}, FhWeight{1.0, 1.0}};

// One FH test on its own.
struct WeightedLogRankResult {
  double score;     // U = sum w (O1 - E1)
  double variance;  // Var U
  double z;         // U / sqrt(Var U); < 0 favours arm 1; NaN if Var U == 0
  double chisq;     // z^2; NaN if Var U == 0
  double p_value;   // two-sided, chi-square 1 df (as survdiff)
};

// Several FH tests of one cohort with their joint covariance (the MaxCombo input).
struct WeightedLogRankSet {
  std::size_t size = 0;
  std::array<FhWeight, MAX_FH_TESTS> weight{};
  std::array<double, MAX_FH_TESTS> score{}, z{};
  // covariance[a][b] = Cov(U_a, U_b); the diagonal is Var U_a.
  std::array<std::array<double, MAX_FH_TESTS>, MAX_FH_TESTS> covariance{};

  WeightedLogRankResult test(std::size_t k) const;
  // Corr(Z_a, Z_b) = Cov(U_a, U_b) / sqrt(Var U_a Var U_b) (NaN if either variance is 0).
  double correlation(std::size_t a, std::size_t b) const;
};

// The FH weights of one set at a pooled survival S(t-). Integer exponents 0, 1, 2 are computed by
// multiplication (exact and cheaper than pow; pow(x, 1) == x and pow(x, 2) == x * x anyway).
class FhWeightEvaluator {
 public:
  explicit FhWeightEvaluator(std::span<const FhWeight> set);
  std::size_t size() const noexcept { return size_; }
  // Inline: called at every event time of every walk.
  void evaluate(double surv_before, double* weights) const noexcept {
    const double failed = 1.0 - surv_before;
    for (std::size_t k = 0; k < size_; ++k) {
      weights[k] = power(surv_before, exponent_[2 * k], small_[2 * k]) *
                   power(failed, exponent_[2 * k + 1], small_[2 * k + 1]);
    }
  }

 private:
  static double power(double x, double exponent, int small) noexcept {
    switch (small) {
      case 0:
        return 1.0;  // pow(x, 0) == 1 for every x, 0 included
      case 1:
        return x;
      case 2:
        return x * x;
      default:
        return std::pow(x, exponent);
    }
  }
  std::size_t size_ = 0;
  std::array<double, 2 * MAX_FH_TESTS> exponent_{};
  std::array<int, 2 * MAX_FH_TESTS> small_{};  // 0, 1, 2, or -1 for pow
};

// Adds one distinct event time to the set's sums (shared by every FH walk, in time order).
// `weights` from FhWeightEvaluator::evaluate at the pooled S(t-). M > 0: the set has M tests,
// known at compile time (the loops unroll and the sums stay in registers; nph_pass dispatches on
// the set's size); M = 0: set.size. The same expressions either way, so the same bits. Inline:
// beside add_logrank_time in one walk (nph_pass), the compiler computes their shared terms once.
template <std::size_t M>
inline void add_weighted_logrank_time_of(WeightedLogRankSet& set, const double* weights,
                                         double events, double events_arm1, double at_risk,
                                         double at_risk1) noexcept {
  // The terms of add_logrank_time (logrank.h), with the same expressions: FH(0, 0) is log_rank
  // up to rounding (log_rank sums O1 and E1 apart and subtracts at the end).
  const double o_minus_e = events_arm1 - events * at_risk1 / at_risk;
  double v = 0.0;
  if (at_risk > 1.0) {
    const double tmp = events * (at_risk - events) / (at_risk * (at_risk - 1.0));
    v = tmp * (at_risk1 - at_risk1 * at_risk1 / at_risk);
  }
  const std::size_t m = M > 0 ? M : set.size;
  for (std::size_t a = 0; a < m; ++a) {
    set.score[a] += weights[a] * o_minus_e;
    const double wv = weights[a] * v;
    for (std::size_t b = a; b < m; ++b) set.covariance[a][b] += wv * weights[b];
  }
}

inline void add_weighted_logrank_time(WeightedLogRankSet& set, const double* weights, double events,
                                      double events_arm1, double at_risk,
                                      double at_risk1) noexcept {
  add_weighted_logrank_time_of<0>(set, weights, events, events_arm1, at_risk, at_risk1);
}
// z from the sums.
void finish_weighted_logrank(WeightedLogRankSet& set) noexcept;

// The tests of `set` (1 to MAX_FH_TESTS weights, finite, >= 0) on a cohort sorted by
// sort_cohort. Throws std::invalid_argument on a bad set.
void weighted_log_rank(std::span<const SortedSubject> cohort, std::span<const FhWeight> set,
                       WeightedLogRankSet& out);

// One test; requires data.arm (throws std::invalid_argument).
WeightedLogRankResult weighted_log_rank(const SurvivalData& data, SurvivalWorkspace& ws,
                                        FhWeight weight);
WeightedLogRankResult weighted_log_rank(std::span<const SortedSubject> cohort, FhWeight weight);

// Checks a set of FH weights: 1..MAX_FH_TESTS entries, each exponent finite and >= 0.
void check_fh_set(std::span<const FhWeight> set, const char* function);

}  // namespace trialsim
