#pragma once
// The patient-model interface: what a design may ask of a model of patients, whatever the model.
//
// A design names the outcomes it needs (a response, a monitored toxicity, the time to the event
// of its endpoint); a model says which it provides (`provides`), and a design refuses a model
// that lacks one, with a located config error naming the outcome and why the model lacks it
// (`missing_reason`). A model simulates one patient at a time from the replicate's streams,
// consuming a fixed number of draws from each whatever happens to the patient, so that scenarios
// and designs that differ only by the model's parameters stay on common random numbers.
//
// Models so far: the exponential time-to-event model (ExponentialEventModel, below: the event of
// whichever endpoint the design analyses, at a constant hazard) and the fitted CAR-T model
// (models/car_t/car_t_patient_model.h: response, CRS/ICANS, relapse and death, covariates).
// Pure: no I/O, no globals; a model is immutable once built and shared by all threads.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "models/endpoints.h"

namespace trialsim {

// What a design may need of a patient.
enum class PatientOutcome {
  response,               // best response (e.g. CR/CRi), known at a stated assessment time
  crs_grade3plus,         // grade >= 3 cytokine release syndrome
  icans_grade3plus,       // grade >= 3 ICANS
  overall_survival,       // time to death, every patient, from entry (infusion/randomisation)
  event_free_survival,    // time to relapse or death, non-response an event at time 0
  relapse_free_survival,  // time to relapse or death counted for every patient from entry
  baseline_covariates,    // baseline covariates for strata (extramedullary disease, Ph+, ...)
};
inline constexpr int PATIENT_OUTCOME_COUNT = 7;

// "overall_survival", "crs_grade3plus", ... (the config's spelling).
std::string_view to_string(PatientOutcome outcome);
// Time-to-event outcomes: the endpoint of a survival analysis.
bool is_time_to_event(PatientOutcome outcome) noexcept;

// The streams one cohort of a replicate draws its patients from, one per purpose, keyed by
// (seed, replicate, purpose, cohort). Cohort 0 is the single cohort of a single-arm study (its
// keys are the plain purposes, as they always were); a randomised study gives each arm a cohort
// of its own (control 1, experimental 2), so an arm's j-th patient is the same patient in every
// scenario whatever the other arm's model is.
struct PatientStreams {
  Rng covariates, response, outcomes, adverse_events, dropout;
  PatientStreams(std::uint64_t seed, std::uint64_t replicate, std::uint64_t cohort = 0);
};

// One simulated patient, on the patient's own clock (months from entry; AE onsets in days).
struct SimulatedPatient {
  bool responded = false;
  int crs_grade = 0, icans_grade = 0;  // 0 = none, 1-4
  // Times to the event of each time-to-event outcome the model provides (infinity: never;
  // NaN: not provided). Indexed by PatientOutcome.
  double event_time[PATIENT_OUTCOME_COUNT]{};
  double dropout_time = std::numeric_limits<double>::infinity();  // the model's own loss to FU
  bool covariate_extramedullary = false, covariate_ph_positive = false;
};

class PatientModel {
 public:
  virtual ~PatientModel() = default;
  // "exponential", "car_t": the config's `type` of the model.
  virtual std::string_view type() const = 0;
  virtual bool provides(PatientOutcome outcome) const = 0;
  // Why `outcome` is not provided, for the design's error message (empty when it is provided).
  virtual std::string missing_reason(PatientOutcome outcome) const = 0;
  // One patient; consumes a fixed number of draws from each stream.
  virtual void simulate(PatientStreams& streams, SimulatedPatient& out) const = 0;
  // The true survival S(t) of a time-to-event outcome at each time (the estimand of Kaplan–Meier
  // landmarks), without censoring; NaN where the model cannot say.
  virtual std::vector<double> true_survival(PatientOutcome outcome,
                                            const std::vector<double>& times) const = 0;
  // The constant hazard of a time-to-event outcome (per month), or NaN when the hazard is not
  // constant (then no hazard ratio between two arms is a model parameter).
  virtual double constant_hazard(PatientOutcome outcome) const = 0;
  // The true restricted mean time to the event up to tau, integral_0^tau S(t) dt (the estimand
  // of an RMST analysis). This default integrates true_survival by the composite Simpson rule on
  // 2 000 intervals (error O(h^2) at a kink of S, below 1e-4 months for tau <= 120); models with
  // a closed form or a cheaper way override it. NaN when the outcome is not provided.
  virtual double true_restricted_mean(PatientOutcome outcome, double tau) const;
};

// Exponential event times at `hazard` per month: a model of the time to the event of whichever
// endpoint the design analyses (overall, event-free or relapse-free survival counted for every
// patient), nothing else. One draw per patient from `outcomes`: T = E / hazard, E ~ Exp(1).
class ExponentialEventModel final : public PatientModel {
 public:
  explicit ExponentialEventModel(double hazard);
  std::string_view type() const override { return "exponential"; }
  bool provides(PatientOutcome outcome) const override { return is_time_to_event(outcome); }
  std::string missing_reason(PatientOutcome outcome) const override;
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override;
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override;
  double constant_hazard(PatientOutcome outcome) const override;
  // (1 - exp(-hazard tau)) / hazard.
  double true_restricted_mean(PatientOutcome outcome, double tau) const override;
  double hazard() const noexcept { return hazard_; }

 private:
  double hazard_;
};

}  // namespace trialsim
