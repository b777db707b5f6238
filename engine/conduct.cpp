#include "engine/conduct.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/samplers.h"

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
  double segment_start = 0.0;     // calendar time at which `segment` starts
  double unit_clock_used = 0.0;   // Lambda at segment_start
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

CutoffResult analysis_cutoff(const AnalysisTiming& timing, std::span<const double> entry,
                             std::span<const double> event_time,
                             std::span<const double> dropout_time, std::vector<double>& scratch) {
  const double last_entry = entry.empty() ? 0.0 : *std::max_element(entry.begin(), entry.end());
  // Without a minimum follow-up the cut-off may fall before enrolment ends (patients entering
  // later are simply not in the analysis); with one, every patient has at least that much.
  const double earliest = timing.minimum_follow_up > 0.0 ? last_entry + timing.minimum_follow_up : 0.0;
  switch (timing.trigger) {
    case AnalysisTiming::Trigger::calendar:
      return {std::max(timing.calendar_time, earliest), true};
    case AnalysisTiming::Trigger::after_last_enrolment:
      return {std::max(last_entry + timing.follow_up_after_last, earliest), true};
    case AnalysisTiming::Trigger::events:
      break;
  }
  // Calendar times of the events that will ever be observed (event before dropout).
  scratch.clear();
  double end_of_all_follow_up = 0.0;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    const double own = std::min(event_time[i], dropout_time[i]);
    if (event_time[i] <= dropout_time[i] && std::isfinite(event_time[i])) {
      scratch.push_back(entry[i] + event_time[i]);
    }
    if (std::isfinite(own)) end_of_all_follow_up = std::max(end_of_all_follow_up, entry[i] + own);
  }
  const auto k = static_cast<std::size_t>(timing.target_events);
  if (scratch.size() < k || k == 0) {
    // The target is never reached: analyse when nothing more can happen (or, if some patients
    // are followed forever without event, at the last event/dropout time).
    return {std::max(end_of_all_follow_up, earliest), false};
  }
  std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch.end());
  return {std::max(scratch[k - 1], earliest), true};
}

std::size_t cut_data(double cutoff, std::span<const double> entry, std::span<const double> event_time,
                     std::span<const double> dropout_time, std::span<double> time_out,
                     std::span<int> status_out, std::span<std::uint32_t> index_out) {
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

}  // namespace trialsim
