#include "engine/survival/survival_data.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {

[[noreturn]] void fail(const char* function, const char* argument, std::size_t index, double value,
                       const char* expected) {
  std::ostringstream msg;
  msg.precision(17);
  msg << function << ": " << argument << "[" << index << "] = " << value << ", expected "
      << expected;
  throw std::invalid_argument(msg.str());
}

}  // namespace

void check_survival_data(const SurvivalData& data, const char* function, int max_status) {
  const std::size_t n = data.time.size();
  auto check_length = [&](std::size_t len, const char* argument) {
    if (len != n) {
      std::ostringstream msg;
      msg << function << ": " << argument << " has length " << len << ", expected " << n
          << " (the length of time)";
      throw std::invalid_argument(msg.str());
    }
  };
  check_length(data.status.size(), "status");
  if (data.has_arm()) check_length(data.arm.size(), "arm");
  if (data.has_stratum()) check_length(data.stratum.size(), "stratum");
  if (n > UINT32_MAX) throw std::invalid_argument(std::string(function) + ": too many subjects");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data.time[i]) || data.time[i] < 0.0)
      fail(function, "time", i, data.time[i], "a finite time >= 0 (months)");
    if (data.status[i] < 0 || data.status[i] > max_status)
      fail(function, "status", i, data.status[i],
           max_status == 1 ? "0 (censored) or 1 (event)" : "0 (censored) or an event type >= 1");
    if (data.has_arm() && data.arm[i] != 0 && data.arm[i] != 1)
      fail(function, "arm", i, data.arm[i], "0 or 1");
  }
}

void sort_subjects(const SurvivalData& data, SurvivalWorkspace& ws, bool by_stratum, int arm) {
  const std::size_t n = data.size();
  ws.order.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (arm < 0 || data.arm[i] == arm) ws.order.push_back(static_cast<std::uint32_t>(i));
  }
  const bool strata = by_stratum && data.has_stratum();
  std::sort(ws.order.begin(), ws.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (strata && data.stratum[a] != data.stratum[b]) return data.stratum[a] < data.stratum[b];
    if (data.time[a] != data.time[b]) return data.time[a] < data.time[b];
    return a < b;
  });
}

double normal_critical_value(double level) {
  if (!(level > 0.0 && level < 1.0)) {
    std::ostringstream msg;
    msg.precision(17);
    msg << "normal_critical_value: level = " << level << ", expected 0 < level < 1";
    throw std::invalid_argument(msg.str());
  }
  // Same floating-point expression as R's qnorm(1 - (1 - conf.int) / 2).
  return boost::math::quantile(boost::math::normal_distribution<double>(),
                               1.0 - (1.0 - level) / 2.0);
}

double chisq1_upper_tail(double x) {
  if (std::isnan(x)) return x;
  if (x <= 0.0) return 1.0;
  return std::erfc(std::sqrt(x / 2.0));
}

}  // namespace trialsim
