#pragma once
// The `trialsim` command line: `run`, `validate`, `--help`, `--version`.
// Exit codes: 0 success; 1 runtime failure (e.g. an output directory that cannot be written);
// 2 invalid input (config, command line) — with a one-line message and no output written.
#include <string>
#include <vector>

namespace trialsim {

inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_RUNTIME_FAILURE = 1;
inline constexpr int EXIT_INVALID_INPUT = 2;

int run_cli(const std::vector<std::string>& arguments);

}  // namespace trialsim
