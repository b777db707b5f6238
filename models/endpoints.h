#pragma once
// Time-to-event endpoints from infusion, derived from a patient's true trajectory and the data
// cut, as a statistician would derive them from a locked database. All times in months on the
// patient's own clock (0 = infusion).
//
// Conventions (the seed study: "Both OS and RFS were calculated from the day of infusion"):
//   overall_survival (OS)            all patients; event = death from any cause.
//   relapse_free_survival (RFS)      responders only, from infusion; event = relapse or death.
//                                    (The seed reports 12-month RFS 69.8 % above OS 64.5 %, which
//                                    only a responders-only RFS can give.)
//   duration_of_response (DOR)       responders only, from the response date; event = relapse;
//                                    death in remission censors. (The seed reports 12-month DOR
//                                    83.2 % above RFS 69.8 %: impossible if DOR also counted
//                                    deaths, since it starts later on the same patients.)
//   event_free_survival (EFS)        all patients, from infusion; event = relapse or death, and
//                                    non-response counts as an event at day 0 (time 0).
//   cumulative_incidence_of_relapse  responders only, from infusion; status 1 = relapse,
//                                    2 = death without relapse (competing), 0 = censored;
//                                    analysed by Aalen–Johansen.
// Censoring: loss to follow-up (dropout) and the administrative cut (cut-off - entry), whichever
// comes first. An event exactly at the censoring time counts as an event.
#include <limits>

namespace trialsim {

struct PatientTrajectory {
  bool responded = false;      // best response CR/CRi
  double response_time = 0.0;  // months from infusion to response (responders)
  double relapse_time = std::numeric_limits<double>::infinity();  // months from infusion
  double death_time = std::numeric_limits<double>::infinity();    // months from infusion
  double dropout_time = std::numeric_limits<double>::infinity();  // loss to follow-up
};

enum class Endpoint {
  overall_survival,
  relapse_free_survival,
  duration_of_response,
  event_free_survival,
  cumulative_incidence_of_relapse,
};

struct ObservedOutcome {
  bool in_population;  // false: the endpoint does not apply (e.g. DOR of a non-responder), or
                       // the response was not yet seen at the cut
  double time;         // months, on the endpoint's clock
  int status;          // 0 censored, 1 event (for CIR: 1 relapse, 2 competing death)
};

// `follow_up` = cut-off - entry: the administrative censoring time on the patient's clock.
ObservedOutcome observe_endpoint(Endpoint endpoint, const PatientTrajectory& patient,
                                 double follow_up);

}  // namespace trialsim
