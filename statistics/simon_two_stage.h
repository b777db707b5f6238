#pragma once
// Simon's two-stage single-arm design for a binary endpoint (Simon 1989, Controlled Clinical
// Trials 10:1-10). Responses are counts of patients; probabilities are proportions in [0, 1].
//
// Conduct: treat n1 patients; with X1 responses, stop for futility when X1 <= r1; otherwise
// treat n - n1 more (X2 responses) and reject H0: p <= p0 when X1 + X2 > r.
//
// Exact operating characteristics at a true response probability p, with b(x; m, p) the
// binomial pmf, B(x; m, p) its cdf and n2 = n - n1:
//   PET(p)   = B(r1; n1, p)                                  probability of early termination
//   E[N | p] = n1 + (1 - PET(p)) * n2                        expected sample size
//   P(reject | p) = sum_{x1 = r1+1}^{n1} b(x1; n1, p) * P(X2 > r - x1),  X2 ~ Bin(n2, p)
//
// Search (as clinfun::ph2simon): over 1 <= n1 < n <= nmax, 0 <= r1 < n1, r1 <= r <= n2 + r1
// (larger r is dominated: it only raises the effective r1), keep the designs with
//   P(reject | p0) <= alpha  and  P(reject | p1) >= 1 - beta
// (clinfun uses strict inequalities; they differ only on exact ties).
// * Optimal: minimises E[N | p0]. Minimax: the smallest n, ties broken by E[N | p0].
// * For one (n1, r1, n), E[N | p0] does not depend on r; among the feasible r we report the
//   largest (the smallest type I error that still has the power), as clinfun does.
// * Ties in E[N | p0] keep the first design in the order n ascending, n1 ascending, r1
//   descending (clinfun's order).
// Cost: the rejection probabilities of all r for one (n, n1) are accumulated as r1 decreases
// (one stage-1 term at a time), O(n1 * n) per (n, n1); once a design is feasible, (n1, r1)
// whose E[N | p0] cannot beat the best found are pruned (E[N | p0] >= n1, and it grows as r1
// falls). nmax = 100 takes a few milliseconds.
#include <optional>

namespace trialsim {

struct SimonDesign {
  int n1 = 0;  // stage-1 patients
  int r1 = 0;  // stop after stage 1 when responses <= r1
  int n = 0;   // maximum total patients
  int r = 0;   // reject H0 when total responses > r
  // Filled by simon_search (and by with_characteristics): exact values at p0 / p1.
  double pet_p0 = 0.0;         // PET(p0)
  double expected_n_p0 = 0.0;  // E[N | p0]
  double alpha_actual = 0.0;   // P(reject | p0)
  double power_actual = 0.0;   // P(reject | p1)
};

struct SimonOperatingCharacteristics {
  double p = 0.0;                      // true response probability
  double pet = 0.0;                    // probability of early termination
  double expected_n = 0.0;             // expected number of patients
  double rejection_probability = 0.0;  // P(reject H0 | p)
};

struct SimonSearchResult {
  double p0 = 0.0, p1 = 0.0, alpha = 0.0, beta = 0.0;
  int nmax = 0;
  std::optional<SimonDesign> optimal;  // empty when no design with n <= nmax meets the constraints
  std::optional<SimonDesign> minimax;
};

// Exact PET, E[N] and rejection probability of a design at true response probability p.
// Requires 1 <= n1 < n, 0 <= r1 < n1, 0 <= r < n, 0 <= p <= 1.
SimonOperatingCharacteristics simon_exact(const SimonDesign& design, double p);

// The design (n1, r1, n, r) with pet_p0, expected_n_p0, alpha_actual and power_actual computed.
SimonDesign with_characteristics(int n1, int r1, int n, int r, double p0, double p1);

// Optimal and minimax designs. Requires 0 < p0 < p1 < 1, 0 < alpha < 1, 0 < beta < 1,
// 2 <= nmax <= 1000.
SimonSearchResult simon_search(double p0, double p1, double alpha, double beta, int nmax = 100);

// ---- One simulated trial ---------------------------------------------------------------------

struct SimonDecision {
  bool stopped_early = false;  // X1 <= r1
  bool rejected_null = false;  // continued and X1 + X2 > r
  int patients = 0;            // n1 if stopped early, else n
};

// The decision for one replicate given its stage-1 and stage-2 response counts (stage-2 count
// ignored when the trial stops early). Requires 0 <= stage1 <= n1 and, when the trial
// continues, 0 <= stage2 <= n - n1.
SimonDecision simon_decide(const SimonDesign& design, int stage1_responses, int stage2_responses);

}  // namespace trialsim
