#include "edges/run/grid_run.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdio>
#include <optional>

#include "config/config_error.h"
#include "core/output.h"
#include "core/text_escape.h"
#include "edges/report/comparisons.h"

namespace trialsim {
namespace {

// The console table is for reading: beyond these it would wrap or scroll away, and grid.csv holds
// every value anyway.
constexpr std::size_t MAX_PIVOT_COLUMNS = 12;
constexpr std::size_t MAX_PIVOT_ROWS = 200;
constexpr std::size_t MAX_PIVOT_TABLES = 10;
// Values listed in "(58, 59 fall below again)"; the rest are counted (all are in summary.json).
constexpr std::size_t MAX_LISTED_VALUES = 12;

std::string cell_label(const std::vector<std::string>& assignments, std::size_t axes) {
  std::string label;
  for (std::size_t i = 0; i < axes && i < assignments.size(); ++i)
    label.append(label.empty() ? "" : ",").append(assignments[i]);
  return label;
}

std::string value_of(const std::string& assignment) {
  return assignment.substr(assignment.find('=') + 1);
}

// The value at a dotted key path of a resolved config (list items by index), or nullptr.
const nlohmann::json* resolved_at(const nlohmann::json& resolved, const std::string& key_path) {
  const nlohmann::json* node = &resolved;
  std::size_t start = 0;
  while (start <= key_path.size()) {
    const std::size_t dot = std::min(key_path.find('.', start), key_path.size());
    const std::string part = key_path.substr(start, dot - start);
    if (node->is_object() && node->contains(part)) {
      node = &(*node)[part];
    } else if (node->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos &&
               std::stoull(part) < node->size()) {
      node = &(*node)[std::stoull(part)];
    } else {
      return nullptr;
    }
    start = dot + 1;
  }
  return node;
}

// The cells of grid_cells, each with the search's tied assignment appended (after the axes).
std::vector<std::vector<std::string>> cells_of(const StudyConfig& base) {
  std::vector<std::vector<std::string>> cells = grid_cells(base);
  if (!base.search || !base.search->tied) return cells;
  for (auto& cell : cells)
    cell.push_back(tied_assignment(*base.search->tied, std::stoll(value_of(cell.back()))));
  return cells;
}

// One cell's config. With a tied parameter, an error the tied value causes is reported at
// search.tied.parameter, and the design must echo the tied key as that integer (so a key it does
// not read as an integer, e.g. a string or a derived value, is refused).
StudyConfig load_cell(const StudyConfig& base, const std::filesystem::path& file,
                      const std::vector<std::string>& overrides,
                      const std::vector<std::string>& cell) {
  std::vector<std::string> all = overrides;
  all.insert(all.end(), cell.begin(), cell.end());
  if (!base.search || !base.search->tied) return load_grid_cell_config(file, all);
  const TiedParameter& tied = *base.search->tied;
  const std::string searched = value_of(cell[cell.size() - 2]), value = value_of(cell.back());
  const std::string expected =
      "the key path of another integer setting, e.g. design.analysis.events";
  std::optional<StudyConfig> config;
  try {
    config.emplace(load_grid_cell_config(file, all));
  } catch (const ConfigError& e) {
    const std::string inner = e.key_path().empty() ? "the config" : e.key_path();
    throw ConfigError(tied.where, "search.tied.parameter",
                      "the tied value " + value + " (at " + base.search->parameter + " = " +
                          searched + ") makes " + inner + " invalid (" + e.problem() + ")",
                      e.expected());
  }
  const nlohmann::json resolved = config->resolved();  // kept: echoed points into it
  const nlohmann::json* echoed = resolved_at(resolved, tied.parameter);
  if (!echoed || !echoed->is_number_integer() || echoed->get<std::int64_t>() != std::stoll(value)) {
    throw ConfigError(tied.where, "search.tied.parameter",
                      "\"" + tied.parameter + "\" is not an integer key of this design", expected);
  }
  return std::move(*config);
}

// Scenario -> its headline row of `rows`: the first rejection_probability row, else the first.
std::vector<const OcRow*> headline_rows(const std::vector<OcRow>& rows) {
  std::vector<const OcRow*> out;
  for (const OcRow& row : rows) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const OcRow* h) { return h->scenario == row.scenario; });
    if (same == out.end()) {
      out.push_back(&row);
    } else if ((*same)->metric != "rejection_probability" &&
               row.metric == "rejection_probability") {
      *same = &row;
    }
  }
  return out;
}

// Display width of UTF-8 text (code points; the console tables pad with it).
std::size_t width_of(const std::string& text) {
  std::size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string padded(const std::string& text, std::size_t width, bool right) {
  const std::string fill(width > width_of(text) ? width - width_of(text) : 0, ' ');
  return right ? fill + text : text + fill;
}

// Column `column`'s label: the values of axes 1.. (mixed radix, last axis fastest, as grid_cells
// orders the cells); the value alone for a 2-D grid.
std::string column_label(const std::vector<GridAxis>& axes, std::size_t column) {
  std::string label;
  for (std::size_t a = axes.size(); a-- > 1;) {
    const std::size_t count = axes[a].values.size();
    const std::string value = terminal_safe(axes[a].values[column % count]);
    label = (axes.size() == 2 ? value : terminal_safe(axes[a].key_path) + "=" + value) +
            (label.empty() ? "" : ",") + label;
    column /= count;
  }
  return label;
}

std::string pivot_entry(const std::vector<OcRow>& rows, const OcRow& headline, bool exact) {
  for (const OcRow& row : rows) {
    if (row.scenario != headline.scenario || row.analysis != headline.analysis ||
        row.metric != headline.metric)
      continue;
    if (std::isnan(row.estimate)) return "NA";
    char text[64];
    if (exact) {
      std::snprintf(text, sizeof text, "%.4f", row.estimate);
    } else {
      std::snprintf(text, sizeof text, "%.4f (%.4f)", row.estimate, row.mcse);
    }
    return text;
  }
  return "NA";
}

// One scenario's table: a title line, a header line, one line per value of the first axis.
void append_pivot_table(std::vector<std::string>& lines, const std::vector<GridAxis>& axes,
                        const std::vector<std::vector<OcRow>>& cell_rows, const OcRow& headline,
                        bool exact) {
  const std::size_t n_rows = axes.front().values.size(), n_columns = cell_rows.size() / n_rows;
  lines.push_back(
      terminal_safe(headline.scenario + ": " + headline.analysis + "/" + headline.metric) +
      (exact ? " (exact)" : ", estimate (MCSE)"));
  std::vector<std::vector<std::string>> table(n_rows + 1);
  table[0].push_back(terminal_safe(axes.front().key_path) +
                     (axes.size() == 2  ? " \\ " + terminal_safe(axes[1].key_path)
                      : axes.size() > 2 ? " \\ other axes"
                                        : ""));
  for (std::size_t c = 0; c < n_columns; ++c)
    table[0].push_back(axes.size() == 1 ? terminal_safe(headline.metric) : column_label(axes, c));
  for (std::size_t r = 0; r < n_rows; ++r) {
    table[r + 1].push_back(terminal_safe(axes.front().values[r]));
    for (std::size_t c = 0; c < n_columns; ++c)
      table[r + 1].push_back(pivot_entry(cell_rows[r * n_columns + c], headline, exact));
  }
  std::vector<std::size_t> widths(n_columns + 1, 0);
  for (const auto& line : table) {
    for (std::size_t k = 0; k < line.size(); ++k)
      widths[k] = std::max(widths[k], width_of(line[k]));
  }
  for (const auto& line : table) {
    std::string text = "  " + padded(line[0], widths[0], false);
    for (std::size_t k = 1; k < line.size(); ++k) text += " | " + padded(line[k], widths[k], true);
    lines.push_back(text);
  }
}

// The curve of a search's target metric, one point per searched value.
struct CurvePoint {
  std::int64_t value = 0;
  std::optional<std::int64_t> tied;
  double estimate = NAN, mcse = NAN;
  std::uint64_t replicates = 0;
  bool reaches = false;
};

std::string listed(const std::vector<std::int64_t>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size() && i < MAX_LISTED_VALUES; ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  if (values.size() > MAX_LISTED_VALUES)
    text += ", ... (" + std::to_string(values.size() - MAX_LISTED_VALUES) + " more)";
  return text;
}

// The search's decision: summary.json's "search" block. "From which all reach" is over the
// searched values only: v such that every searched value >= v reaches the target (the power of
// an exact test is a sawtooth in n, so the first value reaching it can be followed by values
// that fall below again).
nlohmann::json search_decision(const SearchSpec& search, const std::vector<CurvePoint>& curve,
                               bool exact) {
  const boost::math::normal standard;
  nlohmann::json points = nlohmann::json::array();
  std::optional<std::size_t> chosen, conservative;
  std::size_t all_from = curve.size();
  while (all_from > 0 && curve[all_from - 1].reaches) --all_from;
  std::vector<std::int64_t> below_again;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const CurvePoint& p = curve[i];
    const double sure = p.mcse > 0
                            ? boost::math::cdf(standard, (p.estimate - search.at_least) / p.mcse)
                            : (p.reaches ? 1.0 : 0.0);
    nlohmann::json point = {{"value", p.value},
                            {"estimate", p.estimate},
                            {"mcse", p.mcse},
                            {"probability_at_least_target", sure}};
    if (p.tied) point["tied_value"] = *p.tied;
    points.push_back(point);
    if (!chosen && p.reaches) chosen = i;
    if (chosen && i > *chosen && !p.reaches) below_again.push_back(p.value);
    if (!conservative && p.estimate - 2.0 * (p.mcse > 0 ? p.mcse : 0.0) >= search.at_least)
      conservative = i;
  }
  nlohmann::json decision = {{"parameter", search.parameter},
                             {"target", search.at_least},
                             {"scenario", search.scenario},
                             {"analysis", search.analysis},
                             {"metric", search.metric},
                             {"evaluation", exact ? "exact" : "simulation"},
                             {"curve", points},
                             {"smallest_value", nullptr},
                             {"smallest_value_from_which_all_reach", nullptr},
                             {"values_below_target_after_smallest_value", below_again},
                             {"smallest_value_at_least_2_mcse_above_target", nullptr}};
  if (search.tied) {
    decision["tied"] = {{"parameter", search.tied->parameter}, {"fraction", search.tied->fraction}};
  }
  if (chosen) {
    decision["smallest_value"] = curve[*chosen].value;
    decision["estimate"] = curve[*chosen].estimate;
    decision["mcse"] = curve[*chosen].mcse;
    decision["probability_at_least_target"] = points[*chosen]["probability_at_least_target"];
  }
  if (all_from < curve.size())
    decision["smallest_value_from_which_all_reach"] = curve[all_from].value;
  if (conservative)
    decision["smallest_value_at_least_2_mcse_above_target"] = curve[*conservative].value;
  return decision;
}

// The decision's console lines (unescaped). Exact mode has no Monte Carlo error: no MCSE text.
void append_search_lines(std::vector<std::string>& lines, const SearchSpec& search,
                         std::int64_t last_value, const nlohmann::json& d, bool exact) {
  const std::string target_name = search.scenario + "/" + search.analysis + "/" + search.metric;
  const std::string target = format_number(search.at_least);
  if (d["smallest_value"].is_null()) {
    lines.push_back("search: no value of " + search.parameter + " in the range reaches " +
                    target_name + " >= " + target);
    return;
  }
  char detail[200];
  if (exact) {
    std::snprintf(detail, sizeof detail, " (exact value %.4f)", d["estimate"].get<double>());
  } else {
    std::snprintf(detail, sizeof detail,
                  " (estimate %.4f, MCSE %.4f; P(true value >= target) ~ %.3f)",
                  d["estimate"].get<double>(), d["mcse"].get<double>(),
                  d["probability_at_least_target"].get<double>());
  }
  lines.push_back("search: first " + search.parameter + " reaching " + target_name +
                  " >= " + target + ": " + d["smallest_value"].dump() + detail);
  std::vector<std::int64_t> below;
  for (const auto& v : d["values_below_target_after_smallest_value"])
    below.push_back(v.get<std::int64_t>());
  const std::string every = search.parameter + " from which every larger searched value (to " +
                            std::to_string(last_value) +
                            (search.step == 1 ? "" : " by " + std::to_string(search.step)) +
                            ") reaches " + target;
  const std::string fall = below.size() == 1 ? " falls" : " fall";
  if (d["smallest_value_from_which_all_reach"].is_null()) {
    lines.push_back("search: no " + every + " (" + listed(below) + fall + " below again)");
  } else {
    lines.push_back("search: " + every + ": " + d["smallest_value_from_which_all_reach"].dump() +
                    (below.empty() ? " (no larger value falls below)"
                                   : " (" + listed(below) + fall + " below again)"));
  }
  if (!exact && !d["smallest_value_at_least_2_mcse_above_target"].is_null()) {
    lines.push_back("search: smallest value whose estimate is 2 MCSE above the target: " +
                    d["smallest_value_at_least_2_mcse_above_target"].dump());
  }
}

// The search's curve from the cells' rows; a target row missing from the results is an error.
std::vector<CurvePoint> search_curve(const StudyConfig& base,
                                     const std::vector<std::vector<std::string>>& cells,
                                     const std::vector<std::vector<OcRow>>& cell_rows) {
  const SearchSpec& search = *base.search;
  std::vector<CurvePoint> curve;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    CurvePoint point;
    point.value = std::stoll(value_of(cells[c][base.grid.size()]));
    if (search.tied) point.tied = std::stoll(value_of(cells[c].back()));
    for (const OcRow& row : cell_rows[c]) {
      if (row.scenario == search.scenario && row.analysis == search.analysis &&
          row.metric == search.metric) {
        point.estimate = row.estimate;
        point.mcse = row.mcse;
        point.replicates = row.replicates;
      }
    }
    if (std::isnan(point.estimate)) {
      throw ConfigError({base.config_file, 0, 0}, "search.target",
                        "no metric " + search.scenario + "/" + search.analysis + "/" +
                            search.metric + " in the results",
                        "a scenario, analysis and metric that appear in oc.csv");
    }
    point.reaches = point.estimate >= search.at_least;
    curve.push_back(point);
  }
  return curve;
}

std::string search_csv_of(const SearchSpec& search, const std::vector<CurvePoint>& curve,
                          const nlohmann::json& decision) {
  std::string csv = csv_field(search.parameter);
  // Appended field by field: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
  if (search.tied) csv.append(",").append(csv_field(search.tied->parameter));
  csv += ",estimate,mcse,replicates,probability_at_least_target\n";
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const CurvePoint& p = curve[i];
    csv += std::to_string(p.value);
    if (p.tied) csv.append(",").append(std::to_string(*p.tied));
    for (const std::string& field :
         {format_number(p.estimate), format_number(p.mcse), std::to_string(p.replicates),
          format_number(decision["curve"][i]["probability_at_least_target"].get<double>())}) {
      csv.append(",").append(field);
    }
    csv += "\n";
  }
  return csv;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// Comparisons between cells (ComparisonSpec::between_cells): the two rows of each are captured
// per replicate when their cells run (RunRequest::capture), then paired replicate by replicate.
// Memory: replicates x 2 values per comparison, bounded when the config is loaded.
class CellComparisons {
 public:
  explicit CellComparisons(const std::vector<ComparisonSpec>& specs) {
    for (const ComparisonSpec& spec : specs)
      if (spec.between_cells()) specs_.push_back(spec);
    values_.resize(2 * specs_.size());
    rows_.resize(2 * specs_.size());
  }

  // What cell `c` (0-based) must keep: the rows of the comparisons' sides in that cell.
  ReplicateCapture capture_for(std::size_t c) const {
    ReplicateCapture capture;
    for (std::size_t side = 0; side < 2 * specs_.size(); ++side)
      if (cell_of(side) == c + 1) capture.rows.push_back(key_of(side));
    return capture;
  }

  // Cell c has run: its rows, and the values it captured (in capture_for's order).
  void keep(std::size_t c, ReplicateCapture& capture, const std::vector<OcRow>& rows) {
    std::size_t k = 0;
    for (std::size_t side = 0; side < 2 * specs_.size(); ++side) {
      if (cell_of(side) != c + 1) continue;
      rows_[side] = rows;
      if (k < capture.values.size()) values_[side] = std::move(capture.values[k]);
      ++k;
    }
  }

  std::vector<ComparisonRow> rows(bool exact) const {
    std::vector<ComparisonRow> out;
    for (std::size_t k = 0; k < specs_.size(); ++k) {
      out.push_back(cell_comparison_row(specs_[k], rows_[2 * k], rows_[2 * k + 1], values_[2 * k],
                                        values_[2 * k + 1], exact));
    }
    return out;
  }
  bool empty() const noexcept { return specs_.empty(); }

 private:
  // Side 2k is comparison k's first row, side 2k + 1 its second.
  std::size_t cell_of(std::size_t side) const {
    return side % 2 == 0 ? specs_[side / 2].first_cell : specs_[side / 2].second_cell;
  }
  const RowKey& key_of(std::size_t side) const {
    return side % 2 == 0 ? specs_[side / 2].first : specs_[side / 2].second;
  }

  std::vector<ComparisonSpec> specs_;
  std::vector<std::vector<double>> values_;
  std::vector<std::vector<OcRow>> rows_;
};

}  // namespace

std::vector<std::string> grid_pivot_lines(const std::vector<GridAxis>& axes,
                                          const std::vector<std::vector<OcRow>>& cell_rows,
                                          bool exact) {
  std::vector<std::string> lines;
  if (axes.empty() || cell_rows.empty() || axes.front().values.empty()) return lines;
  const std::size_t n_rows = axes.front().values.size(), n_columns = cell_rows.size() / n_rows;
  if (n_columns > MAX_PIVOT_COLUMNS || n_rows > MAX_PIVOT_ROWS) {
    lines.push_back("grid: " + std::to_string(n_rows) + " x " + std::to_string(n_columns) +
                    " cells, too many for a console table; every value is in grid.csv");
    return lines;
  }
  const std::vector<const OcRow*> headlines = headline_rows(cell_rows.front());
  for (std::size_t t = 0; t < headlines.size() && t < MAX_PIVOT_TABLES; ++t)
    append_pivot_table(lines, axes, cell_rows, *headlines[t], exact);
  if (headlines.size() > MAX_PIVOT_TABLES) {
    lines.push_back("grid: " + std::to_string(headlines.size() - MAX_PIVOT_TABLES) +
                    " more scenarios are in grid.csv");
  }
  return lines;
}

GridOutcome run_grid(const StudyConfig& base, const std::filesystem::path& file,
                     const std::vector<std::string>& overrides, const RunRequest& request) {
  const auto cells = cells_of(base);
  std::vector<StudyConfig> configs;
  for (const auto& cell : cells) configs.push_back(load_cell(base, file, overrides, cell));
  const std::size_t axes = base.grid.size() + (base.search ? 1 : 0);
  const bool exact = base.simulation.mode == EvaluationMode::exact;
  GridOutcome outcome;
  outcome.grid_csv = "cell";
  for (std::size_t a = 0; a < axes; ++a)
    outcome.grid_csv.append(",").append(
        csv_field(cells.front()[a].substr(0, cells.front()[a].find('='))));
  outcome.grid_csv += ",scenario,analysis,metric,estimate,mcse,replicates\n";
  nlohmann::json cell_list = nlohmann::json::array();
  std::vector<std::vector<OcRow>> cell_rows;
  CellComparisons between(base.comparisons);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    ReplicateCapture capture = between.capture_for(c);
    RunRequest cell_request = request;
    if (!capture.rows.empty() && !exact) cell_request.capture = &capture;
    const StudyResult result = run_study(configs[c], cell_request);
    between.keep(c, capture, result.rows);
    const std::string label = cell_label(cells[c], axes);
    nlohmann::json cell = {{"cell", c + 1}, {"assignments", cells[c]}};
    if (base.search && base.search->tied) {
      const nlohmann::json resolved = configs[c].resolved();
      cell["tied"] = {{"parameter", base.search->tied->parameter},
                      {"value", *resolved_at(resolved, base.search->tied->parameter)}};
    }
    // Paired comparisons within the cell (summary.json only: a console line per cell and
    // comparison would bury the pivoted table).
    if (!configs[c].comparisons.empty())
      cell["comparisons"] = to_json(comparison_rows(configs[c].comparisons, result, exact));
    cell_list.push_back(cell);
    for (const OcRow& row : result.rows) {
      OcRow prefixed = row;
      prefixed.scenario = label;
      prefixed.scenario.append(" | ").append(row.scenario);
      outcome.rows.push_back(prefixed);
      outcome.grid_csv += std::to_string(c + 1);
      for (std::size_t a = 0; a < axes; ++a)
        outcome.grid_csv.append(",").append(csv_field(value_of(cells[c][a])));
      for (const std::string& field :
           {csv_field(row.scenario), csv_field(row.analysis), csv_field(row.metric),
            format_number(row.estimate), format_number(row.mcse), std::to_string(row.replicates)}) {
        outcome.grid_csv.append(",").append(field);
      }
      outcome.grid_csv.append("\n");
    }
    cell_rows.push_back(result.rows);
    outcome.replicates = configs[c].simulation.replicates;
  }
  outcome.summary = {{"cells", cell_list}};
  std::vector<std::string> lines = {
      std::to_string(cells.size()) + (base.search ? " search values" : " grid cells") +
      (exact ? " evaluated exactly" : " run on common random numbers")};
  if (!between.empty()) {
    const std::vector<ComparisonRow> compared = between.rows(exact);
    outcome.summary["comparisons"] = to_json(compared);
    for (const std::string& line : comparison_lines(compared)) lines.push_back(line);
  }
  if (!base.search) {
    const std::vector<std::string> table = grid_pivot_lines(base.grid, cell_rows, exact);
    for (std::string& line : lines) line = terminal_safe(line);
    outcome.report = joined_lines(lines) + joined_lines(table);  // the table is escaped already
    return outcome;
  }
  const SearchSpec& search = *base.search;
  const std::vector<CurvePoint> curve = search_curve(base, cells, cell_rows);
  if (search.tied) {
    lines.push_back("search: " + search.tied->parameter + " tied to " + search.parameter +
                    " as round(" + format_number(search.tied->fraction) + " x value)");
  }
  const nlohmann::json decision = search_decision(search, curve, exact);
  append_search_lines(lines, search, curve.back().value, decision, exact);
  outcome.search_csv = search_csv_of(search, curve, decision);
  outcome.summary["search"] = decision;
  for (std::string& line : lines) line = terminal_safe(line);
  outcome.report = joined_lines(lines);
  return outcome;
}

}  // namespace trialsim
