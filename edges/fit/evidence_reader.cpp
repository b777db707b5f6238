#include "edges/fit/evidence_reader.h"

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
const std::vector<std::string> PRIOR_KEYS = {"distribution", "a",    "b",  "median",
                                             "sdlog",        "mean", "sd", "value"};

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

// A proportion in [0, 1]. A value above 1 is most likely a percentage (83.9 for 0.839): the
// message says so rather than only "out of range".
double read_proportion(MappingReader& item, const std::string& key, const std::string& what) {
  const double value = item.required_number(key, ANY_NUMBER);
  const std::string expected = what + " in [0, 1]";
  if (value < 0.0) item.fail(key, "value " + format_number(value) + " is negative", expected);
  if (value > 1.0) {
    item.fail(key,
              "value " + format_number(value) + " is more than 1" +
                  (value <= 100.0 ? " (a percentage? " + format_number(value) + " % is " +
                                        format_number(value / 100.0) + ")"
                                  : std::string()),
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

// An id or name from the file, in quotes (whoever prints the message escapes control characters).
// Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
std::string quoted(const std::string& text) {
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

// `derived` (the arithmetic behind a count) and `note` both end up in the figure's note.
std::string read_note(MappingReader& item) {
  const std::string derived = item.optional_string("derived", "");
  const std::string note = item.optional_string("note", "");
  return derived.empty() || note.empty() ? derived + note : derived + "; " + note;
}

void require_unique(MappingReader& item, const std::string& key, const std::string& value,
                    std::set<std::string>& seen) {
  if (value.empty() || !seen.insert(value).second) {
    item.fail(key, value.empty() ? "empty " + key : "duplicate " + key + " " + quoted(value),
              "a unique, non-empty " + key);
  }
}

Figure read_figure(MappingReader& item, std::set<std::string>& seen, const Evidence& evidence) {
  Figure f;
  f.id = item.required_string("id");
  require_unique(item, "id", f.id, seen);
  f.statistic = read_enum(item, "statistic", STATISTICS);
  switch (f.statistic) {
    case Statistic::proportion:
    case Statistic::conditional_proportion:
      f.endpoint = read_enum(item, "endpoint", BINARY_ENDPOINTS);
      f.value = read_proportion(item, "value", "a proportion");
      read_count_of(item, f.value, evidence.patients, f.count, f.denominator);
      break;
    case Statistic::km_landmark:
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      f.time = item.required_number("time", NumberRange::positive());
      if (f.time > evidence.follow_up.max) {
        item.fail("time",
                  "landmark at " + format_number(f.time) +
                      " months is beyond the longest follow-up (" +
                      format_number(evidence.follow_up.max) + " months)",
                  "a time <= conduct.follow_up_months.max");
      }
      f.value = read_proportion(item, "value", "a survival probability");
      break;
    case Statistic::median_not_reached:
      f.endpoint = read_enum(item, "endpoint", TIME_TO_EVENT_ENDPOINTS);
      f.value = 1.0;  // "not reached" is the event the figure reports; evaluate_figure scores it 1
      break;
    case Statistic::count:
      f.event = read_enum(item, "event", EVENTS);
      f.value = static_cast<double>(item.required_integer("value", 0, MAX_INT));
      // Each event (a death, a relapse, a treatment given) happens to a patient at most once.
      if (f.value > evidence.patients) {
        item.fail("value",
                  "count " + format_number(f.value) + " is more than the " +
                      std::to_string(evidence.patients) + " patients of the study",
                  "a count <= study.patients (" + std::to_string(evidence.patients) + ")");
      }
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
      f.value = read_proportion(item, "value", "a p-value");
      if (f.value == 0.0) item.fail("value", "p-value 0", "a p-value in (0, 1]");
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

// Figures that cannot all be true of one study, each refused at the later figure of the pair
// (figure_items[i] is the reader of evidence.figures[i]):
//  - the same quantity reported twice (proportion, count or landmark of one endpoint/subgroup);
//  - a subgroup's proportion against the whole study's (its count and denominator at most the
//    study's, and the rest of the study a valid proportion too);
//  - event counts among responders above the number of responders;
//  - deaths by cause adding up to more than the deaths, CD19-negative relapses above the relapses;
//  - Kaplan-Meier survival rising with time, or below one half while the median is not reached.
void check_figures_agree(const Evidence& evidence, std::vector<MappingReader>& figure_items) {
  const auto& figures = evidence.figures;
  const auto same_quantity = [](const Figure& a, const Figure& b) {
    return a.statistic == b.statistic && a.endpoint == b.endpoint && a.event == b.event &&
           a.subgroup == b.subgroup && a.comparison_subgroup == b.comparison_subgroup &&
           a.time == b.time;
  };
  const auto find = [&](auto&& wanted) -> const Figure* {
    for (const Figure& f : figures) {
      if (wanted(f)) return &f;
    }
    return nullptr;
  };
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const Figure& f = figures[i];
    MappingReader& item = figure_items[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (same_quantity(figures[j], f)) {
        item.fail("", "reports the same quantity as figure " + quoted(figures[j].id),
                  "each statistic of an endpoint, subgroup and time once");
      }
    }
    const bool proportion = f.count && f.denominator;
    if (proportion && f.subgroup != Subgroup::all) {
      const Figure* whole = find([&](const Figure& g) {
        return g.statistic == f.statistic && g.endpoint == f.endpoint &&
               g.subgroup == Subgroup::all && g.count && g.denominator;
      });
      if (whole) {
        const std::string versus = " of figure " + quoted(whole->id) + " (all patients)";
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
    const bool among_responders = f.subgroup == Subgroup::responders ||
                                  f.subgroup == Subgroup::maintenance ||
                                  f.subgroup == Subgroup::no_maintenance;
    const Figure* response = find([](const Figure& g) {
      return g.statistic == Statistic::proportion &&
             g.endpoint == FigureEndpoint::best_overall_response && g.subgroup == Subgroup::all &&
             g.count;
    });
    if (among_responders && response) {
      const int responders = *response->count;
      const auto at_most_responders = [&](const std::string& key, double value,
                                          const std::string& what) {
        if (value > responders) {
          item.fail(key,
                    what + " " + format_number(value) + " among responders is more than the " +
                        std::to_string(responders) + " responders of figure " +
                        quoted(response->id),
                    "at most the number of responders");
        }
      };
      // Event counts only, not denominators: evidence with the ORR edited alone (as
      // tests/test_calibration.cpp does) keeps the MRD denominator of the original responders.
      if (f.statistic == Statistic::count) at_most_responders("value", f.value, "count");
    }
    if (f.statistic == Statistic::count && f.subgroup == Subgroup::all &&
        (f.event == EventKind::death_from_disease || f.event == EventKind::death_from_infection ||
         f.event == EventKind::death_from_other_causes)) {
      const Figure* deaths = find([](const Figure& g) {
        return g.statistic == Statistic::count && g.event == EventKind::death &&
               g.subgroup == Subgroup::all;
      });
      double by_cause = 0.0;
      for (std::size_t j = 0; j <= i; ++j) {
        const Figure& g = figures[j];
        if (g.statistic == Statistic::count && g.subgroup == Subgroup::all &&
            (g.event == EventKind::death_from_disease ||
             g.event == EventKind::death_from_infection ||
             g.event == EventKind::death_from_other_causes)) {
          by_cause += g.value;
        }
      }
      if (deaths && by_cause > deaths->value) {
        item.fail("value",
                  "deaths by cause add up to " + format_number(by_cause) + ", more than the " +
                      format_number(deaths->value) + " deaths of figure " + quoted(deaths->id),
                  "deaths by cause that add up to at most the deaths");
      }
    }
    if (f.statistic == Statistic::count && f.event == EventKind::cd19_negative_relapse) {
      const Figure* relapses = find([&](const Figure& g) {
        return g.statistic == Statistic::count && g.event == EventKind::relapse &&
               g.subgroup == f.subgroup;
      });
      if (relapses && f.value > relapses->value) {
        item.fail(
            "value",
            "count " + format_number(f.value) + " of CD19-negative relapses is more than the " +
                format_number(relapses->value) + " relapses of figure " + quoted(relapses->id),
            "at most the relapses");
      }
    }
    if (f.statistic == Statistic::km_landmark) {
      for (std::size_t j = 0; j < i; ++j) {
        const Figure& g = figures[j];
        if (g.statistic != Statistic::km_landmark || g.endpoint != f.endpoint ||
            g.subgroup != f.subgroup)
          continue;
        // Survival never increases: an earlier landmark is at least as high as a later one.
        const bool rises =
            (g.time < f.time && f.value > g.value) || (g.time > f.time && f.value < g.value);
        if (rises) {
          item.fail("value",
                    "survival " + format_number(f.value) + " at " + format_number(f.time) +
                        " months against " + format_number(g.value) + " at " +
                        format_number(g.time) + " months (figure " + quoted(g.id) +
                        ") rises with time",
                    "Kaplan-Meier survival that does not increase with time");
        }
      }
      const Figure* not_reached = find([&](const Figure& g) {
        return g.statistic == Statistic::median_not_reached && g.endpoint == f.endpoint &&
               g.subgroup == f.subgroup;
      });
      if (not_reached && f.value < 0.5) {
        item.fail("value",
                  "survival " + format_number(f.value) + " at " + format_number(f.time) +
                      " months is below one half, yet figure " + quoted(not_reached->id) +
                      " says the median was not reached",
                  "survival >= 0.5 at every landmark while the median is not reached");
      }
    }
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
  for (MappingReader& item : root.mapping_list("baseline", 1)) {
    evidence.baseline.push_back(read_baseline(item, seen, evidence.patients));
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
    for (const auto& key : PRIOR_KEYS) registry->declare("assumptions[].prior." + key);
  }
  return evidence;
}

}  // namespace trialsim
