#pragma once
// Command-line helpers shared by the commands (boost::program_options at the edge only).
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdint>
#include <string>

#include "edges/cli/cli.h"

namespace trialsim {

// A whole number given as option `--NAME`: digits only (no sign, no spaces: boost would read
// "-1" into an unsigned type as 2^64 - 1), within [min, max]. Throws UsageError naming the
// option and the range.
inline std::uint64_t whole_number_option(const boost::program_options::variables_map& values,
                                         const char* option, std::uint64_t min, std::uint64_t max) {
  const std::string text = values[option].as<std::string>();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    throw UsageError("--" + std::string(option) + " " + text + ": not a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

}  // namespace trialsim
