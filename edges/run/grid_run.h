#pragma once
// Scenario grids and one-parameter searches: one run per cell on common random numbers (every
// cell uses the same seed and stream keys), with the results gathered in tidy files.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edges/config/study_config.h"

namespace trialsim {

struct GridOutcome {
  std::vector<OcRow> rows;  // oc.csv: scenario written as "<cell label> | <scenario>"
  // Tidy: one row per (cell, OC row): cell, the axes' values as columns (a search's tied
  // parameter is not an axis: it is in search.csv and summary.json), then the OC columns.
  std::string grid_csv;
  std::string search_csv;  // searches only: the curve of the target metric
  nlohmann::json summary;  // cells, and the search decision
  // Human summary for stdout, one line per '\n': text from input is escaped already
  // (terminal_safe), so it is printed as it is. A grid adds its pivoted table of each scenario's
  // headline metric; a search its decision.
  std::string report;
  std::uint64_t replicates = 0;  // per cell
};

// All cell configs are loaded (and so validated) before the first cell runs; a search's tied
// parameter is applied to each cell and checked there (an error is located at
// search.tied.parameter).
GridOutcome run_grid(const StudyConfig& base, const std::filesystem::path& file,
                     const std::vector<std::string>& overrides, const RunRequest& request);

// The console table of a grid (exposed for tests): rows are the first axis's values, columns the
// combinations of the other axes' values, one table per scenario, each cell the scenario's
// headline metric (its first rejection_probability row, else its first row) as "estimate
// (MCSE)", or the estimate alone when `exact`. `cell_rows[c]` are the rows of grid_cells' cell c.
// Lines without '\n', not yet escaped.
std::vector<std::string> grid_pivot_lines(const std::vector<GridAxis>& axes,
                                          const std::vector<std::vector<OcRow>>& cell_rows,
                                          bool exact);

}  // namespace trialsim
