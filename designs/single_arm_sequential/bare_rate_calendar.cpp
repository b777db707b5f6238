#include "designs/single_arm_sequential/bare_rate_calendar.h"

#include <string>

#include "core/rng.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/design_support.h"

namespace trialsim::designs::single_arm_sequential {

void draw_bare_rate_replicate(const AccrualModel& accrual, std::size_t max_patients,
                              std::uint64_t seed, std::uint64_t replicate,
                              BareRateCalendarWorkspace& ws) {
  ws.entry.resize(max_patients);
  ws.response_u.resize(max_patients);
  ws.toxicity_u.resize(max_patients);
  ws.patients.resize(max_patients);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  sample_entry_times(accrual, enrolment, ws.entry, ws.scratch);
  Rng response = make_stream(seed, replicate, StreamPurpose::response);
  Rng toxicity = make_stream(seed, replicate, StreamPurpose::adverse_events);
  for (std::size_t i = 0; i < max_patients; ++i) {
    ws.response_u[i] = uniform01(response);
    ws.toxicity_u[i] = uniform01(toxicity);
  }
}

CalendarSequentialReplicate run_bare_rate_calendar_trial(const SingleArmSequentialDesign& design,
                                                         const SequentialConduct& conduct,
                                                         const SequentialScenario& scenario,
                                                         BareRateCalendarWorkspace& ws) {
  const double assessment = conduct.response_assessment_months.value_or(0.0);
  const double window = conduct.safety_window_months();
  for (std::size_t i = 0; i < ws.patients.size(); ++i) {
    const double entry = ws.entry[i];
    ws.patients[i] = {entry, ws.response_u[i] < scenario.response_rate, entry + assessment,
                      ws.toxicity_u[i] < scenario.toxicity_rate, entry + window};
  }
  return run_sequential_trial_in_calendar_time(design, ws.patients, {conduct.pause_for_interim},
                                               ws.calendar);
}

std::vector<OcRow> bare_rate_calendar_reported_rows(
    const std::vector<SequentialScenario>& scenarios) {
  const CalendarSequentialTally tally;
  std::vector<OcRow> rows;
  for (const SequentialScenario& scenario : scenarios) {
    const auto scenario_rows = tally.oc_rows(scenario.name, CALENDAR_POINT_ROW_COUNT);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

StudyResult run_bare_rate_calendar_study(const SingleArmSequentialDesign& design,
                                         const SequentialConduct& conduct,
                                         const std::vector<SequentialScenario>& scenarios,
                                         const SimulationSettings& simulation,
                                         const RunRequest& request) {
  const auto n_max = static_cast<std::size_t>(design.efficacy.max_patients());
  StudyResult result;
  result.rows = run_scenario_tallies<CalendarSequentialTally, BareRateCalendarWorkspace>(
      simulation, request, scenarios.size(), std::string(calendar_replicate_header()),
      [] { return CalendarSequentialTally{}; },
      [&](std::uint64_t r, std::vector<CalendarSequentialTally>& tallies,
          BareRateCalendarWorkspace& ws, std::string* rows) {
        draw_bare_rate_replicate(conduct.accrual, n_max, simulation.seed, r, ws);
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          const CalendarSequentialReplicate out =
              run_bare_rate_calendar_trial(design, conduct, scenarios[s], ws);
          tallies[s].add(out, false);  // success_and_truly_toxic is not reported here
          if (rows) append_calendar_replicate_row(*rows, r, scenarios[s].name, out);
        }
      },
      [&](const std::vector<CalendarSequentialTally>& totals) {
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
          return totals[s].oc_rows(scenarios[s].name, CALENDAR_POINT_ROW_COUNT);
        });
      },
      result.precision);
  for (const SequentialScenario& scenario : scenarios) {
    const auto exact = exact_calendar_rows(design, conduct.pause_for_interim,
                                           scenario.response_rate, scenario.toxicity_rate);
    result.exact_estimates.insert(result.exact_estimates.end(), exact.begin(),
                                  exact.begin() + CALENDAR_POINT_ROW_COUNT);
  }
  return result;
}

}  // namespace trialsim::designs::single_arm_sequential
