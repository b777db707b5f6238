#include "designs/design_support.h"

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "core/text_escape.h"
#include "designs/design.h"

namespace trialsim {
namespace {
constexpr double INF = std::numeric_limits<double>::infinity();
}  // namespace

void append_fields(std::string& out, std::uint64_t replicate, const std::string& scenario) {
  out += std::to_string(replicate);
  out += ',';
  out += csv_field(scenario);
}

std::string read_unique_scenario_name(MappingReader& item, std::set<std::string>& seen) {
  const std::string name = item.required_string("name");
  const std::string expected = "a unique, non-empty name of valid UTF-8 text, at most " +
                               std::to_string(MAX_SCENARIO_NAME_LENGTH) + " characters";
  if (name.empty()) item.fail("name", "empty scenario name", expected);
  // YAML escapes ("\uD800", "\xFF" in a double-quoted string) can make invalid UTF-8 from a valid
  // file.
  if (valid_utf8(name) != name) item.fail("name", "the scenario name is not valid UTF-8", expected);
  std::size_t characters = 0;
  for (const char c : name) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  if (characters > MAX_SCENARIO_NAME_LENGTH) {
    item.fail("name", "the scenario name has " + std::to_string(characters) + " characters",
              expected);
  }
  if (!seen.insert(name).second)
    item.fail("name", "duplicate scenario name \"" + name + "\"", expected);
  return name;
}

std::vector<std::string> interval_method_names() {
  std::vector<std::string> names;
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) names.emplace_back(to_string(method));
  return names;
}

IntervalMethod interval_method_from(const std::string& name) {
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) {
    if (to_string(method) == name) return method;
  }
  throw std::logic_error("unknown interval method " + name);  // the parser restricts the choices
}

std::vector<std::string> interval_names_of(const std::vector<IntervalMethod>& methods) {
  std::vector<std::string> names;
  for (const IntervalMethod m : methods) names.emplace_back(to_string(m));
  return names;
}

const char* ci_type_name(CiType type) {
  switch (type) {
    case CiType::plain:
      return "plain";
    case CiType::log:
      return "log";
    case CiType::log_log:
      return "log_log";
  }
  return "log_log";
}

AccrualModel read_accrual(MappingReader& design, int sample_size) {
  MappingReader accrual = design.mapping("accrual");
  AccrualModel model;
  const std::string type = accrual.required_choice("type", {"uniform", "piecewise"});
  if (type == "uniform") {
    model.kind = AccrualModel::Kind::uniform;
    model.duration = accrual.required_number("duration", NumberRange::positive());
  } else {
    model.kind = AccrualModel::Kind::piecewise;
    auto segments = accrual.mapping_list("rates", 1);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const bool last = i + 1 == segments.size();
      AccrualSegment segment;
      // Every segment but the last needs a duration; the last lasts until n have arrived.
      segment.duration = last
                             ? segments[i].optional_number("duration", INF, NumberRange::positive())
                             : segments[i].required_number("duration", NumberRange::positive());
      segment.rate = segments[i].required_number("rate", NumberRange::non_negative());
      segments[i].finish();
      model.segments.push_back(segment);
    }
    double expected = 0.0;
    for (const auto& s : model.segments) expected += s.rate * s.duration;
    if (!(expected > 0.0) || (std::isfinite(expected) && model.segments.back().rate == 0.0)) {
      accrual.fail("rates", "the accrual rates never enrol anyone after the last segment",
                   "a last segment with a positive rate");
    }
    if (std::isfinite(expected)) {
      accrual.fail("rates",
                   "the last segment has a finite duration, so accrual could stop before " +
                       std::to_string(sample_size) + " patients",
                   "no duration on the last segment (it lasts until the sample size is reached)");
    }
  }
  accrual.finish();
  return model;
}

AnalysisTiming read_timing(MappingReader& design, int sample_size) {
  MappingReader analysis = design.mapping("analysis");
  AnalysisTiming timing;
  const std::string trigger =
      analysis.required_choice("trigger", {"events", "calendar", "after_last_enrolment"});
  // The key of the chosen trigger is required; the other triggers' keys may stay in the file
  // (validated, unused), so that `--set design.analysis.trigger=...` can switch between them.
  const auto read_events = [&](bool required) {
    return static_cast<int>(required ? analysis.required_integer("events", 1, sample_size)
                                     : analysis.optional_integer("events", 1, 1, sample_size));
  };
  const auto read_calendar = [&](bool required) {
    return required ? analysis.required_number("calendar_time", NumberRange::positive())
                    : analysis.optional_number("calendar_time", 1.0, NumberRange::positive());
  };
  const auto read_follow_up = [&](bool required) {
    return required ? analysis.required_number("follow_up", NumberRange::non_negative())
                    : analysis.optional_number("follow_up", 0.0, NumberRange::non_negative());
  };
  timing.trigger = trigger == "events"     ? AnalysisTiming::Trigger::events
                   : trigger == "calendar" ? AnalysisTiming::Trigger::calendar
                                           : AnalysisTiming::Trigger::after_last_enrolment;
  timing.target_events = read_events(trigger == "events");
  timing.calendar_time = read_calendar(trigger == "calendar");
  timing.follow_up_after_last = read_follow_up(trigger == "after_last_enrolment");
  timing.minimum_follow_up =
      analysis.optional_number("minimum_follow_up", 0.0, NumberRange::non_negative());
  analysis.finish();
  return timing;
}

nlohmann::json accrual_json(const AccrualModel& model) {
  if (model.kind == AccrualModel::Kind::uniform)
    return {{"type", "uniform"}, {"duration", model.duration}};
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& s : model.segments) {
    nlohmann::json segment = {{"rate", s.rate}};
    if (std::isfinite(s.duration)) segment["duration"] = s.duration;
    rates.push_back(segment);
  }
  return {{"type", "piecewise"}, {"rates", rates}};
}

nlohmann::json timing_json(const AnalysisTiming& timing) {
  nlohmann::json analysis = {{"minimum_follow_up", timing.minimum_follow_up}};
  switch (timing.trigger) {
    case AnalysisTiming::Trigger::events:
      analysis["trigger"] = "events";
      analysis["events"] = timing.target_events;
      break;
    case AnalysisTiming::Trigger::calendar:
      analysis["trigger"] = "calendar";
      analysis["calendar_time"] = timing.calendar_time;
      break;
    case AnalysisTiming::Trigger::after_last_enrolment:
      analysis["trigger"] = "after_last_enrolment";
      analysis["follow_up"] = timing.follow_up_after_last;
      break;
  }
  return analysis;
}

double tidy(double value, double resolution) {
  return std::round(value / resolution) / std::round(1.0 / resolution);
}

std::string duration_histogram_rows(const std::string& scenario_field,
                                    const DiscreteDistribution& durations) {
  constexpr double BIN = DURATION_HISTOGRAM_BIN;
  // Bins keyed by their index held as a double (a whole number): std::llround of a huge duration
  // overflowed (UB; it gave -9.2e18 bins), a double index only loses precision beyond 2^53.
  // Non-finite values have no bin and are left out; so is a bin whose value overflows.
  std::map<double, std::uint64_t> bins;
  for (const auto& [months, count] : durations.counts()) {
    const double bin = std::round(months / BIN);
    if (std::isfinite(bin)) bins[bin] += count;
  }
  std::string out;
  for (const auto& [bin, count] : bins) {
    // bin / 10 prints as its shortest decimal (0.6, not 0.6000000000000001), as tidy() does.
    out += scenario_field + ",study_duration," + format_number(bin / std::round(1.0 / BIN)) + ',' +
           std::to_string(count) + '\n';
  }
  return out;
}

}  // namespace trialsim
