#include "edges/report/comparisons.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace trialsim {
namespace {

const OcRow& row_of(const std::vector<OcRow>& rows, const RowKey& key) {
  for (const OcRow& row : rows) {
    if (row.scenario == key.scenario && row.analysis == key.analysis && row.metric == key.metric)
      return row;
  }
  throw std::logic_error("compared row " + key.scenario + "/" + key.analysis + "/" + key.metric +
                         " is not among the results");
}

// mean(d) equals est(first) - est(second) up to rounding when both rows are means over every
// replicate; anything else is a metric the config should not have admitted.
void check_pairing(const ComparisonRow& c, const MomentAccumulator& d) {
  const double scale = 1.0 + std::abs(c.first_estimate) + std::abs(c.second_estimate);
  const bool same_count = d.count() == c.replicates;
  const double expected = c.first_estimate - c.second_estimate;
  if (!same_count || !(std::abs(d.mean() - expected) <= 1e-9 * scale)) {
    throw std::logic_error("comparison \"" + c.name + "\": the mean of the paired differences (" +
                           std::to_string(d.mean()) + " over " + std::to_string(d.count()) +
                           " replicates) is not the difference of the estimates (" +
                           std::to_string(expected) + ")");
  }
}

std::string side(const RowKey& key, std::size_t cell) {
  return (cell == 0 ? std::string() : "cell " + std::to_string(cell) + ": ") + key.scenario + "/" +
         key.analysis;
}

}  // namespace

std::vector<ComparisonRow> comparison_rows(const std::vector<ComparisonSpec>& comparisons,
                                           const StudyResult& result, bool exact) {
  std::vector<ComparisonRow> out;
  std::size_t k = 0;  // the within-run comparisons, in order, have the run's differences
  for (const ComparisonSpec& spec : comparisons) {
    if (spec.between_cells()) continue;
    if (!exact && k >= result.paired_differences.size())
      throw std::logic_error("the run tallied no paired differences for the comparisons");
    const OcRow& first = row_of(result.rows, spec.first);
    const OcRow& second = row_of(result.rows, spec.second);
    ComparisonRow c{spec.name,  spec.first,      spec.second, first.estimate,
                    first.mcse, second.estimate, second.mcse};
    c.replicates = first.replicates;
    if (exact) {
      c.difference = first.estimate - second.estimate;
      c.paired_mcse = c.unpaired_mcse = std::numeric_limits<double>::quiet_NaN();
    } else {
      const MomentAccumulator& d = result.paired_differences[k++];
      check_pairing(c, d);
      c.difference = d.mean();
      c.paired_mcse = d.mcse();
      c.unpaired_mcse = std::hypot(first.mcse, second.mcse);
    }
    out.push_back(std::move(c));
  }
  return out;
}

ComparisonRow cell_comparison_row(const ComparisonSpec& spec, const std::vector<OcRow>& first_rows,
                                  const std::vector<OcRow>& second_rows,
                                  const std::vector<double>& first_values,
                                  const std::vector<double>& second_values, bool exact) {
  const OcRow& first = row_of(first_rows, spec.first);
  const OcRow& second = row_of(second_rows, spec.second);
  ComparisonRow c{spec.name,  spec.first,      spec.second, first.estimate,
                  first.mcse, second.estimate, second.mcse};
  c.first_cell = spec.first_cell;
  c.second_cell = spec.second_cell;
  c.replicates = std::min(first.replicates, second.replicates);
  if (exact) {
    c.difference = first.estimate - second.estimate;
    c.paired_mcse = c.unpaired_mcse = std::numeric_limits<double>::quiet_NaN();
    return c;
  }
  // Replicate r of both cells used the same random numbers: pair them, in replicate order (the
  // same bits for any thread count). Precision mode may have run the cells to different counts:
  // the pairs are the replicates both ran.
  MomentAccumulator d;
  const std::size_t n = std::min(first_values.size(), second_values.size());
  for (std::size_t r = 0; r < n; ++r) d.add(first_values[r] - second_values[r]);
  c.difference = d.mean();
  c.paired_mcse = d.mcse();
  c.unpaired_mcse = std::hypot(first.mcse, second.mcse);
  if (first.replicates == second.replicates) check_pairing(c, d);
  return c;
}

nlohmann::json to_json(const std::vector<ComparisonRow>& rows) {
  const auto number_or_null = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nullptr;
  };
  nlohmann::json out = nlohmann::json::array();
  for (const ComparisonRow& c : rows) {
    nlohmann::json& item = out.emplace_back();
    item = {{"name", c.name},
            {"metric", c.first.metric},
            {"first",
             {{"scenario", c.first.scenario},
              {"analysis", c.first.analysis},
              {"estimate", number_or_null(c.first_estimate)},
              {"mcse", number_or_null(c.first_mcse)}}},
            {"second",
             {{"scenario", c.second.scenario},
              {"analysis", c.second.analysis},
              {"estimate", number_or_null(c.second_estimate)},
              {"mcse", number_or_null(c.second_mcse)}}},
            {"difference", number_or_null(c.difference)},
            {"paired_mcse", number_or_null(c.paired_mcse)},
            {"unpaired_mcse", number_or_null(c.unpaired_mcse)},
            {"replicates", c.replicates}};
    if (c.first_cell != 0) {
      item["first"]["cell"] = c.first_cell;
      item["second"]["cell"] = c.second_cell;
    }
  }
  return out;
}

std::vector<std::string> comparison_lines(const std::vector<ComparisonRow>& rows) {
  if (rows.empty()) return {};
  std::vector<std::string> lines = {
      "comparisons (first - second on common random numbers: paired MCSE, and the unpaired one "
      "of two independent runs):"};
  for (const ComparisonRow& c : rows) {
    char numbers[160];
    if (std::isnan(c.paired_mcse)) {
      std::snprintf(numbers, sizeof numbers, "%+.4f (exact)", c.difference);
    } else {
      std::snprintf(numbers, sizeof numbers, "%+.4f (paired MCSE %.4f; unpaired %.4f)",
                    c.difference, c.paired_mcse, c.unpaired_mcse);
    }
    lines.push_back("  " + c.name + ": " + c.first.metric + " " + side(c.first, c.first_cell) +
                    " - " + side(c.second, c.second_cell) + " = " + numbers);
  }
  return lines;
}

}  // namespace trialsim
