#pragma once
// Paired comparisons (issue 17, item 3; config `comparisons:`): the difference of one metric
// between two rows of the same run, with the MCSE that common random numbers give it.
//
// Every scenario and analysis of a replicate is simulated on the same random numbers, so the
// difference first - second is estimated replicate by replicate: d_r = x_r(first) - x_r(second).
// Its mean is the difference of the two estimates; its paired MCSE is sd(d) / sqrt(R). The
// unpaired MCSE, sqrt(mcse_first^2 + mcse_second^2), is what two independent runs would give;
// the paired one is smaller by the factor sqrt(1 - rho) (equal variances) when the rows are
// positively correlated, as a design with and without a safety rule are.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/study_keys.h"
#include "core/run_request.h"

namespace trialsim {

struct ComparisonRow {
  std::string name;
  RowKey first, second;
  double first_estimate = 0.0, first_mcse = 0.0;
  double second_estimate = 0.0, second_mcse = 0.0;
  double difference = 0.0;
  // NaN in exact mode (the difference is exact).
  double paired_mcse = 0.0, unpaired_mcse = 0.0;
  std::uint64_t replicates = 0;
  std::size_t first_cell = 0, second_cell = 0;  // grid cells (1-based); 0: within a run
};

// The comparisons within a run (those between grid cells are skipped), from its rows and its paired
// differences (StudyResult). In exact mode (no differences) the difference is that of the exact
// rows. Throws std::logic_error when a compared row's estimate is not the mean of its per-replicate
// values (mean(d) would then not be the difference): config/study_keys.h (comparable_metric) admits
// only metrics for which it is.
std::vector<ComparisonRow> comparison_rows(const std::vector<ComparisonSpec>& comparisons,
                                           const StudyResult& result, bool exact);

// A comparison between two grid cells (ComparisonSpec::between_cells): the rows of each cell and
// the two rows' values per replicate (RunRequest::capture), paired replicate by replicate.
ComparisonRow cell_comparison_row(const ComparisonSpec& spec, const std::vector<OcRow>& first_rows,
                                  const std::vector<OcRow>& second_rows,
                                  const std::vector<double>& first_values,
                                  const std::vector<double>& second_values, bool exact);

// summary.json "comparisons": name, metric, first/second {scenario, analysis, estimate, mcse},
// difference, paired_mcse, unpaired_mcse (null in exact mode), replicates.
nlohmann::json to_json(const std::vector<ComparisonRow>& rows);

// The console lines (not yet terminal-escaped): a heading, then one line per comparison.
std::vector<std::string> comparison_lines(const std::vector<ComparisonRow>& rows);

}  // namespace trialsim
