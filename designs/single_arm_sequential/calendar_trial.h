#pragma once
// One single-arm sequential trial (Simon two-stage or Bayesian efficacy/futility monitoring, with
// an optional safety stopping rule) run in CALENDAR time with pending outcomes.
//
// Why: run_sequential_trial (single_arm_sequential.h) treats every outcome as known the moment
// the patient enrols. A real trial keeps enrolling while earlier outcomes are pending (response
// is assessed at a stated time after infusion, a toxicity is known when its window closes), so
// a look sees fewer outcomes than patients enrolled, the patients enrolled meanwhile (the
// overrun) stay in the trial whatever the look decides, and a safety rule "checked after every
// patient" sees only the toxicities already known. Ignoring this flatters the design: fewer
// patients, earlier stops, safety looks on data nobody has yet.
//
// Conduct (times in months on the trial's calendar; patients in enrolment order):
//  * Enrolment. Patient i enrols at enrolled_at[i], for i < max_patients =
//    design.efficacy.max_patients(), until the trial stops. Patients enrolled when a look stops
//    the trial stay enrolled and are counted in patients_enrolled.
//  * Efficacy looks. Response outcomes become known in the order of (response_known_at, patient
//    index). Look k of the efficacy rule (Simon: n1, then n; Bayesian: its look sizes m_k) happens
//    at the calendar time the m_k-th response outcome becomes known and uses exactly those m_k
//    outcomes (a later outcome known at the same instant is not in it: the look is defined by its
//    size, as in the design's exact operating characteristics). The last look, of size
//    max_patients, is the final analysis: it happens when every enrolled patient's response is
//    known, since a trial that was not stopped has enrolled max_patients.
//  * Safety looks. Toxicity outcomes become known in the order of (toxicity_known_at, patient
//    index); safety look j happens when the s_j-th toxicity outcome is known (s_j =
//    design.safety->look_sizes[j], i.e. every `every` known outcomes) and uses those s_j only.
//  * The trial ends at its first stopping look (safety, efficacy or futility) or at the final
//    analysis; duration is the calendar time of that look. Toxicity outcomes still pending at
//    the final analysis do not change the decision (the trial has reported); what they would
//    have said is in safety_would_stop_if_continued.
//  * Ties at one calendar instant are processed as: enrolments, then toxicity outcomes (with their
//    safety looks), then response outcomes (with their efficacy looks); within a kind in the order
//    above. Enrolment first: a patient enrolling at the moment of a stopping look was already
//    enrolled. Safety before efficacy: as in run_sequential_trial, a toxicity stop pre-empts an
//    efficacy decision made at the same moment.
// With every known_at == enrolled_at and strictly increasing enrolment times this is exactly
// run_sequential_trial on the same outcomes (tests/test_calendar_sequential.cpp checks it bit for
// bit).
//
// pause_for_interim: enrolment stops once the m_k patients of an interim efficacy look are
// enrolled (Simon: after stage 1; Bayesian: at each interim look) until that look has decided;
// if the trial continues, enrolment resumes at the decision time D_k. The accrual clock is
// stopped during the pause: every later patient's enrolment and outcome times are shifted by the
// pause length D_k - enrolled_at'[m_k - 1] (' = after earlier shifts), so each patient's own-clock
// delays (enrolment to assessment) are kept and the first post-pause gap is the gap the patient
// list had (for Poisson accrual, restarting the arrival process at D_k has that distribution).
// A patient whose shifted entry falls exactly at D_k enrols only if the look continues the trial.
// Which patients a look uses depends only on the times (with or without the pause), so when the
// outcomes are iid and independent of the times, a Simon look sees n1 / n iid outcomes and the
// decision probabilities are exactly Simon's (likewise the single-rule flags below); only the
// enrolled count (overrun, absent with the pause) and the duration change.
//
// Single-rule flags (for the joint probabilities a safety committee asks for, and for the exact
// single-rule values the design tests compare with):
//  * efficacy_rule_alone_success: the same trial (same calendar, same pauses) without its safety
//    rule would have succeeded. Equal to success whenever the trial did not stop for safety.
//  * safety_would_stop_if_continued: had safety monitoring run over all max_patients patients on
//    this trial's calendar (enrolment continuing after an efficacy or futility stop, pauses as if
//    each interim look continued), the safety rule would have stopped. An efficacy stop ends
//    safety monitoring, so P(success and safety_would_stop_if_continued) is the probability of
//    declaring a truly toxic treatment efficacious. True whenever safety_stop is.
//  * safety_rule_alone_stop: the safety rule alone (no efficacy rule, hence no pauses) over the
//    patient list as given. Equal to safety_would_stop_if_continued without pause_for_interim.
// Without a safety rule the three safety flags are false.
//
// Cost: two sorts of max_patients indices per trial (a third with pauses for the alone flag),
// then one merge of three event streams; no allocation once the workspace has grown to
// max_patients. Pure: no I/O, no globals.
#include <cstdint>
#include <span>
#include <vector>

#include "designs/single_arm_sequential/single_arm_sequential.h"

namespace trialsim {

// One patient of a calendar-time trial. Requires finite times with
// response_known_at >= enrolled_at and toxicity_known_at >= enrolled_at.
struct PendingOutcomePatient {
  double enrolled_at = 0.0;        // calendar month of enrolment (non-decreasing over patients)
  bool responded = false;          // the response outcome, once known
  double response_known_at = 0.0;  // calendar month the response outcome becomes known
  bool toxic = false;              // the monitored adverse event, once known
  double toxicity_known_at = 0.0;  // calendar month the toxicity outcome becomes known
};

struct SequentialConductOptions {
  bool pause_for_interim = false;  // hold enrolment at each interim efficacy look (see above)
};

struct CalendarSequentialReplicate {
  bool success = false;         // H0 rejected (final or early efficacy) before any safety stop
  bool early_efficacy = false;  // efficacy stop at an interim look
  bool early_futility = false;  // futility stop at an interim look (Simon: after stage 1)
  bool safety_stop = false;
  int patients_enrolled = 0;     // including the overrun enrolled while outcomes were pending
  int responses_evaluated = 0;   // response outcomes known at the decision
  int toxicities_evaluated = 0;  // toxicity outcomes known at the decision
  double duration = 0.0;         // calendar month of the deciding look
  bool efficacy_rule_alone_success = false;
  bool safety_rule_alone_stop = false;
  bool safety_would_stop_if_continued = false;
};

// Caller-owned scratch, reused across trials: after the first trial of a given max_patients,
// no allocation. Contents are internal to run_sequential_trial_in_calendar_time.
struct CalendarSequentialWorkspace {
  std::vector<double> enrolled_at, response_known_at, toxicity_known_at;  // trial calendar
  std::vector<std::uint32_t> response_order, toxicity_order, unpaused_toxicity_order;
};

// The trial above on the first design.efficacy.max_patients() entries of `patients` (further
// entries are ignored). Throws std::invalid_argument when there are fewer patients, a time is not
// finite, an outcome is known before enrolment or enrolment times decrease.
CalendarSequentialReplicate run_sequential_trial_in_calendar_time(
    const SingleArmSequentialDesign& design, std::span<const PendingOutcomePatient> patients,
    const SequentialConductOptions& options, CalendarSequentialWorkspace& workspace);

}  // namespace trialsim
