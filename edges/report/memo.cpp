#include "edges/report/memo.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "core/text_escape.h"

namespace trialsim::report {
namespace {

// A memo is paragraphs and tables, rendered twice (Markdown and HTML) from the same cells.
struct Paragraph {
  std::string label;  // bold lead-in, e.g. "Design."
  std::string text;
};
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string text_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return "";
    node = &(*node)[key];
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_number() || node->is_boolean()) return node->dump();
  return "";
}

std::string trimmed_number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string out = buffer;
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  return out;
}

// The design in one sentence, from the keys the resolved config has (absent keys are skipped:
// every design writes a different subset).
std::string design_paragraph(const nlohmann::json& config) {
  const nlohmann::json design = config.value("design", nlohmann::json::object());
  std::vector<std::string> parts;
  const std::string type = text_at(design, {"type"});
  if (!type.empty()) parts.push_back(type);
  const std::string endpoint = text_at(design, {"endpoint"});
  if (!endpoint.empty()) parts.push_back("endpoint " + endpoint);
  const std::string n = text_at(design, {"sample_size"});
  if (!n.empty()) {
    std::string size = "n = " + n;
    const std::string c = text_at(design, {"allocation", "control"});
    const std::string e = text_at(design, {"allocation", "experimental"});
    if (!c.empty() && !e.empty()) size += " (" + e + ":" + c + " experimental:control)";
    parts.push_back(size);
  }
  const std::string accrual = text_at(design, {"accrual", "type"});
  const std::string duration = text_at(design, {"accrual", "duration"});
  if (!accrual.empty())
    parts.push_back(accrual + " accrual" +
                    (duration.empty() ? "" : " over " + duration + " months"));
  const std::string trigger = text_at(design, {"analysis", "trigger"});
  if (trigger == "events")
    parts.push_back("final analysis at " + text_at(design, {"analysis", "events"}) + " events");
  else if (const std::string follow_up = text_at(design, {"analysis", "follow_up"});
           trigger == "after_last_enrolment" && !follow_up.empty())
    parts.push_back("final analysis " + follow_up + " months after the last enrolment");
  else if (!trigger.empty())
    parts.push_back("final analysis: " + trigger);
  if (design.contains("interim")) {
    const std::string spending = text_at(design, {"interim", "spending"});
    const auto& interim = design["interim"];
    for (const auto& [key, lead] :
         {std::pair{"information_fractions", "looks at information fractions "},
          std::pair{"calendar_months", "interim looks at calendar months "}}) {
      if (!interim.contains(key) || !interim[key].is_array()) continue;
      std::string looks;
      for (const auto& v : interim[key]) looks += (looks.empty() ? "" : ", ") + v.dump();
      parts.push_back(lead + looks + (spending.empty() ? "" : " (" + spending + " spending)"));
    }
  }
  std::string alpha = text_at(design, {"alpha"});
  if (alpha.empty()) alpha = text_at(design, {"efficacy", "alpha"});
  if (!alpha.empty()) parts.push_back("one-sided alpha " + alpha);
  if (design.contains("safety")) parts.push_back("with a safety stopping rule (design.safety)");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out.empty() ? "see the resolved config in summary.json" : out + ".";
}

// The headline pivoted: one row per scenario, one column per (analysis, metric) in order of
// first appearance, each cell "estimate (MCSE)"; the "Reading" column says what the scenario's
// rejection probability is (power, type I error, assurance, or a prior-averaged false positive).
Table headline_table(const nlohmann::json& headline) {
  std::vector<std::pair<std::string, std::string>> columns;  // (analysis, metric)
  std::vector<std::string> headers, scenarios;
  for (const nlohmann::json& row : headline) {
    const std::pair<std::string, std::string> key{row.value("analysis", ""),
                                                  row.value("metric", "")};
    if (std::find(columns.begin(), columns.end(), key) == columns.end()) {
      columns.push_back(key);
      const std::string label =
          key.second == "rejection_probability" ? "P(reject H0)" : row.value("label", key.second);
      headers.push_back(key.first == "conduct" ? label : label + ", " + key.first);
    }
    const std::string scenario = row.value("scenario", "");
    if (std::find(scenarios.begin(), scenarios.end(), scenario) == scenarios.end())
      scenarios.push_back(scenario);
  }
  Table t{"Operating characteristics per scenario: estimate (Monte Carlo standard error)",
          {"Scenario", "Reading"},
          {}};
  t.header.insert(t.header.end(), headers.begin(), headers.end());
  for (const std::string& scenario : scenarios) {
    std::vector<std::string> cells(columns.size(), "–");
    std::string reading = "–";
    for (const nlohmann::json& row : headline) {
      if (row.value("scenario", "") != scenario) continue;
      const auto at = std::find(columns.begin(), columns.end(),
                                std::pair{row.value("analysis", ""), row.value("metric", "")});
      const double estimate = row.value("estimate", NAN), mcse = row.value("mcse", NAN);
      cells[static_cast<std::size_t>(at - columns.begin())] =
          rounded_to_mcse(estimate, mcse) +
          (mcse > 0.0 ? " (" + rounded_to_mcse(mcse, mcse) + ")" : std::string());
      if (row.value("metric", "") == "rejection_probability") reading = row.value("label", "");
    }
    std::vector<std::string> line = {scenario, reading};
    line.insert(line.end(), cells.begin(), cells.end());
    t.rows.push_back(line);
  }
  return t;
}

std::string number_or_dash(const nlohmann::json& j, const char* key, int decimals) {
  if (!j.contains(key) || !j[key].is_number()) return "–";
  return trimmed_number(j[key].get<double>(), decimals);
}

Table per_look_table(const nlohmann::json& looks) {
  Table t{
      "Per look: boundaries on the benefit z, nominal one-sided p and hazard-ratio scales; "
      "simulated mean calendar time (MCSE) over the trials that made the look, the analytic "
      "time at which the expected events reach the target, and the stopping probabilities",
      {"Look", "Events", "z ≥", "p ≤", "HR ≤", "Scenario", "Month (MCSE)", "Analytic month",
       "Enrolled", "P(efficacy stop)", "P(futility stop)"},
      {}};
  for (const nlohmann::json& look : looks) {
    for (const nlohmann::json& s : look.value("scenarios", nlohmann::json::array())) {
      t.rows.push_back(
          {number_or_dash(look, "look", 0), number_or_dash(look, "events", 0),
           number_or_dash(look, "efficacy_z", 3), number_or_dash(look, "efficacy_p", 5),
           number_or_dash(look, "efficacy_hr", 3), s.value("name", ""),
           rounded_to_mcse(s.value("time_mean", NAN), s.value("time_mcse", NAN)) + " (" +
               rounded_to_mcse(s.value("time_mcse", NAN), s.value("time_mcse", NAN)) + ")",
           number_or_dash(s, "expected_time", 2), number_or_dash(s, "enrolled_mean", 1),
           number_or_dash(s, "efficacy_stop", 4), number_or_dash(s, "futility_stop", 4)});
    }
  }
  return t;
}

// The paired comparisons (summary.json "comparisons"): first - second with the paired MCSE
// beside the unpaired one. Members of the wrong type read as absent (the file is input).
Table comparisons_table(const nlohmann::json& comparisons) {
  Table t{
      "Paired comparisons on common random numbers: difference first - second, its paired "
      "Monte Carlo standard error, and the unpaired one two independent runs would give",
      {"Comparison", "Metric", "First", "Second", "Difference (paired MCSE)", "Unpaired MCSE"},
      {}};
  const auto side = [](const nlohmann::json& c, const char* key) {
    const std::string cell = text_at(c, {key, "cell"});
    return (cell.empty() ? "" : "cell " + cell + ": ") + text_at(c, {key, "scenario"}) + " / " +
           text_at(c, {key, "analysis"});
  };
  const auto number = [](const nlohmann::json& c, const char* key) {
    return c.is_object() && c.contains(key) && c[key].is_number() ? c[key].get<double>() : NAN;
  };
  // Two significant digits, so that the two MCSEs can be told apart (0.0035 against 0.0042).
  const auto two_digits = [](double x) {
    if (!std::isfinite(x) || x <= 0.0) return trimmed_number(x, 4);
    const int decimals = std::max(0, 1 - static_cast<int>(std::floor(std::log10(x))));
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", std::min(decimals, 12), x);
    return std::string(buffer);
  };
  for (const nlohmann::json& c : comparisons) {
    const double difference = number(c, "difference"), paired = number(c, "paired_mcse");
    const double unpaired = number(c, "unpaired_mcse");
    const bool exact = std::isnan(paired);
    t.rows.push_back({text_at(c, {"name"}), text_at(c, {"metric"}), side(c, "first"),
                      side(c, "second"),
                      exact ? trimmed_number(difference, 4) + " (exact)"
                            : rounded_to_mcse(difference, paired) + " (" + two_digits(paired) + ")",
                      exact ? "–" : two_digits(unpaired)});
  }
  return t;
}

// markdown_escape already writes '|' as \| (an escaped pipe keeps a GFM table cell whole);
// escaping it again would write \\|, an escaped backslash and then a cell break.
std::string markdown_cell(const std::string& text) { return markdown_escape(text, false); }

std::string render_markdown(const std::string& title, const std::string& description,
                            const std::vector<Paragraph>& paragraphs,
                            const std::vector<Table>& tables) {
  std::string out = "# " + markdown_escape(title) + "\n\n";
  if (!description.empty()) out += markdown_escape(description) + "\n\n";
  for (const Paragraph& p : paragraphs)
    out += "**" + markdown_escape(p.label, false) + "** " + markdown_escape(p.text, false) + "\n\n";
  for (const Table& t : tables) {
    out += markdown_escape(t.caption) + ":\n\n|";
    // Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
    for (const std::string& h : t.header) out.append(" ").append(markdown_cell(h)).append(" |");
    out += "\n|";
    for (std::size_t i = 0; i < t.header.size(); ++i) out += i < 2 ? "---|" : "--:|";
    out += "\n";
    for (const auto& row : t.rows) {
      out += "|";
      for (const std::string& cell : row) out.append(" ").append(markdown_cell(cell)).append(" |");
      out += "\n";
    }
    out += "\n";
  }
  return out;
}

std::string render_html(const std::vector<Paragraph>& paragraphs,
                        const std::vector<Table>& tables) {
  std::string out = "<section id=\"memo\"><h2>Design memo</h2>\n";
  for (const Paragraph& p : paragraphs)
    out += "<p><strong>" + html_escape(p.label) + "</strong> " + html_escape(p.text) + "</p>\n";
  for (const Table& t : tables) {
    out += "<table class=\"memo\"><caption>" + html_escape(t.caption) + "</caption>\n<tr>";
    for (const std::string& h : t.header) out += "<th>" + html_escape(h) + "</th>";
    out += "</tr>\n";
    for (const auto& row : t.rows) {
      out += "<tr>";
      for (const std::string& cell : row) out += "<td>" + html_escape(cell) + "</td>";
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out + "<p class=\"note\">The same memo is memo.md beside this report.</p>\n</section>\n";
}

}  // namespace

std::string rounded_to_mcse(double value, double mcse) {
  if (!std::isfinite(value)) return "–";
  if (!(mcse > 0.0) || !std::isfinite(mcse)) return trimmed_number(value, 4);
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(mcse))), 1, 6);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string markdown_escape(const std::string& text, bool at_line_start) {
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    const bool intraword = i > 0 && i + 1 < text.size() && word(text[i - 1]) && word(text[i + 1]);
    if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>' && i == 0 && at_line_start) {
      out += "&gt;";  // a block quote at the start of a line; elsewhere plain text
    } else if (c == '&') {
      out += "&amp;";
    } else if (std::string_view("\\`*[]|~").find(c) != std::string_view::npos ||
               (c == '_' && !intraword)) {
      // Inline markup anywhere (an intraword _ is never emphasis in CommonMark).
      out += '\\';
      out += c;
    } else if (at_line_start && i == 0 &&
               std::string_view("#-+=").find(c) != std::string_view::npos) {
      out += '\\';  // a heading, list or setext underline at the start of a line
      out += c;
    } else if (at_line_start && i > 0 && c == '.' &&
               out.find_first_not_of("0123456789") == std::string::npos) {
      out += "\\.";  // "1." at the start of a line would open an ordered list
    } else {
      out += c;
    }
  }
  return out;
}

Memo design_memo(const ResultsDirectory& r) {
  const nlohmann::json& config = r.config();
  const std::string name =
      text_at(config, {"name"}).empty() ? r.dir.filename().string() : text_at(config, {"name"});
  std::vector<Paragraph> paragraphs = {{"Design.", design_paragraph(config)}};
  const std::string rule = text_at(r.summary, {"design", "decision_rule"});
  if (!rule.empty()) paragraphs.push_back({"Decision rule.", rule});
  const std::string replicates = text_at(r.manifest, {"replicates"});
  if (!replicates.empty())
    paragraphs.push_back({"Simulation.", replicates + " virtual trials per scenario (seed " +
                                             text_at(r.manifest, {"seed"}) +
                                             "), all scenarios on common random numbers; each "
                                             "estimate is given with its Monte Carlo standard "
                                             "error (MCSE) and rounded to it."});
  for (const nlohmann::json& w : r.summary.value("warnings", nlohmann::json::array()))
    paragraphs.push_back({"Warning.", w.value("message", "")});
  const std::string naive = text_at(r.summary, {"design", "naive_estimates"});
  if (!naive.empty()) paragraphs.push_back({"Note.", naive});
  std::vector<Table> tables;
  if (r.summary.contains("headline") && !r.summary["headline"].empty())
    tables.push_back(headline_table(r.summary["headline"]));
  if (r.summary.contains("per_look") && !r.summary["per_look"].empty())
    tables.push_back(per_look_table(r.summary["per_look"]));
  if (r.summary.contains("comparisons") && r.summary["comparisons"].is_array() &&
      !r.summary["comparisons"].empty())
    tables.push_back(comparisons_table(r.summary["comparisons"]));
  return {render_markdown(name, text_at(config, {"description"}), paragraphs, tables),
          render_html(paragraphs, tables)};
}

}  // namespace trialsim::report
