#include "models/endpoints.h"

#include <algorithm>

namespace trialsim {
namespace {

// First of the event times in [start, censor]: (time, status) with status 1, else censored.
ObservedOutcome first_event(double event_time, double censor_time, double origin) {
  if (event_time <= censor_time) return {true, event_time - origin, 1};
  return {true, censor_time - origin, 0};
}

}  // namespace

ObservedOutcome observe_endpoint(Endpoint endpoint, const PatientTrajectory& patient,
                                 double follow_up) {
  const double censor = std::min(patient.dropout_time, follow_up);
  const double relapse_or_death = std::min(patient.relapse_time, patient.death_time);
  // A responder whose response is not yet observed at the cut is, for the analysis, not yet a
  // responder: responders-only endpoints exclude them (response assessments are dated).
  const bool responder_seen = patient.responded && patient.response_time <= censor;
  switch (endpoint) {
    case Endpoint::overall_survival:
      return first_event(patient.death_time, censor, 0.0);
    case Endpoint::relapse_free_survival:
      if (!responder_seen) return {false, 0.0, 0};
      return first_event(relapse_or_death, censor, 0.0);
    case Endpoint::duration_of_response:
      // Relapse ends the response; death in remission censors it (see the header).
      if (!responder_seen) return {false, 0.0, 0};
      return first_event(patient.relapse_time, std::min(censor, patient.death_time),
                         patient.response_time);
    case Endpoint::event_free_survival:
      if (!patient.responded) return {true, 0.0, 1};  // non-response: event at day 0
      return first_event(relapse_or_death, censor, 0.0);
    case Endpoint::cumulative_incidence_of_relapse: {
      if (!responder_seen) return {false, 0.0, 0};
      ObservedOutcome outcome = first_event(relapse_or_death, censor, 0.0);
      if (outcome.status == 1 && patient.relapse_time > patient.death_time) outcome.status = 2;
      return outcome;
    }
  }
  return {false, 0.0, 0};
}

}  // namespace trialsim
