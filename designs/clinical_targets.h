#pragma once
// Scenarios in clinical terms (issue 15, item 4): a scenario of the fitted CAR-T model may state
// what a clinician would say ("a true ORR of 0.70", "12-month OS 0.60", "maintenance lifts
// 12-month RFS to 0.85") instead of logit overrides, and the model solves for the parameters that
// make it true. Overrides on a logit silently change meaning when the model is refitted; a
// clinical target keeps it (docs/clinical-scenarios.md).
//
// Each target solves named parameters, in this order (later targets see earlier solutions):
//   orr, orr_extramedullary, orr_non_extramedullary   response_logit_intercept (+
//   response_logit_emd
//                                                      when two of them are given), closed form
//                                                      or a bracketed root to 1e-12
//   crs_rate                                           p_crs_any (the population any-grade rate)
//   crs_grade3plus_rate                                p_crs_grade3plus_{emd,non_emd}, shifted
//                                                      on the log-odds scale (odds ratio kept)
//   icans_rate                                         p_icans_{emd,non_emd}, likewise
//   rfs_at {time, value}                               cure_fraction
//   maintenance_rfs_at {time, maintained|difference    maintenance_hazard_ratio (and
//                       [, observation]}               cure_fraction from `observation`)
//   os_at {time, value}                                cure_fraction, or death_after_relapse_rate
//                                                      when an RFS target already sets the former
// The landmark targets are solved on the model's landmark values estimated from a fixed number of
// uncensored patients on fixed streams (common random numbers across the solver's steps), by a
// bracketed monotone solve; the response, CRS and ICANS targets are exact.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/car_t/patient_model.h"

namespace trialsim {

struct LandmarkTarget {
  double time = 0.0;   // months from infusion
  double value = 0.0;  // the survival probability wanted at `time`
};

// 12-month RFS (say) from the response assessment of responders who all receive maintenance
// (`maintained`), or its difference from responders who all go without (`difference`,
// maintained minus observation); optionally the observation arm's own RFS (`observation`), which
// then sets cure_fraction first. Exactly one of maintained / difference.
struct MaintenanceRfsTarget {
  double time = 0.0;
  std::optional<double> maintained, difference, observation;
};

struct ClinicalTargets {
  std::optional<double> orr, orr_extramedullary, orr_non_extramedullary;
  std::optional<double> crs_rate, crs_grade3plus_rate, icans_rate;
  std::optional<LandmarkTarget> os_at, rfs_at;
  std::optional<MaintenanceRfsTarget> maintenance_rfs_at;

  bool empty() const noexcept;
  bool has_landmark_target() const noexcept;  // os_at, rfs_at or maintenance_rfs_at
  // The parameters the targets solve (what an override of the same level may not also set).
  std::vector<std::string> solved_parameter_names() const;
};

// A target the model cannot reach, or targets that contradict each other. `key` is the target's
// key ("orr", "os_at"), `subkey` the key inside a landmark mapping ("value", "maintained") or
// empty; the reader turns it into a located ConfigError.
class TargetError : public std::runtime_error {
 public:
  TargetError(std::string key, std::string subkey, std::string problem, std::string expected);
  const std::string& key() const noexcept { return key_; }
  const std::string& subkey() const noexcept { return subkey_; }
  const std::string& problem() const noexcept { return problem_; }
  const std::string& expected() const noexcept { return expected_; }

 private:
  std::string key_, subkey_, problem_, expected_;
};

// How landmark values are estimated while solving: `patients` uncensored patients on the streams
// of `seed` (replicate 2^42, as models/car_t/truth.h), the same ones at every step of a solve.
// Fixed, not the run's seed: a scenario solves to the same parameters in every run.
struct LandmarkSolveSettings {
  std::uint64_t seed = 20240108;
  int patients = 100000;
};

// What a solve did: each solved parameter's value (in solve order) and, per target key, the true
// value it reaches (closed form: exact; landmarks: the estimate, its MC SE and how it was made).
struct SolvedTargets {
  std::vector<std::pair<std::string, double>> parameters;
  std::vector<double> previous;  // each parameter's value before the solve (for shifting draws)
  nlohmann::json true_values = nlohmann::json::object();
  void set(car_t::CarTParameters& p, const std::string& name, double value);
};

// `draw` moved by what the solve did to the point: each solved parameter by the same amount on
// its natural scale — log-odds parameters additively, proportions additively on the log-odds
// scale (a proportion that was 0 or 1 takes the solved value), rates and hazard ratios by their
// ratio.
// The posterior spread stays, centred where the solve put the point (`targets_on_draws: shift`).
void shift_draw(car_t::CarTParameters& draw, const SolvedTargets& solved);

// ---- The solvers, each on `p` in place (exposed for the tests). Each throws TargetError.
// logit P(response) intercept so that the population ORR is `orr`, the EMD log-odds ratio kept:
// population_response_probability is increasing in the intercept, solved by Newton steps kept
// inside a bisection bracket on the intercept's domain [-50, 50] to |ORR - orr| <= 1e-12.
double solve_response_intercept(const car_t::CarTParameters& p, double orr);
// orr / orr_extramedullary / orr_non_extramedullary (at most two): exact logits.
void solve_response_targets(car_t::CarTParameters& p, const ClinicalTargets& targets,
                            SolvedTargets& solved);
// crs_rate, crs_grade3plus_rate, icans_rate.
void solve_adverse_event_targets(car_t::CarTParameters& p, const ClinicalTargets& targets,
                                 SolvedTargets& solved);
// rfs_at, maintenance_rfs_at, os_at.
void solve_landmark_targets(car_t::CarTParameters& p, const ClinicalTargets& targets,
                            const LandmarkSolveSettings& settings, SolvedTargets& solved);

// The closed-form targets (response, CRS, ICANS) and then the landmark ones.
SolvedTargets solve_clinical_targets(car_t::CarTParameters& p, const ClinicalTargets& targets,
                                     const LandmarkSolveSettings& settings);

// The landmark estimates the solver uses (common random numbers for a fixed settings):
// OS at `time` of all patients, RFS at `time` of responders (both from infusion, as
// car_t::true_values), and RFS at `time` from the response assessment of responders all without
// (first) and all with (second) maintenance, each responder simulated in both versions.
double estimated_os_at(const car_t::CarTParameters& p, double time,
                       const LandmarkSolveSettings& settings);
double estimated_rfs_at(const car_t::CarTParameters& p, double time,
                        const LandmarkSolveSettings& settings);
std::pair<double, double> estimated_maintenance_rfs_at(const car_t::CarTParameters& p, double time,
                                                       const LandmarkSolveSettings& settings);

}  // namespace trialsim
