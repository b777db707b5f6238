#pragma once
// The fitted CAR-T model behind the patient-model interface (models/patient_model.h), for the
// designs that take any model, e.g. a CAR-T arm of a randomised trial. Provides: the best
// response, grade >= 3 CRS and ICANS, overall survival and event-free survival from infusion
// (non-response an event at time 0, as in models/endpoints.h), and baseline covariates. Not
// relapse-free survival of every patient: in this model (and the seed study) RFS is defined for
// responders only.
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/car_t/patient_model.h"
#include "models/patient_model.h"

namespace trialsim::car_t {

class CarTPatientModel final : public PatientModel {
 public:
  // The true survival curves are estimated from `truth_patients` uncensored patients on streams
  // of their own, keyed by `truth_seed` (fixed by default, so a scenario's truth is the same in
  // every run whatever its seed; binomial MC SE <= 0.5 / sqrt(truth_patients)).
  explicit CarTPatientModel(const CarTParameters& parameters, std::uint64_t truth_seed = 20240108,
                            int truth_patients = 400000);
  std::string_view type() const override { return "car_t"; }
  bool provides(PatientOutcome outcome) const override;
  std::string missing_reason(PatientOutcome outcome) const override;
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override;
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override;
  double constant_hazard(PatientOutcome outcome) const override;
  // The mean of min(T, tau) over the truth patients (MC SE <= tau / (2 sqrt(truth_patients))).
  double true_restricted_mean(PatientOutcome outcome, double tau) const override;
  const CarTParameters& parameters() const noexcept { return parameters_; }

 private:
  // The truth patients' event times of one outcome, sorted: simulated at the first request and
  // kept, since a study asks for the same curve on several grids (landmarks, band grid, the
  // true-curves file, the null-hypothesis check, the analytic power), each of which simulated
  // all truth patients again (8 bytes per truth patient and outcome asked for: 3.2 MB at the
  // default 400 000). Shared by copies of the model, which have the same parameters; safe to
  // call from several threads.
  struct TruthCache {
    std::array<std::once_flag, PATIENT_OUTCOME_COUNT> once;
    std::array<std::vector<double>, PATIENT_OUTCOME_COUNT> sorted_times;
  };
  const std::vector<double>& sorted_truth_times(PatientOutcome outcome) const;

  CarTParameters parameters_;
  PatientConstants constants_;  // of parameters_, once (models/car_t/patient_model.h)
  std::uint64_t truth_seed_;
  int truth_patients_;
  std::shared_ptr<TruthCache> truth_cache_ = std::make_shared<TruthCache>();
};

}  // namespace trialsim::car_t
