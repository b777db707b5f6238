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
  std::vector<OcRow> rows;       // oc.csv: scenario written as "<cell label> | <scenario>"
  std::string grid_csv;          // cell values as columns, then the tidy OC columns
  std::string search_csv;        // searches only: the curve of the target metric
  nlohmann::json summary;        // cells, and the search decision
  std::string report;            // human summary for stdout
  std::uint64_t replicates = 0;  // per cell
};

// All cell configs are loaded (and so validated) before the first cell runs.
GridOutcome run_grid(const StudyConfig& base, const std::filesystem::path& file,
                     const std::vector<std::string>& overrides, const RunRequest& request);

}  // namespace trialsim
