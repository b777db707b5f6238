#pragma once
// Helpers for end-to-end tests that run the real `trialsim` binary.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "edges/config/study_config.h"

namespace trialsim::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(TRIALSIM_SOURCE_DIR) / relative;
}

// A fresh, empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("trialsim-test-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the ConfigError that load(path) throws for `text` written to a temporary file,
// with the file's path cut to "F" (tests compare whole located messages); "no error" when it
// loads.
template <class Load>
std::string located_error_of(const std::string& text, Load load) {
  TempDir dir("located-error");
  const auto path = dir / "e.yaml";
  std::ofstream(path) << text;
  try {
    load(path);
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    return message.rfind(path.string(), 0) == 0 ? "F" + message.substr(path.string().size())
                                                : message;
  }
  return "no error";
}

// A small valid evidence file (one baseline row, two figures, one assumption): the error tests
// of the evidence reader and of the friendly messages each edit one line of it.
inline const std::string SMALL_EVIDENCE_YAML = R"(schema_version: 1
kind: evidence
study: {id: S1, title: T, patients: 31}
conduct:
  enrolment_start: 2024-01-08
  enrolment_end: 2025-07-20
  follow_up_months: {median: 7.33, min: 0.85, max: 16.93}
baseline:
  - {id: ph_positive, statistic: proportion, value: 0.419, count: 13, denominator: 31}
figures:
  - {id: orr, statistic: proportion, endpoint: best_overall_response, value: 0.839, count: 26, denominator: 31}
  - {id: os_12m, statistic: km_landmark, endpoint: overall_survival, time: 12, value: 0.645}
assumptions:
  - {parameter: cure_fraction, prior: {distribution: beta, a: 2, b: 2}, why: few relapses}
)";
;

// A fitted-model file without its `evidence:` line (the evidence path as it was typed), for
// comparing a fresh fit with the committed file.
inline std::string without_evidence_line(const std::string& fitted_yaml) {
  std::istringstream in(fitted_yaml);
  std::string out, line;
  while (std::getline(in, line))
    if (line.rfind("evidence: ", 0) != 0) out += line + "\n";
  return out;
}

// The first place two generated texts differ beyond the last bits of their numbers ("" when
// they agree): every run of non-numeric text must be equal, and every number equal to a relative
// 1e-12. Why not byte for byte: glibc's libm chooses FMA variants of exp/log at run time by CPU
// and they are not correctly rounded, so a fit on another x86-64 machine can differ in a last
// bit (seen: 3 of 1 000 posterior draws of the seed fit, 1 ulp each, AMD EPYC against the
// machine that wrote the committed file). On one machine a fit is still bit-identical for any
// thread count (test_calibration.cpp).
inline std::string numeric_text_difference(const std::string& a, const std::string& b) {
  const auto is_number_start = [](const std::string& t, std::size_t i) {
    return std::isdigit(static_cast<unsigned char>(t[i])) ||
           ((t[i] == '-' || t[i] == '.') && i + 1 < t.size() &&
            std::isdigit(static_cast<unsigned char>(t[i + 1])));
  };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_number_start(a, i) && is_number_start(b, j)) {
      std::size_t used_a = 0, used_b = 0;
      const double x = std::stod(a.substr(i, 40), &used_a);
      const double y = std::stod(b.substr(j, 40), &used_b);
      if (!(std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y)))) {
        return "at byte " + std::to_string(i) + ": " + a.substr(i, used_a) + " vs " +
               b.substr(j, used_b);
      }
      i += used_a;
      j += used_b;
    } else if (a[i] == b[j]) {
      ++i;
      ++j;
    } else {
      return "at byte " + std::to_string(i) + ": '" + a.substr(i, 40) + "' vs '" + b.substr(j, 40) +
             "'";
    }
  }
  return i == a.size() && j == b.size() ? "" : "different lengths";
}

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `trialsim ARGS...` with stdout and stderr captured.
inline CommandResult run_trialsim(const std::vector<std::string>& arguments,
                                  const TempDir& scratch) {
  std::string command = shell_quote(TRIALSIM_BINARY);
  for (const auto& argument : arguments) command.append(" ").append(shell_quote(argument));
  const auto out = scratch / "stdout.txt";
  const auto err = scratch / "stderr.txt";
  // Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
  command.append(" >")
      .append(shell_quote(out.string()))
      .append(" 2>")
      .append(shell_quote(err.string()));
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

// One row of oc.csv; NA reads as NaN.
struct OcValue {
  double estimate;
  double mcse;
  unsigned long long replicates;
};

// oc.csv as a map keyed "scenario/analysis/metric" (scenario names here contain no commas).
inline std::map<std::string, OcValue> read_oc_table(const std::filesystem::path& file) {
  std::istringstream in(read_text(file));
  std::string line;
  std::getline(in, line);
  if (line != "scenario,analysis,metric,estimate,mcse,replicates")
    throw std::runtime_error("bad oc.csv header: " + line);
  const auto number = [](const std::string& text) { return text == "NA" ? NAN : std::stod(text); };
  std::map<std::string, OcValue> table;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream row(line);
    for (std::string field; std::getline(row, field, ',');) f.push_back(field);
    if (f.size() != 6) throw std::runtime_error("bad oc.csv row: " + line);
    table[f[0] + "/" + f[1] + "/" + f[2]] = {number(f[3]), number(f[4]), std::stoull(f[5])};
  }
  return table;
}

// In-process runs: the statistical tests call the library (load_study_config, run_study) instead
// of launching the binary; a few end-to-end tests keep the CLI's exit codes and files covered.
struct InProcessRun {
  StudyConfig config;
  StudyResult result;
  std::map<std::string, OcValue> oc;    // as read_oc_table: "scenario/analysis/metric"
  std::map<std::string, double> exact;  // the same keys: exact values where the maths gives one
};

// Loads `config_file` with `overrides` ("key.path=value", as --set; e.g. simulation.replicates)
// and runs it on `threads` threads, quietly.
inline InProcessRun run_in_process(const std::filesystem::path& config_file,
                                   const std::vector<std::string>& overrides,
                                   unsigned threads = 2) {
  InProcessRun run{load_study_config(config_file, overrides), {}, {}, {}};
  RunRequest request;
  request.threads = threads;
  request.progress = ProgressMode::quiet;
  run.result = run_study(run.config, request);
  for (std::size_t i = 0; i < run.result.rows.size(); ++i) {
    const OcRow& row = run.result.rows[i];
    const std::string key = row.scenario + "/" + row.analysis + "/" + row.metric;
    run.oc[key] = {row.estimate, row.mcse, row.replicates};
    if (i < run.result.exact_estimates.size() && !std::isnan(run.result.exact_estimates[i]))
      run.exact[key] = run.result.exact_estimates[i];
  }
  return run;
}

}  // namespace trialsim::testing
