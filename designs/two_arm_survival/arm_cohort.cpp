#include "designs/two_arm_survival/arm_cohort.h"

#include <algorithm>
#include <limits>

namespace trialsim {

void fill_arm_outcomes(const PatientModel& control, const PatientModel& experimental,
                       PatientOutcome endpoint, const TwoArmSurvivalDesign& design,
                       std::uint64_t seed, std::uint64_t replicate, TwoArmSurvivalWorkspace& ws) {
  const std::size_t n = ws.entry.size();
  const PatientModel* models[2] = {&control, &experimental};
  const double dropout_rate[2] = {design.dropout_rate_control, design.dropout_rate_experimental};
  const bool design_dropout = dropout_rate[0] > 0.0 || dropout_rate[1] > 0.0;
  const auto outcome = static_cast<int>(endpoint);
  for (int a = 0; a < 2; ++a) {
    PatientStreams streams(seed, replicate, static_cast<std::uint64_t>(a) + 1);
    SimulatedPatient patient;
    for (std::size_t i = 0; i < n; ++i) {
      if (ws.arm[i] != a) continue;
      models[a]->simulate(streams, patient);
      ws.event_time[i] = patient.event_time[outcome];
      double dropout = patient.dropout_time;
      if (design_dropout && dropout_rate[a] > 0.0)
        dropout = std::min(dropout, ws.unit_dropout[i] / dropout_rate[a]);
      ws.dropout_time[i] = dropout;
    }
  }
}

}  // namespace trialsim
