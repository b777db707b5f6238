#pragma once
// MaxCombo: the minimum of several Fleming-Harrington z statistics of one cohort, with its
// p-value from the multivariate normal with the correlation estimated from the same data
// (Lee 2007; Karrison 2016; Lin et al. 2020; simtrial's maxcombo()).
//
// Sign convention (as log_rank and weighted_log_rank): each z_k < 0 favours arm 1. The
// one-sided MaxCombo statistic for benefit of arm 1 is
//   c = max_k (-z_k) = -min_k z_k,
// and its p-value under H0, with (-Z_1, ..., -Z_K) ~ N(0, R) and R_ab = Corr(U_a, U_b),
//   p = P(max_k (-Z_k) >= c) = 1 - Phi_K(c, ..., c; R).
// Reject at one-sided level alpha when p <= alpha.
//
// Phi_K is computed deterministically (no random or quasi-random points): K <= 2 in closed form
// (Genz 2004's bivariate algorithm, about 1e-15 absolute); K >= 3 by Plackett's (1954) identity
//   dPhi_K / d rho_ij = phi_2(b_i, b_j; rho_ij) Phi_{K-2}(conditional limits; partial corr.),
// integrated along rho(t) = t R_ij from the identity matrix (t = 0, Phi_K = prod Phi(b_k)) to
// R (t = 1) by adaptive Gauss-Kronrod quadrature (absolute tolerance 1e-13 per level), with
// Phi_{K-2} computed the same way (recursively). Accurate to about 1e-12 absolute, so p-values
// to about 1e-10 relative down to p ~ 1e-3 (compared with mvtnorm in tests/test_nph_statistics).
// Cost: K = 4 about 6 x (60..300) bivariate evaluations, tens of microseconds; K = 6 a few
// milliseconds. No heap allocation.
#include <cstddef>
#include <span>

#include "statistics/survival/weighted_logrank.h"

namespace trialsim {

// P(X <= h, Y <= k) for a standard bivariate normal with correlation r (|r| <= 1), Genz's
// (2004) bvnd algorithm (Drezner & Wesolowsky 1990 with Gauss-Legendre 6/12/20 points).
double bivariate_normal_cdf(double h, double k, double r);

// P(X_1 <= b_1, ..., X_m <= b_m) for X ~ N(0, R), 1 <= m <= MAX_FH_TESTS, R a positive definite
// correlation matrix given row-major (m * m values; only the strict upper triangle is read).
// Limits may be +/-Inf. Throws std::invalid_argument on sizes out of range.
double multivariate_normal_cdf(std::span<const double> upper, std::span<const double> correlation);

struct MaxComboResult {
  std::size_t size = 0;    // tests combined (after removing none)
  double statistic = 0.0;  // c = max_k (-z_k) = -min_k z_k; NaN if any variance is 0
  std::size_t best = 0;    // index k of the smallest z_k (the test that "wins")
  double p_value = 0.0;    // one-sided, 1 - Phi_K(c, ..., c; R); NaN if statistic is NaN
  std::array<std::array<double, MAX_FH_TESTS>, MAX_FH_TESTS> correlation{};  // R
};

// The statistic, the estimated correlation and the exact (quadrature) p-value. Tests whose z
// statistics are perfectly correlated (R_ab > 1 - 1e-12, e.g. FH(0, 1) and FH(1, 1) before any
// censoring changes the pooled curve's shape) are the same variable: one of them is kept.
MaxComboResult max_combo(const WeightedLogRankSet& set);

// The decision p <= alpha alone. Decided by cheap bounds when they settle it:
//   max(P(-Z_k >= c), P(-Z_a >= c or -Z_b >= c) for the least correlated pair) <= p
//   <= Hunter's (1976) bound: sum_k P(-Z_k >= c) minus the pairwise P(-Z_a >= c, -Z_b >= c)
//      along a maximum spanning tree of the correlations,
// and only in between by the quadrature, at an absolute tolerance of 1e-10 on p (instead of
// 1e-13 for max_combo's p-value): the same decision as max_combo(set).p_value <= alpha unless
// |p - alpha| < ~1e-10. False when the statistic is NaN.
bool max_combo_rejects(const WeightedLogRankSet& set, double alpha);

}  // namespace trialsim
