#include "models/patient_model.h"

#include <cmath>

#include "core/samplers.h"

namespace trialsim {
namespace {

// The key of a cohort's stream: the plain purpose for cohort 0, else the cohort in the high
// 32 bits of the purpose word (purposes are small integers, so no two keys coincide).
Rng cohort_stream(std::uint64_t seed, std::uint64_t replicate, StreamPurpose purpose,
                  std::uint64_t cohort) {
  const auto key = static_cast<std::uint64_t>(purpose) | (cohort << 32);
  return make_stream(StreamKey{seed, replicate, static_cast<StreamPurpose>(key)});
}

}  // namespace

std::string_view to_string(PatientOutcome outcome) {
  switch (outcome) {
    case PatientOutcome::response:
      return "response";
    case PatientOutcome::crs_grade3plus:
      return "crs_grade3plus";
    case PatientOutcome::icans_grade3plus:
      return "icans_grade3plus";
    case PatientOutcome::overall_survival:
      return "overall_survival";
    case PatientOutcome::event_free_survival:
      return "event_free_survival";
    case PatientOutcome::relapse_free_survival:
      return "relapse_free_survival";
    case PatientOutcome::baseline_covariates:
      return "baseline_covariates";
  }
  return "unknown";
}

bool is_time_to_event(PatientOutcome outcome) noexcept {
  return outcome == PatientOutcome::overall_survival ||
         outcome == PatientOutcome::event_free_survival ||
         outcome == PatientOutcome::relapse_free_survival;
}

PatientStreams::PatientStreams(std::uint64_t seed, std::uint64_t replicate, std::uint64_t cohort)
    : covariates(cohort_stream(seed, replicate, StreamPurpose::covariates, cohort)),
      response(cohort_stream(seed, replicate, StreamPurpose::response, cohort)),
      outcomes(cohort_stream(seed, replicate, StreamPurpose::outcomes, cohort)),
      adverse_events(cohort_stream(seed, replicate, StreamPurpose::adverse_events, cohort)),
      dropout(cohort_stream(seed, replicate, StreamPurpose::dropout, cohort)) {}

double PatientModel::true_restricted_mean(PatientOutcome outcome, double tau) const {
  if (!provides(outcome) || !is_time_to_event(outcome))
    return std::numeric_limits<double>::quiet_NaN();
  constexpr int INTERVALS = 2000;  // even, for Simpson
  std::vector<double> times(INTERVALS + 1);
  for (int k = 0; k <= INTERVALS; ++k) times[k] = tau * k / INTERVALS;
  const std::vector<double> surv = true_survival(outcome, times);
  double sum = surv[0] + surv[INTERVALS];
  for (int k = 1; k < INTERVALS; ++k) sum += (k % 2 == 1 ? 4.0 : 2.0) * surv[k];
  return sum * tau / (3.0 * INTERVALS);
}

ExponentialEventModel::ExponentialEventModel(double hazard) : hazard_(hazard) {}

double ExponentialEventModel::true_restricted_mean(PatientOutcome outcome, double tau) const {
  if (!provides(outcome)) return std::numeric_limits<double>::quiet_NaN();
  return -std::expm1(-hazard_ * tau) / hazard_;
}

std::string ExponentialEventModel::missing_reason(PatientOutcome outcome) const {
  if (provides(outcome)) return {};
  return "the exponential model gives only the time to the endpoint's event, not " +
         std::string(to_string(outcome));
}

void ExponentialEventModel::simulate(PatientStreams& streams, SimulatedPatient& out) const {
  out = SimulatedPatient{};
  const double time = exponential(1.0, streams.outcomes) / hazard_;
  for (int k = 0; k < PATIENT_OUTCOME_COUNT; ++k) {
    out.event_time[k] = is_time_to_event(static_cast<PatientOutcome>(k))
                            ? time
                            : std::numeric_limits<double>::quiet_NaN();
  }
}

std::vector<double> ExponentialEventModel::true_survival(PatientOutcome outcome,
                                                         const std::vector<double>& times) const {
  std::vector<double> out;
  for (double t : times) {
    out.push_back(provides(outcome) ? std::exp(-hazard_ * t)
                                    : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

double ExponentialEventModel::constant_hazard(PatientOutcome outcome) const {
  return provides(outcome) ? hazard_ : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace trialsim
