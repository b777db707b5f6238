#pragma once
// Aalen-Johansen cumulative incidence for competing risks, as R's
//   survfit(Surv(time, factor(status, 0:K)) ~ 1)  with  summary(fit, times, extend = FALSE).
// status 0 = censored, k >= 1 = event of type k. With n_j at risk and d_j (all types),
// d_kj (type k) events at the distinct event times t_j, and S the all-cause KM:
//   F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j
// Standard error: the infinitesimal-jackknife (IJ) variance survfit reports for multi-state
// curves, sum_i U_i^2 with U_i the influence of subject i (unit weights):
//   U_i = sum_{t_j <= min(T_i, t)} [ a_j (dN_ik(t_j) - dA_kj) - b_j (dN_i(t_j) - dA_j) ],
//   a_j = S(t_j-) / n_j,  b_j = (F_k(t) - F_k(t_j)) / ((1 - dA_j) n_j)  (0 when dA_j = 1),
//   dA_kj = d_kj / n_j,   dA_j = d_j / n_j.
// Landmark rule as for survival_at(): t beyond the last observed time is not estimable;
// before the first event the estimate is 0 with std_err 0. Times in months.
#include <span>

#include "statistics/survival/survival_data.h"

namespace trialsim {

struct CumulativeIncidenceEstimate {
  bool estimable = false;
  double t;        // landmark time (months)
  double cif;      // F_k(t); NaN if not estimable
  double std_err;  // IJ standard error; NaN if not estimable
};

// F_cause at each time in `times` (any order) into out[i] (out.size() >= times.size()), for
// the subjects with arm == `arm` (all when arm < 0). status values may be 0..any K.
void cumulative_incidence(const SurvivalData& data, SurvivalWorkspace& ws, int cause,
                          std::span<const double> times, std::span<CumulativeIncidenceEstimate> out,
                          int arm = -1);

}  // namespace trialsim
