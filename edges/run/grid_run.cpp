#include "edges/run/grid_run.h"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdio>

#include "config/config_error.h"
#include "core/output.h"

namespace trialsim {
namespace {

std::string cell_label(const std::vector<std::string>& assignments) {
  std::string label;
  for (const std::string& a : assignments) label.append(label.empty() ? "" : ",").append(a);
  return label;
}

std::string value_of(const std::string& assignment) {
  return assignment.substr(assignment.find('=') + 1);
}

}  // namespace

GridOutcome run_grid(const StudyConfig& base, const std::filesystem::path& file,
                     const std::vector<std::string>& overrides, const RunRequest& request) {
  const auto cells = grid_cells(base);
  std::vector<StudyConfig> configs;
  for (const auto& cell : cells) {
    std::vector<std::string> all = overrides;
    all.insert(all.end(), cell.begin(), cell.end());
    configs.push_back(load_grid_cell_config(file, all));  // values checked when `base` loaded
  }
  GridOutcome outcome;
  std::vector<std::string> keys;
  for (const std::string& a : cells.front()) keys.push_back(a.substr(0, a.find('=')));
  outcome.grid_csv = "cell";
  for (const std::string& k : keys) outcome.grid_csv.append(",").append(csv_field(k));
  outcome.grid_csv += ",scenario,analysis,metric,estimate,mcse,replicates\n";
  nlohmann::json cell_list = nlohmann::json::array();
  struct CurvePoint {
    std::string value;
    double estimate = NAN, mcse = NAN;
    std::uint64_t replicates = 0;
  };
  std::vector<CurvePoint> curve;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const StudyResult result = run_study(configs[c], request);
    const std::string label = cell_label(cells[c]);
    nlohmann::json cell = {{"cell", c + 1}, {"assignments", cells[c]}};
    cell_list.push_back(cell);
    CurvePoint point{cells[c].empty() ? "" : value_of(cells[c].back())};
    for (const OcRow& row : result.rows) {
      OcRow prefixed = row;
      prefixed.scenario = label;
      prefixed.scenario.append(" | ").append(row.scenario);
      outcome.rows.push_back(prefixed);
      outcome.grid_csv += std::to_string(c + 1);
      for (const std::string& a : cells[c])
        outcome.grid_csv.append(",").append(csv_field(value_of(a)));
      for (const std::string& field :
           {csv_field(row.scenario), csv_field(row.analysis), csv_field(row.metric),
            format_number(row.estimate), format_number(row.mcse), std::to_string(row.replicates)}) {
        outcome.grid_csv.append(",").append(field);
      }
      outcome.grid_csv.append("\n");
      if (base.search && row.scenario == base.search->scenario &&
          row.analysis == base.search->analysis && row.metric == base.search->metric) {
        point.estimate = row.estimate;
        point.mcse = row.mcse;
        point.replicates = row.replicates;
      }
    }
    curve.push_back(point);
    outcome.replicates = configs[c].simulation.replicates;
  }
  outcome.summary = {{"cells", cell_list}};
  outcome.report = std::to_string(cells.size()) + " grid cells run on common random numbers\n";
  if (!base.search) return outcome;

  // The search decision. With MCSE s at an estimate e, the probability that the true value
  // reaches the target is about Phi((e - target) / s) (normal approximation; 0 or 1 in exact mode).
  const SearchSpec& search = *base.search;
  const boost::math::normal standard;
  outcome.search_csv =
      csv_field(search.parameter) + ",estimate,mcse,replicates,probability_at_least_target\n";
  nlohmann::json points = nlohmann::json::array();
  int chosen = -1, conservative = -1;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const CurvePoint& p = curve[i];
    if (std::isnan(p.estimate)) {
      throw ConfigError({base.config_file, 0, 0}, "search.target",
                        "no metric " + search.scenario + "/" + search.analysis + "/" +
                            search.metric + " in the results",
                        "a scenario, analysis and metric that appear in oc.csv");
    }
    const double sure = p.mcse > 0
                            ? boost::math::cdf(standard, (p.estimate - search.at_least) / p.mcse)
                            : (p.estimate >= search.at_least ? 1.0 : 0.0);
    outcome.search_csv += p.value + "," + format_number(p.estimate) + "," + format_number(p.mcse) +
                          "," + std::to_string(p.replicates) + "," + format_number(sure) + "\n";
    points.push_back({{"value", std::stoll(p.value)},
                      {"estimate", p.estimate},
                      {"mcse", p.mcse},
                      {"probability_at_least_target", sure}});
    if (chosen < 0 && p.estimate >= search.at_least) chosen = static_cast<int>(i);
    if (conservative < 0 && p.estimate - 2.0 * (p.mcse > 0 ? p.mcse : 0.0) >= search.at_least)
      conservative = static_cast<int>(i);
  }
  nlohmann::json decision = {{"parameter", search.parameter}, {"target", search.at_least},
                             {"scenario", search.scenario},   {"analysis", search.analysis},
                             {"metric", search.metric},       {"curve", points}};
  char line[400];
  if (chosen >= 0) {
    const CurvePoint& p = curve[static_cast<std::size_t>(chosen)];
    const double sure =
        points[static_cast<std::size_t>(chosen)]["probability_at_least_target"].get<double>();
    decision["smallest_value"] = std::stoll(p.value);
    decision["estimate"] = p.estimate;
    decision["mcse"] = p.mcse;
    decision["probability_at_least_target"] = sure;
    std::snprintf(line, sizeof line,
                  "search: smallest %s with %s/%s/%s >= %g is %s (estimate %.4f, MCSE %.4f; P(true "
                  "value >= target) ~ %.3f)\n",
                  search.parameter.c_str(), search.scenario.c_str(), search.analysis.c_str(),
                  search.metric.c_str(), search.at_least, p.value.c_str(), p.estimate, p.mcse,
                  sure);
    outcome.report += line;
  } else {
    decision["smallest_value"] = nullptr;
    outcome.report += "search: no value in the range reaches the target\n";
  }
  if (conservative >= 0) {
    decision["smallest_value_at_least_2_mcse_above_target"] =
        std::stoll(curve[static_cast<std::size_t>(conservative)].value);
    outcome.report += "search: smallest value whose estimate is 2 MCSE above the target: " +
                      curve[static_cast<std::size_t>(conservative)].value + "\n";
  }
  outcome.summary["search"] = decision;
  return outcome;
}

}  // namespace trialsim
