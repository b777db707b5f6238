#include "statistics/sequential_monitoring.h"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/argument_checks.h"

namespace trialsim {
namespace {

using checks::check_open_unit;
using checks::check_positive;
using checks::check_probability;
using checks::throw_invalid;

void check_at_least(const char* function, const char* argument, int value, int low) {
  if (value < low) throw_invalid(function, argument, value, ">= " + std::to_string(low));
}
void check_counts(const char* function, int events, int patients) {
  check_at_least(function, "patients", patients, 0);
  if (events < 0 || events > patients) {
    throw_invalid(function, "events", events,
                  "in [0, patients] = [0, " + std::to_string(patients) + "]");
  }
}

std::size_t at(int i) { return static_cast<std::size_t>(i); }

double posterior_above_unchecked(const BetaPrior& prior, int x, int n, double t) {
  if (t <= 0.0) return 1.0;
  if (t >= 1.0) return 0.0;
  return boost::math::ibetac(prior.a + x, prior.b + (n - x), t);
}

// Smallest x in 0..n with P(p > t | x, n) > cutoff (n + 1 if none); the probability increases
// with x. A cutoff >= 1 can never be exceeded.
int min_events_posterior_above(const BetaPrior& prior, int n, double t, double cutoff) {
  if (cutoff >= 1.0) return n + 1;
  int x = 0;
  while (x <= n && !(posterior_above_unchecked(prior, x, n, t) > cutoff)) ++x;
  return x;
}

// PP given the smallest final count that succeeds: P(Y >= s_final - x), Y ~ BetaBinomial.
double predictive_unchecked(const BetaPrior& prior, int x, int n, int max_n, int s_final) {
  const int m = max_n - n;
  double pp = 0.0;
  for (int y = std::max(0, s_final - x); y <= m; ++y) {
    pp += beta_binomial_pmf(y, m, prior.a + x, prior.b + (n - x));
  }
  return std::min(pp, 1.0);
}

// P(X_n >= b | p) for b = 0..n+1 at every n = 0..n_max: pmf rows by the recurrence
// b(x; n) = p b(x-1; n-1) + (1-p) b(x; n-1) (non-negative terms, full relative precision),
// upper tails summed from the top.
std::vector<std::vector<double>> binomial_upper_tails(int n_max, double p) {
  std::vector<std::vector<double>> tails(at(n_max) + 1);
  std::vector<double> pmf{1.0};
  for (int n = 0; n <= n_max; ++n) {
    if (n > 0) {
      std::vector<double> next(at(n) + 1, 0.0);
      for (int x = 0; x <= n; ++x) {
        next[at(x)] = (x >= 1 ? p * pmf[at(x - 1)] : 0.0) + (x < n ? (1.0 - p) * pmf[at(x)] : 0.0);
      }
      pmf.swap(next);
    }
    auto& tail = tails[at(n)];
    tail.assign(at(n) + 2, 0.0);
    for (int b = n; b >= 0; --b) tail[at(b)] = tail[at(b) + 1] + pmf[at(b)];
  }
  return tails;
}

StoppingBoundary boundary_from_tails(const std::vector<std::vector<double>>& tails, double level,
                                     int n_max, int every) {
  StoppingBoundary boundary;
  boundary.look_sizes = look_schedule(every, every, n_max);
  boundary.max_patients = n_max;
  for (int n : boundary.look_sizes) {
    int b = 1;  // b = 0 (tail 1) would stop every trial: the level is < 1
    while (b <= n && tails[at(n)][at(b)] > level) ++b;
    boundary.min_events_to_stop.push_back(b);
  }
  return boundary;
}

void check_boundary(const char* function, const std::vector<int>& looks, int max_patients) {
  int previous = 0;
  for (int n : looks) {
    if (n <= previous || n > max_patients) {
      throw_invalid(function, "look size", n,
                    "increasing and in [1, max_patients = " + std::to_string(max_patients) + "]");
    }
    previous = n;
  }
}

// Adds patients one at a time: P_k(x) = (1 - p) P_{k-1}(x) + p P_{k-1}(x - 1).
void advance(std::vector<double>& count_distribution, int from, int to, double p) {
  for (int k = from + 1; k <= to; ++k) {
    for (int x = k; x >= 1; --x) {
      count_distribution[at(x)] =
          (1.0 - p) * count_distribution[at(x)] + p * count_distribution[at(x - 1)];
    }
    count_distribution[0] *= (1.0 - p);
  }
}

// Removes and returns the mass at counts low..high (clamped to 0..n).
double absorb(std::vector<double>& count_distribution, int low, int high, int n) {
  double mass = 0.0;
  for (int x = std::max(low, 0); x <= std::min(high, n); ++x) {
    mass += count_distribution[at(x)];
    count_distribution[at(x)] = 0.0;
  }
  return mass;
}

}  // namespace

double posterior_probability_above(const BetaPrior& prior, int events, int patients,
                                   double threshold) {
  constexpr const char* function = "posterior_probability_above";
  check_positive(function, "prior.a", prior.a);
  check_positive(function, "prior.b", prior.b);
  check_counts(function, events, patients);
  check_probability(function, "threshold", threshold);
  return posterior_above_unchecked(prior, events, patients, threshold);
}

double beta_binomial_pmf(int y, int m, double alpha, double beta) {
  check_counts("beta_binomial_pmf", y, m);
  check_positive("beta_binomial_pmf", "alpha", alpha);
  check_positive("beta_binomial_pmf", "beta", beta);
  using boost::math::lgamma;
  // log C(m, y) + log B(y + alpha, m - y + beta) - log B(alpha, beta)
  const double log_choose = lgamma(m + 1.0) - lgamma(y + 1.0) - lgamma(m - y + 1.0);
  const double log_beta_ratio = lgamma(y + alpha) + lgamma(m - y + beta) -
                                lgamma(m + alpha + beta) -
                                (lgamma(alpha) + lgamma(beta) - lgamma(alpha + beta));
  return std::exp(log_choose + log_beta_ratio);
}

double predictive_probability_of_success(const BetaPrior& prior, int events, int patients,
                                         int max_patients, double p0, double theta_t) {
  constexpr const char* function = "predictive_probability_of_success";
  check_positive(function, "prior.a", prior.a);
  check_positive(function, "prior.b", prior.b);
  check_counts(function, events, patients);
  if (max_patients < patients) {
    throw_invalid(function, "max_patients", max_patients,
                  ">= patients = " + std::to_string(patients));
  }
  check_probability(function, "p0", p0);
  if (!(theta_t >= 0.0 && theta_t < 1.0)) throw_invalid(function, "theta_t", theta_t, "in [0, 1)");
  const int s_final = min_events_posterior_above(prior, max_patients, p0, theta_t);
  return predictive_unchecked(prior, events, patients, max_patients, s_final);
}

std::vector<int> look_schedule(int first, int every, int max_patients) {
  check_at_least("look_schedule", "first", first, 1);
  check_at_least("look_schedule", "every", every, 1);
  std::vector<int> looks;
  for (int n = first; n <= max_patients; n += every) looks.push_back(n);
  return looks;
}

// ---- One-sided stopping ----------------------------------------------------------------------

StoppingBoundary bayesian_toxicity_boundary(double a, double b, double threshold, double cutoff,
                                            int n_max, int every) {
  constexpr const char* function = "bayesian_toxicity_boundary";
  check_positive(function, "a", a);
  check_positive(function, "b", b);
  check_open_unit(function, "threshold", threshold);
  check_open_unit(function, "cutoff", cutoff);
  check_at_least(function, "n_max", n_max, 1);
  check_at_least(function, "every", every, 1);
  StoppingBoundary boundary;
  boundary.look_sizes = look_schedule(every, every, n_max);
  boundary.max_patients = n_max;
  for (int n : boundary.look_sizes) {
    boundary.min_events_to_stop.push_back(
        min_events_posterior_above(BetaPrior{a, b}, n, threshold, cutoff));
  }
  return boundary;
}

StoppingBoundary nominal_level_boundary(double p, double nominal_level, int n_max, int every) {
  constexpr const char* function = "nominal_level_boundary";
  check_open_unit(function, "p", p);
  check_probability(function, "nominal_level", nominal_level);
  check_at_least(function, "n_max", n_max, 1);
  check_at_least(function, "every", every, 1);
  return boundary_from_tails(binomial_upper_tails(n_max, p), nominal_level, n_max, every);
}

PocockToxicityDesign pocock_toxicity_design(double p_acceptable, double alpha, int n_max,
                                            int every) {
  constexpr const char* function = "pocock_toxicity_design";
  check_open_unit(function, "p_acceptable", p_acceptable);
  check_open_unit(function, "alpha", alpha);
  check_at_least(function, "n_max", n_max, 1);
  check_at_least(function, "every", every, 1);
  const auto tails = binomial_upper_tails(n_max, p_acceptable);
  // Candidate nominal levels: the attainable tails P(X_n >= b), b >= 1, at the looks.
  std::vector<double> levels;
  for (int n : look_schedule(every, every, n_max)) {
    for (int b = 1; b <= n; ++b) levels.push_back(tails[at(n)][at(b)]);
  }
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  const auto crossing = [&](double level) {
    return exact_stopping(boundary_from_tails(tails, level, n_max, every), p_acceptable)
        .stop_probability;
  };
  // Invariant: crossing(levels[low]) <= alpha (low = -1: level 0, never stops),
  // crossing(levels[high]) > alpha (high = size: level 1, always stops at the first look).
  std::ptrdiff_t low = -1;
  auto high = static_cast<std::ptrdiff_t>(levels.size());
  while (high - low > 1) {
    const std::ptrdiff_t mid = low + (high - low) / 2;
    if (crossing(levels[static_cast<std::size_t>(mid)]) <= alpha) {
      low = mid;
    } else {
      high = mid;
    }
  }
  PocockToxicityDesign design;
  design.nominal_level = low < 0 ? 0.0 : levels[static_cast<std::size_t>(low)];
  design.boundary = boundary_from_tails(tails, design.nominal_level, n_max, every);
  design.crossing_probability = exact_stopping(design.boundary, p_acceptable).stop_probability;
  if (high < static_cast<std::ptrdiff_t>(levels.size())) {
    design.next_nominal_level = levels[static_cast<std::size_t>(high)];
    design.next_crossing_probability = crossing(design.next_nominal_level);
  }
  return design;
}

StoppingBoundary pocock_toxicity_boundary(double p_acceptable, double alpha, int n_max, int every) {
  return pocock_toxicity_design(p_acceptable, alpha, n_max, every).boundary;
}

StoppingCharacteristics exact_stopping(const StoppingBoundary& boundary, double p) {
  constexpr const char* function = "exact_stopping";
  check_probability(function, "p", p);
  check_boundary(function, boundary.look_sizes, boundary.max_patients);
  if (boundary.min_events_to_stop.size() != boundary.look_sizes.size()) {
    throw_invalid(function, "min_events_to_stop.size()", boundary.min_events_to_stop.size(),
                  "look_sizes.size() = " + std::to_string(boundary.look_sizes.size()));
  }
  StoppingCharacteristics result;
  std::vector<double> counts(at(boundary.max_patients) + 1, 0.0);
  counts[0] = 1.0;
  int enrolled = 0;
  for (std::size_t k = 0; k < boundary.look_sizes.size(); ++k) {
    const int n = boundary.look_sizes[k];
    advance(counts, enrolled, n, p);
    enrolled = n;
    const double stopped = absorb(counts, boundary.min_events_to_stop[k], n, n);
    result.stop_by_look.push_back(stopped);
    result.stop_probability += stopped;
    result.expected_patients += n * stopped;
  }
  double continuing = 0.0;  // summed directly rather than 1 - stop_probability
  for (double mass : counts) continuing += mass;
  result.expected_patients += boundary.max_patients * continuing;
  return result;
}

// ---- Two-sided stopping ----------------------------------------------------------------------

EfficacyFutilityBoundary predictive_monitoring_boundary(const PredictiveMonitoringRule& rule) {
  constexpr const char* function = "predictive_monitoring_boundary";
  check_positive(function, "prior.a", rule.prior.a);
  check_positive(function, "prior.b", rule.prior.b);
  check_at_least(function, "max_patients", rule.max_patients, 1);
  check_probability(function, "p0", rule.p0);
  if (!(rule.theta_t >= 0.0 && rule.theta_t < 1.0)) {
    throw_invalid(function, "theta_t", rule.theta_t, "in [0, 1)");
  }
  EfficacyFutilityBoundary boundary;
  boundary.look_sizes = look_schedule(rule.first_look, rule.every, rule.max_patients - 1);
  const int s_final =
      min_events_posterior_above(rule.prior, rule.max_patients, rule.p0, rule.theta_t);
  for (int n : boundary.look_sizes) {
    const int efficacy = min_events_posterior_above(rule.prior, n, rule.p0, rule.efficacy_cutoff);
    int futility = -1;  // PP increases with x: the largest x with PP < cutoff
    while (futility + 1 <= n && predictive_unchecked(rule.prior, futility + 1, n, rule.max_patients,
                                                     s_final) < rule.futility_cutoff) {
      ++futility;
    }
    boundary.min_events_for_efficacy.push_back(efficacy);
    boundary.max_events_for_futility.push_back(std::min(futility, efficacy - 1));
  }
  boundary.look_sizes.push_back(rule.max_patients);  // the final analysis
  boundary.min_events_for_efficacy.push_back(s_final);
  boundary.max_events_for_futility.push_back(s_final - 1);
  return boundary;
}

EfficacyFutilityCharacteristics exact_efficacy_futility(const EfficacyFutilityBoundary& boundary,
                                                        double p) {
  constexpr const char* function = "exact_efficacy_futility";
  check_probability(function, "p", p);
  if (boundary.look_sizes.empty()) throw_invalid(function, "look_sizes.size()", 0, ">= 1");
  const int max_patients = boundary.look_sizes.back();
  check_boundary(function, boundary.look_sizes, max_patients);
  if (boundary.min_events_for_efficacy.size() != boundary.look_sizes.size() ||
      boundary.max_events_for_futility.size() != boundary.look_sizes.size()) {
    throw_invalid(function, "boundary sizes", boundary.min_events_for_efficacy.size(),
                  "one entry per look");
  }
  EfficacyFutilityCharacteristics result;
  std::vector<double> counts(at(max_patients) + 1, 0.0);
  counts[0] = 1.0;
  int enrolled = 0;
  const std::size_t last = boundary.look_sizes.size() - 1;
  for (std::size_t k = 0; k <= last; ++k) {
    const int n = boundary.look_sizes[k];
    advance(counts, enrolled, n, p);
    enrolled = n;
    const double efficacy = absorb(counts, boundary.min_events_for_efficacy[k], n, n);
    const double futility = absorb(counts, 0, boundary.max_events_for_futility[k], n);
    result.efficacy_by_look.push_back(efficacy);
    result.futility_by_look.push_back(futility);
    result.success_probability += efficacy;
    if (k < last) {
      result.early_efficacy_probability += efficacy;
      result.early_futility_probability += futility;
    }
    result.expected_patients += n * (efficacy + futility);
  }
  double undecided = 0.0;  // zero for a boundary built by predictive_monitoring_boundary
  for (double mass : counts) undecided += mass;
  result.expected_patients += max_patients * undecided;
  return result;
}

}  // namespace trialsim
