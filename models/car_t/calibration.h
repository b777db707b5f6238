#pragma once
// Fitting the CAR-T patient model to published evidence, with the uncertainty its sample leaves.
//
// One posterior, two blocks whose likelihoods factorise (README "The patient model and its
// calibration"):
//  * Conjugate block — every parameter that is a proportion informed by a reported count
//    (response by EMD, MRD, CRS/ICANS by EMD, maintenance and its types, CD19-negative relapse,
//    covariate prevalences, infection share of deaths in remission): exact Beta posteriors
//    Beta(k + a, n - k + b) under the evidence's `binomial_prior` (Jeffreys a = b = 1/2), sampled
//    by Latin hypercube (each parameter's N draws are its Beta quantiles at one uniform in each
//    of N equal strata, the strata independently permuted), so the sample's moments match the
//    Beta posterior's closely.
//  * ABC block — the time-to-event parameters (cure fraction, Weibull relapse latency,
//    non-relapse, post-relapse and post-non-response death rates, maintenance hazard ratio), with
//    the priors in the evidence's `assumptions`: approximate Bayesian computation by rejection
//    (Pritchard et al. 1999). Each draw takes the time-to-event parameters from their prior,
//    simulates one replica of the source study as conducted (31 patients over the entry window,
//    one cut-off) CONDITIONED on the observed composition (EMD, responders per EMD group,
//    maintained responders: simulate_conditioned_source_cohort), and computes every reported
//    Kaplan–Meier landmark and death/relapse count; the distance is the sum of squared
//    differences to the reported values, each scaled by the prior-predictive MAD. The
//    `accepted` nearest draws are the block's posterior sample. Because the replicas hold the
//    response and maintenance counts at their observed values, the survival figures carry no
//    information about the conjugate parameters: the response data are used once (the joint
//    posterior is the product of the two blocks, paired draw by draw).
// Fixed assumptions (distribution: fixed) set their parameter directly; one on a parameter a
// figure informs is refused (EvidenceFitError), never silently overridden.
// No silent defaults: a parameter that neither a figure nor an assumption informs takes its
// documented default prior (default_priors(), docs/default-priors.md) and carries its
// uncertainty into the draws (Beta defaults of proportions in the conjugate block with zero
// counts; the others, and the time-to-event ones, in the ABC block like an assumption's prior).
// How each kind of figure is used (targets, CIs, duplicates): docs/default-priors.md, "How figures
// are used".
//
// Point estimate — a summary of the same posterior: conjugate parameters at their Beta posterior
// medians (so a zero count gives a small positive value, not 0), maintenance type shares at their
// Dirichlet posterior means; time-to-event parameters those of the accepted draw whose true
// 12- and 24-month OS and RFS (with the conjugate medians) and maintenance hazard ratio lie
// closest to the posterior medians of those five values, each scaled by its posterior SD. The
// point's true 12-month OS and RFS are thus near the centre of the draws' (FitResult::point_checks
// gives their percentiles).
//
// The calibration report then simulates, for every reported figure, one replica per posterior
// draw (95 % predictive interval: does the reported value lie inside?) and `point_replicas`
// replicas at the point estimate (their median).
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/car_t/evidence.h"
#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

struct FitSettings {
  std::uint64_t seed = 20240108;
  std::uint64_t abc_draws = 200000;
  std::size_t accepted = 1000;
  std::uint64_t point_replicas = 2000;
  // Uncensored patients simulated per draw (and per point candidate) for the true 12- and
  // 24-month OS and RFS that choose the point (common random numbers across draws).
  int point_truth_patients = 20000;
  unsigned threads = 1;
};

struct CalibrationRow {
  std::string figure_id;    // a curve's points: "<id>@<months>"
  std::string description;  // statistic, endpoint/event, subgroup, time
  // "abc target" | "conjugate" | "check" | "assumed (check)" (an `assumed: true` number: never
  // fitted) | "check (population not in model)" (Subgroup::other)
  std::string role;
  double reported = 0.0;
  double point_median = 0.0;  // median over replicas at the point estimate
  double predictive_median = 0.0, predictive_lower = 0.0, predictive_upper = 0.0;  // 2.5/50/97.5 %
  bool inside = false;         // predictive_lower <= reported <= predictive_upper
  std::uint64_t replicas = 0;  // replicas in which the figure was computable
};

struct ParameterSummary {
  // source: figure id(s) (conjugate or ABC), "assumption <parameter> ..." or, for a parameter
  // nothing in the evidence informs, "default prior <law> (docs/default-priors.md)".
  std::string name, unit, source;
  double point = 0.0, mean = 0.0, sd = 0.0, lower = 0.0, upper = 0.0;  // draws: 2.5/97.5 %
};

// A true value of the point (e.g. 12-month OS) against the same value of every posterior draw.
struct PointCheck {
  std::string name;
  double point = 0.0, draws_median = 0.0;
  double percentile = 0.0;  // share of draws below the point's value (ties count half), in %
};

struct FitResult {
  CarTParameters point;
  std::vector<CarTParameters> draws;
  std::vector<CalibrationRow> figures;
  std::vector<ParameterSummary> parameters;
  std::vector<std::string> abc_targets;
  // ABC diagnostics: the tolerance (distance of the last accepted draw), the acceptance rate
  // (accepted / draws) and the effective sample size (Kish, (sum w)^2 / sum w^2: rejection ABC
  // weighs its distinct accepted draws equally, so it is their number).
  double abc_distance_threshold = 0.0;
  double abc_acceptance_rate = 0.0;
  double abc_effective_sample_size = 0.0;
  std::uint64_t abc_draws = 0;
  std::vector<PointCheck> point_checks;  // where the point's true values sit among the draws'
  // What the user must know about this fit (e.g. no time-to-event figures: no ABC was run).
  std::vector<std::string> notes;
};

// A parameter's prior when the evidence neither informs it nor states an assumption for it. Not
// taken from any study the model was fitted to: weakly informative, from general knowledge of
// CD19 CAR-T in adult B-ALL (each reason in docs/default-priors.md).
struct DefaultPrior {
  std::string parameter;
  Prior prior;
  bool time_to_event = false;  // drawn in the ABC block, where survival figures can inform it
  std::string informed_by;     // the figures that would inform it instead
};
const std::vector<DefaultPrior>& default_priors();
// "Beta(1, 3)", "lognormal(median 8, sdlog 1)", "normal(mean 0, sd 1)", "fixed 0.3".
std::string describe_prior(const Prior& prior);
// True when a summary's source is a default prior (the parameter is uninformed).
bool is_defaulted(const ParameterSummary& parameter);

// An evidence item the fit refuses, located in the evidence file (Figure::where,
// Assumption::where); the edge turns it into FILE:LINE:COL: key_path: problem, expected ...
struct EvidenceFitError : std::invalid_argument {
  EvidenceFitError(SourceLocation where, std::string key_path, std::string problem,
                   std::string expected)
      : std::invalid_argument(key_path + ": " + problem + ", expected " + expected),
        where(where),
        key_path(std::move(key_path)),
        problem(std::move(problem)),
        expected(std::move(expected)) {}
  SourceLocation where;
  std::string key_path, problem, expected;
};

using FitProgress = std::function<void(const std::string& stage)>;

// Throws std::invalid_argument when the evidence lacks what the model needs: ONE message listing
// every missing required figure, each with the figure kinds that would supply it; throws
// EvidenceFitError for a located problem (a duplicate figure, a fixed assumption on a fitted
// parameter, a landmark beyond the source study's follow-up).
FitResult fit_car_t_model(const Evidence& evidence, const FitSettings& settings,
                          const FitProgress& progress = {});

// Applies named values to parameters (fitted files, scenario overrides). Throws
// std::invalid_argument for an unknown name.
void set_parameter(CarTParameters& parameters, const std::string& name, double value);
double get_parameter(const CarTParameters& parameters, const std::string& name);

}  // namespace trialsim::car_t
