#include "statistics/survival/max_combo.h"

#include <algorithm>
#include <array>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();
constexpr double TWO_PI = 2.0 * std::numbers::pi;
constexpr std::size_t M = MAX_FH_TESTS;

// Absolute tolerance and depth of the adaptive Gauss-Kronrod quadrature of Plackett's integral.
// |K15 - G7| is a pessimistic error estimate (K15 is exact to degree 22), so the true error is
// far below the tolerance on these smooth integrands. Nested levels (Phi_{m-2} inside the
// integrand of Phi_m, m >= 5) have their error multiplied by rho_ij phi_2 and integrated over t,
// so they run 100 times looser. A decision (max_combo_rejects) needs p only to about 1e-10,
// and first screens at 1e-5.
struct Accuracy {
  double tolerance;
  int depth;
  Accuracy nested() const { return {tolerance * 100.0, depth > 4 ? depth - 4 : depth}; }
};
constexpr Accuracy P_VALUE_ACCURACY{1e-13, 12};
constexpr Accuracy DECISION_ACCURACY{1e-10, 10};
// A decision first tries a loose quadrature (a few times cheaper): its error estimate is
// pessimistic (|K15 - G7|), so a p-value farther than DECISION_MARGIN = 100 x its tolerance from
// alpha decides exactly as the 1e-10 quadrature would; only p within the margin is recomputed.
constexpr Accuracy SCREENING_ACCURACY{1e-5, 8};
constexpr double DECISION_MARGIN = 1e-3;
// Correlations above this are the same test (the matrix would be singular).
constexpr double SAME_TEST_CORRELATION = 1.0 - 1e-12;

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// P(X > h, Y > k), Genz (2004) "Numerical computation of rectangular bivariate and trivariate
// normal and t probabilities", Statistics and Computing 14, 251-260 (his BVNU), with the
// Gauss-Legendre nodes of Boost (the non-negative half; the rule is used symmetrically).
template <int N>
double bvnu_series(double h, double k, double r) {
  using rule = boost::math::quadrature::gauss<double, N>;
  const auto& x = rule::abscissa();
  const auto& w = rule::weights();
  const double hk = h * k, hs = (h * h + k * k) / 2.0, asr = std::asin(r);
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    // An odd N would hold the node 0 once; N is even here, every node is used at +x and -x.
    for (const double sign : {-1.0, 1.0}) {
      const double sn = std::sin(asr * (1.0 + sign * x[i]) / 2.0);
      sum += w[i] * std::exp((sn * hk - hs) / (1.0 - sn * sn));
    }
  }
  return sum * asr / (2.0 * TWO_PI) + normal_cdf(-h) * normal_cdf(-k);
}

double bvnu_high_correlation(double h, double k, double r) {
  using rule = boost::math::quadrature::gauss<double, 20>;
  const auto& x = rule::abscissa();
  const auto& w = rule::weights();
  if (r < 0.0) k = -k;
  const double hk = h * k;
  double bvn = 0.0;
  if (std::abs(r) < 1.0) {
    const double as = (1.0 - r) * (1.0 + r), bs = (h - k) * (h - k);
    const double c = (4.0 - hk) / 8.0, d = (12.0 - hk) / 16.0;
    double a = std::sqrt(as);
    bvn = a * std::exp(-(bs / as + hk) / 2.0) *
          (1.0 - c * (bs - as) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as * as / 5.0);
    if (hk > -160.0) {
      const double b = std::sqrt(bs);
      bvn -= std::exp(-hk / 2.0) * std::sqrt(TWO_PI) * normal_cdf(-b / a) * b *
             (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
    }
    a /= 2.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (const double sign : {-1.0, 1.0}) {
        const double xs = (a * (1.0 + sign * x[i])) * (a * (1.0 + sign * x[i]));
        const double rs = std::sqrt(1.0 - xs);
        bvn += a * w[i] *
               (std::exp(-bs / (2.0 * xs) - hk / (1.0 + rs)) / rs -
                std::exp(-(bs / xs + hk) / 2.0) * (1.0 + c * xs * (1.0 + d * xs)));
      }
    }
    bvn = -bvn / TWO_PI;
  }
  if (r > 0.0) return bvn + normal_cdf(-std::max(h, k));
  bvn = -bvn;
  if (k > h) bvn += h < 0.0 ? normal_cdf(k) - normal_cdf(h) : normal_cdf(-h) - normal_cdf(-k);
  return bvn;
}

double bvnu(double h, double k, double r) {
  if (h == INF || k == INF) return 0.0;
  if (h == -INF) return normal_cdf(-k);
  if (k == -INF) return normal_cdf(-h);
  const double ar = std::abs(r);
  double p;
  if (ar < 0.3) {
    p = bvnu_series<6>(h, k, r);
  } else if (ar < 0.75) {
    p = bvnu_series<12>(h, k, r);
  } else if (ar < 0.925) {
    p = bvnu_series<20>(h, k, r);
  } else {
    p = bvnu_high_correlation(h, k, r);
  }
  return std::clamp(p, 0.0, 1.0);
}

// Adaptive Gauss-Kronrod (7, 15) on [a, b] with an absolute tolerance (QUADPACK's QK15 rule,
// nodes and weights from Boost; bisection where |K15 - G7| exceeds the tolerance).
template <class F>
double adaptive_gauss_kronrod(const F& f, double a, double b, double tolerance, int depth) {
  using kronrod = boost::math::quadrature::gauss_kronrod<double, 15>;
  using gauss = boost::math::quadrature::gauss<double, 7>;
  const auto& x = kronrod::abscissa();  // 0 first, then ascending; Gauss nodes at even indices
  const auto& wk = kronrod::weights();
  const auto& wg = gauss::weights();
  const double mid = (a + b) / 2.0, half = (b - a) / 2.0;
  const double f0 = f(mid);
  double k15 = wk[0] * f0, g7 = wg[0] * f0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    const double pair = f(mid - half * x[i]) + f(mid + half * x[i]);
    k15 += wk[i] * pair;
    if (i % 2 == 0) g7 += wg[i / 2] * pair;
  }
  k15 *= half;
  g7 *= half;
  if (depth == 0 || std::abs(k15 - g7) <= tolerance) return k15;
  return adaptive_gauss_kronrod(f, a, mid, tolerance / 2.0, depth - 1) +
         adaptive_gauss_kronrod(f, mid, b, tolerance / 2.0, depth - 1);
}

double orthant(const double* b, const double* corr, std::size_t m, Accuracy accuracy);

// Sum over pairs i < j of R_ij d Phi_m / d rho_ij at the matrix R(t) (off-diagonal t R_ij):
// phi_2(b_i, b_j; t R_ij) times the probability of the other coordinates given X_i = b_i,
// X_j = b_j (conditional mean and covariance of the normal; Plackett 1954).
double plackett_derivative(const double* b, const double* corr, std::size_t m, double t,
                           Accuracy accuracy) {
  double sum = 0.0;
  std::array<double, M> sub_b{}, coef_i{}, coef_j{};
  std::array<double, M * M> sub_corr{};
  std::array<std::size_t, M> rest{};
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = i + 1; j < m; ++j) {
      const double rho = corr[i * m + j];
      if (rho == 0.0) continue;
      const double r = t * rho, det = (1.0 - r) * (1.0 + r);
      const double density =
          std::exp(-(b[i] * b[i] - 2.0 * r * b[i] * b[j] + b[j] * b[j]) / (2.0 * det)) /
          (TWO_PI * std::sqrt(det));
      if (density == 0.0) continue;
      std::size_t n = 0;
      for (std::size_t k = 0; k < m; ++k)
        if (k != i && k != j) rest[n++] = k;
      // c_k = (t R_ki, t R_kj); c_k Sigma22^-1 with Sigma22^-1 = [[1, -r], [-r, 1]] / det.
      for (std::size_t p = 0; p < n; ++p) {
        const double ci = t * corr[rest[p] * m + i], cj = t * corr[rest[p] * m + j];
        coef_i[p] = (ci - r * cj) / det;
        coef_j[p] = (cj - r * ci) / det;
      }
      std::array<double, M> sd{};
      for (std::size_t p = 0; p < n; ++p) {
        const std::size_t k = rest[p];
        const double var =
            1.0 - (coef_i[p] * t * corr[k * m + i] + coef_j[p] * t * corr[k * m + j]);
        sd[p] = std::sqrt(std::max(var, 1e-300));
        sub_b[p] = (b[k] - coef_i[p] * b[i] - coef_j[p] * b[j]) / sd[p];
      }
      for (std::size_t p = 0; p < n; ++p) {
        for (std::size_t q = p + 1; q < n; ++q) {
          const std::size_t k = rest[p], l = rest[q];
          const double cov = t * corr[k * m + l] -
                             (coef_i[p] * t * corr[l * m + i] + coef_j[p] * t * corr[l * m + j]);
          sub_corr[p * n + q] = sub_corr[q * n + p] = std::clamp(cov / (sd[p] * sd[q]), -1.0, 1.0);
        }
      }
      sum += rho * density * orthant(sub_b.data(), sub_corr.data(), n, accuracy.nested());
    }
  }
  return sum;
}

// Phi_m(b; R) for m >= 3: Phi at the identity plus Plackett's integral over t in [0, 1], with
// t = u (2 - u) so that the quadrature nodes crowd towards t = 1, where highly correlated pairs
// make the integrand steep (phi_2 grows as 1 / sqrt(1 - t^2 R_ij^2)).
double plackett_orthant(const double* b, const double* corr, std::size_t m, Accuracy accuracy) {
  double independent = 1.0;
  for (std::size_t k = 0; k < m; ++k) independent *= normal_cdf(b[k]);
  const auto integrand = [&](double u) {
    return 2.0 * (1.0 - u) * plackett_derivative(b, corr, m, u * (2.0 - u), accuracy);
  };
  const double integral =
      adaptive_gauss_kronrod(integrand, 0.0, 1.0, accuracy.tolerance, accuracy.depth);
  return std::clamp(independent + integral, 0.0, 1.0);
}

// Phi_m(b; R), R row-major m x m (stride m), every b finite.
double orthant(const double* b, const double* corr, std::size_t m, Accuracy accuracy) {
  switch (m) {
    case 0:
      return 1.0;
    case 1:
      return normal_cdf(b[0]);
    case 2:
      return bvnu(-b[0], -b[1], corr[1]);
    default:
      return plackett_orthant(b, corr, m, accuracy);
  }
}

}  // namespace

double bivariate_normal_cdf(double h, double k, double r) { return bvnu(-h, -k, r); }

double multivariate_normal_cdf(std::span<const double> upper, std::span<const double> correlation) {
  const std::size_t m = upper.size();
  if (m == 0 || m > M || correlation.size() != m * m) {
    std::ostringstream msg;
    msg << "multivariate_normal_cdf: " << m << " limits and " << correlation.size()
        << " correlations, expected 1 to " << M << " limits and their square";
    throw std::invalid_argument(msg.str());
  }
  // Coordinates with limit +Inf are certain and leave; a limit -Inf (or NaN) decides at once.
  std::array<std::size_t, M> kept{};
  std::size_t n = 0;
  for (std::size_t k = 0; k < m; ++k) {
    if (std::isnan(upper[k])) return NaN;
    if (upper[k] == -INF) return 0.0;
    if (upper[k] != INF) kept[n++] = k;
  }
  std::array<double, M> b{};
  std::array<double, M * M> corr{};
  for (std::size_t p = 0; p < n; ++p) {
    b[p] = upper[kept[p]];
    for (std::size_t q = 0; q < n; ++q) {
      const std::size_t lo = std::min(kept[p], kept[q]), hi = std::max(kept[p], kept[q]);
      corr[p * n + q] = p == q ? 1.0 : correlation[lo * m + hi];
    }
  }
  return orthant(b.data(), corr.data(), n, P_VALUE_ACCURACY);
}

namespace {

MaxComboResult max_combo(const WeightedLogRankSet& set, Accuracy accuracy) {
  MaxComboResult out;
  out.size = set.size;
  out.statistic = -INF;
  for (std::size_t a = 0; a < set.size; ++a) {
    for (std::size_t b = 0; b < set.size; ++b) out.correlation[a][b] = set.correlation(a, b);
    if (std::isnan(set.z[a])) out.statistic = NaN;
    if (-set.z[a] > out.statistic) {
      out.statistic = -set.z[a];
      out.best = a;
    }
  }
  if (std::isnan(out.statistic) || set.size == 0) {
    out.statistic = out.p_value = NaN;
    return out;
  }
  // One variable per group of perfectly correlated tests (same limit c for all).
  std::array<std::size_t, M> kept{};
  std::size_t n = 0;
  for (std::size_t a = 0; a < set.size; ++a) {
    bool same = false;
    for (std::size_t p = 0; p < n; ++p)
      same = same || out.correlation[kept[p]][a] > SAME_TEST_CORRELATION;
    if (!same) kept[n++] = a;
  }
  std::array<double, M> b{};
  std::array<double, M * M> corr{};
  for (std::size_t p = 0; p < n; ++p) {
    b[p] = out.statistic;
    for (std::size_t q = 0; q < n; ++q) corr[p * n + q] = out.correlation[kept[p]][kept[q]];
  }
  out.p_value = 1.0 - orthant(b.data(), corr.data(), n, accuracy);
  return out;
}

}  // namespace

MaxComboResult max_combo(const WeightedLogRankSet& set) { return max_combo(set, P_VALUE_ACCURACY); }

bool max_combo_rejects(const WeightedLogRankSet& set, double alpha) {
  const std::size_t m = set.size;
  double c = -INF;
  for (std::size_t a = 0; a < m; ++a) {
    if (std::isnan(set.z[a]) || m == 0) return false;
    c = std::max(c, -set.z[a]);
  }
  const double single = normal_cdf(-c);                       // P(-Z_k >= c), the same for every k
  if (single > alpha) return false;                           // p >= single
  const double bonferroni = static_cast<double>(m) * single;  // p <= m single (no quadrature)
  if (bonferroni <= alpha) return true;
  // A sharper lower bound: p >= P(-Z_a >= c or -Z_b >= c) = 2 single - Phi_2(-c, -c; R_ab) for
  // any pair, largest for the least correlated pair.
  double least = 1.0;
  for (std::size_t a = 0; a < m; ++a)
    for (std::size_t b = a + 1; b < m; ++b) least = std::min(least, set.correlation(a, b));
  if (m > 1 && 2.0 * single - bvnu(c, c, std::max(least, -1.0)) > alpha) return false;
  // Hunter's bound: a maximum spanning tree on the correlations (Prim), whose edges carry the
  // largest pairwise probabilities P(-Z_a >= c, -Z_b >= c) = Phi_2(-c, -c; R_ab).
  std::array<double, M> best_link{};
  std::array<bool, M> in_tree{};
  best_link.fill(-INF);
  in_tree[0] = true;
  for (std::size_t k = 1; k < m; ++k) best_link[k] = set.correlation(0, k);
  double upper = bonferroni;
  for (std::size_t step = 1; step < m; ++step) {
    std::size_t next = 0;
    double link = -INF;
    for (std::size_t k = 0; k < m; ++k)
      if (!in_tree[k] && best_link[k] > link) link = best_link[next = k];
    in_tree[next] = true;
    upper -= bvnu(c, c, std::min(link, 1.0));
    for (std::size_t k = 0; k < m; ++k)
      if (!in_tree[k]) best_link[k] = std::max(best_link[k], set.correlation(next, k));
  }
  if (upper <= alpha) return true;
  const double screened = max_combo(set, SCREENING_ACCURACY).p_value;
  if (std::abs(screened - alpha) > DECISION_MARGIN) return screened <= alpha;
  return max_combo(set, DECISION_ACCURACY).p_value <= alpha;
}

}  // namespace trialsim
