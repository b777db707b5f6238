#pragma once
// What `trialsim report` reads from a results directory: oc.csv, summary.json, manifest.json,
// and where present grid.csv / search.csv (grids and searches), curves.csv (Kaplan–Meier bands),
// true_curves.csv (two-arm designs: each arm's true survival and the hazard ratio over time),
// distributions.csv (histograms), the calibration table of the fitted model and the reported
// landmarks of its evidence. Nothing here draws; report_figures.h and report_html.h do.
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace trialsim::report {

// Bounds on what `trialsim report` reads (README "Resource caps"): the results directory is
// input like a config, so a crafted one is refused (exit code 2) before it can exhaust memory or
// time. A grid of 10 000 cells with a hundred OC rows each stays within the row bound.
inline constexpr std::uintmax_t MAX_RESULTS_FILE_BYTES = std::uintmax_t{256}
                                                         << 20;  // 256 MiB per file
inline constexpr std::size_t MAX_CSV_ROWS = 1'000'000;           // per CSV file
inline constexpr std::size_t MAX_CSV_COLUMNS = 1'000;
inline constexpr std::size_t MAX_REPORT_SCENARIOS = 100'000;  // distinct scenarios of oc.csv
inline constexpr int MAX_JSON_DEPTH = 64;  // nesting of summary.json / manifest.json

// A CSV file as text fields (RFC 4180 quoting; the files trialsim writes).
struct CsvTable {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Index of a column; throws std::runtime_error naming the file if it is absent.
  std::size_t column(std::string_view name) const;
  bool has_column(std::string_view name) const;
};

// Throws UsageError (exit code 2) naming the file for a file that is not such a CSV file: too
// large, an unterminated quote, a row whose field count differs from the header's.
CsvTable read_csv(const std::filesystem::path& file);

// A number field: "NA", "" -> NaN; "Inf"/"-Inf" -> infinities. Throws on anything else.
double number_field(const std::string& text);

// One row of oc.csv.
struct OcEntry {
  std::string scenario, analysis, metric;
  double estimate = 0.0, mcse = 0.0;
  double replicates = 0.0;
};

// Assurance entries of the CAR-T design are named "<scenario> (assurance)".
bool is_assurance(const std::string& scenario);
std::string without_assurance(const std::string& scenario);

// A Kaplan–Meier figure reported by the evidence behind the fitted model (e.g. 12-month OS 0.645).
struct ReportedLandmark {
  std::string id;
  std::string endpoint;  // "os", "rfs", "dor"
  double time = 0.0;     // months
  double value = 0.0;    // survival proportion
};

struct ResultsDirectory {
  std::filesystem::path dir;
  nlohmann::json summary;   // summary.json
  nlohmann::json manifest;  // manifest.json
  CsvTable oc;
  std::optional<CsvTable> grid, search, curves, distributions;
  // Two-arm designs with a model per arm: scenario, time, control_survival,
  // experimental_survival, hazard_ratio (every number column checked).
  std::optional<CsvTable> true_curves;
  // Calibration report beside the fitted model (single_arm_car_t and maintenance designs).
  std::optional<CsvTable> calibration;
  std::filesystem::path fitted_model;  // empty when the design has none
  std::vector<ReportedLandmark> landmarks;
  std::string landmarks_note;  // why landmarks are missing, if they are

  std::vector<OcEntry> oc_entries;     // oc.csv in file order
  std::vector<std::string> scenarios;  // distinct scenarios of oc.csv, in file order
  // (scenario, analysis, metric) -> index of its first row in oc_entries, for find().
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> oc_index;

  bool is_grid() const { return grid.has_value(); }
  // The OC row (scenario, analysis, metric), or nullptr.
  const OcEntry* find(const std::string& scenario, const std::string& analysis,
                      const std::string& metric) const;
  // The resolved config recorded in summary.json (null if absent).
  const nlohmann::json& config() const;
};

// Reads a results directory as untrusted input. Throws UsageError (exit code 2, one line
// "PATH: problem, expected ...") when it is missing, not a results directory of `trialsim run`
// or `merge` (no manifest.json, summary.json or oc.csv), or holds a file that is malformed: not
// JSON, a JSON value of the wrong type, a CSV with the wrong header or field count, a number
// field that is not a number, or a file or table beyond the bounds above. What it returns is
// safe to draw: every column and JSON member the figures and the page use is present and typed.
ResultsDirectory load_results(const std::filesystem::path& dir);

}  // namespace trialsim::report
