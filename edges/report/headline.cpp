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
    return kind.assurance ? "P(false positive), averaged over the prior" : "type I error";
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
