#pragma once
// The `trialsim` command line: `run`, `validate`, `--help`, `--version`.
// Exit codes: 0 success; 1 runtime failure (e.g. a disk that fills while writing); 2 invalid
// input (config, command line, an output directory that is in use, foreign or not creatable)
// — with a one-line message and no output written.
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_error.h"

namespace trialsim {

inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_RUNTIME_FAILURE = 1;
inline constexpr int EXIT_INVALID_INPUT = 2;

// A command-line mistake (unknown option, missing argument): exit code 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(visible_nul(message)) {}
};

// Invalid input already reported by another MPI rank: exit code 2 without a message.
class SilentInvalidInput : public std::runtime_error {
 public:
  SilentInvalidInput() : std::runtime_error("invalid input (reported by rank 0)") {}
};

// Resource bounds of the command line (README "Resource caps").
inline constexpr unsigned MAX_THREADS = 256;                    // worker threads of one process
inline constexpr unsigned MAX_CHECKPOINT_INTERVAL = 7 * 86400;  // seconds: a week

// Prints the one-line message of a failed command on stderr and returns its exit code: 2 for
// invalid input (ConfigError, UsageError), 1 for anything else.
int report_failure(const std::exception& error);

int run_cli(const std::vector<std::string>& arguments);

}  // namespace trialsim
