#pragma once
// Fitting the CAR-T patient model to published evidence, with the uncertainty its sample leaves.
//
// Two blocks (README "The patient model and its calibration"):
//  * Conjugate block — every parameter that is a proportion informed by a reported count
//    (response by EMD, MRD, CRS/ICANS by EMD, maintenance and its types, CD19-negative relapse,
//    covariate prevalences, infection share of deaths in remission): exact Beta posteriors
//    Beta(k + a, n - k + b) under the evidence's `binomial_prior` (Jeffreys a = b = 1/2). Point
//    estimate: the MLE k / n, which reproduces the reported figure.
//  * ABC block — the time-to-event parameters (cure fraction, Weibull relapse latency,
//    non-relapse, post-relapse and post-non-response death rates, maintenance hazard ratio), with
//    the priors in the evidence's `assumptions`: approximate Bayesian computation by rejection
//    (Pritchard et al. 1999). Each draw takes all parameters from their
//    prior/posterior, simulates one replica of the source study as conducted (31 patients over
//    the entry window, one cut-off), and computes every reported Kaplan–Meier landmark and event
//    count; the distance is the sum of squared differences to the reported values, each scaled by
//    the prior-predictive MAD. The `accepted` nearest draws are the posterior sample. Point
//    estimate: the posterior medians.
// Fixed assumptions (distribution: fixed) set their parameter directly.
//
// The calibration report then simulates, for every reported figure, one replica per posterior
// draw (95 % predictive interval: does the reported value lie inside?) and `point_replicas`
// replicas at the point estimate (their median).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/car_t/evidence.h"
#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

struct FitSettings {
  std::uint64_t seed = 20240108;
  std::uint64_t abc_draws = 200000;
  std::size_t accepted = 1000;
  std::uint64_t point_replicas = 2000;
  std::uint64_t point_search_replicas =
      2000;  // replicas per candidate in the point-estimate search
  unsigned threads = 1;
};

struct CalibrationRow {
  std::string figure_id;
  std::string description;  // statistic, endpoint/event, subgroup, time
  std::string role;         // "abc target" | "conjugate" | "check"
  double reported = 0.0;
  double point_median = 0.0;  // median over replicas at the point estimate
  double predictive_median = 0.0, predictive_lower = 0.0, predictive_upper = 0.0;  // 2.5/50/97.5 %
  bool inside = false;         // predictive_lower <= reported <= predictive_upper
  std::uint64_t replicas = 0;  // replicas in which the figure was computable
};

struct ParameterSummary {
  std::string name, unit, source;
  double point = 0.0, mean = 0.0, sd = 0.0, lower = 0.0, upper = 0.0;  // draws: 2.5/97.5 %
};

struct FitResult {
  CarTParameters point;
  std::vector<CarTParameters> draws;
  std::vector<CalibrationRow> figures;
  std::vector<ParameterSummary> parameters;
  std::vector<std::string> abc_targets;
  double abc_distance_threshold = 0.0;  // distance of the last accepted draw
  double point_search_distance = 0.0;   // scaled distance of the chosen point's replica medians
  std::uint64_t abc_draws = 0;
};

using FitProgress = std::function<void(const std::string& stage)>;

// Throws std::invalid_argument when the evidence lacks what the model needs (named in the
// message, e.g. a missing prior for an ABC parameter).
FitResult fit_car_t_model(const Evidence& evidence, const FitSettings& settings,
                          const FitProgress& progress = {});

// Applies named values to parameters (fitted files, scenario overrides). Throws
// std::invalid_argument for an unknown name.
void set_parameter(CarTParameters& parameters, const std::string& name, double value);
double get_parameter(const CarTParameters& parameters, const std::string& name);

}  // namespace trialsim::car_t
