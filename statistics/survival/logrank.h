#pragma once
// Two-group log-rank test, optionally stratified, exactly as R's
//   survdiff(Surv(time, status) ~ arm [+ strata(stratum)], rho = 0).
// At each distinct event time within a stratum, with n at risk (n1 in arm 1) and d events:
//   E1 += d n1 / n,   V += d (n - d) / (n - 1) * (n1 / n) (1 - n1 / n)   (hypergeometric, ties)
// Stratified: O - E and V are summed over strata. chisq = (O1 - E1)^2 / V (1 df),
// p = pchisq(chisq, 1, lower.tail = FALSE).
// One-sided statistic: z = (O1 - E1) / sqrt(V). z < 0 when arm 1 has fewer events than
// expected under H0, i.e. benefit for arm 1 (experimental); the one-sided p-value for benefit
// is Phi(z). Times in months.
#include <limits>
#include <span>

#include "statistics/survival/survival_data.h"

namespace trialsim {

struct LogRankResult {
  double observed[2];  // events per arm
  double expected[2];  // expected events per arm under H0 (summed over strata)
  double variance;     // Var(O1 - E1)
  double z;            // (O1 - E1) / sqrt(variance); < 0 favours arm 1 (NaN if variance == 0)
  int n_strata;        // strata used (1 if unstratified)

  // Derived when asked for: the designs decide on z, and in a simulated cohort of 30 patients a
  // division and an erfc that nothing reads cost more than 5 %.
  // (O1 - E1)^2 / variance (NaN if variance == 0).
  double chisq() const {
    const double diff = observed[1] - expected[1];
    return variance > 0.0 ? diff * diff / variance : std::numeric_limits<double>::quiet_NaN();
  }
  // Two-sided, chi-square 1 df (NaN with chisq).
  double p_value() const { return chisq1_upper_tail(chisq()); }
};

// One distinct time with `events` deaths (`events_arm1` in arm 1) among `at_risk` subjects
// (`at_risk_arm1` in arm 1): observed, expected and the hypergeometric variance
// d (n - d) / (n^2 (n - 1)) * n1 (n - n1) (Mantel 1966; R survival::survdiff). Every log-rank
// walk in trialsim adds its times through this one function, in time order.
inline void add_logrank_time(LogRankResult& r, double events, double events_arm1, double at_risk,
                             double at_risk_arm1) noexcept {
  r.observed[1] += events_arm1;
  r.observed[0] += events - events_arm1;
  r.expected[1] += events * at_risk_arm1 / at_risk;
  r.expected[0] += events * (at_risk - at_risk_arm1) / at_risk;
  if (at_risk > 1.0) {
    const double tmp = events * (at_risk - events) / (at_risk * (at_risk - 1.0));
    r.variance += tmp * (at_risk_arm1 - at_risk_arm1 * at_risk_arm1 / at_risk);
  }
}

// z from the observed, expected and variance sums (NaN when the variance is 0); chisq() and
// p_value() derive the rest when asked for.
void finish_logrank(LogRankResult& r);

// Requires data.arm; `stratified` requires data.stratum. Throws std::invalid_argument.
LogRankResult log_rank(const SurvivalData& data, SurvivalWorkspace& ws, bool stratified = false);

// The unstratified test of a cohort already sorted by sort_cohort (the same result as
// log_rank(data, ws) on its data).
LogRankResult log_rank(std::span<const SortedSubject> cohort);

// The same test of a cohort given as three runs (survival_data.h): only the event times are
// visited; the subjects censored before each one leave the risk set one by one (the numbers at
// risk are integers held exactly in doubles, so this gives log_rank's values bit for bit).
LogRankResult log_rank(const CohortRuns& runs);

// One-sided p-value for benefit of arm 1: Phi(z) (NaN if z is NaN).
double log_rank_one_sided_p(const LogRankResult& r);

}  // namespace trialsim
