#pragma once
// Sequential monitoring of a binary outcome (response for efficacy, a dose-limiting or other
// adverse event for safety) in a single-arm trial of at most N patients. Counts are patients;
// rates and probabilities are proportions in [0, 1].
//
// Bayesian beta-binomial model: p ~ Beta(a, b); after x events in n patients the posterior is
// Beta(a + x, b + n - x) and
//   P(p > t | x, n) = 1 - I_t(a + x, b + n - x)              (I the regularised incomplete beta).
// Predictive probability of final success (Lee & Liu 2008, Clinical Trials 5:93-106): the final
// analysis after N patients succeeds when P(p > p0 | all data) > theta_T. With m = N - n patients
// to come, Y ~ BetaBinomial(m, a + x, b + n - x) future events, f the beta-binomial pmf,
//   PP(x, n) = sum_{y=0}^{m} f(y; m, a + x, b + n - x) * 1{1 - I_{p0}(a + x + y, b + N - x - y) >
//   theta_T}, f(y; m, alpha, beta) = C(m, y) B(y + alpha, m - y + beta) / B(alpha, beta).
//
// Every rule is precomputed into a table of count thresholds per look (both probabilities above
// increase with x), so a simulation only compares its running count with the table. Looks are at
// cumulative patient counts; the trial enrols at most max_patients.
//
// Exact operating characteristics at a constant true rate p by dynamic programming over the
// distribution of the running count among trials not yet stopped: one patient at a time,
//   P_k(x) = (1 - p) P_{k-1}(x) + p P_{k-1}(x - 1),
// and at a look the mass in the stopping region is absorbed (recorded as "stopped at this look")
// and removed. E[N] = sum_looks n_look P(stop at look) + max_patients P(never stopped).
#include <cstddef>
#include <vector>

namespace trialsim {

struct BetaPrior {
  double a = 1.0;  // shape 1 (> 0), the prior's "events"
  double b = 1.0;  // shape 2 (> 0), the prior's "non-events"
};

// P(p > threshold | x events in n patients) = 1 - I_threshold(a + x, b + n - x), through
// ibetac (no cancellation). Requires a, b > 0, 0 <= x <= n, 0 <= threshold <= 1.
double posterior_probability_above(const BetaPrior& prior, int events, int patients,
                                   double threshold);

// f(y; m, alpha, beta) above, in log space. Requires 0 <= y <= m, alpha, beta > 0.
double beta_binomial_pmf(int y, int m, double alpha, double beta);

// PP(x, n) above (Lee & Liu 2008). Requires 0 <= x <= n <= max_patients, 0 <= p0 <= 1,
// 0 <= theta_t < 1. At n = max_patients it is 1 or 0: the final decision itself.
double predictive_probability_of_success(const BetaPrior& prior, int events, int patients,
                                         int max_patients, double p0, double theta_t);

// Looks at first, first + every, ... (<= max_patients). Requires 1 <= first, 1 <= every.
std::vector<int> look_schedule(int first, int every, int max_patients);

// ---- One-sided stopping (safety) -------------------------------------------------------------

// Stop at look k when the running event count reaches min_events_to_stop[k];
// min_events_to_stop[k] = look_sizes[k] + 1 means the look can never stop the trial.
struct StoppingBoundary {
  std::vector<int> look_sizes;          // cumulative patients at each look, increasing
  std::vector<int> min_events_to_stop;  // one per look
  int max_patients = 0;                 // enrolment if the trial never stops
};

// Bayesian safety rule: stop when P(toxicity rate > threshold | data) > cutoff, checked after
// every `every` patients (looks every, 2 every, ..., <= n_max). Requires a, b > 0,
// 0 < threshold < 1, 0 < cutoff < 1, n_max >= 1, every >= 1.
StoppingBoundary bayesian_toxicity_boundary(double a, double b, double threshold, double cutoff,
                                            int n_max, int every);

// The boundary with a constant nominal level c at every look: b_n = smallest b with
// P(X_n >= b | p) <= c, X_n ~ Binomial(n, p) (n + 1 when even b = n exceeds c).
StoppingBoundary nominal_level_boundary(double p, double nominal_level, int n_max, int every);

// Pocock-type toxicity boundary (Ivanova, Qaqish & Schell 2005, Biometrics 61:540-545): the
// constant-nominal-level boundary above at p = p_acceptable (the highest acceptable toxicity
// rate), with the largest nominal level alpha* whose overall crossing probability
// P(cross at any look | p_acceptable) is <= alpha. The crossing probability is a step function of
// the nominal level that changes only at the attainable tails P(X_n >= b | p), so alpha* is the
// largest such tail value that keeps it <= alpha (found by bisection over the sorted tails).
struct PocockToxicityDesign {
  StoppingBoundary boundary;
  double nominal_level = 0.0;         // alpha*
  double crossing_probability = 0.0;  // exact overall P(stop | p_acceptable) <= alpha
  // The next attainable nominal level above alpha* and its crossing probability (> alpha):
  // the witness that alpha* is the largest admissible level. 1 / 1 if there is none.
  double next_nominal_level = 1.0;
  double next_crossing_probability = 1.0;
};
// Requires 0 < p_acceptable < 1, 0 < alpha < 1, n_max >= 1, every >= 1.
PocockToxicityDesign pocock_toxicity_design(double p_acceptable, double alpha, int n_max,
                                            int every);
StoppingBoundary pocock_toxicity_boundary(double p_acceptable, double alpha, int n_max, int every);

struct StoppingCharacteristics {
  double stop_probability = 0.0;     // P(the trial stops at some look)
  double expected_patients = 0.0;    // E[N]
  std::vector<double> stop_by_look;  // P(stop at look k), one per look; sums to stop_probability
};

// Exact, by the dynamic programme above. Requires 0 <= p <= 1 and a well-formed boundary.
StoppingCharacteristics exact_stopping(const StoppingBoundary& boundary, double p);

// True when `events` at look k (0-based) stop the trial: the simulation's lookup.
inline bool stops_at_look(const StoppingBoundary& boundary, int look, int events) {
  return events >= boundary.min_events_to_stop[static_cast<std::size_t>(look)];
}

// ---- Two-sided stopping (efficacy and futility) ----------------------------------------------

// Interim looks at look_schedule(first_look, every, max_patients - 1), then the final analysis
// at max_patients. At an interim look with x events in n patients:
//   efficacy stop when P(p > p0 | x, n) > efficacy_cutoff (set >= 1 to disable),
//   futility stop when PP(x, n) < futility_cutoff (set <= 0 to disable);
// efficacy is checked first. Final analysis: success when P(p > p0 | x, N) > theta_t.
struct PredictiveMonitoringRule {
  BetaPrior prior;
  int max_patients = 0;  // N
  double p0 = 0.0;       // response rate the treatment must beat
  double theta_t = 0.0;  // final success threshold on the posterior
  double efficacy_cutoff = 1.0;
  double futility_cutoff = 0.0;
  int first_look = 1;
  int every = 1;
};

// Per look: stop for efficacy when x >= min_events_for_efficacy (n + 1: never), for futility
// when x <= max_events_for_futility (-1: never). The last look is the final analysis, where
// the two regions cover every count (success or not).
struct EfficacyFutilityBoundary {
  std::vector<int> look_sizes;
  std::vector<int> min_events_for_efficacy;
  std::vector<int> max_events_for_futility;
};

EfficacyFutilityBoundary predictive_monitoring_boundary(const PredictiveMonitoringRule& rule);

struct EfficacyFutilityCharacteristics {
  double success_probability = 0.0;  // efficacy at an interim look or success at the end
  double early_efficacy_probability = 0.0;
  double early_futility_probability = 0.0;
  double expected_patients = 0.0;
  std::vector<double> efficacy_by_look;  // last entry: final success
  std::vector<double> futility_by_look;  // last entry: final failure
};

EfficacyFutilityCharacteristics exact_efficacy_futility(const EfficacyFutilityBoundary& boundary,
                                                        double p);

}  // namespace trialsim
