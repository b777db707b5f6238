#include "models/conduct.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/buckets.h"
#include "core/samplers.h"

namespace trialsim {

void sample_entry_times(const AccrualModel& accrual, Rng& rng, std::span<double> out) {
  if (accrual.kind == AccrualModel::Kind::uniform) {
    for (double& t : out) t = uniform(0.0, accrual.duration, rng);
    std::sort(out.begin(), out.end());
    return;
  }
  // Poisson process: the unit-rate clock advances by Exp(1) per arrival; map it back through the
  // cumulative rate Lambda(t) = sum over segments of rate * time spent in the segment.
  std::size_t segment = 0;
  double segment_start = 0.0;    // calendar time at which `segment` starts
  double unit_clock_used = 0.0;  // Lambda at segment_start
  double unit_clock = 0.0;
  for (double& t : out) {
    unit_clock += exponential(1.0, rng);
    for (;;) {
      if (segment >= accrual.segments.size()) {
        throw std::invalid_argument("sample_entry_times: accrual ends after " +
                                    std::to_string(segment_start) + " months before all " +
                                    std::to_string(out.size()) + " patients arrived");
      }
      const AccrualSegment& s = accrual.segments[segment];
      const double capacity = s.rate * s.duration;  // expected arrivals in the segment (may be inf)
      if (unit_clock - unit_clock_used <= capacity && s.rate > 0.0) {
        t = segment_start + (unit_clock - unit_clock_used) / s.rate;
        break;
      }
      unit_clock_used += capacity;
      segment_start += s.duration;
      ++segment;
    }
  }
}

namespace {

// The bucket sort and selections (here and EventCutoffs', as many buckets as times) count into
// 16-bit integers: up to 65 535 values.
constexpr std::size_t BUCKETED_MAX = 65535;

// The value of rank `rank` (from 0) of `values`, which may be reordered: what nth_element would
// leave at values[rank]. From 16 to 65 535 values: a bucket selection (count values into
// equal-width buckets over [lo, hi], the values' range, found by the pass that wrote them; as
// many as values, at most 1024; then select within the one bucket holding the rank), expected
// O(n) with few unpredictable branches; otherwise nth_element.
double kth_smallest(std::vector<double>& values, std::size_t rank, double lo, double hi) {
  constexpr std::size_t MAX_BUCKETS = 1024;
  const std::size_t n = values.size();
  if (n > BUCKETED_MAX || n < 16) {
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                     values.end());
    return values[rank];
  }
  const std::size_t buckets = std::min(n, MAX_BUCKETS);
  const double scale = equal_width_scale(buckets, lo, hi);
  const auto bucket_of = [&](double v) { return equal_width_bucket(v, lo, scale, buckets - 1); };
  std::array<std::uint16_t, MAX_BUCKETS> count;  // counts up to n <= 65 535
  std::fill_n(count.begin(), buckets, std::uint16_t{0});
  for (const double v : values) ++count[bucket_of(v)];
  std::size_t bucket = 0, below = 0;
  while (below + count[bucket] <= rank) below += count[bucket++];
  // The bucket's values, compacted to the front (written always, kept by arithmetic).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = values[i];
    values[kept] = v;
    kept += bucket_of(v) == bucket ? 1 : 0;
  }
  const auto first = values.begin();
  std::nth_element(first, first + static_cast<std::ptrdiff_t>(rank - below),
                   first + static_cast<std::ptrdiff_t>(kept));
  return values[rank - below];
}

// Sorts `values`, every one of them in [lo, hi], ascending: from 16 to 4096 values by a bucket
// sort over [lo, hi] (2n buckets, at most 2048) through `scratch` (expected O(n) for spread-out
// values such as uniform entry times; crowded buckets by std::sort), otherwise by std::sort. The
// bounds are the caller's (the range the values were drawn from), so no pass looks for them.
void sort_values(std::span<double> values, double lo, double hi, std::vector<double>& scratch) {
  constexpr std::size_t MAX_BUCKETS = 2048;
  const std::size_t n = values.size();
  if (n > 2 * MAX_BUCKETS || n < 16) {
    std::sort(values.begin(), values.end());
    return;
  }
  // Twice as many buckets as values, as sort_cohort_records has (fewer values share a bucket with
  // an earlier one, and the insertion pass below mispredicts less on them). Beyond 1024 values,
  // 2048 buckets (an array on the stack): up to two values each on average, which the insertion
  // pass still orders in O(n).
  const std::size_t buckets = std::min(2 * n, MAX_BUCKETS);
  const double scale = equal_width_scale(buckets, lo, hi);
  const auto bucket_of = [&](double v) { return equal_width_bucket(v, lo, scale, buckets - 1); };
  std::array<std::uint16_t, MAX_BUCKETS + 1> offset;  // offsets up to n <= 4096
  std::fill_n(offset.begin(), buckets + 1, std::uint16_t{0});
  for (const double v : values) ++offset[bucket_of(v) + 1];
  for (std::size_t b = 0; b < buckets; ++b)
    offset[b + 1] = static_cast<std::uint16_t>(offset[b + 1] + offset[b]);
  scratch.resize(n);
  for (const double v : values) scratch[offset[bucket_of(v)]++] = v;
  // Buckets are in order; one insertion pass over the whole array finishes (as in
  // sort_cohort_records), or std::sort if the values crowd into few buckets.
  std::size_t moves = 0;
  const std::size_t budget = 8 * n + 64;
  for (std::size_t k = 1; k < n; ++k) {
    if (!(scratch[k] < scratch[k - 1])) continue;
    const double v = scratch[k];
    std::size_t j = k;
    do {
      scratch[j] = scratch[j - 1];
      --j;
      ++moves;
    } while (j > 0 && v < scratch[j - 1]);
    scratch[j] = v;
    if (moves > budget) {
      std::sort(scratch.begin(), scratch.end());
      break;
    }
  }
  std::copy(scratch.begin(), scratch.end(), values.begin());
}

// What observed_event_times finds besides the times, in the same pass.
struct EventTimeScan {
  double end_of_all_follow_up;  // the calendar end of all follow-up (see below)
  double last_entry;            // the latest entry (0 without patients)
  double least, greatest;       // the least and greatest time written (+Inf and -Inf if none)
};

// Calendar times of the events that will ever be observed (event before dropout) into `out`,
// unordered; the calendar end of all follow-up is the last event or dropout (0 for patients
// followed forever). Written unconditionally and kept by arithmetic: the event-or-dropout test is
// a coin flip that a branch would mispredict half the time. Shared by analysis_cutoff and
// EventCutoffs::prepare; the latest entry and the range of the times come with it, so that no
// other pass reads them (each maximum is a chain of dependent steps: several in one pass overlap).
EventTimeScan observed_event_times(std::span<const double> entry,
                                   std::span<const double> event_time,
                                   std::span<const double> dropout_time, std::vector<double>& out) {
  out.resize(entry.size());
  std::size_t observed = 0;
  constexpr double INF = std::numeric_limits<double>::infinity();
  EventTimeScan scan{0.0, entry.empty() ? 0.0 : entry[0], INF, -INF};
  for (std::size_t i = 0; i < entry.size(); ++i) {
    const double own = std::min(event_time[i], dropout_time[i]);
    const double calendar = entry[i] + event_time[i];
    out[observed] = calendar;
    const bool kept = (static_cast<unsigned>(event_time[i] <= dropout_time[i]) &
                       static_cast<unsigned>(std::isfinite(event_time[i]))) != 0;
    observed += kept ? 1 : 0;
    scan.least = std::min(scan.least, kept ? calendar : INF);
    scan.greatest = std::max(scan.greatest, kept ? calendar : -INF);
    scan.end_of_all_follow_up =
        std::max(scan.end_of_all_follow_up, std::isfinite(own) ? entry[i] + own : 0.0);
    scan.last_entry = std::max(scan.last_entry, entry[i]);
  }
  out.resize(observed);
  return scan;
}

}  // namespace

void sample_entry_times(const AccrualModel& accrual, Rng& rng, std::span<double> out,
                        std::vector<double>& scratch) {
  if (accrual.kind == AccrualModel::Kind::uniform) {
    Rng local = rng;  // in registers: through the reference every draw waits on memory
    for (double& t : out) t = uniform(0.0, accrual.duration, local);
    rng = local;
    sort_values(out, 0.0, accrual.duration, scratch);  // uniform() stays within [0, duration]
    return;
  }
  sample_entry_times(accrual, rng, out);
}

namespace {

// The earliest cut-off the timing allows. Without a minimum follow-up the cut-off may fall
// before enrolment ends (patients entering later are simply not in the analysis); with one,
// every patient has at least that much.
double earliest_cutoff(const AnalysisTiming& timing, double last_entry) {
  return timing.minimum_follow_up > 0.0 ? last_entry + timing.minimum_follow_up : 0.0;
}

double latest_entry(std::span<const double> entry) {
  return entry.empty() ? 0.0 : *std::max_element(entry.begin(), entry.end());
}

}  // namespace

CutoffResult analysis_cutoff(const AnalysisTiming& timing, std::span<const double> entry,
                             std::span<const double> event_time,
                             std::span<const double> dropout_time, std::vector<double>& scratch) {
  switch (timing.trigger) {
    case AnalysisTiming::Trigger::calendar:
      return {std::max(timing.calendar_time, earliest_cutoff(timing, latest_entry(entry))), true};
    case AnalysisTiming::Trigger::after_last_enrolment: {
      const double last_entry = latest_entry(entry);
      return {
          std::max(last_entry + timing.follow_up_after_last, earliest_cutoff(timing, last_entry)),
          true};
    }
    case AnalysisTiming::Trigger::events:
      break;
  }
  // The event-time scan also finds the latest entry and the times' range (no pass for either).
  const EventTimeScan scan = observed_event_times(entry, event_time, dropout_time, scratch);
  const double earliest = earliest_cutoff(timing, scan.last_entry);
  const auto k = static_cast<std::size_t>(timing.target_events);
  if (scratch.size() < k || k == 0) {
    // The target is never reached: analyse when nothing more can happen (or, if some patients
    // are followed forever without event, at the last event/dropout time).
    return {std::max(scan.end_of_all_follow_up, earliest), false};
  }
  return {std::max(kth_smallest(scratch, k - 1, scan.least, scan.greatest), earliest), true};
}

void EventCutoffs::prepare(const AnalysisTiming& timing, std::span<const double> entry,
                           std::span<const double> event_time,
                           std::span<const double> dropout_time) {
  // analysis_cutoff's first pass (the same expressions), done once for all looks.
  bucketed_ = false;
  if (timing.trigger != AnalysisTiming::Trigger::events) {
    last_entry_ = latest_entry(entry);
    earliest_ = earliest_cutoff(timing, last_entry_);
    times_.clear();
    return;
  }
  const EventTimeScan scan = observed_event_times(entry, event_time, dropout_time, times_);
  last_entry_ = scan.last_entry;
  earliest_ = earliest_cutoff(timing, last_entry_);
  end_of_all_follow_up_ = scan.end_of_all_follow_up;
  // kth_smallest's buckets, counted once: equal-width over [min, max], as many as values.
  const std::size_t n = times_.size();
  bucketed_ = n >= 16 && n <= BUCKETED_MAX;
  if (!bucketed_) return;
  lo_ = scan.least;
  scale_ = equal_width_scale(n, scan.least, scan.greatest);
  counts_.assign(n, 0);
  buckets_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto bucket = static_cast<std::uint16_t>(bucket_of(times_[i]));
    buckets_[i] = bucket;
    ++counts_[bucket];
  }
}

void EventCutoffs::prepare_no_dropout(const AnalysisTiming& timing, std::span<const double> entry,
                                      std::span<const double> event_time,
                                      std::span<const double> dropout_time,
                                      double longest_event_time) {
  const std::size_t n = entry.size();
  // The calendar times' bounds: fl(entry + t) is monotone in both terms, so every one lies in
  // [entry[0], fl(entry[n - 1] + longest)] when 0 <= t <= longest.
  const double lo = n > 0 ? entry[0] : 0.0;
  const double hi = n > 0 ? entry[n - 1] + longest_event_time : 0.0;
  if (timing.trigger != AnalysisTiming::Trigger::events || n < 16 || n > BUCKETED_MAX ||
      !std::isfinite(hi) || !(lo >= 0.0)) {
    prepare(timing, entry, event_time, dropout_time);
    return;
  }
  // observed_event_times with every dropout NEVER keeps every (finite) time, in patient order;
  // its latest entry is the last; its end of all follow-up the greatest calendar time.
  last_entry_ = entry[n - 1];
  earliest_ = earliest_cutoff(timing, last_entry_);
  lo_ = lo;
  scale_ = equal_width_scale(n, lo, hi);
  times_.resize(n);
  counts_.assign(n, 0);
  buckets_.resize(n);
  double greatest = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double calendar = entry[i] + event_time[i];
    times_[i] = calendar;
    greatest = std::max(greatest, calendar);
    const auto bucket = static_cast<std::uint16_t>(bucket_of(calendar));
    buckets_[i] = bucket;
    ++counts_[bucket];
  }
  end_of_all_follow_up_ = greatest;
  bucketed_ = true;
}

std::size_t EventCutoffs::bucket_of(double v) const {
  return equal_width_bucket(v, lo_, scale_, times_.size() - 1);
}

double EventCutoffs::kth_smallest(std::size_t rank) {
  if (!bucketed_) {
    // Few or many values: nth_element on a copy (times_ stays intact for the other looks).
    bucket_values_.assign(times_.begin(), times_.end());
    std::nth_element(bucket_values_.begin(),
                     bucket_values_.begin() + static_cast<std::ptrdiff_t>(rank),
                     bucket_values_.end());
    return bucket_values_[rank];
  }
  std::size_t bucket = 0, below = 0;
  while (below + counts_[bucket] <= rank) below += counts_[bucket++];
  // The bucket's values, copied out (written always, kept by arithmetic).
  const std::size_t n = times_.size();
  bucket_values_.resize(n);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bucket_values_[kept] = times_[i];
    kept += buckets_[i] == bucket ? 1 : 0;  // counted in prepare, not computed again per look
  }
  const auto first = bucket_values_.begin();
  std::nth_element(first, first + static_cast<std::ptrdiff_t>(rank - below),
                   first + static_cast<std::ptrdiff_t>(kept));
  return bucket_values_[rank - below];
}

CutoffResult EventCutoffs::cutoff(const AnalysisTiming& timing) {
  switch (timing.trigger) {
    case AnalysisTiming::Trigger::calendar:
      return {std::max(timing.calendar_time, earliest_), true};
    case AnalysisTiming::Trigger::after_last_enrolment:
      return {std::max(last_entry_ + timing.follow_up_after_last, earliest_), true};
    case AnalysisTiming::Trigger::events:
      break;
  }
  const auto k = static_cast<std::size_t>(timing.target_events);
  if (times_.size() < k || k == 0) return {std::max(end_of_all_follow_up_, earliest_), false};
  return {std::max(kth_smallest(k - 1), earliest_), true};
}

std::size_t cut_data(double cutoff, std::span<const double> entry,
                     std::span<const double> event_time, std::span<const double> dropout_time,
                     std::span<double> time_out, std::span<int> status_out,
                     std::span<std::uint32_t> index_out) {
  std::size_t included = 0;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    if (entry[i] >= cutoff) continue;  // not yet enrolled at the data cut
    // Compare on the calendar clock, exactly as analysis_cutoff computed the event's calendar
    // time, so the event that triggers the cut-off is always counted.
    const bool event_seen = event_time[i] <= dropout_time[i] && entry[i] + event_time[i] <= cutoff;
    time_out[included] = event_seen ? event_time[i] : std::min(dropout_time[i], cutoff - entry[i]);
    // Ties between event and dropout count as events.
    status_out[included] = event_seen ? 1 : 0;
    index_out[included] = static_cast<std::uint32_t>(i);
    ++included;
  }
  return included;
}

namespace {

// What cut_sorted and cut_runs_no_dropout throw when an analysed patient's observed time is not
// finite (e.g. a cut-off at infinity).
[[noreturn]] void throw_not_finite_time(double cutoff) {
  throw std::invalid_argument("cut_sorted: an observed time is not finite (cut-off " +
                              std::to_string(cutoff) + ")");
}

}  // namespace

std::size_t cut_sorted(double cutoff, std::span<const double> entry,
                       std::span<const double> event_time, std::span<const double> dropout_time,
                       std::span<const int> arm, SurvivalWorkspace& ws) {
  auto& records = ws.sorted_scratch;
  records.resize(entry.size());
  std::size_t included = 0;
  bool not_finite = false;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    // cut_data's rule without branches (event or censoring is a coin flip a branch would
    // mispredict): both candidate times, one kept by a bit mask; the record is written always
    // and kept when the patient entered before the cut-off.
    // (unsigned & unsigned: both comparisons always evaluated, no short-circuit branch.)
    const bool event_seen = (static_cast<unsigned>(event_time[i] <= dropout_time[i]) &
                             static_cast<unsigned>(entry[i] + event_time[i] <= cutoff)) != 0;
    const double censored = std::min(dropout_time[i], cutoff - entry[i]);
    const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(event_seen);
    const double time = std::bit_cast<double>((std::bit_cast<std::uint64_t>(event_time[i]) & mask) |
                                              (std::bit_cast<std::uint64_t>(censored) & ~mask));
    records[included] = {time, static_cast<std::uint32_t>(i), static_cast<std::uint8_t>(event_seen),
                         static_cast<std::uint8_t>(arm[i])};
    const bool in = entry[i] < cutoff;
    not_finite |= in & !std::isfinite(time);
    included += static_cast<std::size_t>(in);
  }
  if (not_finite) throw_not_finite_time(cutoff);
  records.resize(included);
  sort_cohort_records(ws);
  return included;
}

namespace {

// cut_runs_no_dropout's two loops (the runs' layout there). `Checked`: whether an observed time
// may be infinite (sets not_finite); unchecked only when the cut-off and every entry are finite,
// which makes every kept time finite (an event kept has t <= cutoff - entry; a censored time is
// cutoff - entry).
template <bool Checked>
void write_runs(double cutoff, std::span<const double> entry, std::span<const double> event_time,
                std::span<const int> arm, const std::span<const std::uint32_t> (&orders)[2],
                CohortRuns& runs, double* const (&events)[2], double* censored,
                double* censored_arm, bool& not_finite) {
  const std::size_t n = entry.size();
  // A patient with entry >= 0 and event time t > cutoff cannot have entry + t <= cutoff: each
  // arm's run stops there (only when all entries are >= 0).
  const double last_possible = n > 0 && entry[0] >= 0.0 ? cutoff : NEVER;
  for (int a = 0; a < 2; ++a) {
    std::size_t kept = 0;
    for (const std::uint32_t i : orders[a]) {
      const double t = event_time[i];
      if (t > last_possible) break;
      // cut_sorted's rule with dropout NEVER: an event when entry + t <= cutoff (t <= NEVER), in
      // the analysis when entry < cutoff. Written always, kept by arithmetic.
      const bool kept_event = (static_cast<unsigned>(entry[i] + t <= cutoff) &
                               static_cast<unsigned>(entry[i] < cutoff)) != 0;
      events[a][kept] = t;
      if constexpr (Checked) not_finite |= kept_event & !std::isfinite(t);
      kept += kept_event ? 1 : 0;
    }
    events[a][kept] = NEVER;
    runs.event_count[a] = kept;
  }
  // The analysed patients are those entered before the cut-off (a prefix: entries are sorted);
  // the censored among them (observed time: cut_sorted's min(dropout, cutoff - entry)) in
  // decreasing patient order. Kept by arithmetic, without a search for the prefix's end.
  std::size_t censored_count = 0, arm1 = 0;
  for (std::size_t i = n; i-- > 0;) {
    const unsigned in = static_cast<unsigned>(entry[i] < cutoff);
    const unsigned censored_in = in & static_cast<unsigned>(!(entry[i] + event_time[i] <= cutoff));
    const double time = std::min(NEVER, cutoff - entry[i]);
    censored[censored_count] = time;
    censored_arm[censored_count] = static_cast<double>(arm[i]);
    if constexpr (Checked) not_finite |= (censored_in != 0) & !std::isfinite(time);
    censored_count += censored_in;
    arm1 += static_cast<std::size_t>(static_cast<unsigned>(arm[i]) & in);
  }
  censored[censored_count] = NEVER;
  censored_arm[censored_count] = 0.0;
  runs.censored_count = censored_count;
  runs.arm1 = arm1;
}

}  // namespace

CohortRuns cut_runs_no_dropout(double cutoff, std::span<const double> entry,
                               std::span<const double> event_time, std::span<const int> arm,
                               std::span<const std::uint32_t> control_order,
                               std::span<const std::uint32_t> experimental_order,
                               std::vector<double>& scratch) {
  const std::size_t n = entry.size();
  // scratch: [-NEVER | events of arm 0 | NEVER][-NEVER | events of arm 1 | NEVER][-NEVER |
  // censored times | NEVER], and the censored patients' arms (as doubles, 0 under both ends) after
  // them: each run with its two ends (survival_data.h, CohortRuns).
  scratch.resize(4 * (n + 2));
  CohortRuns runs;
  double* const events[2] = {scratch.data() + 1, scratch.data() + n + 3};
  double* const censored = scratch.data() + 2 * n + 5;
  double* const censored_arm = scratch.data() + 3 * n + 7;
  events[0][-1] = events[1][-1] = censored[-1] = -NEVER;
  censored_arm[-1] = 0.0;
  runs.events[0] = events[0];
  runs.events[1] = events[1];
  runs.censored = censored;
  runs.censored_arm = censored_arm;
  const std::span<const std::uint32_t> orders[2] = {control_order, experimental_order};
  bool not_finite = false;
  // Entries are sorted: the first and the last bound them all.
  if (std::isfinite(cutoff) && (n == 0 || (std::isfinite(entry[0]) && std::isfinite(entry[n - 1]))))
    write_runs<false>(cutoff, entry, event_time, arm, orders, runs, events, censored, censored_arm,
                      not_finite);
  else
    write_runs<true>(cutoff, entry, event_time, arm, orders, runs, events, censored, censored_arm,
                     not_finite);
  if (not_finite) throw_not_finite_time(cutoff);
  return runs;
}

CutLogRank cut_log_rank_no_dropout(double cutoff, std::span<const double> entry,
                                   std::span<const double> event_time, std::span<const int> arm,
                                   std::span<const std::uint32_t> control_order,
                                   std::span<const std::uint32_t> experimental_order,
                                   std::vector<double>& scratch) {
  const CohortRuns runs = cut_runs_no_dropout(cutoff, entry, event_time, arm, control_order,
                                              experimental_order, scratch);
  return {log_rank(runs), runs.size(), runs.event_count[0] + runs.event_count[1]};
}

}  // namespace trialsim
