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
    : parameters_(parameters),
      constants_(patient_constants(parameters)),
      truth_seed_(truth_seed),
      truth_patients_(truth_patients) {}

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
  simulate_patient(parameters_, constants_, streams, patient);
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

const std::vector<double>& CarTPatientModel::sorted_truth_times(PatientOutcome outcome) const {
  const auto k = static_cast<std::size_t>(outcome);
  std::call_once(truth_cache_->once[k], [&] {
    std::vector<double>& event_times = truth_cache_->sorted_times[k];
    event_times.resize(static_cast<std::size_t>(truth_patients_));
    PatientStreams streams(truth_seed_, TRUTH_REPLICATE, TRUTH_COHORT);
    SimulatedPatient patient;
    for (double& time : event_times) {
      simulate(streams, patient);
      time = patient.event_time[k];
    }
    std::sort(event_times.begin(), event_times.end());
  });
  return truth_cache_->sorted_times[k];
}

std::vector<double> CarTPatientModel::true_survival(PatientOutcome outcome,
                                                    const std::vector<double>& times) const {
  if (!provides(outcome) || !is_time_to_event(outcome) || truth_patients_ <= 0) {
    return std::vector<double>(times.size(), NOT_PROVIDED);
  }
  // The truth patients' event times, sorted once per model and outcome: S(t) = #(T > t) / N by
  // binary search, so a fine grid of times (e.g. an analytic power calculation's) costs
  // O(K log N) after the first request's O(N log N).
  const std::vector<double>& event_times = sorted_truth_times(outcome);
  std::vector<double> surviving;
  surviving.reserve(times.size());
  for (double t : times) {
    const auto later =
        event_times.end() - std::upper_bound(event_times.begin(), event_times.end(), t);
    surviving.push_back(static_cast<double>(later) / truth_patients_);
  }
  return surviving;
}

double CarTPatientModel::constant_hazard(PatientOutcome) const { return NOT_PROVIDED; }

double CarTPatientModel::true_restricted_mean(PatientOutcome outcome, double tau) const {
  if (!provides(outcome) || !is_time_to_event(outcome) || truth_patients_ <= 0) return NOT_PROVIDED;
  PatientStreams streams(truth_seed_, TRUTH_REPLICATE, TRUTH_COHORT);
  SimulatedPatient patient;
  double sum = 0.0;
  for (int i = 0; i < truth_patients_; ++i) {
    simulate(streams, patient);
    sum += std::min(patient.event_time[static_cast<int>(outcome)], tau);
  }
  return sum / truth_patients_;
}

}  // namespace trialsim::car_t
