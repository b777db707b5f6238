#include "models/car_t/truth.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/samplers.h"
#include "models/endpoints.h"

namespace trialsim::car_t {

CarTTruth true_values(const CarTParameters& p, const std::vector<double>& landmarks,
                      std::uint64_t seed, int patients) {
  CarTTruth truth;
  if (patients == 0) {  // closed-form truths only; survival truths unknown (NaN)
    truth.orr = population_response_probability(p);
    truth.crs_any = population_crs_probability(p);
    truth.icans_any = population_icans_probability(p);
    truth.crs_grade3plus = p.p_extramedullary * p.p_crs_grade3plus_emd +
                           (1.0 - p.p_extramedullary) * p.p_crs_grade3plus_non_emd;
    truth.os_at.assign(landmarks.size(), std::numeric_limits<double>::quiet_NaN());
    truth.rfs_at.assign(landmarks.size(), std::numeric_limits<double>::quiet_NaN());
    return truth;
  }
  truth.orr = population_response_probability(p);
  truth.crs_any = population_crs_probability(p);
  truth.icans_any = population_icans_probability(p);
  truth.crs_grade3plus = p.p_extramedullary * std::min(p.p_crs_grade3plus_emd, 1.0) +
                         (1.0 - p.p_extramedullary) * p.p_crs_grade3plus_non_emd;
  // Survival by simulation without censoring; the replicate index 2^42 keeps these streams apart
  // from every study replicate.
  std::vector<double> os_alive(landmarks.size(), 0.0), rfs_free(landmarks.size(), 0.0);
  double responders = 0.0;
  CarTStreams streams(seed, 1ULL << 42);
  CarTPatient patient;
  for (int i = 0; i < patients; ++i) {
    simulate_patient(p, streams, patient);
    const PatientTrajectory& t = patient.trajectory;
    for (std::size_t k = 0; k < landmarks.size(); ++k) {
      os_alive[k] += t.death_time > landmarks[k] ? 1.0 : 0.0;
      if (patient.responded)
        rfs_free[k] += std::min(t.relapse_time, t.death_time) > landmarks[k] ? 1.0 : 0.0;
    }
    responders += patient.responded ? 1.0 : 0.0;
  }
  for (std::size_t k = 0; k < landmarks.size(); ++k) {
    truth.os_at.push_back(os_alive[k] / patients);
    truth.rfs_at.push_back(responders > 0 ? rfs_free[k] / responders : 0.0);
  }
  return truth;
}

}  // namespace trialsim::car_t
