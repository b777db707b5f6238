#pragma once
// Group-sequential boundaries for a one-sided test on the z scale (benefit positive: for a
// log-rank test the caller passes -z of the log-rank statistic), analysed at information
// fractions 0 < t_1 < ... < t_K = 1 (no units: information at look k over the maximum).
//
// Canonical joint distribution (Jennison & Turnbull 2000, ch. 3): Z_k = S_k / sqrt(t_k), S a
// Brownian motion in information time with drift theta, so E[Z_k] = theta sqrt(t_k) and
// Cov(Z_i, Z_j) = sqrt(t_i / t_j) for i <= j. `drift` = theta = E[Z_K], the expected z at full
// information (rpact's getDesignCharacteristics()$shift is theta^2).
//
// * Alpha spending (Lan & DeMets 1983, Biometrika 70:659-663), cumulative alpha(t):
//     O'Brien-Fleming type   alpha(t) = 2 (1 - Phi(z_{1-alpha/2} / sqrt(t)))
//                            (rpact "asOF" with sided = 1: alpha/2 inside, as here)
//     Pocock type            alpha(t) = alpha log(1 + (e - 1) t)
//     Hwang-Shih-DeCani      alpha(t) = alpha (1 - e^{-gamma t}) / (1 - e^{-gamma}),
//                            gamma = 0: alpha t (Hwang, Shih & DeCani 1990, Stat Med 9:1439)
// * Efficacy boundaries c_k solve, under theta = 0,
//     P(Z_1 < c_1, ..., Z_{k-1} < c_{k-1}, Z_k >= c_k) = alpha(t_k) - alpha(t_{k-1}),
//   by the recursive numerical integration of Armitage, McPherson & Rowe (1969), JRSS A
//   132:235-244, on the grid of Jennison & Turnbull (2000, sec. 19.2) with Simpson weights, and
//   TOMS 748 root finding on c_k. With the grid used (r = 32) boundaries are within 1e-7
//   and probabilities within 3e-8 of the converged values; one call costs about 1 ms per look.
// * Futility boundaries f_k (reject nothing, stop for lack of benefit when Z_k < f_k) are given
//   by the user and are NON-BINDING: the efficacy boundaries never depend on them, so the type I
//   error is alpha whether or not the futility rule is followed.
//
// Invalid arguments throw std::invalid_argument naming the function, the argument, its value and
// what was expected.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace trialsim {

enum class SpendingFunction { obrien_fleming, pocock, hwang_shih_decani };

constexpr std::string_view to_string(SpendingFunction f) noexcept {
  switch (f) {
    case SpendingFunction::obrien_fleming:
      return "obrien_fleming";
    case SpendingFunction::pocock:
      return "pocock";
    case SpendingFunction::hwang_shih_decani:
      return "hwang_shih_decani";
  }
  return "unknown";
}

struct GroupSequentialDesign {
  std::vector<double> information_fractions;  // t_1 < ... < t_K = 1
  // c_1..c_K on the z scale; +infinity at a look where no alpha is spent.
  std::vector<double> efficacy;
  // f_1..f_K on the z scale: stop for futility when Z_k < f_k. -infinity = no futility stop at
  // that look. The last entry is always c_K (at the final look, not rejecting is the futility
  // outcome). Non-binding: efficacy does not depend on it.
  std::vector<double> futility;
  double alpha = 0.025;  // one-sided
};

// Cumulative alpha(t) of one spending function. Requires 0 <= t <= 1, 0 < alpha < 0.5, gamma
// finite (used by hwang_shih_decani only).
double alpha_spending(double t, double alpha, SpendingFunction f, double gamma = 0.0);

// alpha(t_k) for every fraction (cumulative, not increments). Checks the fractions like
// lan_demets_boundaries.
std::vector<double> spent_alpha(std::span<const double> fractions, double alpha, SpendingFunction f,
                                double gamma = 0.0);

// Efficacy boundaries by Lan-DeMets alpha spending; futility = {-inf, ..., -inf, c_K}.
// Requires fractions strictly increasing in (0, 1] with the last equal to 1, 0 < alpha < 0.5.
GroupSequentialDesign lan_demets_boundaries(std::span<const double> fractions, double alpha,
                                            SpendingFunction f, double gamma = 0.0);

// The design with non-binding futility boundaries at the K - 1 interim looks (z scale,
// -infinity = none). Requires interim_futility.size() == K - 1 and f_k < c_k. The efficacy
// boundaries are unchanged.
GroupSequentialDesign with_futility(GroupSequentialDesign design,
                                    std::span<const double> interim_futility);

struct CrossingProbabilities {
  std::vector<double> efficacy;    // per look: P(stop at look k rejecting H0)
  std::vector<double> futility;    // per look: P(stop at look k for futility); see below
  double power = 0.0;              // sum of efficacy
  double expected_fraction = 0.0;  // E[t at stop]
};

namespace detail {
// The sub-density of Z_k on the continuation region of looks 1..k under drift theta, carried look
// by look by the recursive integration of Armitage, McPherson & Rowe (1969) on the grid of
// Jennison & Turnbull (2000, sec. 19.2): mass_i = w_i h_k(z_i). Before the first look there is
// no grid and Z_1 ~ N(theta sqrt(I_1), 1). I is the information (any scale: only ratios
// matter under theta = 0). Held by value so that a per-trial user reuses its buffers.
class ContinuationDensity {
 public:
  explicit ContinuationDensity(double theta = 0.0, int grid_r = 32)
      : theta_(theta), grid_r_(grid_r) {}
  void reset(double theta);
  // P(continuation so far, Z at the look with information I >= c), resp. < f.
  double exit_above(double information, double c) const;
  double exit_below(double information, double f) const;
  // Moves to the look with information I, continuing when lower < Z < upper.
  void advance(double information, double lower, double upper);

 private:
  double exit_mass(double information, double bound, double (*tail)(double)) const;
  double theta_;
  int grid_r_;
  bool started_ = false;
  double information_ = 0.0;
  std::vector<double> z_, mass_, next_z_, next_weight_, next_mass_, base_, odd_;
};
}  // namespace detail

// Lan-DeMets boundaries computed look by look as a trial runs, on the information it observes
// (Lan & DeMets 1983; Kim, Boucher & Tsiatis 1995, Biometrics 51:988): for a statistic whose
// looks have the canonical joint distribution with Cov(Z_i, Z_j) = sqrt(I_i / I_j) (i <= j) in
// the observed information I (the log-rank variance or events, a weighted log-rank variance),
// the boundary of look k spends alpha(s_k) - alpha(spent so far) at a spending time s_k that the
// caller chooses before looking at the data (e.g. the event fraction of the planned final event
// count; 1 at the final look spends what is left). The type I error is alpha whatever the
// information turns out to be, because every boundary is solved under the correlation actually
// observed. With I_k = s_k the boundaries are lan_demets_boundaries' bit for bit (the same
// recursion). Not thread-safe; one per trial (reset() between trials reuses its buffers).
// Grid of the per-cohort boundaries: r = 8 puts them within 2e-5 of the converged values (against
// 1e-7 at r = 32; tests/test_group_sequential.cpp), far inside any Monte Carlo error, at 1/16 of
// the cost of a look after the second (the recursion is quadratic in the grid).
inline constexpr int OBSERVED_INFORMATION_GRID_R = 8;

class ObservedInformationBoundaries {
 public:
  // grid_r: the grid size parameter r of the recursion (boundary error O(r^-4)): 32 (the
  // planned boundaries' grid) gives them bit for bit; OBSERVED_INFORMATION_GRID_R is the
  // per-cohort default, 16 times cheaper at a later look.
  ObservedInformationBoundaries(double alpha, SpendingFunction f, double gamma = 0.0,
                                int grid_r = OBSERVED_INFORMATION_GRID_R);
  void reset();
  // The efficacy boundary (benefit z scale) of the next look at spending time s (clamped to
  // [previous s, 1]) with information I. A look that adds no information (I not above the
  // previous look's, or not finite and > 0) or no spending returns +infinity and leaves the
  // state unchanged: its alpha is carried to the next look. Otherwise the trial is assumed to
  // continue past this look when Z < the returned boundary (futility is non-binding).
  double next(double spending_time, double information);
  std::size_t looks_made() const noexcept { return looks_; }

 private:
  double alpha_, gamma_;
  SpendingFunction f_;
  double spent_ = 0.0, time_ = 0.0, information_ = 0.0, boundary_ = 0.0;
  std::size_t looks_ = 0;
  detail::ContinuationDensity density_;
};

// Exact (numerically integrated) crossing probabilities under E[Z_k] = drift sqrt(t_k).
// futility_binding = true: the trial stops when Z_k < f_k, so efficacy + futility sums to 1 and
//   the power and expected fraction are those of a trial that follows the futility rule
//   (rpact's getPowerAndAverageSampleNumber / getDesignCharacteristics).
// futility_binding = false (default): the futility rule is ignored for stopping, so efficacy,
//   power and expected_fraction are those of the efficacy-only design (power = alpha at
//   drift = 0); futility is still the binding vector, for information: how often the rule would
//   stop the trial at each look if it were followed. futility[K-1] is the probability of
//   reaching the final look (following the rule) and not rejecting.
// Requires a valid design (as made by lan_demets_boundaries / with_futility), drift finite.
CrossingProbabilities crossing_probabilities(const GroupSequentialDesign& design, double drift,
                                             bool futility_binding = false);

}  // namespace trialsim
