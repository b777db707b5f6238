#pragma once
// `single_arm_sequential` on bare response/toxicity rates (a config without `model`) with
// `design.conduct`: every replicate runs in calendar time (calendar_trial.h) on the same conduct
// as the CAR-T variant (car_t_sequential.h), and reports the same rows (sequential_conduct.h).
//
// Draws of replicate r, shared by every scenario (common random numbers):
//  * the entry times of max_patients patients: sample_entry_times(conduct.accrual) on the
//    `enrolment` stream (models/conduct.h), as the CAR-T variant;
//  * patient i's response uniform u_i from the `response` stream and toxicity uniform v_i from
//    the `adverse_events` stream: the same uniforms, in the same order, as the run without
//    conduct (run_sequential_trial), so a scenario's patients have the same outcomes with and
//    without conduct and only the calendar differs.
// Scenario (p, q): patient i responds iff u_i < p, known at entry_i + response_assessment_months;
// has the monitored adverse event iff v_i < q, known at entry_i + safety_window_days / (365.25/12).
// With both delays 0 the trial is run_sequential_trial's on the same outcomes, decision for
// decision, with or without the pause (the entry times increase strictly with probability 1;
// calendar_trial.h).
//
// Pure: no I/O, no globals; no allocation per patient once the workspace has grown.
#include <cstdint>
#include <vector>

#include "designs/design.h"
#include "designs/single_arm_sequential/calendar_trial.h"
#include "designs/single_arm_sequential/sequential_conduct.h"
#include "designs/single_arm_sequential/single_arm_sequential.h"

namespace trialsim::designs::single_arm_sequential {

// Caller-owned scratch, reused across replicates and scenarios.
struct BareRateCalendarWorkspace {
  std::vector<double> entry, scratch;          // entry times (calendar months), sort scratch
  std::vector<double> response_u, toxicity_u;  // per-patient uniforms
  std::vector<PendingOutcomePatient> patients;
  CalendarSequentialWorkspace calendar;
};

// Replicate `replicate`'s entry times and uniforms for `max_patients` patients (above).
void draw_bare_rate_replicate(const AccrualModel& accrual, std::size_t max_patients,
                              std::uint64_t seed, std::uint64_t replicate,
                              BareRateCalendarWorkspace& ws);

// One trial of `scenario` on the draws in `ws` (draw_bare_rate_replicate). An unset response
// assessment time counts as 0.
CalendarSequentialReplicate run_bare_rate_calendar_trial(const SingleArmSequentialDesign& design,
                                                         const SequentialConduct& conduct,
                                                         const SequentialScenario& scenario,
                                                         BareRateCalendarWorkspace& ws);

// The rows each scenario reports: those of a CAR-T point scenario (no success_and_truly_toxic).
std::vector<OcRow> bare_rate_calendar_reported_rows(
    const std::vector<SequentialScenario>& scenarios);

// Every scenario over the simulation's replicates (core/scenario_loop.h): rows with MCSE and
// exact values (exact_calendar_rows at the scenario's rates). design_facts is left to the caller.
StudyResult run_bare_rate_calendar_study(const SingleArmSequentialDesign& design,
                                         const SequentialConduct& conduct,
                                         const std::vector<SequentialScenario>& scenarios,
                                         const SimulationSettings& simulation,
                                         const RunRequest& request);

}  // namespace trialsim::designs::single_arm_sequential
