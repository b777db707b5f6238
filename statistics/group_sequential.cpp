#include "statistics/group_sequential.h"

#include <algorithm>
#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/argument_checks.h"

namespace trialsim {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();
// Grid size parameter r of Jennison & Turnbull (2000, sec. 19.2.1): 6r - 1 base points, at most
// 12r - 3 Simpson nodes per look. The error is O(r^-4): with r = 32 boundaries are within 1e-7
// of the r -> infinity limit (7e-8 at worst for O'Brien-Fleming with K = 4, against r = 256),
// at about 1 ms per look; r = 64 would gain a factor 16 in accuracy for 4 times the cost.
constexpr int GRID_R = 32;

// ---- Argument checks (Stan style: function, argument, value, expectation) ---------------------

using checks::throw_invalid;

std::string element(const char* name, std::size_t k) {
  return std::string(name) + "[" + std::to_string(k) + "]";
}

void check_alpha(const char* function, double alpha) {
  if (!(alpha > 0.0 && alpha < 0.5)) throw_invalid(function, "alpha", alpha, "in (0, 0.5)");
}

void check_gamma(const char* function, double gamma) {
  if (!std::isfinite(gamma)) throw_invalid(function, "gamma", gamma, "finite");
}

void check_fractions(const char* function, std::span<const double> t, const char* name) {
  if (t.empty()) throw_invalid(function, std::string(name) + ".size()", 0, ">= 1");
  for (std::size_t k = 0; k < t.size(); ++k) {
    const double lower = k == 0 ? 0.0 : t[k - 1];
    if (!(t[k] > lower && t[k] <= 1.0)) {
      throw_invalid(function, element(name, k), t[k],
                    k == 0 ? std::string("in (0, 1]")
                           : "in (" + std::to_string(lower) + ", 1] (strictly increasing)");
    }
  }
  if (t.back() != 1.0) {
    throw_invalid(function, element(name, t.size() - 1), t.back(), "1 (the final look)");
  }
}

void check_design(const char* function, const GroupSequentialDesign& d) {
  check_fractions(function, d.information_fractions, "design.information_fractions");
  const std::size_t K = d.information_fractions.size();
  if (d.efficacy.size() != K) {
    throw_invalid(function, "design.efficacy.size()", d.efficacy.size(),
                  "K = " + std::to_string(K) + " (one per look)");
  }
  if (d.futility.size() != K) {
    throw_invalid(function, "design.futility.size()", d.futility.size(),
                  "K = " + std::to_string(K) + " (one per look)");
  }
  for (std::size_t k = 0; k < K; ++k) {
    const double c = d.efficacy[k];
    if (std::isnan(c) || c == -INF) {
      throw_invalid(function, element("design.efficacy", k), c, "finite or +infinity");
    }
    const double f = d.futility[k];
    if (k + 1 == K) {
      if (f != c) {
        throw_invalid(function, element("design.futility", k), f,
                      "design.efficacy[K - 1] = " + std::to_string(c) + " at the final look");
      }
    } else if (!(f == -INF || (std::isfinite(f) && f < c))) {
      throw_invalid(function, element("design.futility", k), f,
                    "-infinity or finite and < design.efficacy[" + std::to_string(k) +
                        "] = " + std::to_string(c));
    }
  }
}

// ---- Normal distribution, full precision in both tails ----------------------------------------

double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) * boost::math::constants::one_div_root_two_pi<double>();
}
double normal_cdf(double x) {  // Phi(x)
  return 0.5 * std::erfc(-x * boost::math::constants::one_div_root_two<double>());
}
double normal_upper(double x) {  // 1 - Phi(x)
  return 0.5 * std::erfc(x * boost::math::constants::one_div_root_two<double>());
}

// ---- Recursive integration (Armitage, McPherson & Rowe 1969; Jennison & Turnbull ch. 19) -----

// Simpson nodes and weights on the continuation interval (lower, upper) of one look, from the
// base grid of J&T sec. 19.2.1 centred on the look's mean: dense (spacing 3/(2r)) within 3 SD,
// logarithmically sparser out to 3 + 4 log(r) SD. Empty when (lower, upper) misses the grid.
// Writes into the caller's buffers (base and odd are scratch), so a reused caller allocates
// nothing once they are large enough.
void make_grid(int r, double mean, double lower, double upper, std::vector<double>& base,
               std::vector<double>& odd, std::vector<double>& z, std::vector<double>& w) {
  base.clear();
  for (int i = 1; i <= 6 * r - 1; ++i) {
    if (i < r) {
      base.push_back(mean - 3.0 - 4.0 * std::log(static_cast<double>(r) / i));
    } else if (i <= 5 * r) {
      base.push_back(mean - 3.0 + 3.0 * (i - r) / (2.0 * r));
    } else {
      base.push_back(mean + 3.0 + 4.0 * std::log(static_cast<double>(r) / (6 * r - i)));
    }
  }
  const double lo = std::max(lower, base.front());
  const double hi = std::min(upper, base.back());
  z.clear();
  w.clear();
  if (!(lo < hi)) return;
  odd.assign(1, lo);
  for (double x : base) {
    if (x > lo && x < hi) odd.push_back(x);
  }
  odd.push_back(hi);
  const std::size_t m = odd.size();
  z.resize(2 * m - 1);
  w.assign(2 * m - 1, 0.0);
  for (std::size_t i = 0; i < m; ++i) z[2 * i] = odd[i];
  for (std::size_t i = 0; i + 1 < m; ++i) {
    const double d = odd[i + 1] - odd[i];
    z[2 * i + 1] = 0.5 * (odd[i] + odd[i + 1]);
    w[2 * i] += d / 6.0;
    w[2 * i + 1] += 4.0 * d / 6.0;
    w[2 * i + 2] += d / 6.0;
  }
}

using Recursion = detail::ContinuationDensity;

// c with P(continuation so far, Z >= c) = target under the recursion's drift.
double solve_boundary(const Recursion& rec, double t, double target) {
  constexpr double LOW = -12.0, HIGH = 40.0;
  auto excess = [&](double c) { return rec.exit_above(t, c) - target; };
  if (!(target > 0.0) || excess(HIGH) >= 0.0) return INF;
  if (excess(LOW) <= 0.0) {
    throw std::logic_error("solve_boundary: spending increment exceeds the continuation mass");
  }
  std::uintmax_t iterations = 200;
  const auto [a, b] = boost::math::tools::toms748_solve(
      excess, LOW, HIGH, boost::math::tools::eps_tolerance<double>(48), iterations);
  return 0.5 * (a + b);
}

}  // namespace

namespace detail {

void ContinuationDensity::reset(double theta) {
  theta_ = theta;
  started_ = false;
  information_ = 0.0;
  z_.clear();
  mass_.clear();
}

// P(continuation so far, tail(Z at information t, bound)): tail is normal_upper (Z >= bound)
// or normal_cdf (Z < bound), of the standardised distance from the bound.
double ContinuationDensity::exit_mass(double t, double bound, double (*tail)(double)) const {
  if (!started_) return tail(bound - theta_ * std::sqrt(t));
  const double delta = t - information_;
  const double sd = std::sqrt(delta);
  double sum = 0.0;
  for (std::size_t i = 0; i < z_.size(); ++i) {
    sum += mass_[i] *
           tail((bound * std::sqrt(t) - z_[i] * std::sqrt(information_) - theta_ * delta) / sd);
  }
  return sum;
}

double ContinuationDensity::exit_above(double t, double c) const {
  return c == INF ? 0.0 : exit_mass(t, c, normal_upper);
}

double ContinuationDensity::exit_below(double t, double f) const {
  return f == -INF ? 0.0 : exit_mass(t, f, normal_cdf);
}

void ContinuationDensity::advance(double t, double lower, double upper) {
  make_grid(grid_r_, theta_ * std::sqrt(t), lower, upper, base_, odd_, next_z_, next_weight_);
  next_mass_.assign(next_z_.size(), 0.0);
  if (!started_) {
    for (std::size_t j = 0; j < next_z_.size(); ++j) {
      next_mass_[j] = next_weight_[j] * normal_pdf(next_z_[j] - theta_ * std::sqrt(t));
    }
  } else {
    // Z_k sqrt(I_k) = Z_{k-1} sqrt(I_{k-1}) + N(theta delta, delta).
    const double delta = t - information_;
    const double sd = std::sqrt(delta);
    const double jacobian = std::sqrt(t) / sd;
    for (std::size_t j = 0; j < next_z_.size(); ++j) {
      double h = 0.0;
      for (std::size_t i = 0; i < z_.size(); ++i) {
        h += mass_[i] * normal_pdf((next_z_[j] * std::sqrt(t) - z_[i] * std::sqrt(information_) -
                                    theta_ * delta) /
                                   sd);
      }
      next_mass_[j] = next_weight_[j] * jacobian * h;
    }
  }
  z_.swap(next_z_);
  mass_.swap(next_mass_);
  information_ = t;
  started_ = true;
}

}  // namespace detail

ObservedInformationBoundaries::ObservedInformationBoundaries(double alpha, SpendingFunction f,
                                                             double gamma, int grid_r)
    : alpha_(alpha), gamma_(gamma), f_(f), density_(0.0, grid_r) {
  constexpr const char* FN = "ObservedInformationBoundaries";
  check_alpha(FN, alpha);
  check_gamma(FN, gamma);
  if (!(grid_r >= 4 && grid_r <= 256)) throw_invalid(FN, "grid_r", grid_r, "in [4, 256]");
}

void ObservedInformationBoundaries::reset() {
  spent_ = time_ = information_ = boundary_ = 0.0;
  looks_ = 0;
  density_.reset(0.0);
}

double ObservedInformationBoundaries::next(double spending_time, double information) {
  if (!(std::isfinite(information) && information > information_)) return INF;
  const double s = std::clamp(std::isnan(spending_time) ? time_ : spending_time, time_, 1.0);
  const double cumulative = alpha_spending(s, alpha_, f_, gamma_);
  if (!(cumulative > spent_)) return INF;
  // The previous look's continuation region enters only now, so the final look (the last call)
  // never pays for a move it does not need.
  if (looks_ > 0) density_.advance(information_, -INF, boundary_);
  boundary_ = solve_boundary(density_, information, cumulative - spent_);
  spent_ = cumulative;
  time_ = s;
  information_ = information;
  ++looks_;
  return boundary_;
}

double alpha_spending(double t, double alpha, SpendingFunction f, double gamma) {
  constexpr const char* FN = "alpha_spending";
  if (!(t >= 0.0 && t <= 1.0)) throw_invalid(FN, "t", t, "in [0, 1]");
  check_alpha(FN, alpha);
  check_gamma(FN, gamma);
  if (t == 0.0) return 0.0;
  if (t == 1.0) return alpha;  // exact for every function; the formulas round at t = 1
  switch (f) {
    case SpendingFunction::obrien_fleming: {
      // z_{1-alpha/2}, by the same erfc-based Phi: solve Phi(z) = 1 - alpha/2.
      const double z = std::sqrt(2.0) * boost::math::erfc_inv(alpha);
      return 2.0 * normal_upper(z / std::sqrt(t));
    }
    case SpendingFunction::pocock:
      return alpha * std::log1p((boost::math::constants::e<double>() - 1.0) * t);
    case SpendingFunction::hwang_shih_decani:
      if (gamma == 0.0) return alpha * t;
      return alpha * std::expm1(-gamma * t) / std::expm1(-gamma);
  }
  throw std::invalid_argument("alpha_spending: f is not a valid SpendingFunction");
}

std::vector<double> spent_alpha(std::span<const double> fractions, double alpha, SpendingFunction f,
                                double gamma) {
  constexpr const char* FN = "spent_alpha";
  check_fractions(FN, fractions, "fractions");
  check_alpha(FN, alpha);
  check_gamma(FN, gamma);
  std::vector<double> out;
  out.reserve(fractions.size());
  for (double t : fractions) out.push_back(alpha_spending(t, alpha, f, gamma));
  return out;
}

GroupSequentialDesign lan_demets_boundaries(std::span<const double> fractions, double alpha,
                                            SpendingFunction f, double gamma) {
  constexpr const char* FN = "lan_demets_boundaries";
  check_fractions(FN, fractions, "fractions");
  check_alpha(FN, alpha);
  check_gamma(FN, gamma);
  const std::vector<double> cumulative = spent_alpha(fractions, alpha, f, gamma);
  GroupSequentialDesign design;
  design.information_fractions.assign(fractions.begin(), fractions.end());
  design.alpha = alpha;
  Recursion h0(0.0, GRID_R);
  double previous = 0.0;
  for (std::size_t k = 0; k < fractions.size(); ++k) {
    const double c = solve_boundary(h0, fractions[k], cumulative[k] - previous);
    design.efficacy.push_back(c);
    previous = cumulative[k];
    if (k + 1 < fractions.size()) h0.advance(fractions[k], -INF, c);
  }
  design.futility.assign(fractions.size(), -INF);
  design.futility.back() = design.efficacy.back();
  return design;
}

GroupSequentialDesign with_futility(GroupSequentialDesign design,
                                    std::span<const double> interim_futility) {
  constexpr const char* FN = "with_futility";
  check_design(FN, design);
  const std::size_t K = design.information_fractions.size();
  if (interim_futility.size() + 1 != K) {
    throw_invalid(FN, "interim_futility.size()", interim_futility.size(),
                  "K - 1 = " + std::to_string(K - 1) + " (one per interim look)");
  }
  for (std::size_t k = 0; k + 1 < K; ++k) design.futility[k] = interim_futility[k];
  check_design(FN, design);
  return design;
}

CrossingProbabilities crossing_probabilities(const GroupSequentialDesign& design, double drift,
                                             bool futility_binding) {
  constexpr const char* FN = "crossing_probabilities";
  check_design(FN, design);
  if (!std::isfinite(drift)) throw_invalid(FN, "drift", drift, "finite");
  const auto& t = design.information_fractions;
  const std::size_t K = t.size();
  // `follow` stops at the futility boundary; `ignore` continues below it (efficacy-only trial).
  Recursion follow(drift, GRID_R), ignore(drift, GRID_R);
  CrossingProbabilities out;
  out.efficacy.assign(K, 0.0);
  out.futility.assign(K, 0.0);
  std::vector<double> ignored_efficacy(K, 0.0);
  double reach_follow = 1.0, reach_ignore = 1.0;  // P(reaching look k)
  double expected_follow = 0.0, expected_ignore = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    const double c = design.efficacy[k];
    out.efficacy[k] = follow.exit_above(t[k], c);
    ignored_efficacy[k] = ignore.exit_above(t[k], c);
    if (k + 1 == K) {
      out.futility[k] = std::max(0.0, reach_follow - out.efficacy[k]);
      expected_follow += t[k] * reach_follow;
      expected_ignore += t[k] * reach_ignore;
      break;
    }
    out.futility[k] = follow.exit_below(t[k], design.futility[k]);
    const double stop_follow = out.efficacy[k] + out.futility[k];
    expected_follow += t[k] * stop_follow;
    expected_ignore += t[k] * ignored_efficacy[k];
    reach_follow -= stop_follow;
    reach_ignore -= ignored_efficacy[k];
    follow.advance(t[k], design.futility[k], c);
    ignore.advance(t[k], -INF, c);
  }
  if (!futility_binding) out.efficacy = std::move(ignored_efficacy);
  for (double p : out.efficacy) out.power += p;
  out.expected_fraction = futility_binding ? expected_follow : expected_ignore;
  return out;
}

}  // namespace trialsim
