#include "edges/report/headline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

namespace trialsim {
namespace {

constexpr std::string_view ASSURANCE_SUFFIX = " (assurance)";

// The metrics each headline quantity stands for (headline.h); power and type_i_error share
// rejection_probability and are told apart by the scenario.
const std::map<std::string, std::vector<std::string>>& quantity_metrics() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"power", {"rejection_probability"}},
      {"type_i_error", {"rejection_probability"}},
      {"expected_n", {"patients_analysed_mean", "expected_patients", "patients_enrolled_mean"}},
      {"duration", {"study_duration_mean", "duration_mean"}},
      {"events", {"events_mean", "deaths_mean"}},
      {"ci_width", {"mean_ci_width", "mean_width", "mean_difference_ci_width"}},
      {"coverage", {"coverage", "ci_coverage", "hr_ci_coverage"}},
      {"bias", {"bias", "log_hr_bias"}},
      {"early_stop", {"early_termination_probability", "stop_probability"}},
  };
  return table;
}

const std::map<std::string, std::string>& quantity_labels() {
  static const std::map<std::string, std::string> table = {{"power", "power"},
                                                           {"type_i_error", "type I error"},
                                                           {"expected_n", "expected N"},
                                                           {"duration", "duration (months)"},
                                                           {"events", "events"},
                                                           {"ci_width", "CI width"},
                                                           {"coverage", "CI coverage"},
                                                           {"bias", "bias"},
                                                           {"early_stop", "P(early stop)"}};
  return table;
}

// The design's null scenarios, or nullopt-like empty flag when it declares none.
struct NullDeclaration {
  bool declared = false;
  double alpha = 0.0;
  std::set<std::string> scenarios;
};

NullDeclaration null_declaration(const nlohmann::json& facts) {
  NullDeclaration out;
  if (!facts.is_object() || !facts.contains("null_hypothesis")) return out;
  const nlohmann::json& h = facts["null_hypothesis"];
  if (!h.is_object() || !h.contains("scenarios") || !h["scenarios"].is_array()) return out;
  out.declared = true;
  if (h.contains("one_sided_alpha") && h["one_sided_alpha"].is_number())
    out.alpha = h["one_sided_alpha"].get<double>();
  for (const auto& name : h["scenarios"])
    if (name.is_string()) out.scenarios.insert(name.get<std::string>());
  return out;
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether `scenario` is null, and whether it is the prior-averaged twin of a scenario.
struct ScenarioKind {
  bool null = false;
  bool assurance = false;
};

ScenarioKind kind_of(const std::string& scenario, const NullDeclaration& nulls) {
  ScenarioKind kind;
  std::string base = scenario;
  if (ends_with(scenario, ASSURANCE_SUFFIX)) {
    kind.assurance = true;
    base = scenario.substr(0, scenario.size() - ASSURANCE_SUFFIX.size());
  }
  kind.null = nulls.scenarios.count(base) > 0;
  return kind;
}

// The label of a rejection probability, or "" when the row is not wanted.
std::string rejection_label(const ScenarioKind& kind, const NullDeclaration& nulls, bool want_power,
                            bool want_type_i) {
  if (!nulls.declared) return want_power ? "rejection probability" : "";
  if (kind.null) {
    if (!want_type_i) return "";
    return kind.assurance ? "P(false positive), prior-averaged" : "type I error";
  }
  if (!want_power) return "";
  return kind.assurance ? "assurance" : "power";
}

// An analytic figure for a null scenario's row, when the facts have one.
double analytic_reference(const nlohmann::json& facts, const std::string& scenario,
                          const std::string& analysis) {
  const double none = std::nan("");
  if (!facts.is_object()) return none;
  if (facts.contains("analytic_power")) {
    const auto& a = facts["analytic_power"];
    if (a.contains(scenario) && a[scenario].contains(analysis) && a[scenario][analysis].is_number())
      return a[scenario][analysis].get<double>();
  }
  if (analysis == "logrank" && facts.contains("schoenfeld_power")) {
    const auto& a = facts["schoenfeld_power"];
    if (a.contains(scenario) && a[scenario].is_number()) return a[scenario].get<double>();
  }
  return none;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace

std::vector<HeadlineRow> headline_rows(const std::vector<OcRow>& rows,
                                       const std::vector<std::string>& headline,
                                       const nlohmann::json& design_facts) {
  const NullDeclaration nulls = null_declaration(design_facts);
  const auto wants = [&](const char* q) {
    return std::find(headline.begin(), headline.end(), q) != headline.end();
  };
  const bool want_power = wants("power"), want_type_i = wants("type_i_error");
  std::vector<HeadlineRow> out;
  // Every rejection probability is shown (each test decides); of the other quantities, the first
  // analysis reporting it in a scenario (the design's primary: e.g. the first interval method,
  // the control arm's landmark), so a design with eleven intervals shows one CI width.
  std::set<std::pair<std::string, std::string>> shown;  // (scenario, quantity)
  for (const OcRow& row : rows) {
    if (std::isnan(row.estimate)) continue;
    std::string label;
    if (row.metric == "rejection_probability") {
      label = rejection_label(kind_of(row.scenario, nulls), nulls, want_power, want_type_i);
    } else {
      for (const std::string& quantity : headline) {
        const auto& metrics = quantity_metrics().at(quantity);
        if (quantity == "power" || quantity == "type_i_error") continue;
        if (std::find(metrics.begin(), metrics.end(), row.metric) == metrics.end()) continue;
        if (!shown.insert({row.scenario, quantity}).second) break;
        label = quantity_labels().at(quantity);
        break;
      }
    }
    if (label.empty()) continue;
    out.push_back({row.scenario, row.analysis, row.metric, label, row.estimate, row.mcse});
  }
  return out;
}

std::vector<StatisticalWarning> type_i_error_warnings(const std::vector<OcRow>& rows,
                                                      const nlohmann::json& design_facts) {
  const NullDeclaration nulls = null_declaration(design_facts);
  std::vector<StatisticalWarning> out;
  if (!nulls.declared || !(nulls.alpha > 0.0)) return out;
  for (const OcRow& row : rows) {
    if (row.metric != "rejection_probability" || std::isnan(row.estimate)) continue;
    const ScenarioKind kind = kind_of(row.scenario, nulls);
    if (!kind.null || kind.assurance) continue;
    const double excess = row.estimate - nulls.alpha;
    if (!(excess > 4.0 * row.mcse) || !(excess > 0.0)) continue;
    StatisticalWarning w{row.scenario, row.analysis, row.metric, row.estimate,
                         row.mcse,     nulls.alpha,  ""};
    w.text = "type I error of " + row.analysis + " at null scenario " + row.scenario + " is " +
             fixed(row.estimate, 4) + " (MCSE " + fixed(row.mcse, 4) + "), above alpha " +
             fixed(nulls.alpha, 4) + " by " + fixed(excess / std::max(row.mcse, 1e-300), 1) +
             " MCSE";
    if (row.mcse == 0.0) w.text = w.text.substr(0, w.text.rfind(" by ")) + " (exact)";
    const double analytic = analytic_reference(design_facts, row.scenario, row.analysis);
    if (std::isfinite(analytic))
      w.text += "; the analytic (large-sample) figure is " + fixed(analytic, 4);
    w.text += ": the test does not hold its level at this size";
    out.push_back(std::move(w));
  }
  return out;
}

namespace {

// The simulated columns of look k (1-based) for one scenario, from the rows.
nlohmann::json simulated_look(const std::vector<OcRow>& rows, const std::string& scenario,
                              std::size_t k) {
  const std::string look = "look" + std::to_string(k);
  nlohmann::json out = nlohmann::json::object();
  for (const OcRow& row : rows) {
    if (row.scenario != scenario) continue;
    if (row.analysis == look) {
      if (row.metric == "calendar_time_mean") {
        out["time_mean"] = row.estimate;
        out["time_mcse"] = row.mcse;
        out["reached"] = row.replicates;
      } else if (row.metric == "events_at_look_mean") {
        out["events_mean"] = row.estimate;
      } else if (row.metric == "enrolled_at_look_mean") {
        out["enrolled_mean"] = row.estimate;
        out["enrolled_mcse"] = row.mcse;
      }
    } else if (row.analysis == "group_sequential") {
      if (row.metric == "efficacy_stop_probability_" + look) out["efficacy_stop"] = row.estimate;
      if (row.metric == "futility_stop_probability_" + look) out["futility_stop"] = row.estimate;
    }
  }
  return out;
}

// A JSON number as text with `digits` decimals, or "-" (absent or not a number).
std::string number_text(const nlohmann::json& object, const char* key, int digits) {
  if (!object.contains(key) || !object[key].is_number()) return "-";
  return fixed(object[key].get<double>(), digits);
}

}  // namespace

nlohmann::json per_look_table(const std::vector<OcRow>& rows, const nlohmann::json& design_facts) {
  nlohmann::json table = nlohmann::json::array();
  if (!design_facts.is_object() || !design_facts.contains("group_sequential")) return table;
  const nlohmann::json& gs = design_facts["group_sequential"];
  if (!gs.is_object() || !gs.contains("looks") || !gs["looks"].is_array()) return table;
  std::vector<std::string> scenarios;  // in the rows' order
  for (const OcRow& row : rows)
    if (std::find(scenarios.begin(), scenarios.end(), row.scenario) == scenarios.end())
      scenarios.push_back(row.scenario);
  for (const nlohmann::json& planned : gs["looks"]) {
    nlohmann::json look = planned;
    look.erase("expected_calendar_time");
    const std::size_t k = planned.value("look", std::size_t{0});
    nlohmann::json per_scenario = nlohmann::json::array();  // in the rows' order
    for (const std::string& name : scenarios) {
      nlohmann::json entry = simulated_look(rows, name, k);
      if (entry.empty()) continue;  // e.g. "NAME (assurance)" rows without looks
      entry["name"] = name;
      const auto& expected = planned.value("expected_calendar_time", nlohmann::json::object());
      if (expected.contains(name)) entry["expected_time"] = expected[name];
      per_scenario.push_back(entry);
    }
    look["scenarios"] = per_scenario;
    table.push_back(look);
  }
  return table;
}

std::vector<std::string> per_look_lines(const nlohmann::json& table) {
  std::vector<std::string> lines;
  if (!table.is_array() || table.empty()) return lines;
  lines.push_back(
      "per look: efficacy boundary on the benefit z, nominal one-sided p and hazard-ratio scales; "
      "per scenario the simulated mean calendar time (MCSE; analytic: when the expected events "
      "reach the target, rpact's analysisTime), events and patients enrolled over the trials "
      "that made the look, and the stopping probabilities");
  for (const nlohmann::json& look : table) {
    std::string head = "  look " + number_text(look, "look", 0) + ": " +
                       number_text(look, "events", 0) + " events (information " +
                       number_text(look, "information_fraction", 2) +
                       "); stop for efficacy if z >= " + number_text(look, "efficacy_z", 3) +
                       ", p <= " + number_text(look, "efficacy_p", 5) +
                       ", HR <= " + number_text(look, "efficacy_hr", 3);
    if (look.contains("futility_z"))
      head += "; futility if z < " + number_text(look, "futility_z", 3) + " (HR > " +
              number_text(look, "futility_hr", 3) + ")";
    lines.push_back(head);
    for (const nlohmann::json& s : look["scenarios"]) {
      const std::string stops =
          ", P(efficacy stop) " + number_text(s, "efficacy_stop", 4) +
          (s.contains("futility_stop") ? ", P(futility stop) " + number_text(s, "futility_stop", 4)
                                       : "");
      lines.push_back("    " + s.value("name", std::string()) + ": month " +
                      number_text(s, "time_mean", 2) + " (MCSE " + number_text(s, "time_mcse", 2) +
                      "; analytic " + number_text(s, "expected_time", 2) + "), events " +
                      number_text(s, "events_mean", 1) + ", enrolled " +
                      number_text(s, "enrolled_mean", 1) + stops);
    }
  }
  return lines;
}

nlohmann::json to_json(const std::vector<HeadlineRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const HeadlineRow& r : rows) {
    out.push_back({{"scenario", r.scenario},
                   {"analysis", r.analysis},
                   {"metric", r.metric},
                   {"label", r.label},
                   {"estimate", r.estimate},
                   {"mcse", r.mcse}});
  }
  return out;
}

nlohmann::json to_json(const std::vector<StatisticalWarning>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const StatisticalWarning& w : warnings) {
    out.push_back({{"scenario", w.scenario},
                   {"analysis", w.analysis},
                   {"metric", w.metric},
                   {"estimate", w.estimate},
                   {"mcse", w.mcse},
                   {"alpha", w.reference},
                   {"message", w.text}});
  }
  return out;
}

}  // namespace trialsim
