#pragma once
// User errors in configuration and input files. The message is one line:
//   FILE:LINE:COL: key.path: <what was wrong>, expected <what>
// and the CLI turns it into exit code 2 with no output written (STYLE lesson 11: user errors
// are messages, broken invariants are assertions).
#include <stdexcept>
#include <string>

namespace trialsim {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the whole file
  int column = 0;  // 1-based
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const SourceLocation& where, const std::string& key_path, const std::string& problem,
              const std::string& expected)
      : std::runtime_error(where.file + ":" + std::to_string(where.line) + ":" +
                           std::to_string(where.column) + ": " +
                           (key_path.empty() ? std::string("(document)") : key_path) + ": " +
                           problem + ", expected " + expected) {}
};

}  // namespace trialsim
