#pragma once
// How the fit's conclusions move under other priors for the main model choices (issue 14,
// README "Prior sensitivity"), without refitting: importance reweighting of the posterior draws.
//
// The accepted ABC draws are a sample from prior(theta) x P(accept | theta) (rejection ABC,
// Pritchard et al. 1999), and the conjugate block is independent of theta. Under another prior
// q for one parameter the posterior is the same likelihood times q, so each draw j takes the
// weight w_j = q(theta_j) / p(theta_j) (p the evidence's prior) and any posterior mean — the
// assurance of a study (the mean over the draws of the study's power at each draw) or a true
// 12-month OS — becomes sum_j w_j v_j / sum_j w_j. Its Monte Carlo error is the self-normalised
// importance-sampling delta-method SE, sqrt(sum_j w_j^2 (v_j - m)^2) / sum_j w_j, and the
// weights' effective sample size (Kish, (sum w)^2 / sum w^2) says how far the draws carry the
// alternative: below MIN_EFFECTIVE_DRAWS the row is flagged (refit under that prior instead).
#include <string>
#include <vector>

#include "models/car_t/evidence.h"
#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

inline constexpr double MIN_EFFECTIVE_DRAWS = 50.0;

struct PriorAlternative {
  std::string parameter;
  std::string label;  // e.g. "centre one prior SD lower"
  Prior prior;
};

// A per-draw quantity to average: its name and one value per posterior draw.
struct DrawQuantity {
  std::string name;
  std::vector<double> values;
};

struct SensitivityRow {
  std::string parameter, label, prior;  // prior in words, e.g. "lognormal(median 0.8, sdlog 0.4)"
  double parameter_mean = 0.0;          // posterior mean of the parameter under this prior
  double effective_draws = 0.0;         // Kish effective sample size of the weights
  bool supported = true;                // effective_draws >= MIN_EFFECTIVE_DRAWS
  std::vector<double> means, mcse;      // per DrawQuantity, in the order given
};

// The log density of a prior at x (up to nothing: normalised), -infinity outside its support;
// fixed priors have no density (throws std::invalid_argument).
double prior_log_density(const Prior& prior, double x);

// The default alternatives for the main model choices that `evidence` gives a (non-fixed) prior:
// maintenance_hazard_ratio, nonrelapse_mortality_shape, crs_response_log_odds_ratio and
// relapse_hazard_ratio_emd. For each: the centre one prior SD lower and higher (lognormal: the
// median times exp(-/+ sdlog); normal: the mean -/+ sd), and the spread halved and doubled.
std::vector<PriorAlternative> default_prior_alternatives(const Evidence& evidence);

// One row for the fitted prior (weights 1) and one per alternative, each with the weighted mean
// and MCSE of every quantity. Alternatives on a parameter without a non-fixed prior in the
// evidence are skipped.
std::vector<SensitivityRow> prior_sensitivity(const std::vector<CarTParameters>& draws,
                                              const Evidence& evidence,
                                              const std::vector<PriorAlternative>& alternatives,
                                              const std::vector<DrawQuantity>& quantities);

}  // namespace trialsim::car_t
