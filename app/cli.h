#pragma once
// The `trialsim` command line: `run`, `validate`, `--help`, `--version`.
// Exit codes: 0 success; 1 runtime failure (e.g. an output directory that cannot be written);
// 2 invalid input (config, command line) — with a one-line message and no output written.
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace trialsim {

inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_RUNTIME_FAILURE = 1;
inline constexpr int EXIT_INVALID_INPUT = 2;

// A command-line mistake (unknown option, missing argument): exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Prints the one-line message of a failed command on stderr and returns its exit code: 2 for
// invalid input (ConfigError, UsageError), 1 for anything else.
int report_failure(const std::exception& error);

int run_cli(const std::vector<std::string>& arguments);

}  // namespace trialsim
