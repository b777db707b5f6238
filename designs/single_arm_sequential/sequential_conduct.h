#pragma once
// `design.conduct` of single_arm_sequential, shared by both of its model variants (bare
// response/toxicity rates in design.cpp and bare_rate_calendar.h; the fitted CAR-T model in
// car_t_sequential.h): when patients enter (design_support's accrual keys, under
// design.conduct.accrual), when each outcome becomes known, and whether enrolment pauses at an
// interim look. With it a trial runs in calendar time (calendar_trial.h); the keys are declared
// once, in the tables below, and read by them.
//
// Also shared: the rows a calendar-time run reports, their tally, the per-replicate rows and the
// exact values of those rows (the same for both variants, so that a bare-rate study and a CAR-T
// study of one design report the same things).
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "core/accumulator.h"
#include "core/output.h"
#include "designs/single_arm_sequential/calendar_trial.h"
#include "models/conduct.h"

namespace trialsim::designs::single_arm_sequential {

inline constexpr double DAYS_PER_MONTH = 365.25 / 12.0;  // the calendar's month: a Julian year / 12

struct SequentialConduct {
  AccrualModel accrual;
  // Months from entry (infusion) to the response assessment. Unset (CAR-T variant only): each
  // scenario's (or draw's) `response_time` parameter; the bare-rate variant reads it as 0.
  std::optional<double> response_assessment_months;
  double safety_window_days = 28.0;  // the monitored adverse event is known this long after entry
  bool pause_for_interim = false;    // calendar_trial.h
  double safety_window_months() const { return safety_window_days / DAYS_PER_MONTH; }
};

// design.conduct and its accrual tables (design.conduct.accrual, ...accrual.rates[]), in
// reference order.
std::vector<const KeyTable*> sequential_conduct_key_tables();

// Reads the (required) `design.conduct` mapping of `design` for a design enrolling up to
// `max_patients`. Throws ConfigError (located) on a bad key or value.
SequentialConduct read_sequential_conduct(MappingReader& design, int max_patients);

// The resolved echo of `design.conduct` (an unset response assessment echoes "response_time").
nlohmann::json sequential_conduct_json(const SequentialConduct& conduct);

// ---- Rows of a calendar-time run
// ----------------------------------------------------------------

// Row order of the tally and of the exact values. The first five are those of the run without
// conduct (every outcome known at enrolment): single_arm_sequential.h.
enum CalendarRow : std::size_t {
  SUCCESS,
  EARLY_EFFICACY,
  EARLY_FUTILITY,
  SAFETY_STOP,
  PATIENTS,
  PATIENTS_ENROLLED,
  DURATION,
  EFFICACY_ALONE,
  SAFETY_ALONE,
  SUCCESS_AND_WOULD_STOP,
  SUCCESS_AND_TRULY_TOXIC,  // CAR-T assurance entries with a safety rule only
  CALENDAR_ROW_COUNT
};
// Rows reported by an entry that has no success_and_truly_toxic row.
inline constexpr std::size_t CALENDAR_POINT_ROW_COUNT = CALENDAR_ROW_COUNT - 1;

// Patients whose outcomes the deciding look used: the safety look's known toxicities after a
// safety stop, else the efficacy look's known responses (with every outcome known at enrolment,
// run_sequential_trial's `patients`).
int patients_evaluated(const CalendarSequentialReplicate& r);

class CalendarSequentialTally {
 public:
  void reset() { *this = CalendarSequentialTally{}; }
  // `truly_toxic`: the entry's true rate of the monitored event is above the safety rule's
  // threshold (feeds success_and_truly_toxic only).
  void add(const CalendarSequentialReplicate& r, bool truly_toxic);
  void merge(const CalendarSequentialTally& o);
  // The first `row_count` rows of `scenario`.
  std::vector<OcRow> oc_rows(const std::string& scenario, std::size_t row_count) const;

  // Every member, for shard files, checkpoints and MPI (core/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(rows_);
  }

 private:
  std::array<MomentAccumulator, CALENDAR_ROW_COUNT> rows_;
};

// The header and one line of the per-replicate rows (replicates.csv).
std::string_view calendar_replicate_header();
void append_calendar_replicate_row(std::string& rows, std::uint64_t replicate,
                                   const std::string& scenario,
                                   const CalendarSequentialReplicate& r);

// Exact values of the rows at constant true rates (NaN where the maths gives none). Exact at any
// rates and any conduct: efficacy_rule_alone and safety_rule_alone. Each patient's response (and
// event) is an independent Bernoulli(rate) draw and the order outcomes become known depends only
// on the times (entry + fixed delays), not on the outcomes, so each look sees m_k iid outcomes:
// exactly Simon's / the Bayesian rule's / the safety rule's probabilities (calendar_trial.h).
// With a safety rule the combined design depends on the calendar (which toxicities are known at
// an efficacy look): NaN. Without one, every efficacy row, E[N] of evaluated patients and (with
// the pause) the enrolled count, which then equals the look size; the safety rows are 0.
std::array<double, CALENDAR_ROW_COUNT> exact_calendar_rows(const SingleArmSequentialDesign& design,
                                                           bool pause_for_interim,
                                                           double response_rate, double event_rate);

}  // namespace trialsim::designs::single_arm_sequential
