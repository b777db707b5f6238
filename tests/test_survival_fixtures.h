#pragma once
// Shared helpers for the survival tests: load the R reference fixtures written by
// scripts/r/survival-fixtures.R (tests/fixtures/survival/) and compare with a relative
// tolerance of 1e-8 (absolute 1e-12 when the reference is 0). NA/NaN in a fixture means
// "not available" and must be matched by NaN; +/-Inf must be matched exactly.
// Set TRIALSIM_SURVIVAL_REPORT=1 to print the worst relative error per quantity at exit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "statistics/survival/survival_data.h"

#ifndef TRIALSIM_SOURCE_DIR
#error "TRIALSIM_SOURCE_DIR must be defined as the repository root"
#endif

namespace trialsim::test {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::size_t col(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error("fixture has no column " + name);
    return static_cast<std::size_t>(it - header.begin());
  }
  const std::string& str(std::size_t r, const std::string& name) const {
    return rows[r][col(name)];
  }
  double num(std::size_t r, const std::string& name) const {
    const std::string& s = str(r, name);
    if (s == "NA" || s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Inf") return std::numeric_limits<double>::infinity();
    if (s == "-Inf") return -std::numeric_limits<double>::infinity();
    return std::stod(s);
  }
};

inline CsvTable read_fixture(const std::string& file) {
  const std::string path = std::string(TRIALSIM_SOURCE_DIR) + "/tests/fixtures/survival/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  CsvTable t;
  std::string line;
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::stringstream ss(l);
    std::string field;
    while (std::getline(ss, field, ',')) out.push_back(field);
    return out;
  };
  if (std::getline(in, line)) t.header = split(line);
  while (std::getline(in, line))
    if (!line.empty()) t.rows.push_back(split(line));
  return t;
}

// A dataset CSV (time,status,arm,stratum,x) held in owning vectors.
struct Dataset {
  std::vector<double> time, x;
  std::vector<int> status, arm, stratum;
  SurvivalData view() const { return {time, status, arm, stratum}; }
};

inline Dataset load_dataset(const std::string& name) {
  const CsvTable t = read_fixture(name + ".data.csv");
  Dataset d;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    d.time.push_back(t.num(r, "time"));
    d.status.push_back(static_cast<int>(t.num(r, "status")));
    d.arm.push_back(static_cast<int>(t.num(r, "arm")));
    d.stratum.push_back(static_cast<int>(t.num(r, "stratum")));
    d.x.push_back(t.num(r, "x"));
  }
  return d;
}

inline int group_arm(const std::string& group) {
  return group == "arm0" ? 0 : group == "arm1" ? 1 : -1;
}

// Worst relative error per quantity, printed at exit when TRIALSIM_SURVIVAL_REPORT is set.
struct ErrorReport {
  std::map<std::string, std::pair<double, std::size_t>> worst;  // quantity -> (error, count)
  ~ErrorReport() {
    if (!std::getenv("TRIALSIM_SURVIVAL_REPORT")) return;
    for (const auto& [q, e] : worst)
      std::cout << "worst relative error " << q << ": " << e.first << " (" << e.second
                << " values)\n";
  }
};
inline ErrorReport error_report;

constexpr double REL_TOL = 1e-8;
constexpr double ABS_TOL_AT_ZERO = 1e-12;

inline void check_close(double actual, double expected, const std::string& quantity,
                        const std::string& where) {
  bool ok;
  double err = 0.0;
  if (std::isnan(expected)) {
    ok = std::isnan(actual);
  } else if (std::isinf(expected)) {
    ok = actual == expected;
  } else if (expected == 0.0) {
    err = std::abs(actual);
    ok = err <= ABS_TOL_AT_ZERO;
  } else {
    err = std::abs(actual - expected) / std::abs(expected);
    ok = err <= REL_TOL;
  }
  auto& w = error_report.worst[quantity];
  w.first = std::max(w.first, std::isnan(err) ? std::numeric_limits<double>::infinity() : err);
  ++w.second;
  if (!ok) {
    std::ostringstream msg;
    msg.precision(17);
    msg << quantity << " at " << where << ": actual " << actual << ", R " << expected;
    FAIL_CHECK(msg.str());
  } else {
    SUCCEED();
  }
}

}  // namespace trialsim::test
