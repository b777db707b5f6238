#include "edges/report/report_figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/text_escape.h"

namespace trialsim::report {
namespace {

constexpr const char* BLUE = "'#1f5fa8'";
constexpr const char* ORANGE = "'#d9822b'";
constexpr const char* RED = "'#c0392b'";
constexpr const char* GREY = "'#6b7378'";
constexpr const char* SERIES_COLOURS[] = {"'#1f5fa8'", "'#d9822b'", "'#2e8b57'", "'#8e44ad'",
                                          "'#c0392b'", "'#16a085'", "'#7f8c8d'", "'#b8860b'"};

// Bounds on what one figure draws, so a results directory with thousands of scenarios (or a
// crafted one) cannot make gnuplot draw a page-sized image: the captions say what was left out.
constexpr std::size_t MAX_SCENARIO_TICS = 40;  // power by scenario
constexpr std::size_t MAX_SERIES = 40;         // power curves of a grid or search
constexpr std::size_t MAX_PANELS = 12;         // panels of a Kaplan–Meier or histogram figure

std::string left_out_note(std::size_t drawn, std::size_t all, const char* what) {
  if (drawn >= all) return "";
  return " Only the first " + std::to_string(drawn) + " of " + std::to_string(all) + " " + what +
         " are drawn.";
}

// A label cut to at most `limit` characters (code points, after escaping) with an ellipsis: a
// long name would make gnuplot warn that it cannot make room for it. The page has it in full.
std::string short_label(const std::string& text, std::size_t limit) {
  const std::string valid = valid_utf8(text);
  std::size_t at = 0, shown = 0;
  while (at < valid.size()) {
    std::size_t next = at + 1;
    while (next < valid.size() && (static_cast<unsigned char>(valid[next]) & 0xC0) == 0x80) ++next;
    const std::string_view character(valid.data() + at, next - at);
    const std::size_t width =
        terminal_safe(character) == character ? 1 : terminal_safe(character).size();
    if (shown + width > limit) return valid.substr(0, at) + "…";
    shown += width;
    at = next;
  }
  return valid;
}

constexpr std::size_t MAX_TIC_LABEL = 32;
constexpr std::size_t MAX_TITLE = 90;

// Row indices of a CSV table by the values of two of its columns: one pass over the file, so
// per-scenario lookups stay linear in its size.
using RowGroups = std::map<std::pair<std::string, std::string>, std::vector<std::size_t>>;

RowGroups group_rows(const CsvTable& table, std::size_t first, std::size_t second) {
  RowGroups groups;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    groups[{table.rows[i][first], table.rows[i][second]}].push_back(i);
  }
  return groups;
}

const std::vector<std::size_t>& rows_of(const RowGroups& groups, const std::string& first,
                                        const std::string& second) {
  static const std::vector<std::size_t> none;
  const auto it = groups.find({first, second});
  return it == groups.end() ? none : it->second;
}

// Shared look: light grid, outward tics, no top/right border.
constexpr const char* STYLE =
    "set border 3 lw 1 lc rgb '#444444'\n"
    "set tics nomirror out\n"
    "set grid lc rgb '#e3e3e3' lw 1\n"
    "set key noautotitle\n";

// A number for a script or a data block; infinities are drawn as missing, like NaN.
std::string num(double value) {
  if (!std::isfinite(value)) return "NaN";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

double json_number(const nlohmann::json& j, std::initializer_list<const char*> path,
                   double fallback) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return fallback;
    node = &(*node)[key];
  }
  return node->is_number() ? node->get<double>() : fallback;
}

// The scenario's defining truth for an axis label: true ORR (CAR-T), response rate, or HR.
std::string truth_label(const ResultsDirectory& r, const std::string& scenario) {
  const double orr =
      json_number(r.summary, {"design", "true_values", scenario.c_str(), "orr"}, NAN);
  if (!std::isnan(orr)) return "true ORR " + fixed(orr, 2);
  const nlohmann::json& config = r.config();
  if (config.contains("scenarios") && config["scenarios"].is_array()) {
    for (const auto& s : config["scenarios"]) {
      if (!s.is_object() || !s.contains("name") || s["name"] != scenario) continue;
      const double rate = json_number(s, {"response_rate"}, NAN),
                   hazard_ratio = json_number(s, {"hazard_ratio"}, NAN);
      if (!std::isnan(rate)) return "p = " + fixed(rate, 2);
      if (!std::isnan(hazard_ratio)) return "HR " + num(hazard_ratio);
    }
  }
  return "";
}

double alpha_of(const ResultsDirectory& r) {
  const nlohmann::json& c = r.config();
  return json_number(c, {"design", "alpha"}, json_number(c, {"design", "efficacy", "alpha"}, NAN));
}

// Target power: the search's target; NaN (no line) when the config sets none — a line at a
// conventional 0.80 nobody asked for would read as a requirement.
double target_power(const ResultsDirectory& r) {
  return json_number(r.summary, {"search", "target"},
                     json_number(r.config(), {"search", "target", "at_least"}, NAN));
}

// The target line (when set) and the alpha line (when known), as gnuplot plot elements; a plot
// of nothing when neither is.
std::string horizontal_lines(double target, double alpha) {
  std::string out;
  if (!std::isnan(target)) {
    out = num(target) + " with lines dt 2 lw 1.5 lc rgb " + RED + " title " +
          gp_string("target power " + fixed(target, 2));
  }
  if (!std::isnan(alpha)) {
    out += (out.empty() ? "" : ", ") + num(alpha) + " with lines dt 3 lw 1.5 lc rgb " + GREY +
           " title " + gp_string("one-sided α = " + num(alpha));
  }
  return out.empty() ? "NaN notitle" : out;
}

// What the caption says of those lines.
std::string horizontal_lines_caption(double target) {
  return std::isnan(target) ? "Dotted grey: the one-sided α"
                            : "Dashed red: the target power; dotted grey: the one-sided α";
}

std::vector<std::string> point_scenarios(const ResultsDirectory& r) {
  std::vector<std::string> out;
  for (const auto& s : r.scenarios) {
    if (!is_assurance(s)) out.push_back(s);
  }
  return out;
}

// ---------------------------------------------------------------- power by scenario

std::optional<FigureSpec> power_by_scenario(const ResultsDirectory& r) {
  std::string analysis;
  for (const OcEntry& e : r.oc_entries) {
    if (e.metric == "rejection_probability") {
      analysis = e.analysis;
      break;
    }
  }
  if (analysis.empty()) return std::nullopt;
  std::vector<std::string> points = point_scenarios(r);
  const std::string left_out = left_out_note(MAX_SCENARIO_TICS, points.size(), "scenarios");
  points.resize(std::min(points.size(), MAX_SCENARIO_TICS));
  bool any_assurance = false;
  double widest = 0.0, replicates = 0.0;
  std::string data = "$power << EOD\n", tics;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const OcEntry* p = r.find(points[i], analysis, "rejection_probability");
    const OcEntry* a = r.find(points[i] + " (assurance)", analysis, "rejection_probability");
    any_assurance = any_assurance || a != nullptr;
    const double pe = p ? p->estimate : NAN, pm = p ? 2 * p->mcse : NAN;
    const double ae = a ? a->estimate : NAN, am = a ? 2 * a->mcse : NAN;
    for (double m : {pm, am}) {
      if (!std::isnan(m)) widest = std::max(widest, m);
    }
    if (p) replicates = std::max(replicates, p->replicates);
    data +=
        std::to_string(i) + " " + num(pe) + " " + num(pm) + " " + num(ae) + " " + num(am) + "\n";
    const std::string truth = truth_label(r, points[i]);
    // Two-line tic label: gnuplot string concatenation, the line break a constant of ours.
    tics += (i ? ", " : "") + gp_string(short_label(points[i], MAX_TIC_LABEL)) +
            (truth.empty() ? "" : " . \"\\n\" . " + gp_string(truth)) + " " + std::to_string(i);
  }
  data += "EOD\n";
  const double shift = any_assurance ? 0.12 : 0.0;
  FigureSpec f;
  f.id = "power";
  f.section = "power";
  f.title = any_assurance ? "Power and assurance by scenario" : "Power by scenario";
  f.width = 960;
  f.height = 520;
  f.data = data;
  f.body =
      std::string(STYLE) + "set xrange [-0.6:" + num(static_cast<double>(points.size()) - 0.4) +
      "]\n" + "set yrange [0:1.1]\nset ytics 0.1\nset grid noxtics ytics\n" + "set xtics (" + tics +
      ")\n" +
      "set xlabel 'Scenario (assumed truth)' offset 0,-1.2\nset bmargin 5.5\n"
      "set ylabel 'P(reject H0): power, or type I error where H0 holds'\n"
      "set key outside top center horizontal maxcols 2 Left reverse samplen 3\n"
      "set style textbox opaque noborder margins 0.5, 0.5\n"
      "plot " +
      horizontal_lines(target_power(r), alpha_of(r)) + ", \\\n" + "  $power using ($1-" +
      num(shift) + "):2:3 with yerrorbars pt 7 ps 1.3 lw 1.5 lc rgb " + BLUE + " title " +
      gp_string(any_assurance ? "power at the fitted point estimate (±2 MCSE)"
                              : "power (±2 MCSE)") +
      ", \\\n  $power using ($1-" + num(shift) + "):2:(sprintf('%.3f', $2)) with labels boxed " +
      (any_assurance ? "right offset char -0.9,0" : "left offset char 1,0") + " tc rgb " + BLUE +
      " notitle";
  if (any_assurance) {
    f.body += ", \\\n  $power using ($1+" + num(shift) +
              "):4:5 with yerrorbars pt 5 ps 1.2 lw 1.5 lc rgb " + ORANGE +
              " title 'assurance: parameters drawn from the posterior (±2 MCSE)'" +
              ", \\\n  $power using ($1+" + num(shift) +
              "):4:(sprintf('%.3f', $4)) with labels boxed left offset char 0.9,0 tc rgb " +
              ORANGE + " notitle";
  }
  f.body += "\n";
  f.caption =
      "Probability that the study rejects H0 (" + analysis + ") in each scenario, from " +
      fixed(replicates, 0) +
      " virtual cohorts per scenario. Bars: ±2 Monte Carlo standard errors (the widest is ±" +
      fixed(widest, 4) + (widest < 0.02 ? ", so most bars are hidden by their markers" : "") +
      "). " + horizontal_lines_caption(target_power(r)) +
      (any_assurance ? ". Assurance averages the power over the fitted posterior: each virtual "
                       "cohort draws its "
                       "model parameters from the posterior sample."
                     : ".") +
      left_out;
  return f;
}

// ---------------------------------------------------------------- power along a grid or search

std::optional<FigureSpec> power_curve(const ResultsDirectory& r) {
  const CsvTable& grid = *r.grid;
  const std::size_t scenario_col = grid.column("scenario"), analysis_col = grid.column("analysis"),
                    metric_col = grid.column("metric"), estimate_col = grid.column("estimate"),
                    mcse_col = grid.column("mcse");
  if (scenario_col < 2) return std::nullopt;
  const std::string x_key = grid.header[1];
  bool numeric = true;
  for (const auto& row : grid.rows) {
    try {
      if (std::isnan(number_field(row[1]))) numeric = false;
    } catch (const std::runtime_error&) {
      numeric = false;
    }
  }
  // Series: (other grid keys, scenario, analysis) -> points.
  std::vector<std::string> series_names, x_values;
  std::map<std::string, std::string> series_data;
  std::set<std::string> analyses;
  double widest = 0.0;
  std::set<std::string> series_left_out;
  for (const auto& row : grid.rows) {
    if (row[metric_col] != "rejection_probability") continue;
    analyses.insert(row[analysis_col]);
  }
  for (const auto& row : grid.rows) {
    if (row[metric_col] != "rejection_probability") continue;
    std::string name = row[scenario_col];
    for (std::size_t k = 2; k < scenario_col; ++k) name += ", " + grid.header[k] + " = " + row[k];
    if (analyses.size() > 1) name += " (" + row[analysis_col] + ")";
    if (!series_data.count(name)) {
      if (series_names.size() == MAX_SERIES) {
        series_left_out.insert(name);
        continue;
      }
      series_names.push_back(name);
    }
    if (std::find(x_values.begin(), x_values.end(), row[1]) == x_values.end())
      x_values.push_back(row[1]);
    const double x = numeric
                         ? number_field(row[1])
                         : static_cast<double>(std::find(x_values.begin(), x_values.end(), row[1]) -
                                               x_values.begin());
    const double mcse = number_field(row[mcse_col]);
    if (!std::isnan(mcse)) widest = std::max(widest, 2 * mcse);
    series_data[name] +=
        num(x) + " " + num(number_field(row[estimate_col])) + " " + num(2 * mcse) + "\n";
  }
  if (series_names.empty()) return std::nullopt;
  FigureSpec f;
  f.id = "power";
  f.section = "power";
  f.title = "Power against " + x_key;
  f.width = 960;
  f.height = 540;
  std::string plots = horizontal_lines(target_power(r), alpha_of(r));
  for (std::size_t s = 0; s < series_names.size(); ++s) {
    const std::string block = "$series" + std::to_string(s);
    f.data += block + " << EOD\n" + series_data[series_names[s]] + "EOD\n";
    const std::string colour = SERIES_COLOURS[s % std::size(SERIES_COLOURS)];
    plots += ", \\\n  " + block + " using 1:2:3 with yerrorlines pt 7 ps 0.9 lw 1.8 lc rgb " +
             colour + (is_assurance(series_names[s]) ? " dt 2" : "") + " title " +
             gp_string(short_label(series_names[s], MAX_TITLE) + " (±2 MCSE)");
  }
  std::string extra;
  if (r.summary.contains("search") && r.summary["search"].contains("smallest_value") &&
      r.summary["search"]["smallest_value"].is_number()) {
    const double chosen = r.summary["search"]["smallest_value"].get<double>();
    extra = "set arrow from " + num(chosen) + ", graph 0 to " + num(chosen) +
            ", graph 1 nohead dt 4 lw 1.2 lc rgb " + GREY + "\nset label " +
            gp_string("smallest value reaching the target: " + num(chosen)) + " at " + num(chosen) +
            ", graph 0.08 right offset char -0.6,0 tc rgb " + GREY + "\n";
    // The sawtooth of exact tests: where values above the first fall below the target again,
    // also mark the value from which every larger searched value reaches it.
    const nlohmann::json& s = r.summary["search"];
    const char* const all_key = "smallest_value_from_which_all_reach";
    if (s.contains(all_key) && s[all_key].is_number() && s[all_key].get<double>() != chosen) {
      const double all_from = s[all_key].get<double>();
      extra += "set arrow from " + num(all_from) + ", graph 0 to " + num(all_from) +
               ", graph 1 nohead dt 2 lw 1.2 lc rgb " + GREY + "\nset label " +
               gp_string("every larger value reaches it: " + num(all_from)) + " at " +
               num(all_from) + ", graph 0.16 left offset char 0.6,0 tc rgb " + GREY + "\n";
    }
  }
  std::string tics;
  if (!numeric) {
    tics = "set xtics (";
    for (std::size_t i = 0; i < x_values.size(); ++i)
      tics += (i ? ", " : "") + gp_string(short_label(x_values[i], MAX_TIC_LABEL)) + " " +
              std::to_string(i);
    tics += ")\n";
  }
  f.body = std::string(STYLE) + tics + extra +
           "set yrange [0:1.05]\nset ytics 0.1\nset offsets graph 0.03, graph 0.03, 0, 0\n" +
           "set xlabel " + gp_string(parameter_label(x_key)) + "\n" +
           "set ylabel 'P(reject H0): power, or type I error where H0 holds'\n" +
           "set key outside top center horizontal maxcols 2 Left reverse samplen 3\n" + "plot " +
           plots + "\n";
  f.caption =
      "Rejection probability at each value of " + x_key +
      ", every value simulated on the same seed (common random "
      "numbers), so the curve's shape is not Monte Carlo noise. Bars: ±2 MCSE (widest ±" +
      fixed(widest, 4) + "). " + horizontal_lines_caption(target_power(r)) + "." +
      left_out_note(series_names.size(), series_names.size() + series_left_out.size(), "series");
  return f;
}

// ---------------------------------------------------------------- Kaplan–Meier bands

struct BandEndpointInfo {
  const char* code;
  const char* id;
  const char* title;
  const char* y_label;
  const char* x_label;
};

constexpr BandEndpointInfo BAND_ENDPOINTS[] = {
    {"os", "km_os", "Overall survival: simulated Kaplan–Meier curves",
     "Overall survival (proportion alive)", "Months since infusion"},
    {"rfs", "km_rfs", "Relapse-free survival of responders: simulated Kaplan–Meier curves",
     "Relapse-free survival (proportion of responders)", "Months since infusion"},
    {"dor", "km_dor", "Duration of response: simulated Kaplan–Meier curves",
     "Remaining in response (proportion of responders)", "Months since response"},
};

// Rows of curves.csv for (scenario, endpoint) where at least half the cohorts estimate S(t):
// "time q025 q50 q975" lines.
std::string band_rows(const CsvTable& curves, const RowGroups& groups, const std::string& scenario,
                      const std::string& endpoint, double& x_max) {
  const std::size_t ti = curves.column("time"), es = curves.column("estimable_probability"),
                    lo = curves.column("q025"), me = curves.column("q50"),
                    hi = curves.column("q975");
  std::string out;
  for (const std::size_t index : rows_of(groups, scenario, endpoint)) {
    const auto& row = curves.rows[index];
    if (!(number_field(row[es]) >= 0.5)) continue;
    // Re-printed from their values, never copied: a data line holds numbers only.
    out += num(number_field(row[ti])) + " " + num(number_field(row[lo])) + " " +
           num(number_field(row[me])) + " " + num(number_field(row[hi])) + "\n";
    x_max = std::max(x_max, number_field(row[ti]));
  }
  return out;
}

std::string panel_layout(std::size_t panels, int& width, int& height) {
  const std::size_t cols = panels <= 1 ? 1 : 2;
  const std::size_t rows = (panels + cols - 1) / cols;
  width = cols == 1 ? 820 : 1100;
  height = static_cast<int>(70 + 360 * rows);
  return "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) +
         " rowsfirst\n";
}

std::optional<FigureSpec> km_band(const ResultsDirectory& r, const BandEndpointInfo& info) {
  const CsvTable& curves = *r.curves;
  const RowGroups groups = group_rows(curves, curves.column("scenario"), curves.column("endpoint"));
  std::vector<std::string> panels;
  std::size_t with_band = 0;
  double x_max = 0.0;
  std::string data;
  bool any_assurance = false;
  for (const std::string& scenario : point_scenarios(r)) {
    double ignored_x = 0.0;
    if (band_rows(curves, groups, scenario, info.code, ignored_x).empty()) continue;
    if (++with_band > MAX_PANELS) continue;
    const std::string rows = band_rows(curves, groups, scenario, info.code, x_max);
    const std::string block = "$band" + std::to_string(panels.size());
    data += block + " << EOD\n" + rows + "EOD\n";
    const std::string assurance =
        band_rows(curves, groups, scenario + " (assurance)", info.code, x_max);
    data += block + "a << EOD\n" + (assurance.empty() ? "NaN NaN NaN NaN\n" : assurance) + "EOD\n";
    any_assurance = any_assurance || !assurance.empty();
    panels.push_back(scenario);
  }
  if (panels.empty()) return std::nullopt;
  std::string landmarks;
  for (const ReportedLandmark& l : r.landmarks) {
    if (l.endpoint != info.code) continue;
    // The label column is built from two numbers only (no text from input in a data block).
    landmarks += num(l.time) + " " + num(l.value) + " \"reported " + fixed(100 * l.value, 1) +
                 " % at " + num(l.time) + " mo\"\n";
  }
  data += "$reported << EOD\n" + (landmarks.empty() ? std::string("NaN NaN \"\"\n") : landmarks) +
          "EOD\n";
  FigureSpec f;
  f.id = info.id;
  f.section = "survival";
  f.title = info.title;
  f.data = data;
  const double x_end = std::max(6.0, std::ceil(x_max / 6.0) * 6.0);
  f.body = std::string(STYLE) + panel_layout(panels.size(), f.width, f.height) +
           "set xrange [0:" + num(x_end) + "]\n" + (x_end <= 240 ? "set xtics 6\n" : "") +
           "set yrange [0:1.02]\nset ytics 0.2\n" + "set xlabel " + gp_string(info.x_label) +
           "\nset ylabel " + gp_string(info.y_label) + "\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const std::string block = "$band" + std::to_string(p);
    f.body += "set title " + gp_string(short_label(panels[p], MAX_TITLE)) + "\n";
    f.body += p == 0 ? "set key bottom left reverse Left samplen 2 opaque box lc rgb '#cccccc'\n"
                     : "unset key\n";
    f.body += "plot " + block + " using 1:2:4 with filledcurves fc rgb " + BLUE +
              " fs transparent solid 0.22 noborder title '2.5–97.5 % of virtual cohorts', \\\n  " +
              block + " using 1:3 with lines lw 2.5 lc rgb " + BLUE +
              " title 'median of virtual cohorts'";
    if (any_assurance) {
      f.body += ", \\\n  " + block + "a using 1:2 with lines dt 2 lw 1.5 lc rgb " + ORANGE +
                " title 'assurance: 2.5–97.5 %', \\\n  " + block +
                "a using 1:4 with lines dt 2 lw 1.5 lc rgb " + ORANGE + " notitle";
    }
    if (!landmarks.empty()) {
      f.body +=
          std::string(", \\\n  $reported using 1:2 with points pt 7 ps 1.5 lc rgb '#000000'") +
          " title 'reported by the source study', \\\n  $reported using 1:2:3 with labels left "
          "offset char 1,0.9 notitle";
    }
    f.body += "\n";
  }
  f.body += "unset multiplot\n";
  std::size_t cohorts = 0;
  for (const OcEntry& e : r.oc_entries) {
    if (e.scenario == panels.front() && e.metric != "")
      cohorts = std::max(cohorts, static_cast<std::size_t>(e.replicates));
  }
  f.caption =
      std::string("Each virtual cohort (") + std::to_string(cohorts) +
      " per scenario) is analysed at its data cut; the band holds the middle 95 % of their "
      "Kaplan–Meier "
      "estimates at each month and the line their median. Drawn where at least half the cohorts "
      "still have "
      "patients under follow-up." +
      (any_assurance ? " Dashed orange: the same band when each cohort's parameters are drawn from "
                       "the posterior."
                     : "") +
      (landmarks.empty()
           ? " No reported landmark" +
                 (r.landmarks_note.empty() ? std::string() : " (" + r.landmarks_note + ")") + "."
           : " Black points: the figures reported by the source study the model was fitted to.") +
      left_out_note(panels.size(), with_band, "scenarios");
  return f;
}

// ---------------------------------------------------------------- histograms

// Shares (%) of cohorts by value for (scenario, quantity): "value share" lines.
std::string histogram_rows(const CsvTable& table, const RowGroups& groups,
                           const std::string& scenario, const std::string& quantity, double& low,
                           double& high, double above, double& share_above) {
  const std::size_t va = table.column("value"), co = table.column("cohorts");
  const std::vector<std::size_t>& indices = rows_of(groups, scenario, quantity);
  double total = 0.0;
  for (const std::size_t index : indices) total += number_field(table.rows[index][co]);
  std::string out;
  share_above = 0.0;
  for (const std::size_t index : indices) {
    const auto& row = table.rows[index];
    const double value = number_field(row[va]), share = 100.0 * number_field(row[co]) / total;
    low = std::min(low, value);
    high = std::max(high, value);
    if (value > above) share_above += share / 100.0;
    out += num(value) + " " + num(share) + "\n";
  }
  return out;
}

struct HistogramSpec {
  std::string id, title, quantity, x_label, caption;
  double box_width = 0.01;
  double reference = NAN;  // vertical line (p0), and the panel reports P(value > reference)
  std::string reference_label;
};

std::optional<FigureSpec> histogram(const ResultsDirectory& r, const HistogramSpec& h) {
  const CsvTable& table = *r.distributions;
  const RowGroups groups = group_rows(table, table.column("scenario"), table.column("quantity"));
  std::vector<std::string> panels, titles;
  std::size_t with_histogram = 0;
  std::string data;
  double low = INFINITY, high = -INFINITY;
  bool any_assurance = false;
  // When every scenario has the same distribution (e.g. a data cut that does not depend on
  // outcomes), one panel says so instead of repeating it.
  std::vector<std::string> scenarios = point_scenarios(r);
  std::set<std::string> distinct;
  for (const std::string& scenario : r.scenarios) {
    double a = 0.0, l = 0.0, hi = 0.0;
    distinct.insert(histogram_rows(table, groups, scenario, h.quantity, l, hi, h.reference, a));
  }
  const bool identical = distinct.size() == 1 && scenarios.size() > 1;
  if (identical) scenarios.resize(1);
  for (const std::string& scenario : scenarios) {
    double above = 0.0, ignored = 0.0;
    if (rows_of(groups, scenario, h.quantity).empty()) continue;
    if (++with_histogram > MAX_PANELS) continue;
    const std::string rows =
        histogram_rows(table, groups, scenario, h.quantity, low, high, h.reference, above);
    const std::string block = "$hist" + std::to_string(panels.size());
    const std::string assurance = histogram_rows(table, groups, scenario + " (assurance)",
                                                 h.quantity, low, high, h.reference, ignored);
    any_assurance = any_assurance || !assurance.empty();
    data += block + " << EOD\n" + rows + "EOD\n" + block + "a << EOD\n" +
            (assurance.empty() ? "NaN NaN\n" : assurance) + "EOD\n";
    std::string title = identical ? "every scenario (identical distributions)" : scenario;
    if (!std::isnan(h.reference)) {
      title += ": P(lower bound > p0) = " + fixed(above, 3);
    } else if (const OcEntry* mean = r.find(scenario, "conduct", "study_duration_mean")) {
      title += ": mean " + fixed(mean->estimate, 2) + " months (MCSE " + fixed(mean->mcse, 3) + ")";
    }
    titles.push_back(title);
    panels.push_back(scenario);
  }
  if (panels.empty()) return std::nullopt;
  FigureSpec f;
  f.id = h.id;
  f.section = "distributions";
  f.title = h.title;
  f.data = data;
  const double pad = std::max(h.box_width * 3, 0.04 * (high - low));
  const double x_low = std::isnan(h.reference) ? low - pad : 0.0,
               x_high = std::isnan(h.reference) ? high + pad : 1.0;
  f.body = std::string(STYLE) + panel_layout(panels.size(), f.width, f.height) + "set xrange [" +
           num(x_low) + ":" + num(x_high) +
           "]\nset yrange [0:*]\nset offsets 0, 0, graph 0.3, 0\nset boxwidth " +
           num(h.box_width * 0.8) + " absolute\n" + "set xlabel " + gp_string(h.x_label) +
           "\nset ylabel 'Virtual cohorts (%)'\n";
  if (!std::isnan(h.reference)) {
    f.body += "set arrow from " + num(h.reference) + ", graph 0 to " + num(h.reference) +
              ", graph 1 nohead dt 2 lw 1.5 lc rgb " + RED + " front\n";
  }
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const std::string block = "$hist" + std::to_string(p);
    f.body += "set title " + gp_string(short_label(titles[p], MAX_TITLE)) + "\n";
    f.body += p == 0 ? "set key top left reverse Left samplen 2 opaque box lc rgb '#cccccc'\n"
                     : "unset key\n";
    f.body += "plot " + block + " using 1:2 with boxes fs solid 0.55 noborder lc rgb " + BLUE +
              " title " +
              gp_string(any_assurance ? "at the fitted point estimate" : "virtual cohorts");
    if (any_assurance && !identical) {
      f.body += ", \\\n  " + block + "a using 1:2 with boxes fs empty lw 1.5 lc rgb " + ORANGE +
                " title 'assurance (posterior draws)'";
    }
    if (!std::isnan(h.reference)) {
      f.body += ", \\\n  NaN with lines dt 2 lw 1.5 lc rgb " + std::string(RED) + " title " +
                gp_string(h.reference_label);
    }
    f.body += "\n";
  }
  f.body += "unset multiplot\n";
  f.caption = h.caption + left_out_note(panels.size(), with_histogram, "scenarios");
  return f;
}

// ---------------------------------------------------------------- two arms: bands and truths

// A multiplot of `panels` panels, `cols` to a row, each panel_width x panel_height pixels, under a
// strip of legend_height pixels that holds the key (drawn by the first panel: `key` places it, in
// columns of `key_rows` entries). Fixed margins and spacing in screen units, so the panels align
// whatever their tic labels.
struct StripLayout {
  std::string multiplot, key;
  int width = 0, height = 0;
};

StripLayout strip_layout(std::size_t panels, std::size_t cols, int panel_width, int panel_height,
                         int legend_height, int key_rows) {
  const std::size_t rows = (panels + cols - 1) / cols;
  StripLayout out;
  out.width = static_cast<int>(cols) * panel_width;
  out.height = legend_height + static_cast<int>(rows) * panel_height;
  const double w = out.width, h = out.height;
  // Pixels: left 80 (tics and y label), right 20, bottom 62 (tics and x label), a panel title of
  // 30 above each panel; between panels the next one's y label (95) or the x label and title
  // (100).
  out.multiplot = "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) +
                  " rowsfirst margins " + num(80 / w) + "," + num(1 - 20 / w) + "," + num(62 / h) +
                  "," + num(1 - (legend_height + 30) / h) + " spacing " + num(95 / w) + "," +
                  num(100 / h) + "\n";
  out.key = "set key at screen 0.5, screen " + num(1 - 6 / h) + " center top vertical maxrows " +
            std::to_string(key_rows) + " reverse Left samplen 2.5 width 2 box lc rgb '#cccccc'\n";
  return out;
}

// The arms of a two-arm design in curves.csv (endpoint km_<arm>) and true_curves.csv
// (<arm>_survival), each with its colour: the band and median in the light tone, the truth
// dashed in the dark one.
struct ArmInfo {
  const char* name;
  const char* band_endpoint;
  const char* light;
  const char* dark;
};

constexpr ArmInfo ARMS[] = {{"control", "km_control", "'#d9822b'", "'#8a4a0b'"},
                            {"experimental", "km_experimental", "'#1f5fa8'", "'#0b2e5c'"}};

// Row indices of a CSV table by the value of one column (keyed with an empty second value).
RowGroups group_rows(const CsvTable& table, std::size_t column) {
  RowGroups groups;
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    groups[{table.rows[i][column], ""}].push_back(i);
  return groups;
}

// true_curves.csv rows of a scenario as "time control experimental" lines (numbers re-printed).
std::string true_survival_rows(const CsvTable& truth, const RowGroups& groups,
                               const std::string& scenario, double& t_max) {
  const std::size_t ti = truth.column("time"), co = truth.column("control_survival"),
                    ex = truth.column("experimental_survival");
  std::string out;
  for (const std::size_t index : rows_of(groups, scenario, "")) {
    const auto& row = truth.rows[index];
    out += num(number_field(row[ti])) + " " + num(number_field(row[co])) + " " +
           num(number_field(row[ex])) + "\n";
    if (std::isfinite(number_field(row[ti]))) t_max = std::max(t_max, number_field(row[ti]));
  }
  return out;
}

std::string survival_axis_label(const ResultsDirectory& r) {
  const nlohmann::json& config = r.config();
  const bool os = config.contains("design") && config["design"].is_object() &&
                  config["design"].contains("endpoint") &&
                  config["design"]["endpoint"] == "overall_survival";
  return os ? "Overall survival (proportion alive)" : "Survival (proportion event-free)";
}

// What one panel of the two-arm survival figure draws.
struct ArmsPanel {
  std::string scenario;
  bool band[2] = {false, false};
  bool truth = false;
};

// Per arm its band and median where simulated and its true curve where known (so the key has a
// row per arm); the key, in the strip above the panels, drawn by the first panel.
std::string arms_panel_body(const ArmsPanel& panel, std::size_t p, const std::string& key) {
  const std::string index = std::to_string(p);
  std::string plot;
  const auto add = [&](const std::string& clause) {
    plot += (plot.empty() ? "" : ", \\\n  ") + clause;
  };
  for (std::size_t a = 0; a < 2; ++a) {
    const std::string arm = ARMS[a].name, block = "$arm" + index + arm;
    if (panel.band[a]) {
      add(block + " using 1:2:4 with filledcurves fc rgb " + ARMS[a].light +
          " fs transparent solid 0.2 noborder title " +
          gp_string(arm + ": 2.5–97.5 % of virtual cohorts"));
      add(block + " using 1:3 with lines lw 2 lc rgb " + ARMS[a].light + " title " +
          gp_string(arm + ": median Kaplan–Meier"));
    }
    if (panel.truth) {
      add("$truth" + index + " using 1:" + std::to_string(a + 2) + " with lines dt 2 lw 2 lc rgb " +
          ARMS[a].dark + " title " + gp_string(arm + ": true survival"));
    }
  }
  return "set title " + gp_string(short_label(panel.scenario, MAX_TITLE)) + "\n" +
         (p == 0 ? key : "unset key\n") + "plot " + plot + "\n";
}

std::optional<FigureSpec> two_arm_survival(const ResultsDirectory& r) {
  RowGroups band_groups, truth_groups;
  if (r.curves) {
    band_groups = group_rows(*r.curves, r.curves->column("scenario"), r.curves->column("endpoint"));
  }
  if (r.true_curves) truth_groups = group_rows(*r.true_curves, r.true_curves->column("scenario"));
  std::string data;
  std::vector<ArmsPanel> panels;
  std::size_t with_data = 0;
  double band_end = 0.0, truth_end = 0.0;
  for (const std::string& scenario : point_scenarios(r)) {
    ArmsPanel panel{scenario};
    std::string bands[2], truth;
    for (std::size_t a = 0; a < 2 && r.curves; ++a) {
      double ignored = 0.0;
      bands[a] = band_rows(*r.curves, band_groups, scenario, ARMS[a].band_endpoint, ignored);
      panel.band[a] = !bands[a].empty();
    }
    double scenario_truth_end = 0.0;
    if (r.true_curves)
      truth = true_survival_rows(*r.true_curves, truth_groups, scenario, scenario_truth_end);
    panel.truth = !truth.empty();
    if (!panel.band[0] && !panel.band[1] && !panel.truth) continue;
    if (++with_data > MAX_PANELS) continue;
    const std::string index = std::to_string(panels.size());
    for (std::size_t a = 0; a < 2; ++a) {
      if (!panel.band[a]) continue;
      band_rows(*r.curves, band_groups, scenario, ARMS[a].band_endpoint, band_end);
      data += "$arm" + index + ARMS[a].name + " << EOD\n" + bands[a] + "EOD\n";
    }
    if (panel.truth) data += "$truth" + index + " << EOD\n" + truth + "EOD\n";
    truth_end = std::max(truth_end, scenario_truth_end);
    panels.push_back(panel);
  }
  if (panels.empty()) return std::nullopt;
  FigureSpec f;
  f.id = "km_arms";
  f.section = "survival";
  f.title = "Survival by arm: simulated Kaplan–Meier bands and the true curves";
  f.data = data;
  // The months the trial observes (the bands' extent); the truths' when nothing was simulated.
  const double x_max = band_end > 0 ? band_end : truth_end;
  const double x_end = std::max(6.0, std::ceil(x_max / 6.0) * 6.0);
  const bool one = panels.size() == 1;
  const StripLayout layout = strip_layout(panels.size(), one ? 1 : 2, one ? 820 : 550, 380, 72, 3);
  f.width = layout.width;
  f.height = layout.height;
  f.body = std::string(STYLE) + layout.multiplot + "set xrange [0:" + num(x_end) + "]\n" +
           (x_end <= 240 ? "set xtics 6\n" : "") +
           "set yrange [0:1.02]\nset ytics 0.2\nset xlabel 'Months since randomisation'\n" +
           "set ylabel " + gp_string(survival_axis_label(r)) + "\n";
  for (std::size_t p = 0; p < panels.size(); ++p)
    f.body += arms_panel_body(panels[p], p, layout.key);
  f.body += "unset multiplot\n";
  f.caption =
      "Each arm's Kaplan–Meier estimate over the virtual cohorts, each analysed at its data cut: "
      "the band holds the middle 95 % of the cohorts' estimates at each month and the solid line "
      "their median (orange: control; blue: experimental; where the bands overlap their colours "
      "mix), drawn where at least half the cohorts still have patients under follow-up. Dashed: "
      "each arm's true survival under the scenario's model (true_curves.csv), against which the "
      "median's bias can be read, up to the months the trial observes." +
      left_out_note(panels.size(), with_data, "scenarios");
  return f;
}

// ---------------------------------------------------------------- true hazard ratio over time

// The log axis spans at most this range; a ratio outside it is clipped (the caption says so).
constexpr double HR_AXIS_LOW = 1e-3, HR_AXIS_HIGH = 1e3;

// "set ytics (...)" values within [low, high]: every 1–9 of a decade on a narrow axis (under
// 1.5 decades), else 1, 2, 5; numbers only.
std::string log_tics(double low, double high) {
  const bool narrow = high / low < 30;
  std::string tics;
  for (double decade = HR_AXIS_LOW; decade <= HR_AXIS_HIGH * 1.0001; decade *= 10) {
    for (int step = 1; step <= 9; ++step) {
      const double tic = decade * step;
      if (!narrow && step != 1 && step != 2 && step != 5) continue;
      if (tic >= low * 0.9999 && tic <= high * 1.0001)
        tics += (tics.empty() ? "" : ", ") + num(tic);
    }
  }
  return tics;
}

std::optional<FigureSpec> hazard_ratio_over_time(const ResultsDirectory& r) {
  if (!r.true_curves) return std::nullopt;
  const CsvTable& truth = *r.true_curves;
  const RowGroups groups = group_rows(truth, truth.column("scenario"));
  const std::size_t ti = truth.column("time"), hr = truth.column("hazard_ratio");
  std::size_t lines = 0, with_ratio = 0;
  double low = INFINITY, high = -INFINITY, t_max = 0.0;
  std::string data, plots;
  for (const std::string& scenario : point_scenarios(r)) {
    std::string rows;
    double scenario_low = INFINITY, scenario_high = -INFINITY, scenario_t = 0.0;
    for (const std::size_t index : rows_of(groups, scenario, "")) {
      const double t = number_field(truth.rows[index][ti]);
      double ratio = number_field(truth.rows[index][hr]);
      if (!(ratio > 0) || !std::isfinite(ratio) || !std::isfinite(t)) ratio = NAN;  // log axis
      if (!std::isnan(ratio)) {
        scenario_low = std::min(scenario_low, ratio);
        scenario_high = std::max(scenario_high, ratio);
        scenario_t = std::max(scenario_t, t);
      }
      rows += num(t) + " " + num(ratio) + "\n";
    }
    if (std::isinf(scenario_low)) continue;  // no ratio defined anywhere
    if (++with_ratio > MAX_PANELS) continue;
    low = std::min(low, scenario_low);
    high = std::max(high, scenario_high);
    t_max = std::max(t_max, scenario_t);
    const std::string block = "$hr" + std::to_string(lines);
    data += block + " << EOD\n" + rows + "EOD\n";
    plots += ", \\\n  " + block + " using 1:2 with lines lw 2 dt " +
             std::to_string(1 + lines / std::size(SERIES_COLOURS)) + " lc rgb " +
             SERIES_COLOURS[lines % std::size(SERIES_COLOURS)] + " title " +
             gp_string(short_label(scenario, MAX_TIC_LABEL + 8));
    ++lines;
  }
  if (lines == 0) return std::nullopt;
  const double y_low = std::clamp(std::min(low, 0.5) / 1.25, HR_AXIS_LOW, 1.0);
  const double y_high = std::clamp(std::max(high, 2.0) * 1.25, 1.0, HR_AXIS_HIGH);
  FigureSpec f;
  f.id = "hazard_ratio";
  f.section = "survival";
  f.title = "Hazard ratio over time (true)";
  f.width = 960;
  f.height = 540;
  f.data = data;
  // Where the simulated Kaplan–Meier bands end: beyond it the ratio does not reach the analysis.
  double observed = 0.0;
  if (r.curves) {
    const RowGroups bands =
        group_rows(*r.curves, r.curves->column("scenario"), r.curves->column("endpoint"));
    for (const std::string& scenario : point_scenarios(r)) {
      for (const ArmInfo& arm : ARMS)
        band_rows(*r.curves, bands, scenario, arm.band_endpoint, observed);
    }
  }
  const std::string follow_up =
      observed > 0 ? "set arrow from " + num(observed) + ", graph 0 to " + num(observed) +
                         ", graph 1 nohead dt 4 lw 1.2 lc rgb " + GREY + "\nset label " +
                         gp_string("simulated follow-up ends") + " at " + num(observed) +
                         ", graph 0.97 right offset char -0.6,0 tc rgb " + GREY + "\n"
                   : "";
  f.body = std::string(STYLE) + follow_up + "set logscale y\nset yrange [" + num(y_low) + ":" +
           num(y_high) + "]\nset ytics (" + log_tics(y_low, y_high) +
           ")\nset xrange [0:" + num(std::max(6.0, std::ceil(t_max / 6.0) * 6.0)) +
           "]\nset xtics 6\n" +
           "set xlabel 'Months since randomisation'\n"
           "set ylabel 'Hazard ratio, experimental / control (log scale)'\n"
           "set key outside top center horizontal maxcols 3 Left reverse samplen 3\n"
           "plot 1 with lines dt 3 lw 1.5 lc rgb " +
           GREY + " title 'HR = 1 (equal hazards)'" + plots + "\n";
  f.caption =
      "The true hazard ratio of the experimental to the control arm over time under each "
      "scenario's models (true_curves.csv): at month t the ratio of the arms' cumulative hazards "
      "over the following month, [H_e(t+1) − H_e(t)] / [H_c(t+1) − H_c(t)] with H = −log S. "
      "Below 1 the experimental arm has the lower hazard. A flat line is proportional hazards; a "
      "ratio that moves (an early benefit that fades, a delayed effect, a cured plateau) is what "
      "costs the log-rank test power and what the weighted tests are made for. Drawn where both "
      "hazards are positive, also beyond the months the trial observes (the dotted vertical line: "
      "where the simulated Kaplan–Meier bands end); the axis spans at most " +
      num(HR_AXIS_LOW) + "–" + num(HR_AXIS_HIGH) + "." +
      left_out_note(lines, with_ratio, "scenarios");
  return f;
}

// ---------------------------------------------------------------- power by test

constexpr std::size_t MAX_TESTS = 16;  // tests per panel of the power-by-test figure

// A test's name for an axis: the analyses two_arm_survival writes (logrank, fh_<rho>_<gamma>,
// max_combo, rmst_<tau>, milestone_<t>) in their usual notation, any other as it is.
std::string test_label(const std::string& analysis) {
  const auto starts = [&](std::string_view prefix) { return analysis.rfind(prefix, 0) == 0; };
  if (analysis == "logrank") return "log-rank";
  if (analysis == "max_combo") return "MaxCombo";
  if (starts("fh_") && std::count(analysis.begin(), analysis.end(), '_') == 2) {
    const std::size_t second = analysis.find('_', 3);
    return "FH(" + analysis.substr(3, second - 3) + "," + analysis.substr(second + 1) + ")";
  }
  if (starts("rmst_")) return "RMST τ=" + analysis.substr(5);
  if (starts("milestone_")) return "S(" + analysis.substr(10) + ") diff.";
  return analysis;
}

// What the test names of the figure stand for, for the caption: only those drawn.
std::string test_glossary(const std::vector<std::string>& tests) {
  const auto any = [&](std::string_view prefix) {
    return std::any_of(tests.begin(), tests.end(),
                       [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
  };
  std::string out;
  if (any("fh_")) out += " FH(ρ,γ): the Fleming–Harrington weighted log-rank test.";
  if (any("max_combo"))
    out +=
        " MaxCombo: the most extreme of the weighted statistics, its p-value from their joint "
        "normal law.";
  if (any("rmst_")) out += " RMST τ: the difference in restricted mean survival up to τ months.";
  if (any("milestone_")) out += " S(t) diff.: the difference in Kaplan–Meier survival at month t.";
  return out;
}

// The analytic power of (scenario, test) in summary.json's design.analytic_power, or NaN.
double analytic_power(const ResultsDirectory& r, const std::string& scenario,
                      const std::string& test) {
  return json_number(r.summary, {"design", "analytic_power", scenario.c_str(), test.c_str()}, NAN);
}

struct TestPanel {
  std::string scenario, rows;  // rows: "index estimate 2*mcse analytic"
  double top = 0.0;            // largest value drawn (with its bar)
  bool any_analytic = false;
};

// A panel where no test rejects more than this (a null scenario) is drawn on [0, 0.1], so the
// type I errors can be read against alpha.
constexpr double ZOOM_BELOW = 0.08;

std::string test_panel_body(const TestPanel& panel, std::size_t p, double alpha, bool any_analytic,
                            const std::string& key) {
  const std::string block = "$tests" + std::to_string(p), shift = any_analytic ? "0.14" : "0";
  const bool zoom = panel.top < ZOOM_BELOW;
  std::string out =
      "set title " + gp_string(short_label(panel.scenario, MAX_TITLE)) + "\n" +
      (zoom ? "set yrange [0:0.1]\nset ytics 0.02\n" : "set yrange [0:1.12]\nset ytics 0.2\n") +
      (p == 0 ? key : "unset key\n") + "plot ";
  if (!std::isnan(alpha)) {
    out += num(alpha) + " with lines dt 3 lw 1.5 lc rgb " + GREY + " title " +
           gp_string("one-sided α = " + num(alpha)) + ", \\\n  ";
  }
  // Values above the points (on a zoomed panel, where the bars are long, above the bars).
  out += block + " using ($1-" + shift + "):2:3 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb " + BLUE +
         " title 'simulated (±2 MCSE)', \\\n  " + block + " using ($1-" + shift + "):2:(sprintf('" +
         (zoom ? "%.4f', $2)) with labels center offset char 0,1.8"
               : "%.3f', $2)) with labels center offset char 0,1") +
         " tc rgb " + BLUE + " notitle";
  if (panel.any_analytic) {
    out += ", \\\n  " + block + " using ($1+" + shift + "):4 with points pt 6 ps 1.5 lw 2 lc rgb " +
           ORANGE + " title 'analytic approximation'";
  }
  return out + "\n";
}

// Per scenario, each test's rejection probability (±2 MCSE) and its analytic power where known.
std::vector<TestPanel> test_panels(const ResultsDirectory& r, const std::vector<std::string>& tests,
                                   std::size_t& with_tests, double& replicates) {
  std::vector<TestPanel> panels;
  for (const std::string& scenario : point_scenarios(r)) {
    TestPanel panel{scenario, "", 0.0, false};
    bool any = false;
    for (std::size_t i = 0; i < tests.size(); ++i) {
      const OcEntry* e = r.find(scenario, tests[i], "rejection_probability");
      const double estimate = e ? e->estimate : NAN, bar = e ? 2 * e->mcse : NAN;
      const double analytic = analytic_power(r, scenario, tests[i]);
      any = any || !std::isnan(estimate);
      panel.any_analytic = panel.any_analytic || !std::isnan(analytic);
      for (const double v : {estimate + (std::isnan(bar) ? 0.0 : bar), analytic}) {
        if (std::isfinite(v)) panel.top = std::max(panel.top, v);
      }
      if (e) replicates = std::max(replicates, e->replicates);
      panel.rows +=
          std::to_string(i) + " " + num(estimate) + " " + num(bar) + " " + num(analytic) + "\n";
    }
    if (!any) continue;
    if (++with_tests > MAX_PANELS) continue;
    panels.push_back(std::move(panel));
  }
  return panels;
}

std::optional<FigureSpec> power_by_test(const ResultsDirectory& r) {
  std::vector<std::string> tests;
  for (const OcEntry& e : r.oc_entries) {
    if (e.metric == "rejection_probability" && !is_assurance(e.scenario) &&
        std::find(tests.begin(), tests.end(), e.analysis) == tests.end())
      tests.push_back(e.analysis);
  }
  if (tests.size() < 2) return std::nullopt;  // one test: the power figure shows it
  const std::string tests_left_out = left_out_note(MAX_TESTS, tests.size(), "tests");
  tests.resize(std::min(tests.size(), MAX_TESTS));
  std::size_t with_tests = 0;
  double replicates = 0.0;
  const std::vector<TestPanel> panels = test_panels(r, tests, with_tests, replicates);
  if (panels.empty()) return std::nullopt;
  const bool any_analytic =
      std::any_of(panels.begin(), panels.end(), [](const TestPanel& p) { return p.any_analytic; });
  FigureSpec f;
  f.id = "power_by_test";
  f.section = "power";
  f.title = "Power by test";
  std::string tics;
  for (std::size_t i = 0; i < tests.size(); ++i) {
    tics += (i ? ", " : "") + gp_string(short_label(test_label(tests[i]), MAX_TIC_LABEL)) + " " +
            std::to_string(i);
  }
  // Side by side only when the tics have room.
  const std::size_t cols = panels.size() > 1 && tests.size() <= 5 ? 2 : 1;
  const StripLayout layout = strip_layout(panels.size(), cols, cols == 1 ? 1000 : 550, 320, 40, 1);
  f.width = layout.width;
  f.height = layout.height;
  f.body = std::string(STYLE) + layout.multiplot +
           "set xrange [-0.6:" + num(static_cast<double>(tests.size()) - 0.4) + "]\nset xtics (" +
           tics + ")\nset grid noxtics ytics\nset ylabel 'P(reject H0)'\n";
  for (std::size_t p = 0; p < panels.size(); ++p) {
    f.data += "$tests" + std::to_string(p) + " << EOD\n" + panels[p].rows + "EOD\n";
    f.body += test_panel_body(panels[p], p, alpha_of(r), any_analytic, layout.key);
  }
  f.body += "unset multiplot\n";
  f.caption =
      "Probability that each test rejects H0 in each scenario, every test applied to the same "
      "virtual cohorts (" +
      fixed(replicates, 0) +
      " per scenario), so the differences between tests are not noise between cohorts. Filled "
      "points: simulated, with ±2 Monte Carlo standard errors; dotted grey: the one-sided α, "
      "which every test's type I error should match where H0 holds (a panel whose tests all "
      "reject less than " +
      fixed(100 * ZOOM_BELOW, 0) + " % is drawn on 0–0.1)." +
      (any_analytic
           ? " Open circles: the analytic approximation of the log-rank and Fleming–Harrington "
             "tests (summary.json, design.analytic_power: Schoenfeld's formula under "
             "proportional hazards, Lakatos' under non-proportional ones, at the expected "
             "analysis time and events), so its gap to the simulation is visible."
           : "") +
      test_glossary(tests) + left_out_note(panels.size(), with_tests, "scenarios") + tests_left_out;
  return f;
}

}  // namespace

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "NA";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string parameter_label(const std::string& key_path) {
  static const std::map<std::string, std::string> LABELS = {
      {"design.sample_size", "Sample size (patients)"},
      {"design.analysis.events", "Events at the analysis"},
      {"design.analysis.calendar_time", "Analysis time (months from study start)"},
      {"design.analysis.follow_up", "Follow-up after the last entry (months)"},
      {"design.accrual.duration", "Accrual duration (months)"},
      {"design.null_response_rate", "Null response rate p0 (proportion)"},
      {"design.alpha", "One-sided α"},
  };
  const auto it = LABELS.find(key_path);
  if (it != LABELS.end()) return it->second;
  if (key_path.find("hazard_ratio") != std::string::npos) return key_path + " (hazard ratio)";
  if (key_path.find("response_rate") != std::string::npos) return key_path + " (proportion)";
  return key_path;
}

std::vector<FigureSpec> figure_specs(const ResultsDirectory& r) {
  std::vector<FigureSpec> out;
  const auto add = [&](std::optional<FigureSpec> f) {
    if (f) out.push_back(std::move(*f));
  };
  add(r.is_grid() ? power_curve(r) : power_by_scenario(r));
  if (!r.is_grid()) add(power_by_test(r));
  add(two_arm_survival(r));
  add(hazard_ratio_over_time(r));
  if (r.curves) {
    for (const BandEndpointInfo& info : BAND_ENDPOINTS) add(km_band(r, info));
  }
  if (r.distributions) {
    const nlohmann::json& design =
        r.config().contains("design") ? r.config()["design"] : nlohmann::json::object();
    std::string method = "clopper_pearson";
    if (design.contains("intervals") && design["intervals"].is_array() &&
        !design["intervals"].empty() && design["intervals"][0].is_string()) {
      method = design["intervals"][0].get<std::string>();
    }
    const double level = json_number(design, {"confidence_level"}, 0.95);
    const double p0 = json_number(design, {"null_response_rate"}, NAN);
    std::string method_name = method == "clopper_pearson" ? "Clopper–Pearson"
                              : method == "wilson"        ? "Wilson"
                                                          : "Jeffreys";
    HistogramSpec lower{
        "lower_bound",
        "Lower confidence bound of the response rate",
        "orr_" + method + "_lower_bound",
        "Lower " + fixed(100 * level, 0) + " % confidence bound of ORR (proportion)",
        "Where the virtual cohorts' lower bound of the two-sided " + fixed(100 * level, 0) + " % " +
            method_name +
            " interval for the overall response rate falls. The "
            "dashed line is the null rate p0: a cohort whose lower bound is above it shows ORR > "
            "p0 with "
            "one-sided confidence " +
            fixed(100 * (1 + level) / 2, 1) + " % (the panel titles give that share).",
        0.01,
        p0,
        "p0 = " + fixed(p0, 2)};
    add(histogram(r, lower));
    HistogramSpec duration{
        "study_duration",
        "Study duration",
        "study_duration",
        "Study duration (months from the start of accrual to the data cut)",
        "Calendar months from the first patient's entry to the analysis cut-off, over the virtual "
        "cohorts (bins of 0.1 month). Panel titles: the mean with its MCSE.",
        0.1,
        NAN,
        ""};
    add(histogram(r, duration));
  }
  return out;
}

}  // namespace trialsim::report
