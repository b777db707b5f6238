#pragma once
// Helpers of the config tests (test_config.cpp, test_config_strict.cpp): write a config into a
// temporary directory, load it in-process and return the ConfigError text.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "edges/config/study_config.h"
#include "support.h"

namespace trialsim::testing {

// The smallest valid config of the tests: single-arm binary, n = 40, p0 = 0.6, scenarios a and b.
inline const std::string SINGLE_ARM_BINARY_YAML = R"(schema_version: 1
design:
  type: single_arm_binary
  sample_size: 40
  null_response_rate: 0.6
scenarios:
  - name: a
    response_rate: 0.6
  - name: b
    response_rate: 0.8
)";

inline std::filesystem::path write(const TempDir& dir, const std::string& name,
                                   const std::string& text) {
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The ConfigError text of loading `path` ("no error" if it loads); any other exception type
// escapes and fails the test.
inline std::string error_of(const std::filesystem::path& path,
                            const std::vector<std::string>& overrides = {}) {
  try {
    load_study_config(path, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// `text` with the first `from` replaced by `to`; fails the test if `from` is absent.
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace trialsim::testing
