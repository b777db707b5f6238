#pragma once
// Trial conduct in calendar time: accrual, the analysis cut-off, and the data cut.
//
// Clocks: *calendar time* runs from the first possible enrolment (month 0 of the study); each
// patient's *own clock* runs from their entry (infusion / randomisation). All times in months.
// A patient's true event and dropout times are on their own clock; the analysis cut-off is a
// calendar time; the data cut converts between the two exactly as a real database lock does:
//   * patients entering at or after the cut-off are not in the analysis;
//   * status = 1 only if the event came no later than dropout and no later than the cut-off
//     (entry + event <= cut-off, on the calendar clock); observed time = the event time then,
//     else min(dropout, cut-off - entry).
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "core/rng.h"
#include "statistics/survival/logrank.h"
#include "statistics/survival/survival_data.h"

namespace trialsim {

inline constexpr double NEVER = std::numeric_limits<double>::infinity();

// Piecewise-constant accrual: `rate` patients per month for `duration` months, segment after
// segment; the last segment may last forever (duration = NEVER). A ramp-up is a rising sequence
// of rates. Uniform accrual of n patients over D months is its own kind (fixed n, fixed span).
struct AccrualSegment {
  double duration;  // months
  double rate;      // patients per month
};

struct AccrualModel {
  enum class Kind { uniform, piecewise };
  Kind kind = Kind::uniform;
  double duration = 0.0;                 // uniform: months over which entries are uniform
  std::vector<AccrualSegment> segments;  // piecewise: in calendar order
};

// Entry (calendar) times of `out.size()` patients, ascending.
// uniform: the order statistics of n iid U(0, duration) draws (sorted, O(n log n));
// piecewise: arrivals of a Poisson process with the piecewise-constant rate, by inversion of the
// cumulative rate (exponential gaps on the unit-rate clock). Throws std::invalid_argument when
// the segments end (finite total duration) before n patients have arrived.
void sample_entry_times(const AccrualModel& accrual, Rng& rng, std::span<double> out);
// The same entry times, sorted through `scratch` by a bucket sort (uniform accrual: O(n)
// expected instead of O(n log n)); no allocation once `scratch` is large enough.
void sample_entry_times(const AccrualModel& accrual, Rng& rng, std::span<double> out,
                        std::vector<double>& scratch);

// When the analysis happens.
struct AnalysisTiming {
  enum class Trigger { calendar, after_last_enrolment, events };
  Trigger trigger = Trigger::events;
  double calendar_time = 0.0;         // calendar: the cut-off (months since study start)
  double follow_up_after_last = 0.0;  // after_last_enrolment: months after the last entry
  int target_events = 0;              // events: cut-off at the calendar time of this event
  double minimum_follow_up = 0.0;     // if > 0, the cut-off is never before last entry + this
};

struct CutoffResult {
  double calendar_time;  // the cut-off
  bool target_reached;   // events trigger: false when fewer events ever occur (then the cut-off
                         // is the time the last patient's follow-up ends: all data are in)
};

// entry: calendar entry times; event_time/dropout_time on each patient's own clock (NEVER for
// none). `scratch` is reused (no allocation once it is large enough). O(n) on average
// (nth_element) for the events trigger.
CutoffResult analysis_cutoff(const AnalysisTiming& timing, std::span<const double> entry,
                             std::span<const double> event_time,
                             std::span<const double> dropout_time, std::vector<double>& scratch);

// The cut-offs of several analyses of one cohort that differ only in the target event count
// (the looks of a group-sequential trial), from one pass over the patients: prepare() collects
// the calendar times of the events that will ever be observed and counts them into buckets once;
// cutoff(timing) then selects the target's event time within its bucket without disturbing the
// collected times, so the looks can be asked for lazily, in any order. cutoff(timing) equals
// analysis_cutoff(timing, ...) bit for bit when timing has prepare's trigger and
// minimum_follow_up (the event pass is skipped for the other triggers).
class EventCutoffs {
 public:
  void prepare(const AnalysisTiming& timing, std::span<const double> entry,
               std::span<const double> event_time, std::span<const double> dropout_time);
  // prepare for a cohort without dropout (every dropout time NEVER) whose entries are
  // non-decreasing and whose event times lie in [0, longest_event_time]: every event is observed
  // some day, and the calendar times lie in [first entry, last entry + longest], known before
  // they are computed, so one pass writes and buckets them. The same cut-offs as prepare.
  void prepare_no_dropout(const AnalysisTiming& timing, std::span<const double> entry,
                          std::span<const double> event_time, std::span<const double> dropout_time,
                          double longest_event_time);
  CutoffResult cutoff(const AnalysisTiming& timing);

 private:
  std::vector<double> times_, bucket_values_;  // observed event times (calendar); one bucket's
  std::vector<std::uint16_t> counts_;          // values per bucket (times_.size() buckets)
  std::vector<std::uint16_t> buckets_;         // each time's bucket (index as in times_)
  double last_entry_ = 0.0, earliest_ = 0.0, end_of_all_follow_up_ = 0.0;
  double lo_ = 0.0, scale_ = 0.0;
  bool bucketed_ = false;
  std::size_t bucket_of(double v) const;
  double kth_smallest(std::size_t rank);
};

// The data cut at `cutoff` (calendar). Writes one (time, status) per *included* patient, in
// patient order, plus each included patient's original index; returns how many were included.
// Output spans must have room for all patients.
std::size_t cut_data(double cutoff, std::span<const double> entry,
                     std::span<const double> event_time, std::span<const double> dropout_time,
                     std::span<double> time_out, std::span<int> status_out,
                     std::span<std::uint32_t> index_out);

// The same data cut written straight into ws.sorted_scratch as (time, index, status, arm)
// records (index = patient index) and sorted into ws.sorted by sort_cohort_records: the cohort
// that sort_cohort would produce from cut_data's output (same order), without the intermediate
// arrays. `arm`: 0/1 per patient. Returns how many patients were included. Throws
// std::invalid_argument if an observed time is not finite (e.g. a cut-off at infinity).
std::size_t cut_sorted(double cutoff, std::span<const double> entry,
                       std::span<const double> event_time, std::span<const double> dropout_time,
                       std::span<const int> arm, SurvivalWorkspace& ws);

// The unstratified log-rank test of the data cut at `cutoff` without dropout, from orders
// prepared once per cohort, without building or sorting the cut cohort: the same result as
// cut_sorted(cutoff, entry, event_time, NEVER for every dropout, arm, ws) followed by
// log_rank(ws.sorted), bit for bit (the same terms in the same order; the numbers at risk are
// integers held exactly in doubles, so removing subjects one by one instead of one time group
// at a time gives the same values), and it throws in the same case.
// Requires: entry non-decreasing (the analysed patients are then a prefix) and `order[a]` the
// patients of arm a in non-decreasing order of event_time (the scenarios of a replicate differ
// only in the hazards, which scale each arm's event times by one factor, so one order serves
// all). The observed events of each arm then come in that order and the censored patients
// (observed time cutoff - entry) in decreasing patient order: the walk merges the three runs.
// The first half of cut_log_rank_no_dropout, for analyses beyond the test: the data cut at
// `cutoff` as three runs (statistics/survival/survival_data.h) in `scratch`, valid until it
// changes. Merged, the runs hold the times, statuses and arms of cut_sorted's cohort (with the
// same requirements, and it throws in the same case).
CohortRuns cut_runs_no_dropout(double cutoff, std::span<const double> entry,
                               std::span<const double> event_time, std::span<const int> arm,
                               std::span<const std::uint32_t> control_order,
                               std::span<const std::uint32_t> experimental_order,
                               std::vector<double>& scratch);

struct CutLogRank {
  LogRankResult test;
  std::size_t analysed;  // patients entered before the cut-off
  std::size_t events;    // events observed at the cut
};
CutLogRank cut_log_rank_no_dropout(double cutoff, std::span<const double> entry,
                                   std::span<const double> event_time, std::span<const int> arm,
                                   std::span<const std::uint32_t> control_order,
                                   std::span<const std::uint32_t> experimental_order,
                                   std::vector<double>& scratch);

}  // namespace trialsim
