#include "edges/fit/evidence_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
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
constexpr double NOT_A_NUMBER = std::numeric_limits<double>::quiet_NaN();
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
                                     {"subgroup_comparison", Statistic::subgroup_comparison},
                                     {"median", Statistic::median},
                                     {"hazard_ratio", Statistic::hazard_ratio},
                                     {"km_curve", Statistic::km_curve}};
// Subgroups the model has a covariate or state for; any other well-formed name is
// Subgroup::other (an open vocabulary: publications report populations of their own).
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
    {"response_at_landmark", FigureEndpoint::response_at_landmark},
    {"mrd_negative", FigureEndpoint::mrd_negative},
    {"crs_any_grade", FigureEndpoint::crs_any_grade},
    {"crs_grade3plus", FigureEndpoint::crs_grade3plus},
    {"icans_any_grade", FigureEndpoint::icans_any_grade},
    {"icans_grade3plus", FigureEndpoint::icans_grade3plus}};
const Names<FigureEndpoint> TIME_TO_EVENT_ENDPOINTS = {
    {"overall_survival", FigureEndpoint::overall_survival},
    {"relapse_free_survival", FigureEndpoint::relapse_free_survival},
    {"duration_of_response", FigureEndpoint::duration_of_response},
    {"event_free_survival", FigureEndpoint::event_free_survival}};
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
const Names<DeathsInDor> DOR_DEATHS = {{"censored", DeathsInDor::censored},
                                       {"events", DeathsInDor::events}};
const Names<FollowUp::Method> FOLLOW_UP_METHODS = {{"reverse_km", FollowUp::Method::reverse_km},
                                                   {"simple", FollowUp::Method::simple}};

// Every key a figure, a baseline row or a prior may hold, declared to the registry whatever the
// file contains (the readers below only touch the keys that apply to the statistic or
// distribution at hand, and the baseline may be absent).
const std::vector<std::string> FIGURE_KEYS = {
    "id",       "statistic", "endpoint",    "event",       "subgroup", "subgroups", "time",
    "value",    "count",     "denominator", "derived",     "note",     "ci",        "ci.lower",
    "ci.upper", "ci.level",  "assumed",     "not_reached", "deaths",   "points",    "at_risk"};
const std::vector<std::string> BASELINE_KEYS = {
    "id", "statistic", "value", "count", "denominator", "range", "unit", "derived", "assumed"};
const std::vector<std::string> PRIOR_KEYS = {"distribution", "a",    "b",  "median",
                                             "sdlog",        "mean", "sd", "value"};

// Open subgroup names: a lower-case identifier, short enough for a report column.
constexpr std::size_t MAX_SUBGROUP_NAME = 64;
const std::string SUBGROUP_NAME_RULE =
    "a subgroup name matching [a-z][a-z0-9_]* of at most 64 characters";
// Digitised curves run to a few hundred points; the bound keeps a pasted table in check.
constexpr std::size_t MAX_CURVE_POINTS = 5000;

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
  if (value == INF) return "not_reached";
  std::ostringstream out;
  out << value;
  return out.str();
}

// An id or name from the file, in quotes (whoever prints the message escapes control characters).
// Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
std::string in_quotes(const std::string& text) {
  std::string out(1, '"');
  for (const char c : text) {
    if (c == '\0')
      out.append("\uFFFD");  // a NUL would end the message (a C string) there
    else
      out.push_back(c);
  }
  return out.append(1, '"');
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// ---------------------------------------------------------------- nodes inside a key's value
// (interval bounds, curve points): located errors at the element, with its key path.

[[noreturn]] void fail_at_node(const MappingReader& item, const YAML::Node& node,
                               const std::string& path, const std::string& problem,
                               const std::string& expected) {
  throw ConfigError(item.document().locate(node, path), path, problem, expected);
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  if (node.IsNull()) return "null";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.Tag() == "!") return "the string " + in_quotes(node.Scalar());
  return in_quotes(node.Scalar());
}

// A finite number written as a plain scalar (a quoted "0.5" is a string, as in configs).
double number_at(const MappingReader& item, const YAML::Node& node, const std::string& path,
                 const std::string& expected) {
  double value = 0.0;
  bool ok = node.IsScalar() && node.Tag() != "!";
  if (ok) {
    const std::string& text = node.Scalar();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = error == std::errc() && end == text.data() + text.size() && std::isfinite(value);
  }
  if (!ok) fail_at_node(item, node, path, "found " + describe(node), expected);
  return value;
}

std::int64_t integer_at(const MappingReader& item, const YAML::Node& node, const std::string& path,
                        const std::string& expected) {
  std::int64_t value = 0;
  bool ok = node.IsScalar() && node.Tag() != "!";
  if (ok) {
    const std::string& text = node.Scalar();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = error == std::errc() && end == text.data() + text.size();
  }
  if (!ok) fail_at_node(item, node, path, "found " + describe(node), expected);
  return value;
}

// "(a percentage? 83.9 % is 0.839)" for a value above 1 that reads as one.
std::string percentage_hint(double value) {
  return value > 1.0 && value <= 100.0 ? " (a percentage? " + format_number(value) + " % is " +
                                             format_number(value / 100.0) + ")"
                                       : std::string();
}

// A proportion in [0, 1]. A value above 1 is most likely a percentage (83.9 for 0.839): the
// message says so rather than only "out of range".
double read_proportion(MappingReader& item, const std::string& key, const std::string& what) {
  const double value = item.required_number(key, ANY_NUMBER);
  const std::string expected = what + " in [0, 1]";
  if (value < 0.0) item.fail(key, "value " + format_number(value) + " is negative", expected);
  if (value > 1.0) {
    item.fail(key, "value " + format_number(value) + " is more than 1" + percentage_hint(value),
              expected);
  }
  return value;
}

// count (0..denominator) and denominator (1..patients of the study), consistent with the rounded
// proportion `value`.
void read_count_of(MappingReader& item, double value, int patients, std::optional<int>& count,
                   std::optional<int>& denominator) {
  denominator = static_cast<int>(item.required_integer("denominator", 1, MAX_INT));
  if (*denominator > patients) {
    item.fail("denominator",
              "denominator " + std::to_string(*denominator) + " is more than the " +
                  std::to_string(patients) + " patients of the study",
              "a denominator <= study.patients (" + std::to_string(patients) + ")");
  }
  count = static_cast<int>(item.required_integer("count", 0, MAX_INT));
  if (*count > *denominator) {
    item.fail("count",
              "count " + std::to_string(*count) + " is more than its denominator " +
                  std::to_string(*denominator),
              "0 <= count <= denominator");
  }
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

// `derived` (the arithmetic behind a count) and `note` both end up in the figure's note.
std::string read_note(MappingReader& item) {
  const std::string derived = item.optional_string("derived", "");
  const std::string note = item.optional_string("note", "");
  return derived.empty() || note.empty() ? derived + note : derived + "; " + note;
}

void require_unique(MappingReader& item, const std::string& key, const std::string& value,
                    std::set<std::string>& seen) {
  if (value.empty() || !seen.insert(value).second) {
    item.fail(key, value.empty() ? "empty " + key : "duplicate " + key + " " + in_quotes(value),
              "a unique, non-empty " + key);
  }
}

// A key this figure cannot take although others can (a located error saying why, rather than
// "unknown key").
void refuse(MappingReader& item, const std::string& key, const std::string& why,
            const std::string& expected) {
  if (item.has(key)) item.fail(key, why, expected);
}

car_t::SourceLocation where_of(const MappingReader& item) {
  const trialsim::SourceLocation at = item.location_of("");  // the mapping itself
  return {at.line, at.column};
}

// ---------------------------------------------------------------- subgroups (open vocabulary)

bool is_subgroup_name(const std::string& name) {
  if (name.empty() || name.size() > MAX_SUBGROUP_NAME || name[0] < 'a' || name[0] > 'z')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Subgroup subgroup_of(const std::string& name) {
  for (const auto& entry : SUBGROUPS) {
    if (entry.first == name) return entry.second;
  }
  return Subgroup::other;
}

std::string subgroup_rule() {
  return SUBGROUP_NAME_RULE + " (the model knows " + joined(names_of(SUBGROUPS)) + ")";
}

// `subgroup: NAME` (default all).
void read_subgroup(MappingReader& item, Figure& f) {
  f.subgroup_name = item.optional_string("subgroup", "all");
  if (!is_subgroup_name(f.subgroup_name))
    item.fail("subgroup", in_quotes(f.subgroup_name) + " is not a subgroup name", subgroup_rule());
  f.subgroup = subgroup_of(f.subgroup_name);
}

// `subgroups: [a, b]`: the comparison of a against b (two distinct names).
void read_subgroup_pair(MappingReader& item, Figure& f) {
  const std::string expected = "two distinct subgroups [a, b], each " + subgroup_rule();
  const YAML::Node list = item.raw("subgroups");
  if (!list.IsDefined() || list.IsNull()) item.fail("subgroups", "missing required key", expected);
  if (!list.IsSequence()) item.fail("subgroups", "found " + describe(list), expected);
  if (list.size() != 2)
    item.fail("subgroups", "found " + std::to_string(list.size()) + " subgroups", expected);
  std::string names[2];
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string path = item.key_path() + ".subgroups." + std::to_string(i);
    if (!list[i].IsScalar() || !is_subgroup_name(list[i].Scalar()))
      fail_at_node(item, list[i], path, "found " + describe(list[i]), subgroup_rule());
    names[i] = list[i].Scalar();
  }
  if (names[0] == names[1]) {
    fail_at_node(item, list[1], item.key_path() + ".subgroups.1",
                 "the same subgroup " + in_quotes(names[0]) + " twice", expected);
  }
  f.subgroup_name = names[0];
  f.comparison_subgroup_name = names[1];
  f.subgroup = subgroup_of(names[0]);
  f.comparison_subgroup = subgroup_of(names[1]);
}

// ---------------------------------------------------------------- confidence intervals

// What the bounds of a figure's interval may be.
struct BoundRules {
  double min = 0.0;
  bool min_open = false;  // a hazard ratio's bounds are > 0
  double max = INF;
  bool not_reached = false;  // a median's bounds may be `not_reached` (+infinity)
  std::string what;          // "a proportion in [0, 1]"
};

double read_bound(const MappingReader& item, const YAML::Node& node, const std::string& path,
                  const BoundRules& rules) {
  const std::string expected = rules.what + (rules.not_reached ? " or not_reached" : "");
  if (node.IsScalar() && node.Scalar() == "not_reached") {
    if (!rules.not_reached)
      fail_at_node(item, node, path, "not_reached is a bound of medians only", expected);
    return INF;
  }
  const double value = number_at(item, node, path, expected);
  if (value < rules.min || (rules.min_open && value == rules.min) || value > rules.max) {
    fail_at_node(item, node, path,
                 "bound " + format_number(value) + " is out of range" +
                     (rules.max == 1.0 ? percentage_hint(value) : std::string()),
                 expected);
  }
  return value;
}

// `ci: [lower, upper]` or `ci: {lower, upper, level}` (level default 0.95), around `value`.
std::optional<ReportedInterval> read_ci(MappingReader& item, double value,
                                        const BoundRules& rules) {
  const YAML::Node node = item.raw("ci");
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  const std::string form = "[lower, upper] or {lower, upper, level}";
  ReportedInterval ci;
  YAML::Node lower, upper;
  std::string lower_path, upper_path;
  if (node.IsSequence()) {
    if (node.size() != 2) item.fail("ci", "found " + std::to_string(node.size()) + " bounds", form);
    lower.reset(node[0]);
    upper.reset(node[1]);
    lower_path = item.key_path() + ".ci.0";
    upper_path = item.key_path() + ".ci.1";
  } else if (node.IsMap()) {
    MappingReader map(item.document(), node, item.key_path() + ".ci", "", nullptr);
    for (const char* key : {"lower", "upper"}) {
      if (!map.has(key)) map.fail(key, "missing required key", rules.what);
    }
    // reset, not assignment: assigning a Node writes through to the node it refers to.
    lower.reset(map.raw("lower"));
    upper.reset(map.raw("upper"));
    lower_path = map.key_path() + ".lower";
    upper_path = map.key_path() + ".upper";
    ci.level = map.optional_number("level", 0.95, ANY_NUMBER);
    if (ci.level <= 0.0 || ci.level >= 1.0) {
      map.fail("level",
               "level " + format_number(ci.level) + " is not in (0, 1)" + percentage_hint(ci.level),
               "a confidence level in (0, 1), e.g. 0.95");
    }
    map.finish();
  } else {
    item.fail("ci", "found " + describe(node), form);
  }
  ci.lower = read_bound(item, lower, lower_path, rules);
  ci.upper = read_bound(item, upper, upper_path, rules);
  if (ci.lower > ci.upper) {
    fail_at_node(item, upper, upper_path,
                 "upper bound " + format_number(ci.upper) + " is below lower bound " +
                     format_number(ci.lower),
                 "lower <= upper");
  }
  if (value < ci.lower || value > ci.upper) {
    item.fail("ci",
              "value " + format_number(value) + " lies outside its interval [" +
                  format_number(ci.lower) + ", " + format_number(ci.upper) + "]",
              "lower <= value <= upper");
  }
  return ci;
}

const BoundRules PROPORTION_BOUNDS{0.0, false, 1.0, false, "a proportion in [0, 1]"};
const BoundRules MEDIAN_BOUNDS{0.0, false, INF, true, "a number of months >= 0"};
const BoundRules RATIO_BOUNDS{0.0, true, INF, false, "a hazard ratio > 0"};

// ---------------------------------------------------------------- times against follow-up

// A time (a landmark, a curve's point, a median) no later than the longest follow-up. Without a
// reported maximum (a median follow-up alone) nothing here can check it: docs/evidence.md.
void require_within_follow_up(const MappingReader& item, const YAML::Node& node,
                              const std::string& path, double time, const std::string& what,
                              const Evidence& evidence) {
  if (!evidence.follow_up.has_range() || time <= evidence.follow_up.max) return;
  fail_at_node(item, node, path,
               what + " at " + format_number(time) + " months is beyond the longest follow-up (" +
                   format_number(evidence.follow_up.max) + " months)",
               "a time <= conduct.follow_up_months.max");
}

void require_within_follow_up(MappingReader& item, const std::string& key, double time,
                              const std::string& what, const Evidence& evidence) {
  require_within_follow_up(item, item.raw(key), item.key_path() + "." + key, time, what, evidence);
}

// ---------------------------------------------------------------- digitised curves

// `key: [[a, b], ...]`: the list and its pairs, checked for shape; elements read by the caller.
std::vector<std::pair<YAML::Node, YAML::Node>> read_pairs(MappingReader& item,
                                                          const std::string& key,
                                                          std::size_t min_items,
                                                          const std::string& pair_form) {
  const std::string expected = "a list of at least " + std::to_string(min_items) + " pairs " +
                               pair_form + " (at most " + std::to_string(MAX_CURVE_POINTS) + ")";
  const YAML::Node list = item.raw(key);
  if (!list.IsDefined() || list.IsNull()) item.fail(key, "missing required key", expected);
  if (!list.IsSequence()) item.fail(key, "found " + describe(list), expected);
  if (list.size() < min_items || list.size() > MAX_CURVE_POINTS)
    item.fail(key, "found " + std::to_string(list.size()) + " pairs", expected);
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].IsSequence() || list[i].size() != 2) {
      fail_at_node(item, list[i], item.key_path() + "." + key + "." + std::to_string(i),
                   "found " + describe(list[i]) +
                       (list[i].IsSequence() ? " of " + std::to_string(list[i].size()) : ""),
                   "a pair " + pair_form);
    }
    pairs.emplace_back(list[i][0], list[i][1]);
  }
  return pairs;
}

// points: [[t, S], ...], t >= 0 strictly increasing, S in [0, 1] non-increasing.
void read_curve_points(MappingReader& item, Figure& f, const Evidence& evidence) {
  const auto pairs = read_pairs(item, "points", 2, "[months, survival]");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string path = item.key_path() + ".points." + std::to_string(i);
    CurvePoint point;
    point.time = number_at(item, pairs[i].first, path + ".0", "a time in months >= 0");
    point.survival = number_at(item, pairs[i].second, path + ".1", "a survival in [0, 1]");
    if (point.time < 0.0)
      fail_at_node(item, pairs[i].first, path + ".0",
                   "time " + format_number(point.time) + " is negative", "a time in months >= 0");
    if (i > 0 && point.time <= f.curve.back().time) {
      fail_at_node(item, pairs[i].first, path + ".0",
                   "time " + format_number(point.time) + " does not come after " +
                       format_number(f.curve.back().time),
                   "times strictly increasing");
    }
    require_within_follow_up(item, pairs[i].first, path + ".0", point.time, "curve point",
                             evidence);
    if (point.survival < 0.0 || point.survival > 1.0) {
      fail_at_node(item, pairs[i].second, path + ".1",
                   "survival " + format_number(point.survival) + " is out of range" +
                       percentage_hint(point.survival),
                   "a survival in [0, 1]");
    }
    if (i > 0 && point.survival > f.curve.back().survival) {
      fail_at_node(item, pairs[i].second, path + ".1",
                   "survival " + format_number(point.survival) + " rises above " +
                       format_number(f.curve.back().survival) + " at " +
                       format_number(f.curve.back().time) + " months",
                   "a Kaplan-Meier survival that does not increase with time");
    }
    f.curve.push_back(point);
  }
}

// at_risk: [[t, n], ...] (optional): the numbers at risk printed under the curve, which the
// reconstruction of individual data needs (Guyot et al. 2012). Times strictly increasing from the
// curve's first time and within its span (each interval between two of them then holds the curve
// points the reconstruction distributes its events over); n whole, non-increasing, at most the
// study's patients.
void read_at_risk(MappingReader& item, Figure& f, const Evidence& evidence) {
  if (!item.has("at_risk")) {
    item.raw("at_risk");  // declared, listed among the keys a curve takes
    return;
  }
  const auto pairs = read_pairs(item, "at_risk", 1, "[months, number at risk]");
  const double first = f.curve.front().time, last = f.curve.back().time;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string path = item.key_path() + ".at_risk." + std::to_string(i);
    AtRisk row;
    row.time = number_at(item, pairs[i].first, path + ".0", "a time in months");
    const std::string span = "a time within the curve's points [" + format_number(first) + ", " +
                             format_number(last) + "], strictly increasing";
    if (i == 0 && row.time != first) {
      fail_at_node(item, pairs[i].first, path + ".0",
                   "the first number at risk is at " + format_number(row.time) +
                       " months, the curve starts at " + format_number(first),
                   "the first at-risk time equal to the first point's time");
    }
    if (row.time < first || row.time > last || (i > 0 && row.time <= f.at_risk.back().time)) {
      fail_at_node(item, pairs[i].first, path + ".0",
                   "time " + format_number(row.time) + " is out of order or outside the curve",
                   span);
    }
    const std::int64_t limit = i == 0 ? evidence.patients : f.at_risk.back().number;
    const std::string expected =
        i == 0
            ? "a whole number from 0 to study.patients (" + std::to_string(evidence.patients) + ")"
            : "a whole number, at most the " + std::to_string(limit) + " at risk before";
    const std::int64_t number = integer_at(item, pairs[i].second, path + ".1", expected);
    if (number < 0 || number > limit)
      fail_at_node(item, pairs[i].second, path + ".1",
                   "number at risk " + std::to_string(number) + " is out of range", expected);
    row.number = static_cast<int>(number);
    f.at_risk.push_back(row);
  }
}

// ---------------------------------------------------------------- figures

const std::string CI_STATISTICS =
    "a ci only on proportion, conditional_proportion, km_landmark, median, median_not_reached "
    "and hazard_ratio figures";

// proportion / conditional_proportion of a binary endpoint; response_at_landmark takes `time`.
void read_proportion_figure(MappingReader& item, Figure& f, const Evidence& evidence) {
  f.endpoint = read_enum(item, "endpoint", BINARY_ENDPOINTS);
  if (f.endpoint == FigureEndpoint::response_at_landmark) {
    f.time = item.required_number("time", NumberRange::positive());
    require_within_follow_up(item, "time", f.time, "landmark", evidence);
  }
  f.value = read_proportion(item, "value", "a proportion");
  // A proportion published with a confidence interval but no count (e.g. "71 % (95 % CI
  // 57-82)") is information too: the fit turns the interval into an effective count.
  if (item.has("count") || item.has("denominator") || !item.has("ci")) {
    read_count_of(item, f.value, evidence.patients, f.count, f.denominator);
  } else {
    optional_int(item, "count", 0, MAX_INT);  // declares the keys
    optional_int(item, "denominator", 1, MAX_INT);
  }
  f.ci = read_ci(item, f.value, PROPORTION_BOUNDS);
}

void read_landmark_figure(MappingReader& item, Figure& f, const Evidence& evidence) {
  f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
  f.time = item.required_number("time", NumberRange::positive());
  require_within_follow_up(item, "time", f.time, "landmark", evidence);
  f.value = read_proportion(item, "value", "a survival probability");
  f.ci = read_ci(item, f.value, PROPORTION_BOUNDS);
}

// median: `value` in months, or `not_reached: true` (value +infinity, no `value` key).
void read_median_figure(MappingReader& item, Figure& f, const Evidence& evidence) {
  f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
  f.not_reached = item.optional_bool("not_reached", false);
  if (f.not_reached) {
    refuse(item, "value", "a median not reached has no value", "either value or not_reached: true");
    f.value = INF;
  } else {
    if (!item.has("value"))
      item.fail("value", "missing required key", "a median in months, or not_reached: true");
    f.value = item.required_number("value", NumberRange::positive());
    require_within_follow_up(item, "value", f.value, "median", evidence);
  }
  f.ci = read_ci(item, f.value, MEDIAN_BOUNDS);
}

void read_count_figure(MappingReader& item, Figure& f, const Evidence& evidence) {
  f.event = read_enum(item, "event", EVENTS);
  f.value = static_cast<double>(item.required_integer("value", 0, MAX_INT));
  // Each event (a death, a relapse, a treatment given) happens to a patient at most once.
  if (f.value > evidence.patients) {
    item.fail("value",
              "count " + format_number(f.value) + " is more than the " +
                  std::to_string(evidence.patients) + " patients of the study",
              "a count <= study.patients (" + std::to_string(evidence.patients) + ")");
  }
  refuse(item, "ci", "a count has no confidence interval", CI_STATISTICS);
}

void read_two_group_figure(MappingReader& item, Figure& f) {
  f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
  read_subgroup_pair(item, f);
  if (f.statistic == Statistic::subgroup_comparison) {
    f.value = read_proportion(item, "value", "a p-value");
    if (f.value == 0.0) item.fail("value", "p-value 0", "a p-value in (0, 1]");
    refuse(item, "ci", "a p-value has no confidence interval", CI_STATISTICS);
  } else {
    f.value = item.required_number("value", NumberRange::positive());
    f.ci = read_ci(item, f.value, RATIO_BOUNDS);
  }
}

void read_curve_figure(MappingReader& item, Figure& f, const Evidence& evidence) {
  f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
  f.value = NOT_A_NUMBER;  // a curve has points, not a value
  read_curve_points(item, f, evidence);
  read_at_risk(item, f, evidence);
  refuse(item, "ci", "a curve has no confidence interval here", CI_STATISTICS);
}

// deaths: censored | events, on duration-of-response figures only (default censored).
void read_dor_deaths(MappingReader& item, Figure& f) {
  if (f.endpoint == FigureEndpoint::duration_of_response) {
    f.dor_deaths =
        enum_of(DOR_DEATHS, item.optional_choice("deaths", "censored", names_of(DOR_DEATHS)));
  } else {
    refuse(item, "deaths", "deaths defines duration_of_response only",
           "deaths only on figures with endpoint duration_of_response");
  }
}

Figure read_figure(MappingReader& item, std::set<std::string>& seen, const Evidence& evidence) {
  Figure f;
  f.where = where_of(item);
  f.id = item.required_string("id");
  require_unique(item, "id", f.id, seen);
  f.statistic = read_enum(item, "statistic", STATISTICS);
  switch (f.statistic) {
    case Statistic::proportion:
    case Statistic::conditional_proportion:
      read_proportion_figure(item, f, evidence);
      break;
    case Statistic::km_landmark:
      read_landmark_figure(item, f, evidence);
      break;
    case Statistic::median_not_reached:
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      f.value = 1.0;  // "not reached" is the event the figure reports; evaluate_figure scores it 1
      f.not_reached = true;
      f.ci = read_ci(item, INF, MEDIAN_BOUNDS);
      break;
    case Statistic::median:
      read_median_figure(item, f, evidence);
      break;
    case Statistic::count:
      read_count_figure(item, f, evidence);
      break;
    case Statistic::subgroup_comparison:
    case Statistic::hazard_ratio:
      read_two_group_figure(item, f);
      break;
    case Statistic::km_curve:
      read_curve_figure(item, f, evidence);
      break;
  }
  const bool two_groups =
      f.statistic == Statistic::subgroup_comparison || f.statistic == Statistic::hazard_ratio;
  if (!two_groups) read_subgroup(item, f);
  read_dor_deaths(item, f);
  f.assumed = item.optional_bool("assumed", false);
  f.note = read_note(item);
  item.finish();
  return f;
}

// ---------------------------------------------------------------- baseline, assumptions

BaselineFigure read_baseline(MappingReader& item, std::set<std::string>& seen, int patients) {
  BaselineFigure b;
  b.id = item.required_string("id");
  require_unique(item, "id", b.id, seen);
  b.statistic = item.required_choice("statistic", {"proportion", "median"});
  if (b.statistic == "proportion") {
    b.value = read_proportion(item, "value", "a proportion");
    read_count_of(item, b.value, patients, b.count, b.denominator);
  } else {
    // Medians of ages, counts, doses and durations: never negative.
    b.value = item.required_number("value", NumberRange::non_negative());
    b.denominator = optional_int(item, "denominator", 1, patients);
    b.count = optional_int(item, "count", 0, b.denominator.value_or(patients));
  }
  b.range = item.optional_number_list("range", {}, NumberRange::non_negative(), false);
  if (!b.range.empty() && (b.range.size() != 2 || b.range[0] > b.range[1])) {
    item.fail("range",
              "found " + std::to_string(b.range.size()) + " numbers" +
                  (b.range.size() == 2 ? " with min > max" : ""),
              "[min, max] with min <= max");
  }
  if (b.range.size() == 2 && b.statistic == "median" &&
      (b.value < b.range[0] || b.value > b.range[1])) {
    item.fail("value",
              "median " + format_number(b.value) + " lies outside its range [" +
                  format_number(b.range[0]) + ", " + format_number(b.range[1]) + "]",
              "min <= median <= max");
  }
  b.unit = item.optional_string("unit", "");
  item.optional_string("derived", "");  // the arithmetic behind a count; BaselineFigure has no note
  b.assumed = item.optional_bool("assumed", false);
  item.finish();
  return b;
}

// beta {a, b} | lognormal {median, sdlog} | normal {mean, sd} | fixed {value} or fixed {median,
// sdlog} (a fixed lognormal law, e.g. onset days).
Prior read_prior(MappingReader& prior) {
  Prior p;
  const std::string distribution =
      prior.required_choice("distribution", {"beta", "lognormal", "normal", "fixed"});
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
  } else if (distribution == "normal") {
    p.kind = Prior::Kind::normal;
    p.mean = prior.required_number("mean", NumberRange{-1e6, 1e6, false, false});
    p.sd = prior.required_number("sd", NumberRange::positive());
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

Assumption read_assumption(MappingReader& item, std::set<std::string>& seen,
                           const Evidence& evidence) {
  Assumption a;
  a.where = where_of(item);
  a.parameter = item.required_string("parameter");
  require_unique(item, "parameter", a.parameter, seen);
  MappingReader prior = item.mapping("prior");
  a.prior = read_prior(prior);
  a.unit = item.optional_string("unit", "");
  a.why = item.required_string("why");
  if (a.why.empty()) item.fail("why", "empty reason", "a non-empty string saying why");
  if (item.has("not_fitted_to")) {
    const YAML::Node list = item.raw("not_fitted_to");
    if (!list.IsSequence() || list.size() == 0)
      item.fail("not_fitted_to", "found no list", "a non-empty list of figure ids");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string id = list[i].IsScalar() ? list[i].Scalar() : "";
      if (!evidence.find(id))
        item.fail("not_fitted_to", "unknown figure \"" + id + "\"",
                  "the id of a figure in `figures`");
      a.not_fitted_to.push_back(id);
    }
  }
  item.finish();
  return a;
}

// ---------------------------------------------------------------- conduct

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

// An optional date: empty when the publication does not report it.
std::string read_optional_date(MappingReader& conduct, const std::string& key) {
  if (!conduct.has(key)) return conduct.optional_string(key, "");  // declares the key
  return read_date(conduct, key);
}

// follow_up_months: {median, min?, max?, method?}: a median alone is enough; min and max come
// together; method reverse_km (the default: how "median follow-up" is usually reported) or simple.
void read_follow_up(MappingReader& conduct, FollowUp& f) {
  MappingReader months = conduct.mapping("follow_up_months");
  f.median = months.required_number("median", NumberRange::non_negative());
  const bool has_min = months.has("min"), has_max = months.has("max");
  if (has_min != has_max) {
    months.fail(has_min ? "min" : "max", has_min ? "min without max" : "max without min",
                "both min and max (the range of follow-up), or neither");
  }
  if (has_min) {
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
  } else {
    months.raw("min");  // declared (and listed among the keys follow_up_months takes)
    months.raw("max");
  }
  f.method = enum_of(FOLLOW_UP_METHODS,
                     months.optional_choice("method", "reverse_km", names_of(FOLLOW_UP_METHODS)));
  months.finish();
}

void read_conduct(MappingReader& root, Evidence& evidence) {
  MappingReader conduct = root.mapping("conduct");
  evidence.enrolment_start = read_optional_date(conduct, "enrolment_start");
  evidence.enrolment_end = read_optional_date(conduct, "enrolment_end");
  if (!evidence.enrolment_start.empty() && !evidence.enrolment_end.empty() &&
      evidence.enrolment_end < evidence.enrolment_start) {  // ISO dates order as strings
    conduct.fail("enrolment_end",
                 "enrolment ends (" + evidence.enrolment_end + ") before it starts (" +
                     evidence.enrolment_start + ")",
                 "enrolment_start <= enrolment_end");
  }
  conduct.optional_string("enrolment_scope", "");
  read_follow_up(conduct, evidence.follow_up);
  conduct.optional_string("outcomes_from", "");
  conduct.finish();
}

// ---------------------------------------------------------------- figures that must agree

// The quantity a figure reports, for duplicates: a proportion and a conditional proportion of
// one endpoint and subgroup are one quantity, as are a median not reached and a median; the two
// groups of a comparison or a hazard ratio in either order are one comparison.
struct Quantity {
  Statistic statistic;
  FigureEndpoint endpoint;
  EventKind event;
  std::string group, other_group;
  double time;
  DeathsInDor dor_deaths;
  bool operator==(const Quantity&) const = default;
};

Quantity quantity_of(const Figure& f) {
  Statistic statistic = f.statistic;
  if (statistic == Statistic::conditional_proportion) statistic = Statistic::proportion;
  if (statistic == Statistic::median_not_reached) statistic = Statistic::median;
  std::string group = f.subgroup_name, other = f.comparison_subgroup_name;
  if (other < group) std::swap(group, other);  // a single group: ("", name); a pair: sorted
  return {statistic, f.endpoint, f.event, group, other, f.time, f.dor_deaths};
}

bool same_curve(const Figure& a, const Figure& b) {
  return a.endpoint == b.endpoint && a.subgroup_name == b.subgroup_name &&
         a.dor_deaths == b.dor_deaths;
}

bool median_not_reached(const Figure& f) {
  return f.statistic == Statistic::median_not_reached ||
         (f.statistic == Statistic::median && f.not_reached);
}

std::string at_line(const Figure& f) { return " (line " + std::to_string(f.where.line) + ")"; }

void check_no_duplicate(const std::vector<Figure>& figures, std::size_t i, MappingReader& item) {
  const Figure& f = figures[i];
  for (std::size_t j = 0; j < i; ++j) {
    const Figure& g = figures[j];
    if (!(quantity_of(g) == quantity_of(f))) continue;
    // Refused whichever is assumed: an assumed number for a quantity the publication reports
    // would be either ignored or fitted as data; neither is what its author meant.
    const std::string assumed =
        f.assumed || g.assumed ? " (an assumed number beside a reported one: keep one)" : "";
    item.fail("",
              "figure " + in_quotes(f.id) + " reports the same quantity as figure " +
                  in_quotes(g.id) + at_line(g) + assumed,
              "each statistic of an endpoint, event, subgroup, time and DOR definition once");
  }
}

// A subgroup's proportion against the whole study's (its count and denominator at most the
// study's, and the rest of the study a valid proportion too); a response at a landmark among
// the best responses.
void check_within_whole(const std::vector<Figure>& figures, const Figure& f, MappingReader& item) {
  const auto find = [&](auto&& wanted) -> const Figure* {
    for (const Figure& g : figures) {
      if (wanted(g)) return &g;
    }
    return nullptr;
  };
  if (!f.count || !f.denominator) return;
  if (f.subgroup != Subgroup::all) {
    const Figure* whole = find([&](const Figure& g) {
      return quantity_of(g).statistic == quantity_of(f).statistic && g.endpoint == f.endpoint &&
             g.time == f.time && g.subgroup_name == "all" && g.count && g.denominator;
    });
    if (whole) {
      const std::string versus = " of figure " + in_quotes(whole->id) + " (all patients)";
      if (*f.denominator > *whole->denominator) {
        item.fail("denominator",
                  "subgroup denominator " + std::to_string(*f.denominator) +
                      " is more than the denominator " + std::to_string(*whole->denominator) +
                      versus,
                  "a subgroup no larger than the whole");
      }
      if (*f.count > *whole->count ||
          *whole->count - *f.count > *whole->denominator - *f.denominator) {
        item.fail(
            "count",
            "subgroup count " + std::to_string(*f.count) + "/" + std::to_string(*f.denominator) +
                " does not fit within " + std::to_string(*whole->count) + "/" +
                std::to_string(*whole->denominator) + versus,
            "a subgroup count <= the whole's, with the rest of the patients a valid proportion");
      }
    }
  }
  if (f.endpoint == FigureEndpoint::response_at_landmark) {
    // In remission at a landmark implies a response: at most the best responses of the same
    // patients (the same subgroup and denominator).
    const Figure* best = find([&](const Figure& g) {
      return g.endpoint == FigureEndpoint::best_overall_response &&
             g.subgroup_name == f.subgroup_name && g.denominator == f.denominator && g.count;
    });
    if (best && *f.count > *best->count) {
      item.fail("count",
                "in remission at " + format_number(f.time) +
                    " months: " + std::to_string(*f.count) + " patients, more than the " +
                    std::to_string(*best->count) + " best responses of figure " +
                    in_quotes(best->id),
                "at most the patients who responded");
    }
  }
}

// Kaplan-Meier survival does not rise with time; it stays at or above one half while the
// median is not reached, above one half before a reached median and at or below it after.
void check_landmark(const std::vector<Figure>& figures, std::size_t i, MappingReader& item) {
  const Figure& f = figures[i];
  for (std::size_t j = 0; j < i; ++j) {
    const Figure& g = figures[j];
    if (g.statistic != Statistic::km_landmark || !same_curve(g, f)) continue;
    // Survival never increases: an earlier landmark is at least as high as a later one.
    const bool rises =
        (g.time < f.time && f.value > g.value) || (g.time > f.time && f.value < g.value);
    if (rises) {
      item.fail("value",
                "survival " + format_number(f.value) + " at " + format_number(f.time) +
                    " months against " + format_number(g.value) + " at " + format_number(g.time) +
                    " months (figure " + in_quotes(g.id) + ") rises with time",
                "Kaplan-Meier survival that does not increase with time");
    }
  }
  for (const Figure& median : figures) {
    if ((median.statistic != Statistic::median &&
         median.statistic != Statistic::median_not_reached) ||
        !same_curve(median, f))
      continue;
    if (median_not_reached(median) && f.value < 0.5) {
      item.fail("value",
                "survival " + format_number(f.value) + " at " + format_number(f.time) +
                    " months is below one half, yet figure " + in_quotes(median.id) +
                    " says the median was not reached",
                "survival >= 0.5 at every landmark while the median is not reached");
    }
    // A reached median m: S(t) > 1/2 before m and S(t) <= 1/2 from m on (within rounding).
    const double tolerance = EVIDENCE_ROUNDING_TOLERANCE;
    const bool before = f.time < median.value && f.value < 0.5 - tolerance;
    const bool after = f.time >= median.value && f.value > 0.5 + tolerance;
    if (!median_not_reached(median) && (before || after)) {
      item.fail("value",
                "survival " + format_number(f.value) + " at " + format_number(f.time) +
                    " months disagrees with the median of " + format_number(median.value) +
                    " months of figure " + in_quotes(median.id),
                "survival above one half before the median and at most one half after it");
    }
  }
}

// Event counts: among responders at most the responders; deaths by cause at most the deaths;
// CD19-negative relapses at most the relapses.
void check_counts(const std::vector<Figure>& figures, std::size_t i, MappingReader& item) {
  const Figure& f = figures[i];
  if (f.statistic != Statistic::count) return;
  const auto find = [&](auto&& wanted) -> const Figure* {
    for (const Figure& g : figures) {
      if (wanted(g)) return &g;
    }
    return nullptr;
  };
  const bool among_responders = f.subgroup == Subgroup::responders ||
                                f.subgroup == Subgroup::maintenance ||
                                f.subgroup == Subgroup::no_maintenance;
  const Figure* response = find([](const Figure& g) {
    return g.statistic == Statistic::proportion &&
           g.endpoint == FigureEndpoint::best_overall_response && g.subgroup_name == "all" &&
           g.count;
  });
  // Event counts only, not denominators: evidence with the ORR edited alone (as
  // tests/test_calibration.cpp does) keeps the MRD denominator of the original responders.
  if (among_responders && response && f.value > *response->count) {
    item.fail("value",
              "count " + format_number(f.value) + " among responders is more than the " +
                  std::to_string(*response->count) + " responders of figure " +
                  in_quotes(response->id),
              "at most the number of responders");
  }
  const auto by_cause = [](const Figure& g) {
    return g.statistic == Statistic::count && g.subgroup_name == "all" &&
           (g.event == EventKind::death_from_disease ||
            g.event == EventKind::death_from_infection ||
            g.event == EventKind::death_from_other_causes);
  };
  if (by_cause(f)) {
    const Figure* deaths = find([](const Figure& g) {
      return g.statistic == Statistic::count && g.event == EventKind::death &&
             g.subgroup_name == "all";
    });
    double sum = 0.0;
    for (std::size_t j = 0; j <= i; ++j) {
      if (by_cause(figures[j])) sum += figures[j].value;
    }
    if (deaths && sum > deaths->value) {
      item.fail("value",
                "deaths by cause add up to " + format_number(sum) + ", more than the " +
                    format_number(deaths->value) + " deaths of figure " + in_quotes(deaths->id),
                "deaths by cause that add up to at most the deaths");
    }
  }
  if (f.event == EventKind::cd19_negative_relapse) {
    const Figure* relapses = find([&](const Figure& g) {
      return g.statistic == Statistic::count && g.event == EventKind::relapse &&
             g.subgroup_name == f.subgroup_name;
    });
    if (relapses && f.value > relapses->value) {
      item.fail("value",
                "count " + format_number(f.value) + " of CD19-negative relapses is more than the " +
                    format_number(relapses->value) + " relapses of figure " +
                    in_quotes(relapses->id),
                "at most the relapses");
    }
  }
}

// Figures that cannot all be true of one study, each refused at the later figure of the pair
// (figure_items[i] is the reader of evidence.figures[i]): the same quantity reported twice, a
// subgroup outside the whole, counts beyond what they count among, Kaplan-Meier landmarks
// against each other and against the median.
void check_figures_agree(const Evidence& evidence, std::vector<MappingReader>& figure_items) {
  const auto& figures = evidence.figures;
  for (std::size_t i = 0; i < figures.size(); ++i) {
    check_no_duplicate(figures, i, figure_items[i]);
    check_within_whole(figures, figures[i], figure_items[i]);
    check_counts(figures, i, figure_items[i]);
    if (figures[i].statistic == Statistic::km_landmark) check_landmark(figures, i, figure_items[i]);
  }
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
  if (root.has("baseline")) {  // optional: a publication may report no baseline characteristics
    for (MappingReader& item : root.mapping_list("baseline", 0)) {
      evidence.baseline.push_back(read_baseline(item, seen, evidence.patients));
    }
  } else {
    root.raw("baseline");  // declared
  }
  seen.clear();
  std::vector<MappingReader> figure_items = root.mapping_list("figures", 1);
  for (MappingReader& item : figure_items) {
    evidence.figures.push_back(read_figure(item, seen, evidence));
  }
  check_figures_agree(evidence, figure_items);
  seen.clear();
  for (MappingReader& item : root.mapping_list("assumptions", 1)) {
    evidence.assumptions.push_back(read_assumption(item, seen, evidence));
  }
  root.finish();

  if (registry) {
    for (const auto& key : FIGURE_KEYS) registry->declare("figures[]." + key);
    for (const auto& key : BASELINE_KEYS) registry->declare("baseline[]." + key);
    for (const auto& key : PRIOR_KEYS) registry->declare("assumptions[].prior." + key);
  }
  return evidence;
}

}  // namespace trialsim
