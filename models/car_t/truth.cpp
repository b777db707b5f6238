#include "models/car_t/truth.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/samplers.h"
#include "models/endpoints.h"

namespace trialsim::car_t {

namespace {

// Grade >= 3 ICANS and "grade >= 3 CRS or ICANS" averaged over EMD status. Given EMD, the
// patient model draws CRS severity (u_crs < p_CRS3(EMD)) and ICANS severity (u_icans <
// p_ICANS(EMD), then u_grade < q_ICANS3) from independent uniforms, so
// P(either | EMD) = 1 - (1 - p_CRS3(EMD)) (1 - p_ICANS(EMD) q_ICANS3).
void set_grade3plus_truths(const CarTParameters& p, CarTTruth& truth) {
  const double icans3_emd = p.p_icans_emd * p.q_icans_grade3plus;
  const double icans3_non_emd = p.p_icans_non_emd * p.q_icans_grade3plus;
  const double crs3_emd = crs_grade3plus_probability(p, true);
  const double crs3_non_emd = crs_grade3plus_probability(p, false);
  const double w = p.p_extramedullary;
  truth.icans_grade3plus = w * icans3_emd + (1.0 - w) * icans3_non_emd;
  truth.crs_or_icans_grade3plus = w * (1.0 - (1.0 - crs3_emd) * (1.0 - icans3_emd)) +
                                  (1.0 - w) * (1.0 - (1.0 - crs3_non_emd) * (1.0 - icans3_non_emd));
}

}  // namespace

CarTTruth true_values(const CarTParameters& p, const std::vector<double>& landmarks,
                      std::uint64_t seed, int patients) {
  CarTTruth truth;
  if (patients == 0) {  // closed-form truths only; survival truths unknown (NaN)
    truth.orr = population_response_probability(p);
    truth.crs_any = population_crs_probability(p);
    truth.icans_any = population_icans_probability(p);
    truth.crs_grade3plus = p.p_extramedullary * crs_grade3plus_probability(p, true) +
                           (1.0 - p.p_extramedullary) * crs_grade3plus_probability(p, false);
    set_grade3plus_truths(p, truth);
    truth.os_at.assign(landmarks.size(), std::numeric_limits<double>::quiet_NaN());
    truth.rfs_at.assign(landmarks.size(), std::numeric_limits<double>::quiet_NaN());
    truth.cir_at.assign(landmarks.size(), std::numeric_limits<double>::quiet_NaN());
    return truth;
  }
  truth.orr = population_response_probability(p);
  truth.crs_any = population_crs_probability(p);
  truth.icans_any = population_icans_probability(p);
  truth.crs_grade3plus = p.p_extramedullary * crs_grade3plus_probability(p, true) +
                         (1.0 - p.p_extramedullary) * crs_grade3plus_probability(p, false);
  set_grade3plus_truths(p, truth);
  // Survival by simulation without censoring; the replicate index 2^42 keeps these streams apart
  // from every study replicate.
  struct Counts {
    double alive = 0.0, relapse_free = 0.0, relapsed = 0.0;  // by the landmark
  };
  std::vector<Counts> counts(landmarks.size());
  double responders = 0.0;
  CarTStreams streams(seed, 1ULL << 42);
  CarTPatient patient;
  const PatientConstants constants = patient_constants(p);
  for (int i = 0; i < patients; ++i) {
    simulate_patient(p, constants, streams, patient);
    const PatientTrajectory& t = patient.trajectory;
    for (std::size_t k = 0; k < landmarks.size(); ++k) {
      counts[k].alive += t.death_time > landmarks[k] ? 1.0 : 0.0;
      if (patient.responded) {
        counts[k].relapse_free += std::min(t.relapse_time, t.death_time) > landmarks[k] ? 1.0 : 0.0;
        // A relapse in the model always comes before death (death after relapse is from it).
        counts[k].relapsed += t.relapse_time <= landmarks[k] ? 1.0 : 0.0;
      }
    }
    responders += patient.responded ? 1.0 : 0.0;
  }
  for (const Counts& c : counts) {
    truth.os_at.push_back(c.alive / patients);
    truth.rfs_at.push_back(responders > 0 ? c.relapse_free / responders : 0.0);
    truth.cir_at.push_back(responders > 0 ? c.relapsed / responders : 0.0);
  }
  return truth;
}

}  // namespace trialsim::car_t
