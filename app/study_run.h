#pragma once
// Runs a parsed study: simulation (deterministic, parallel) or exact evaluation, into rows of
// operating characteristics. No file output here except the optional per-replicate stream.
#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/study_config.h"
#include "engine/output.h"
#include "engine/progress.h"

namespace trialsim {

struct RunRequest {
  unsigned threads = 1;
  ProgressMode progress = ProgressMode::automatic;
  std::ostream* per_replicate = nullptr;  // one CSV row per (replicate, scenario) when set
};

struct StudyResult {
  std::vector<OcRow> rows;
  nlohmann::json design_facts;  // e.g. the critical value, for summary.json
  // Exact value of each simulated row where the maths gives one (same order as rows; NaN when
  // there is none), so the summary sets simulation beside the exact answer.
  std::vector<double> exact_estimates;
  nlohmann::json precision;  // precision mode: target, achieved MCSE, replicates used (else null)
  // Further result files (name, contents) for `trialsim report`, e.g. curves.csv (app/report_run_files.h).
  std::vector<std::pair<std::string, std::string>> report_files;
};

StudyResult run_study(const StudyConfig& config, const RunRequest& request);

}  // namespace trialsim
