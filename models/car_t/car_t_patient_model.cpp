#include "models/car_t/car_t_patient_model.h"

#include <algorithm>
#include <limits>

namespace trialsim::car_t {
namespace {

constexpr double NOT_PROVIDED = std::numeric_limits<double>::quiet_NaN();

// The truth streams: replicate 2^42 (beyond every study replicate), a cohort of their own.
constexpr std::uint64_t TRUTH_REPLICATE = 1ULL << 42;
constexpr std::uint64_t TRUTH_COHORT = 7;

}  // namespace

CarTPatientModel::CarTPatientModel(const CarTParameters& parameters, std::uint64_t truth_seed,
                                   int truth_patients)
    : parameters_(parameters), truth_seed_(truth_seed), truth_patients_(truth_patients) {}

bool CarTPatientModel::provides(PatientOutcome outcome) const {
  return outcome != PatientOutcome::relapse_free_survival;
}

std::string CarTPatientModel::missing_reason(PatientOutcome outcome) const {
  if (provides(outcome)) return {};
  return "in the CAR-T model relapse-free survival is defined for responders only, not for "
         "every patient from entry (event_free_survival counts non-response as an event)";
}

void CarTPatientModel::simulate(PatientStreams& streams, SimulatedPatient& out) const {
  CarTPatient patient;
  simulate_patient(parameters_, streams, patient);
  out = SimulatedPatient{};
  out.responded = patient.responded;
  out.crs_grade = patient.crs_grade;
  out.icans_grade = patient.icans_grade;
  out.covariate_extramedullary = patient.extramedullary;
  out.covariate_ph_positive = patient.ph_positive;
  const PatientTrajectory& t = patient.trajectory;
  out.dropout_time = t.dropout_time;
  auto time_of = [&](PatientOutcome o) -> double& { return out.event_time[static_cast<int>(o)]; };
  for (double& time : out.event_time) time = NOT_PROVIDED;
  time_of(PatientOutcome::overall_survival) = t.death_time;
  // EFS (models/endpoints.h): non-response is an event at time 0.
  time_of(PatientOutcome::event_free_survival) =
      patient.responded ? std::min(t.relapse_time, t.death_time) : 0.0;
}

std::vector<double> CarTPatientModel::true_survival(PatientOutcome outcome,
                                                    const std::vector<double>& times) const {
  std::vector<double> surviving(times.size(), 0.0);
  if (!provides(outcome) || !is_time_to_event(outcome) || truth_patients_ <= 0) {
    return std::vector<double>(times.size(), NOT_PROVIDED);
  }
  PatientStreams streams(truth_seed_, TRUTH_REPLICATE, TRUTH_COHORT);
  SimulatedPatient patient;
  for (int i = 0; i < truth_patients_; ++i) {
    simulate(streams, patient);
    const double time = patient.event_time[static_cast<int>(outcome)];
    for (std::size_t k = 0; k < times.size(); ++k) surviving[k] += time > times[k] ? 1.0 : 0.0;
  }
  for (double& s : surviving) s /= truth_patients_;
  return surviving;
}

double CarTPatientModel::constant_hazard(PatientOutcome) const { return NOT_PROVIDED; }

}  // namespace trialsim::car_t
