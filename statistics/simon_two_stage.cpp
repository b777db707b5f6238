#include "statistics/simon_two_stage.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/argument_checks.h"

namespace trialsim {
namespace {

using checks::check_open_unit;
using checks::check_probability;
using checks::throw_invalid;

void check_design(const char* function, const SimonDesign& d) {
  if (d.n < 2) throw_invalid(function, "n", d.n, ">= 2");
  if (d.n1 < 1 || d.n1 >= d.n) throw_invalid(function, "n1", d.n1, "in [1, n - 1]");
  if (d.r1 < 0 || d.r1 >= d.n1) throw_invalid(function, "r1", d.r1, "in [0, n1 - 1]");
  if (d.r < 0 || d.r >= d.n) throw_invalid(function, "r", d.r, "in [0, n - 1]");
}

// Binomial(m, p) for every m = 0..max_m: pmf[m][x] (x = 0..m) by the recurrence
//   b(x; m, p) = p b(x-1; m-1, p) + (1-p) b(x; m-1, p),
// convex combinations of non-negative terms, so every entry keeps full relative precision
// (and p = 0, 1 are exact); cdf[m][x] = P(X <= x) summed from below and tail[m][k] = P(X >= k)
// (k = 0..m+1) summed from above, so both tails keep their relative precision too.
class BinomialTables {
 public:
  BinomialTables(int max_m, double p) : pmf_(max_m + 1), cdf_(max_m + 1), tail_(max_m + 1) {
    for (int m = 0; m <= max_m; ++m) {
      auto& pmf = pmf_[index(m)];
      auto& cdf = cdf_[index(m)];
      auto& tail = tail_[index(m)];
      pmf.assign(index(m) + 1, 0.0);
      cdf.resize(index(m) + 1);
      tail.assign(index(m) + 2, 0.0);
      if (m == 0) {
        pmf[0] = 1.0;
      } else {
        const auto& previous = pmf_[index(m - 1)];
        for (int x = 0; x <= m; ++x) {
          const double from_response = x >= 1 ? p * previous[index(x - 1)] : 0.0;
          const double from_none = x <= m - 1 ? (1.0 - p) * previous[index(x)] : 0.0;
          pmf[index(x)] = from_response + from_none;
        }
      }
      double below = 0.0;
      for (int x = 0; x <= m; ++x) cdf[index(x)] = below += pmf[index(x)];
      for (int k = m; k >= 0; --k) tail[index(k)] = tail[index(k) + 1] + pmf[index(k)];
    }
  }
  double pmf(int m, int x) const { return pmf_[index(m)][index(x)]; }
  double cdf(int m, int x) const { return cdf_[index(m)][index(x)]; }
  // P(X_m > k) for any integer k: 1 when k < 0, 0 when k >= m.
  double greater_than(int m, int k) const {
    if (k < 0) return 1.0;
    if (k >= m) return 0.0;
    return tail_[index(m)][index(k + 1)];
  }

 private:
  static std::size_t index(int i) { return static_cast<std::size_t>(i); }
  std::vector<std::vector<double>> pmf_, cdf_, tail_;
};

// sum_{x1 = r1+1}^{n1} b(x1; n1, p) P(X2 > r - x1): the rejection probability.
double rejection_probability(const BinomialTables& t, int n1, int r1, int n, int r) {
  const int n2 = n - n1;
  double sum = 0.0;
  for (int x1 = r1 + 1; x1 <= n1; ++x1) sum += t.pmf(n1, x1) * t.greater_than(n2, r - x1);
  return sum;
}

}  // namespace

SimonOperatingCharacteristics simon_exact(const SimonDesign& design, double p) {
  check_design("simon_exact", design);
  check_probability("simon_exact", "p", p);
  const BinomialTables tables(design.n, p);
  SimonOperatingCharacteristics oc;
  oc.p = p;
  oc.pet = tables.cdf(design.n1, design.r1);
  oc.expected_n = design.n1 + (1.0 - oc.pet) * (design.n - design.n1);
  oc.rejection_probability =
      rejection_probability(tables, design.n1, design.r1, design.n, design.r);
  return oc;
}

SimonDesign with_characteristics(int n1, int r1, int n, int r, double p0, double p1) {
  SimonDesign design{n1, r1, n, r};
  const auto at_p0 = simon_exact(design, p0);
  design.pet_p0 = at_p0.pet;
  design.expected_n_p0 = at_p0.expected_n;
  design.alpha_actual = at_p0.rejection_probability;
  design.power_actual = simon_exact(design, p1).rejection_probability;
  return design;
}

SimonSearchResult simon_search(double p0, double p1, double alpha, double beta, int nmax) {
  constexpr const char* function = "simon_search";
  check_open_unit(function, "p0", p0);
  check_open_unit(function, "p1", p1);
  if (!(p1 > p0)) throw_invalid(function, "p1", p1, "greater than p0 = " + std::to_string(p0));
  check_open_unit(function, "alpha", alpha);
  check_open_unit(function, "beta", beta);
  if (nmax < 2 || nmax > 1000) throw_invalid(function, "nmax", nmax, "in [2, 1000]");

  SimonSearchResult result{p0, p1, alpha, beta, nmax, std::nullopt, std::nullopt};
  const BinomialTables null_tables(nmax, p0);
  const BinomialTables alt_tables(nmax, p1);
  const double target_power = 1.0 - beta;

  // best_en: E[N | p0] of the optimal design so far (the pruning bound). Until the first
  // feasible n is found, nothing is feasible, so the bound is also the best at that n: the
  // minimax design is the optimal one at the first n with any feasible design.
  double best_en = std::numeric_limits<double>::infinity();
  std::optional<SimonDesign> best, minimax;     // (n1, r1, n, r) only; characterised at the end
  std::vector<double> reject_null, reject_alt;  // indexed by r = 0..n-1 for one (n, n1, r1)
  for (int n = 2; n <= nmax; ++n) {
    for (int n1 = 1; n1 < n; ++n1) {
      if (n1 >= best_en) break;  // E[N | p0] >= n1: no larger n1 can win at this n
      const int n2 = n - n1;
      reject_null.assign(static_cast<std::size_t>(n), 0.0);
      reject_alt.assign(static_cast<std::size_t>(n), 0.0);
      for (int r1 = n1 - 1; r1 >= 0; --r1) {
        // Add the stage-1 outcome x1 = r1 + 1, which now continues, to every r.
        const int x1 = r1 + 1;
        const double w0 = null_tables.pmf(n1, x1);
        const double w1 = alt_tables.pmf(n1, x1);
        // P(X2 > r - x1) = 0 for r >= n2 + x1; no r above n2 + r1 is ever read.
        for (int r = 0; r < std::min(n, n2 + x1); ++r) {
          const auto i = static_cast<std::size_t>(r);
          reject_null[i] += w0 * null_tables.greater_than(n2, r - x1);
          reject_alt[i] += w1 * alt_tables.greater_than(n2, r - x1);
        }
        // E[N | p0] grows as r1 falls (PET falls): once it cannot win, no smaller r1 can.
        const double en = n1 + (1.0 - null_tables.cdf(n1, r1)) * n2;
        if (!(en < best_en)) break;
        // Both probabilities decrease in r: the largest r with enough power has the smallest
        // type I error; if it fails alpha, every smaller r does too.
        for (int r = n2 + r1; r >= r1; --r) {
          const auto i = static_cast<std::size_t>(r);
          if (reject_alt[i] < target_power) continue;
          if (reject_null[i] <= alpha) {
            best_en = en;
            best = SimonDesign{n1, r1, n, r};
          }
          break;
        }
      }
    }
    if (!minimax && best) minimax = best;
  }
  const auto characterise = [&](const std::optional<SimonDesign>& d) -> std::optional<SimonDesign> {
    if (!d) return std::nullopt;
    return with_characteristics(d->n1, d->r1, d->n, d->r, p0, p1);
  };
  result.optimal = characterise(best);
  result.minimax = characterise(minimax);
  return result;
}

SimonDecision simon_decide(const SimonDesign& design, int stage1_responses, int stage2_responses) {
  if (stage1_responses < 0 || stage1_responses > design.n1) {
    throw_invalid("simon_decide", "stage1_responses", stage1_responses,
                  "in [0, n1] = [0, " + std::to_string(design.n1) + "]");
  }
  SimonDecision decision;
  if (stage1_responses <= design.r1) {
    decision.stopped_early = true;
    decision.patients = design.n1;
    return decision;
  }
  const int n2 = design.n - design.n1;
  if (stage2_responses < 0 || stage2_responses > n2) {
    throw_invalid("simon_decide", "stage2_responses", stage2_responses,
                  "in [0, n - n1] = [0, " + std::to_string(n2) + "]");
  }
  decision.patients = design.n;
  decision.rejected_null = stage1_responses + stage2_responses > design.r;
  return decision;
}

}  // namespace trialsim
