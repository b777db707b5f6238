#pragma once
// What this folder's tests share: a study config from YAML text read as if it sat in
// configs/examples/ (so `../fitted/...` resolves), run in-process on 2 threads, its rows found by
// name, and the one-line error of a bad config.
#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "config/config_error.h"
#include "edges/config/study_config.h"
#include "tests/support.h"

namespace trialsim::two_arm_test {

inline const std::filesystem::path EXAMPLES =
    std::filesystem::path(TRIALSIM_SOURCE_DIR) / "configs/examples";

inline StudyResult run_text(const std::string& text, const std::string& name = "test.yaml") {
  const StudyConfig config = load_study_config_text(text, EXAMPLES / name, {});
  RunRequest request;
  request.threads = 2;
  request.progress = ProgressMode::quiet;
  return run_study(config, request);
}

// The one-line message of the config's error, or "no error".
inline std::string config_error(const std::string& text, const std::string& name) {
  try {
    load_study_config_text(text, EXAMPLES / name, {});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// The row (scenario, analysis, metric); an empty scenario matches any.
inline const OcRow& find_row(const StudyResult& result, const std::string& scenario,
                             const std::string& analysis, const std::string& metric) {
  for (const OcRow& r : result.rows) {
    if ((scenario.empty() || r.scenario == scenario) && r.analysis == analysis &&
        r.metric == metric)
      return r;
  }
  FAIL("no row " << scenario << " " << analysis << " " << metric);
  throw std::logic_error("unreachable");
}

}  // namespace trialsim::two_arm_test
