#pragma once
// Argument checks for the engine's numerical functions, in the style of Stan Math: the message
// names the function, the argument, its value and what was expected, e.g.
//   "binomial_pmf: p is 1.5, but must be in [0, 1]".
// Violations throw std::invalid_argument (a caller's mistake, reported, never an abort).
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

namespace trialsim::checks {

template <class T>
[[noreturn]] void throw_invalid(const char* function, const std::string& argument, T value,
                                const std::string& expected) {
  std::ostringstream message;
  message.precision(17);
  message << function << ": " << argument << " is " << value << ", but must be " << expected;
  throw std::invalid_argument(message.str());
}

inline void check_probability(const char* function, const char* argument, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw_invalid(function, argument, p, "in [0, 1]");
}

inline void check_open_unit(const char* function, const char* argument, double value) {
  if (!(value > 0.0 && value < 1.0)) throw_invalid(function, argument, value, "in (0, 1)");
}

inline void check_positive(const char* function, const char* argument, double value) {
  if (!(value > 0.0 && std::isfinite(value))) throw_invalid(function, argument, value, "> 0");
}

}  // namespace trialsim::checks
