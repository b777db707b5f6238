#pragma once
// `trialsim analyze DATA.csv`: the engine's survival analyses (statistics/survival/) applied to one
// observed dataset, reported as JSON on stdout. Conventions (R survival 3.5-3) are those of
// docs/survival-analysis.md; times are in months.
//
// Input: CSV whose header names the columns time,status[,arm][,stratum] in any order
//   time    : finite, >= 0 (months)
//   status  : 0 = censored, 1 = event
//   arm     : 0 = control, 1 = experimental (optional; enables log-rank and Cox)
//   stratum : integer label (optional; adds the stratified log-rank test and Cox model)
// Any other column, a repeated column, a field holding a quote, and a file that is empty, has
// no data rows or is UTF-16 are errors. Bad input throws ConfigError with the message
//   FILE:LINE:COL: column: <what was wrong>, expected <what>
// (LINE the 1-based file line, COL the 1-based field number; text echoed from the file has its
// control characters escaped), which command_analyze prints as one line on stderr with exit
// code 2 (EXIT_INVALID_INPUT) and nothing on stdout.
//
// Bounded memory: the file is read line by line, and refused (exit 2) when it is larger than
// MAX_DATA_BYTES, has a line longer than MAX_DATA_LINE_BYTES or more than MAX_DATA_ROWS rows.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "statistics/survival/survival_data.h"

namespace trialsim {

inline constexpr std::uintmax_t MAX_DATA_BYTES = std::uintmax_t{1} << 30;  // 1 GiB
inline constexpr std::size_t MAX_DATA_ROWS = 10'000'000;
// A row holds at most four numbers; a line this long is not a row of this table.
inline constexpr std::size_t MAX_DATA_LINE_BYTES = 4096;

// An observed dataset in owning vectors; `arm` / `stratum` are empty when the column is absent.
struct SurvivalTable {
  std::string file;
  std::vector<std::string> columns;  // header order, as read
  std::vector<double> time;          // months
  std::vector<int> status, arm, stratum;

  SurvivalData view() const { return {time, status, arm, stratum}; }
};

// Reads and validates DATA.csv. Throws ConfigError on any bad input (see above).
SurvivalTable read_survival_csv(const std::string& path);

struct AnalyzeSettings {
  CiType conf_type = CiType::log;        // survfit's conf.type; "log" is R's default
  double level = 0.95;                   // two-sided level of every interval
  std::vector<double> landmarks{6, 12};  // months
  double tau = 12;                       // RMST horizon (months); the CLI defaults it to the
                                         // largest landmark
};

// The JSON report (layout documented in analyze.cpp; keys in that order). Non-finite numbers
// and "not reached" medians are null.
nlohmann::ordered_json analyze_dataset(const SurvivalTable& data, const AnalyzeSettings& settings);

// `trialsim analyze DATA.csv [options]` (arguments exclude the word "analyze"). Returns
// EXIT_OK, EXIT_INVALID_INPUT (bad data or options) or EXIT_RUNTIME_FAILURE (edges/cli/cli.h).
int command_analyze(const std::vector<std::string>& arguments);

}  // namespace trialsim
