#pragma once
// The fitted CAR-T model behind the patient-model interface (models/patient_model.h), for the
// designs that take any model, e.g. a CAR-T arm of a randomised trial. Provides: the best
// response, grade >= 3 CRS and ICANS, overall survival and event-free survival from infusion
// (non-response an event at time 0, as in models/endpoints.h), and baseline covariates. Not
// relapse-free survival of every patient: in this model (and the seed study) RFS is defined for
// responders only.
#include <cstdint>
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
  CarTParameters parameters_;
  PatientConstants constants_;  // of parameters_, once (models/car_t/patient_model.h)
  std::uint64_t truth_seed_;
  int truth_patients_;
};

}  // namespace trialsim::car_t
