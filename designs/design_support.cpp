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
  const std::string name = item.string(scenario_name_key());
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

MappingReader echoed_mapping(MappingReader& root, const KeySpec& spec, nlohmann::json& sink) {
  MappingReader mapping = root.mapping(spec);
  mapping.echo_into(sink);
  return mapping;
}

std::vector<MappingReader> echoed_mapping_list(MappingReader& root, const KeySpec& spec,
                                               nlohmann::json& sink) {
  std::vector<MappingReader> items = root.mapping_list(spec);
  // Sized before any item's sink is taken: growing the array would move the items.
  sink = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i) sink.push_back(nlohmann::json::object());
  for (std::size_t i = 0; i < items.size(); ++i) items[i].echo_into(sink[i]);
  return items;
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

const KeySpec& accrual_mapping_key() {
  static const KeySpec spec{.path = "accrual",
                            .type = KeyType::mapping,
                            .meaning = "when patients enter the trial (design.accrual)"};
  return spec;
}

const KeySpec& analysis_mapping_key() {
  static const KeySpec spec{.path = "analysis",
                            .type = KeyType::mapping,
                            .meaning = "when the analysis data cut is taken (design.analysis)"};
  return spec;
}

const KeyTable& accrual_keys() {
  static const KeyTable table{
      "design.accrual",
      {
          {.path = "type",
           .type = KeyType::choice,
           .choices = {"uniform", "piecewise"},
           .meaning = "`uniform`: entry times uniform over `duration`; `piecewise`: a Poisson "
                      "process with the rates of `rates`"},
          {.path = "duration",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("required for type: uniform"),
           .unit = "months",
           .meaning = "accrual period (type: uniform only)"},
          {.path = "rates",
           .type = KeyType::mapping_list,
           .fallback = absent_means("required for type: piecewise"),
           .meaning = "consecutive accrual segments (type: piecewise only); the last has no "
                      "duration and lasts until the sample size is reached"},
      },
      {},
      {{"type", {"uniform"}, {"duration"}, {"rates"}},
       {"type", {"piecewise"}, {"rates"}, {"duration"}}}};
  return table;
}

const KeyTable& accrual_rate_keys() {
  static const KeyTable table{
      "design.accrual.rates[]",
      {
          {.path = "duration",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("until the sample size is reached (the last segment only; "
                                    "required on the others)"),
           .unit = "months",
           .meaning = "length of this segment"},
          {.path = "rate",
           .type = KeyType::number,
           .range = NumberRange::non_negative(),
           .unit = "patients per month",
           .meaning = "Poisson accrual rate during this segment (the last one's must be > 0)"},
      }};
  return table;
}

const KeyTable& analysis_timing_keys() {
  // The key of the chosen trigger is required; the other triggers' keys may stay in the file
  // (validated, unused), so that `--set design.analysis.trigger=...` can switch between them:
  // the conditions require, and do not forbid.
  static const KeyTable table{
      "design.analysis",
      {
          {.path = "trigger",
           .type = KeyType::choice,
           .choices = {"events", "calendar", "after_last_enrolment"},
           .meaning = "the data cut: at the `events`-th event, at `calendar_time` after the first "
                      "enrolment, or `follow_up` after the last enrolment"},
          {.path = "events",
           .type = KeyType::integer,
           .integers = {1, std::numeric_limits<std::int64_t>::max()},
           .fallback = absent_means("required for trigger: events"),
           .unit = "events",
           .meaning = "events that trigger the analysis (at most the sample size)"},
          {.path = "calendar_time",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = absent_means("required for trigger: calendar"),
           .unit = "months",
           .meaning = "time of the analysis after the first enrolment"},
          {.path = "follow_up",
           .type = KeyType::number,
           .range = NumberRange::non_negative(),
           .fallback = absent_means("required for trigger: after_last_enrolment"),
           .unit = "months",
           .meaning = "time of the analysis after the last enrolment"},
          {.path = "minimum_follow_up",
           .type = KeyType::number,
           .range = NumberRange::non_negative(),
           .fallback = defaults_to(0.0),
           .unit = "months",
           .meaning = "the cut is delayed until every patient has at least this follow-up"},
      },
      {},
      {{"trigger", {"events"}, {"events"}},
       {"trigger", {"calendar"}, {"calendar_time"}},
       {"trigger", {"after_last_enrolment"}, {"follow_up"}}}};
  return table;
}

std::vector<const KeyTable*> conduct_key_tables() {
  return {&accrual_keys(), &accrual_rate_keys(), &analysis_timing_keys()};
}

namespace {

// The spec as read when `required`, else with the default `value` (read, validated, unused).
KeySpec required_or(const KeySpec& spec, bool required, nlohmann::json value) {
  return required ? spec.as_required() : spec.with_default(std::move(value));
}

std::vector<AccrualSegment> read_accrual_segments(MappingReader& accrual) {
  const KeyTable& keys = accrual_rate_keys();
  std::vector<AccrualSegment> segments;
  auto items = accrual.mapping_list(accrual_keys()["rates"].as_required());
  for (std::size_t i = 0; i < items.size(); ++i) {
    // Every segment but the last needs a duration; the last lasts until n have arrived.
    const bool last = i + 1 == items.size();
    AccrualSegment segment;
    segment.duration = items[i].number(required_or(keys["duration"], !last, INF));
    segment.rate = items[i].number(keys["rate"]);
    items[i].finish();
    segments.push_back(segment);
  }
  return segments;
}

}  // namespace

AccrualModel read_accrual(MappingReader& design, int sample_size) {
  const KeyTable& keys = accrual_keys();
  MappingReader accrual = design.mapping(accrual_mapping_key());
  AccrualModel model;
  const std::string type = accrual.choice(keys["type"]);
  if (type == "uniform") {
    model.kind = AccrualModel::Kind::uniform;
    model.duration = accrual.number(keys["duration"].as_required());
  } else {
    model.kind = AccrualModel::Kind::piecewise;
    model.segments = read_accrual_segments(accrual);
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
  // The echo says what was read, without the last segment's infinite duration.
  design.record(std::string(accrual_mapping_key().path), accrual_json(model));
  return model;
}

AnalysisTiming read_timing(MappingReader& design, int sample_size) {
  const KeyTable& keys = analysis_timing_keys();
  MappingReader analysis = design.mapping(analysis_mapping_key());
  AnalysisTiming timing;
  const std::string trigger = analysis.choice(keys["trigger"]);
  timing.trigger = trigger == "events"     ? AnalysisTiming::Trigger::events
                   : trigger == "calendar" ? AnalysisTiming::Trigger::calendar
                                           : AnalysisTiming::Trigger::after_last_enrolment;
  // The chosen trigger's key is required; the others are validated with their old defaults.
  timing.target_events = static_cast<int>(analysis.integer(
      required_or(keys["events"].with_bounds(1, sample_size), trigger == "events", 1)));
  timing.calendar_time =
      analysis.number(required_or(keys["calendar_time"], trigger == "calendar", 1.0));
  timing.follow_up_after_last =
      analysis.number(required_or(keys["follow_up"], trigger == "after_last_enrolment", 0.0));
  timing.minimum_follow_up = analysis.number(keys["minimum_follow_up"]);
  analysis.finish();
  // The echo holds the chosen trigger's key only (see timing_json).
  design.record(std::string(analysis_mapping_key().path), timing_json(timing));
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
