#include "app/evidence_reader.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

namespace trialsim {
namespace {

using namespace car_t;

constexpr double INF = std::numeric_limits<double>::infinity();
const NumberRange ANY_NUMBER{-INF, INF, false, false};
constexpr std::int64_t MAX_INT = std::numeric_limits<int>::max();

// Name <-> enum tables; the YAML names are exactly the enumerator names of evidence.h.
template <class E>
using Names = std::vector<std::pair<std::string, E>>;

const Names<Statistic> STATISTICS = {{"proportion", Statistic::proportion},
                                     {"conditional_proportion", Statistic::conditional_proportion},
                                     {"km_landmark", Statistic::km_landmark},
                                     {"median_not_reached", Statistic::median_not_reached},
                                     {"count", Statistic::count},
                                     {"subgroup_comparison", Statistic::subgroup_comparison}};
const Names<Subgroup> SUBGROUPS = {{"all", Subgroup::all},
                                   {"responders", Subgroup::responders},
                                   {"extramedullary", Subgroup::extramedullary},
                                   {"non_extramedullary", Subgroup::non_extramedullary},
                                   {"maintenance", Subgroup::maintenance},
                                   {"no_maintenance", Subgroup::no_maintenance},
                                   {"prior_blinatumomab", Subgroup::prior_blinatumomab},
                                   {"no_prior_blinatumomab", Subgroup::no_prior_blinatumomab},
                                   {"prior_inotuzumab", Subgroup::prior_inotuzumab},
                                   {"no_prior_inotuzumab", Subgroup::no_prior_inotuzumab}};
const Names<FigureEndpoint> BINARY_ENDPOINTS = {
    {"best_overall_response", FigureEndpoint::best_overall_response},
    {"mrd_negative", FigureEndpoint::mrd_negative},
    {"crs_any_grade", FigureEndpoint::crs_any_grade},
    {"crs_grade3plus", FigureEndpoint::crs_grade3plus},
    {"icans_any_grade", FigureEndpoint::icans_any_grade},
    {"icans_grade3plus", FigureEndpoint::icans_grade3plus}};
const Names<FigureEndpoint> TIME_TO_EVENT_ENDPOINTS = {
    {"overall_survival", FigureEndpoint::overall_survival},
    {"relapse_free_survival", FigureEndpoint::relapse_free_survival},
    {"duration_of_response", FigureEndpoint::duration_of_response}};
const Names<EventKind> EVENTS = {
    {"death", EventKind::death},
    {"death_from_disease", EventKind::death_from_disease},
    {"death_from_infection", EventKind::death_from_infection},
    {"death_from_other_causes", EventKind::death_from_other_causes},
    {"relapse", EventKind::relapse},
    {"cd19_negative_relapse", EventKind::cd19_negative_relapse},
    {"subsequent_hsct_in_remission", EventKind::subsequent_hsct_in_remission},
    {"maintenance_tki", EventKind::maintenance_tki},
    {"maintenance_low_dose_chemotherapy", EventKind::maintenance_low_dose_chemotherapy},
    {"maintenance_inotuzumab", EventKind::maintenance_inotuzumab}};

// Every key a figure or a prior may hold, declared to the registry whatever the file contains
// (the readers below only touch the keys that apply to the statistic or distribution at hand).
const std::vector<std::string> FIGURE_KEYS = {"id",       "statistic",   "endpoint", "event",
                                              "subgroup", "subgroups",   "time",     "value",
                                              "count",    "denominator", "derived",  "note"};
const std::vector<std::string> PRIOR_KEYS = {"distribution", "a", "b", "median", "sdlog", "value"};

template <class E>
std::vector<std::string> names_of(const Names<E>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.first);
  return names;
}

template <class E>
E enum_of(const Names<E>& table, const std::string& name) {
  for (const auto& entry : table) {
    if (entry.first == name) return entry.second;
  }
  throw std::logic_error("unknown name " + name);  // the choice readers restrict the names
}

template <class E>
E read_enum(MappingReader& item, const std::string& key, const Names<E>& table) {
  return enum_of(table, item.required_choice(key, names_of(table)));
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// count (0..denominator) and denominator (>= 1), consistent with the rounded proportion `value`.
void read_count_of(MappingReader& item, double value, std::optional<int>& count,
                   std::optional<int>& denominator) {
  denominator = static_cast<int>(item.required_integer("denominator", 1, MAX_INT));
  count = static_cast<int>(item.required_integer("count", 0, *denominator));
  const double ratio = static_cast<double>(*count) / *denominator;
  if (std::abs(ratio - value) > EVIDENCE_ROUNDING_TOLERANCE) {
    item.fail("count",
              "count/denominator = " + std::to_string(*count) + "/" + std::to_string(*denominator) +
                  " = " + format_number(ratio) + " disagrees with value " + format_number(value),
              "|count/denominator - value| <= " + format_number(EVIDENCE_ROUNDING_TOLERANCE));
  }
}

std::optional<int> optional_int(MappingReader& item, const std::string& key, std::int64_t min,
                                std::int64_t max) {
  if (!item.has(key)) {
    item.optional_integer(key, 0, min, max);  // declares the key
    return std::nullopt;
  }
  return static_cast<int>(item.required_integer(key, min, max));
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// `derived` (the arithmetic behind a count) and `note` both end up in the figure's note.
std::string read_note(MappingReader& item) {
  const std::string derived = item.optional_string("derived", "");
  const std::string note = item.optional_string("note", "");
  return derived.empty() || note.empty() ? derived + note : derived + "; " + note;
}

void require_unique(MappingReader& item, const std::string& key, const std::string& value,
                    std::set<std::string>& seen) {
  if (value.empty() || !seen.insert(value).second) {
    item.fail(key, value.empty() ? "empty " + key : "duplicate " + key + " \"" + value + "\"",
              "a unique, non-empty " + key);
  }
}

Figure read_figure(MappingReader& item, std::set<std::string>& seen) {
  Figure f;
  f.id = item.required_string("id");
  require_unique(item, "id", f.id, seen);
  f.statistic = read_enum(item, "statistic", STATISTICS);
  switch (f.statistic) {
    case Statistic::proportion:
    case Statistic::conditional_proportion:
      f.endpoint = read_enum(item, "endpoint", BINARY_ENDPOINTS);
      f.value = item.required_number("value", NumberRange::closed_unit());
      read_count_of(item, f.value, f.count, f.denominator);
      break;
    case Statistic::km_landmark:
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      f.time = item.required_number("time", NumberRange::positive());
      f.value = item.required_number("value", NumberRange::closed_unit());
      break;
    case Statistic::median_not_reached:
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      f.value = 1.0;  // "not reached" is the event the figure reports; evaluate_figure scores it 1
      break;
    case Statistic::count:
      f.event = read_enum(item, "event", EVENTS);
      f.value = static_cast<double>(item.required_integer("value", 0, MAX_INT));
      break;
    case Statistic::subgroup_comparison: {
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      const std::string expected = "two distinct subgroups from " + joined(names_of(SUBGROUPS));
      if (!item.has("subgroups")) item.fail("subgroups", "missing required key", expected);
      const auto pair = item.optional_choice_list("subgroups", {}, names_of(SUBGROUPS));
      if (pair.size() != 2)
        item.fail("subgroups", "found " + std::to_string(pair.size()) + " subgroups", expected);
      f.subgroup = enum_of(SUBGROUPS, pair[0]);
      f.comparison_subgroup = enum_of(SUBGROUPS, pair[1]);
      f.value = item.required_number("value", {0.0, 1.0, false, true});
      break;
    }
  }
  if (f.statistic != Statistic::subgroup_comparison) {
    f.subgroup = enum_of(SUBGROUPS, item.optional_choice("subgroup", "all", names_of(SUBGROUPS)));
  }
  f.note = read_note(item);
  item.finish();
  return f;
}

BaselineFigure read_baseline(MappingReader& item, std::set<std::string>& seen) {
  BaselineFigure b;
  b.id = item.required_string("id");
  require_unique(item, "id", b.id, seen);
  b.statistic = item.required_choice("statistic", {"proportion", "median"});
  if (b.statistic == "proportion") {
    b.value = item.required_number("value", NumberRange::closed_unit());
    read_count_of(item, b.value, b.count, b.denominator);
  } else {
    b.value = item.required_number("value", ANY_NUMBER);
    b.denominator = optional_int(item, "denominator", 1, MAX_INT);
    b.count = optional_int(item, "count", 0, b.denominator.value_or(MAX_INT));
  }
  b.range = item.optional_number_list("range", {}, ANY_NUMBER, false);
  if (!b.range.empty() && (b.range.size() != 2 || b.range[0] > b.range[1])) {
    item.fail("range",
              "found " + std::to_string(b.range.size()) + " numbers" +
                  (b.range.size() == 2 ? " with min > max" : ""),
              "[min, max] with min <= max");
  }
  b.unit = item.optional_string("unit", "");
  item.optional_string("derived", "");  // the arithmetic behind a count; BaselineFigure has no note
  item.finish();
  return b;
}

// beta {a, b} | lognormal {median, sdlog} | fixed {value} or fixed {median, sdlog} (a fixed
// lognormal law, e.g. onset days).
Prior read_prior(MappingReader& prior) {
  Prior p;
  const std::string distribution =
      prior.required_choice("distribution", {"beta", "lognormal", "fixed"});
  const auto read_lognormal = [&] {
    p.median = prior.required_number("median", NumberRange::positive());
    p.sdlog = prior.required_number("sdlog", NumberRange::positive());
  };
  if (distribution == "beta") {
    p.kind = Prior::Kind::beta;
    p.a = prior.required_number("a", NumberRange::positive());
    p.b = prior.required_number("b", NumberRange::positive());
  } else if (distribution == "lognormal") {
    p.kind = Prior::Kind::lognormal;
    read_lognormal();
  } else {
    p.kind = Prior::Kind::fixed;
    const bool law = prior.has("median") || prior.has("sdlog");
    if (prior.has("value") == law) {
      prior.fail("",
                 law ? "found both value and median/sdlog" : "found neither value nor median/sdlog",
                 "either value or median and sdlog");
    }
    if (law)
      read_lognormal();
    else
      p.value = prior.required_number("value", ANY_NUMBER);
  }
  prior.finish();
  return p;
}

Assumption read_assumption(MappingReader& item, std::set<std::string>& seen) {
  Assumption a;
  a.parameter = item.required_string("parameter");
  require_unique(item, "parameter", a.parameter, seen);
  MappingReader prior = item.mapping("prior");
  a.prior = read_prior(prior);
  a.unit = item.optional_string("unit", "");
  a.why = item.required_string("why");
  if (a.why.empty()) item.fail("why", "empty reason", "a non-empty string saying why");
  item.finish();
  return a;
}

// YYYY-MM-DD, a real calendar date.
std::string read_date(MappingReader& conduct, const std::string& key) {
  const std::string text = conduct.required_string(key);
  bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (std::size_t i = 0; shaped && i < text.size(); ++i) {
    shaped = i == 4 || i == 7 || std::isdigit(static_cast<unsigned char>(text[i]));
  }
  using namespace std::chrono;
  if (!shaped || !year_month_day(year(std::stoi(text.substr(0, 4))),
                                 month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                 day(static_cast<unsigned>(std::stoi(text.substr(8, 2)))))
                      .ok()) {
    conduct.fail(key, "\"" + text + "\" is not a valid date", "a date YYYY-MM-DD");
  }
  return text;
}

void read_conduct(MappingReader& root, Evidence& evidence) {
  MappingReader conduct = root.mapping("conduct");
  evidence.enrolment_start = read_date(conduct, "enrolment_start");
  evidence.enrolment_end = read_date(conduct, "enrolment_end");
  if (evidence.enrolment_end < evidence.enrolment_start) {  // ISO dates order as strings
    conduct.fail("enrolment_end",
                 "enrolment ends (" + evidence.enrolment_end + ") before it starts (" +
                     evidence.enrolment_start + ")",
                 "enrolment_start <= enrolment_end");
  }
  conduct.optional_string("enrolment_scope", "");
  MappingReader months = conduct.mapping("follow_up_months");
  FollowUp& f = evidence.follow_up;
  f.median = months.required_number("median", NumberRange::non_negative());
  f.min = months.required_number("min", NumberRange::non_negative());
  f.max = months.required_number("max", NumberRange::non_negative());
  if (f.min > f.median || f.median > f.max) {
    const bool low = f.min > f.median;
    months.fail(
        low ? "min" : "max",
        low ? "min " + format_number(f.min) + " is greater than median " + format_number(f.median)
            : "max " + format_number(f.max) + " is less than median " + format_number(f.median),
        "0 <= min <= median <= max");
  }
  months.finish();
  conduct.optional_string("outcomes_from", "");
  conduct.finish();
}

}  // namespace

Evidence load_evidence(const std::filesystem::path& file, KeyRegistry* registry) {
  const ConfigDocument document = ConfigDocument::load_file(file.string());
  MappingReader root(document, document.root(), "", "", registry);
  const auto version = root.required_integer("schema_version", 1, MAX_INT);
  if (version != EVIDENCE_SCHEMA_VERSION) {
    root.fail("schema_version", "unsupported schema version " + std::to_string(version),
              std::to_string(EVIDENCE_SCHEMA_VERSION));
  }
  root.required_choice("kind", {"evidence"});

  Evidence evidence;
  evidence.source_file = file.string();
  MappingReader study = root.mapping("study");
  evidence.study_id = study.required_string("id");
  evidence.title = study.required_string("title");
  study.optional_string("therapy", "");
  study.optional_string("population", "");
  evidence.patients = static_cast<int>(study.required_integer("patients", 1, MAX_INT));
  study.finish();

  read_conduct(root, evidence);

  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("baseline", 1)) {
    evidence.baseline.push_back(read_baseline(item, seen));
  }
  seen.clear();
  for (MappingReader& item : root.mapping_list("figures", 1)) {
    evidence.figures.push_back(read_figure(item, seen));
  }
  seen.clear();
  for (MappingReader& item : root.mapping_list("assumptions", 1)) {
    evidence.assumptions.push_back(read_assumption(item, seen));
  }
  root.finish();

  if (registry) {
    for (const auto& key : FIGURE_KEYS) registry->declare("figures[]." + key);
    for (const auto& key : PRIOR_KEYS) registry->declare("assumptions[].prior." + key);
  }
  return evidence;
}

}  // namespace trialsim
