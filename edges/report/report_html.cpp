#include "edges/report/report_html.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/text_escape.h"
#include "edges/report/memo.h"
#include "edges/report/report_figures.h"

namespace trialsim::report {
namespace {

constexpr const char* CSS = R"(
:root { --ink: #1d2327; --muted: #5f6b73; --rule: #d8dde0; --accent: #1f5fa8; --bad: #b03a2e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0; background: #f6f7f8; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h3 { font-size: 16px; margin: 18px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 8px; border-top: 2px solid var(--rule); }
p { margin: 6px 0; }
.lede { color: var(--muted); max-width: 70em; }
.rule { font-weight: 600; }
nav { margin: 14px 0 0; font-size: 14px; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 4px; }
th, td { padding: 3px 9px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; vertical-align: top; }
th { background: #eef1f3; font-weight: 600; }
th.left, td.left { text-align: left; }
td.wrap { white-space: normal; }
tr.group td { background: #fafbfb; font-weight: 600; text-align: left; padding-top: 7px; }
tr.headline td { font-weight: 700; }
td .mcse { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 3px; }
td.no { color: var(--bad); font-weight: 700; }
.scroll { overflow-x: auto; }
figure { margin: 18px 0 26px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
table.memo caption { text-align: left; font-size: 14px; color: var(--muted); padding: 4px 0; }
table.memo td:nth-child(-n+2), table.memo th:nth-child(-n+2) { text-align: left; }
figcaption { font-size: 14px; color: var(--ink); margin-top: 6px; max-width: 70em; }
figcaption .files { color: var(--muted); font-size: 13px; }
figcaption a { color: var(--accent); }
.note { color: var(--muted); font-style: italic; }
dl.prov { display: grid; grid-template-columns: max-content auto; gap: 2px 18px; font-size: 14px; }
dl.prov dt { color: var(--muted); }
dl.prov dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; }
@media print { body { background: #fff; } main { padding: 0; } figure { break-inside: avoid; } }
)";

std::string text_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// A number member of a JSON object, NaN when absent or not a number.
double number_of(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}

// Per-scenario tables beyond this many are left to oc.csv: a page of 100 000 tables is no report.
constexpr std::size_t MAX_PAGE_SCENARIO_TABLES = 1000;

// Estimate with decimals by magnitude: 4 for proportions and small values, 2 above 10.
std::string estimate_text(double value) {
  if (std::isnan(value)) return "–";
  return fixed(value, std::fabs(value) < 10 ? 4 : 2);
}

std::string oc_cell(const OcEntry* e, bool exact_mode) {
  if (!e) return "<td></td>";
  std::string cell =
      "<td title=\"" + fixed(e->replicates, 0) + " cohorts\">" + estimate_text(e->estimate);
  if (!std::isnan(e->estimate) && !exact_mode) {
    cell += "<span class=\"mcse\">±" +
            (std::isnan(e->mcse) ? std::string("–") : estimate_text(e->mcse)) + "</span>";
  }
  return cell + "</td>";
}

// Operating characteristics: one column per scenario (few scenarios), else one table per scenario.
std::string oc_section(const ResultsDirectory& r) {
  const bool exact_mode = text_of(r.manifest, "mode") == "exact";
  std::string out =
      "<section id=\"oc\"><h2>Operating characteristics</h2>\n<p class=\"lede\">Each cell: the "
      "estimate over "
      "the virtual cohorts and <span style=\"color:#5f6b73\">± its Monte Carlo standard error "
      "(MCSE)</span>";
  out += exact_mode ? "; exact mode: computed exactly, no MCSE" : "";
  out +=
      ". Hover a cell for the number of cohorts it is estimated from (fewer where a quantity is "
      "not always "
      "estimable). Column names and metrics are those of <code>oc.csv</code> (README, \"Output "
      "reference\").</p>\n";
  // (analysis, metric) pairs in file order.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const OcEntry& e : r.oc_entries) {
    const std::pair<std::string, std::string> k{e.analysis, e.metric};
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  const auto headline = [](const std::string& metric) { return metric == "rejection_probability"; };
  // Scenarios at the point estimate, then (CAR-T assurance) the same with posterior draws.
  std::vector<std::string> point, assurance;
  for (const auto& s : r.scenarios) (is_assurance(s) ? assurance : point).push_back(s);
  if (point.size() <= 8 && assurance.size() <= 8) {
    for (const auto* group_scenarios : {&point, &assurance}) {
      if (group_scenarios->empty()) continue;
      if (!assurance.empty()) {
        out += group_scenarios == &point ? "<h3>At the fitted point estimate</h3>\n"
                                         : "<h3>Assurance: each virtual cohort's parameters drawn "
                                           "from the fitted posterior</h3>\n";
      }
      out += "<div class=\"scroll\"><table><thead><tr><th class=\"left\">analysis / metric</th>";
      for (const auto& s : *group_scenarios)
        out += "<th>" + html_escape(without_assurance(s)) + "</th>";
      out += "</tr></thead><tbody>\n";
      std::string group;
      for (const auto& [analysis, metric] : keys) {
        bool any = false;
        // Rows undefined in every column (e.g. bias against an unknown truth) are left out.
        for (const auto& s : *group_scenarios) {
          const OcEntry* e = r.find(s, analysis, metric);
          any = any || (e != nullptr && !std::isnan(e->estimate));
        }
        if (!any) continue;
        if (analysis != group) {
          group = analysis;
          out += "<tr class=\"group\"><td colspan=\"" +
                 std::to_string(group_scenarios->size() + 1) + "\">" + html_escape(analysis) +
                 "</td></tr>\n";
        }
        out += std::string("<tr") + (headline(metric) ? " class=\"headline\"" : "") +
               "><td class=\"left\">" + html_escape(metric) + "</td>";
        for (const auto& s : *group_scenarios)
          out += oc_cell(r.find(s, analysis, metric), exact_mode);
        out += "</tr>\n";
      }
      out += "</tbody></table></div>\n";
    }
    return out + "</section>\n";
  }
  // Entries grouped by scenario in one pass: the tables cost linear time in oc.csv's size.
  std::unordered_map<std::string, std::vector<const OcEntry*>> by_scenario;
  for (const OcEntry& e : r.oc_entries) by_scenario[e.scenario].push_back(&e);
  const std::size_t tables = std::min(r.scenarios.size(), MAX_PAGE_SCENARIO_TABLES);
  for (std::size_t i = 0; i < tables; ++i) {
    const std::string& s = r.scenarios[i];
    out += std::string("<details") + (i == 0 ? " open" : "") + "><summary>" + html_escape(s) +
           "</summary><table><thead><tr><th class=\"left\">analysis</th><th "
           "class=\"left\">metric</th><th>estimate "
           "± MCSE</th></tr></thead><tbody>\n";
    for (const OcEntry* entry : by_scenario[s]) {
      const OcEntry& e = *entry;
      out += std::string("<tr") + (headline(e.metric) ? " class=\"headline\"" : "") +
             "><td class=\"left\">" + html_escape(e.analysis) + "</td><td class=\"left\">" +
             html_escape(e.metric) + "</td>" + oc_cell(&e, exact_mode) + "</tr>\n";
    }
    out += "</tbody></table></details>\n";
  }
  if (tables < r.scenarios.size()) {
    out += "<p class=\"note\">The first " + std::to_string(tables) + " of " +
           std::to_string(r.scenarios.size()) +
           " scenarios are shown; <code>oc.csv</code> holds them all.</p>\n";
  }
  return out + "</section>\n";
}

std::string figure_html(const RenderedFigure& f, int number) {
  const std::string id = html_escape(f.spec.id);
  return "<figure id=\"fig-" + id + "\"><img style=\"max-width:" + std::to_string(f.spec.width) +
         "px\" alt=\"" + html_escape(f.spec.title) + "\" width=\"" + std::to_string(f.spec.width) +
         "\" height=\"" + std::to_string(f.spec.height) + "\" src=\"data:image/svg+xml;base64," +
         base64(f.svg) + "\">\n<figcaption><strong>Figure " + std::to_string(number) + ". " +
         html_escape(f.spec.title) + ".</strong> " + html_escape(f.spec.caption) +
         " <span class=\"files\">Files: <a href=\"figures/" + id +
         ".svg\">SVG</a> · <a href=\"figures/" + id + ".png\">PNG</a> · <a href=\"figures/" + id +
         ".gp\">gnuplot script</a></span></figcaption></figure>\n";
}

std::string figures_section(const std::vector<RenderedFigure>& figures, const std::string& section,
                            int& number, const std::string& absent) {
  std::string out;
  for (const RenderedFigure& f : figures) {
    if (f.spec.section == section) out += figure_html(f, ++number);
  }
  return out.empty() ? "<p class=\"note\">" + html_escape(absent) + "</p>\n" : out;
}

std::string number_text(const std::string& field) {
  try {
    const double v = number_field(field);
    if (std::isnan(v)) return "–";
    if (v == std::round(v) && std::fabs(v) < 1e6) return fixed(v, 0);
    return fixed(v, std::fabs(v) < 10 ? 3 : 1);
  } catch (const std::runtime_error&) {
    return html_escape(field);
  }
}

std::string calibration_section(const ResultsDirectory& r) {
  std::string out = "<section id=\"calibration\"><h2>Calibration of the fitted model</h2>\n";
  if (!r.calibration) {
    return out + "<p class=\"note\">" +
           html_escape(r.fitted_model.empty()
                           ? "This design is not simulated from a fitted model."
                           : "No calibration table beside " + r.fitted_model.string() + ".") +
           "</p></section>\n";
  }
  const CsvTable& c = *r.calibration;
  const std::size_t kind = c.column("kind"), id = c.column("id"), desc = c.column("description"),
                    role = c.column("role"), reported = c.column("reported"),
                    point = c.column("point_replica_median"), lower = c.column("predictive_lower"),
                    upper = c.column("predictive_upper"), inside = c.column("inside");
  std::string rows;
  int figures = 0, inside_count = 0;
  for (const auto& row : c.rows) {
    if (row[kind] != "figure") continue;
    ++figures;
    const bool in = row[inside] == "yes";
    inside_count += in ? 1 : 0;
    rows += "<tr><td class=\"left\">" + html_escape(row[id]) + "</td><td class=\"left wrap\">" +
            html_escape(row[desc]) + "</td><td class=\"left\">" + html_escape(row[role]) +
            "</td><td>" + number_text(row[reported]) + "</td><td>" + number_text(row[point]) +
            "</td><td>" + number_text(row[lower]) + " – " + number_text(row[upper]) +
            "</td><td class=\"" + (in ? "left\">yes" : "left no\">no") + "</td></tr>\n";
  }
  out += "<p class=\"lede\">Every figure of the evidence the model (<code>" +
         html_escape(r.fitted_model.string()) +
         "</code>) was fitted to, against the source study simulated as it was conducted: the "
         "median of the replicas at "
         "the point estimate, and the 95 % predictive interval over the posterior draws. <strong>" +
         std::to_string(inside_count) + " of " + std::to_string(figures) +
         "</strong> reported figures lie inside their predictive interval. From <code>" +
         html_escape(c.file.string()) + "</code>.</p>\n";
  out +=
      "<div class=\"scroll\"><table><thead><tr><th class=\"left\">figure</th><th "
      "class=\"left\">statistic</th>"
      "<th class=\"left\">role in the fit</th><th>reported</th><th>model (median of replicas)</th>"
      "<th>95 % predictive interval</th><th class=\"left\">inside</th></tr></thead><tbody>\n" +
      rows + "</tbody></table></div></section>\n";
  return out;
}

std::string provenance_section(const ResultsDirectory& r,
                               const std::vector<RenderedFigure>& figures) {
  const nlohmann::json& m = r.manifest;
  std::string out = "<section id=\"provenance\"><h2>Provenance</h2>\n<dl class=\"prov\">\n";
  const auto item = [&](const std::string& label, const std::string& value) {
    if (!value.empty())
      out += "<dt>" + html_escape(label) + "</dt><dd>" + html_escape(value) + "</dd>\n";
  };
  item("study", text_of(r.config(), "name"));
  item("config file", text_of(m, "config_file"));
  item("config sha256", text_of(m, "config_sha256"));
  item("overrides",
       m.contains("overrides") && !m["overrides"].empty() ? m["overrides"].dump() : "none");
  item("seed", text_of(m, "seed"));
  item("replicates", m.contains("replicates") ? text_of(m, "replicates")
                                              : text_of(m, "replicates_per_cell") + " per cell");
  item("grid cells", text_of(m, "cells"));
  item("mode", text_of(m, "mode"));
  item("trialsim version",
       text_of(m, "trialsim_version") + " (git " + text_of(m, "git_revision") + ")");
  item("run started (UTC)", text_of(m, "start_time"));
  if (!std::isnan(number_of(m, "wall_time_seconds"))) {
    item("wall time", fixed(number_of(m, "wall_time_seconds"), 1) + " s on " +
                          text_of(m, "threads") + " threads");
  }
  const nlohmann::json& config = r.config();
  if (config.contains("model") && config["model"].is_object() &&
      config["model"].contains("fitted")) {
    item("fitted model", text_of(config["model"], "fitted"));
    item("fitted model sha256", text_of(config["model"], "fitted_sha256"));
  }
  if (!figures.empty()) {
    const std::string& svg = figures.front().svg;
    const auto start = svg.find("<desc>"), end = svg.find("</desc>");
    if (start != std::string::npos && end != std::string::npos) {
      item("figures drawn by", svg.substr(start + 6, end - start - 6));
    }
  }
  item("results directory", r.dir.string());
  return out + "</dl></section>\n";
}

}  // namespace

std::string base64(const std::string& bytes) {
  static constexpr char TABLE[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto b = [&](std::size_t k) {
      return k < bytes.size() ? static_cast<unsigned char>(bytes[k]) : 0u;
    };
    const unsigned triple = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += TABLE[(triple >> 18) & 63];
    out += TABLE[(triple >> 12) & 63];
    out += i + 1 < bytes.size() ? TABLE[(triple >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? TABLE[triple & 63] : '=';
  }
  return out;
}

std::string report_html(const ResultsDirectory& r, const std::vector<RenderedFigure>& figures) {
  const nlohmann::json& config = r.config();
  const std::string name =
      text_of(config, "name").empty() ? r.dir.filename().string() : text_of(config, "name");
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>trialsim report: " +
      html_escape(name) + "</title>\n<style>" + CSS + "</style>\n</head>\n<body>\n<main>\n";
  out += "<header><h1>" + html_escape(name) + "</h1>\n";
  if (!text_of(config, "description").empty())
    out += "<p class=\"lede\">" + html_escape(text_of(config, "description")) + "</p>\n";
  if (r.summary.contains("design") && r.summary["design"].contains("decision_rule")) {
    out += "<p class=\"rule\">Decision rule: " +
           html_escape(text_of(r.summary["design"], "decision_rule")) + "</p>\n";
  }
  if (r.summary.contains("search") && r.summary["search"].contains("smallest_value")) {
    const nlohmann::json& s = r.summary["search"];
    // Exact mode has no Monte Carlo error: its value is shown alone, without an MCSE of 0.
    const bool exact_search = text_of(s, "evaluation") == "exact";
    out += "<p class=\"rule\">Search: smallest " + html_escape(text_of(s, "parameter")) + " with " +
           html_escape(text_of(s, "scenario") + "/" + text_of(s, "analysis") + "/" +
                       text_of(s, "metric")) +
           " ≥ " + html_escape(text_of(s, "target")) + ": " +
           (s["smallest_value"].is_null()
                ? std::string("none in the range")
                : html_escape(text_of(s, "smallest_value")) +
                      (exact_search ? " (exact value " + fixed(number_of(s, "estimate"), 4) + ")"
                                    : " (estimate " + fixed(number_of(s, "estimate"), 4) +
                                          ", MCSE " + fixed(number_of(s, "mcse"), 4) + ")"));
    // The sawtooth of exact tests: the first value reaching the target may be followed by
    // values that fall below it again.
    const char* const all_key = "smallest_value_from_which_all_reach";
    if (!s["smallest_value"].is_null() && s.contains(all_key)) {
      std::string below;
      const char* const below_key = "values_below_target_after_smallest_value";
      if (s.contains(below_key) && s[below_key].is_array()) {
        for (const nlohmann::json& v : s[below_key])
          below += (below.empty() ? "" : ", ") + html_escape(v.dump());
      }
      out += "; from which every larger searched value reaches it: " +
             (s[all_key].is_number() ? html_escape(text_of(s, all_key)) : std::string("none")) +
             (below.empty() ? std::string(" (none falls below again)")
                            : " (" + below + " below the target again)");
    }
    out += "</p>\n";
  }
  const std::string replicates = r.manifest.contains("replicates")
                                     ? text_of(r.manifest, "replicates")
                                     : text_of(r.manifest, "replicates_per_cell") + " per cell";
  out += "<p class=\"lede\">" + html_escape(replicates) + " virtual cohorts per scenario · seed " +
         html_escape(text_of(r.manifest, "seed")) + " · config sha256 " +
         html_escape(text_of(r.manifest, "config_sha256").substr(0, 12)) + "… · trialsim " +
         html_escape(text_of(r.manifest, "trialsim_version")) + " · run " +
         html_escape(text_of(r.manifest, "start_time")) + "</p>\n";
  // The memo first (what a protocol quotes), the decision figure, then every number behind it.
  // A section with nothing in this run is left out, and so is its link.
  const auto has_figures = [&](const char* section) {
    return std::any_of(figures.begin(), figures.end(),
                       [&](const RenderedFigure& f) { return f.spec.section == section; });
  };
  int number = 0;
  std::vector<std::pair<std::string, std::string>> sections;  // (link, html)
  sections.push_back({"<a href=\"#memo\">Memo</a>", design_memo(r).html});
  if (has_figures("power"))
    sections.push_back({"<a href=\"#power\">Power</a>",
                        "<section id=\"power\"><h2>Power</h2>\n" +
                            figures_section(figures, "power", number, "") + "</section>\n"});
  sections.push_back({"<a href=\"#oc\">Operating characteristics</a>", oc_section(r)});
  if (has_figures("survival"))
    sections.push_back({"<a href=\"#survival\">Survival curves</a>",
                        "<section id=\"survival\"><h2>Simulated survival curves</h2>\n" +
                            figures_section(figures, "survival", number, "") + "</section>\n"});
  if (r.calibration || !r.fitted_model.empty())
    sections.push_back({"<a href=\"#calibration\">Calibration</a>", calibration_section(r)});
  if (has_figures("distributions"))
    sections.push_back({"<a href=\"#distributions\">Distributions</a>",
                        "<section id=\"distributions\"><h2>Distributions over virtual "
                        "cohorts</h2>\n" +
                            figures_section(figures, "distributions", number, "") +
                            "</section>\n"});
  out += "<nav>";
  for (const auto& section : sections) out += section.first;
  out += "<a href=\"#provenance\">Provenance</a></nav></header>\n";
  for (const auto& section : sections) out += section.second;
  out += provenance_section(r, figures);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace trialsim::report
