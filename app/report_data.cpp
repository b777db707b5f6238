#include "app/report_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "app/evidence_reader.h"
#include "engine/output.h"

namespace trialsim::report {
namespace {

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Splits CSV text into records of fields: quoted fields may hold commas, quotes ("") and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      any = false;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (any) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

std::optional<CsvTable> read_csv_if_present(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  return read_csv(file);
}

nlohmann::json read_json(const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(read_bytes(file));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(file.string() + ": not valid JSON: " + e.what());
  }
}

std::string endpoint_code(car_t::FigureEndpoint endpoint) {
  switch (endpoint) {
    case car_t::FigureEndpoint::overall_survival: return "os";
    case car_t::FigureEndpoint::relapse_free_survival: return "rfs";
    case car_t::FigureEndpoint::duration_of_response: return "dor";
    default: return "";
  }
}

// The evidence file named in the fitted model, if it can be found with the recorded SHA-256: as
// written (relative to the directory `fit` ran in, usually unknown), else relative to the fitted
// file's directory and each of its ancestors.
std::optional<std::filesystem::path> locate_evidence(const std::filesystem::path& fitted, std::string& note) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(fitted.string());
  } catch (const YAML::Exception& e) {
    note = "fitted model " + fitted.string() + " unreadable: " + e.what();
    return std::nullopt;
  }
  if (!root["evidence"]) {
    note = "the fitted model names no evidence file";
    return std::nullopt;
  }
  const std::filesystem::path named = root["evidence"].as<std::string>();
  const std::string sha = root["evidence_sha256"] ? root["evidence_sha256"].as<std::string>() : "";
  std::vector<std::filesystem::path> candidates{named};
  if (named.is_relative()) {
    for (std::filesystem::path base = std::filesystem::absolute(fitted).parent_path();; base = base.parent_path()) {
      candidates.push_back(base / named);
      if (base == base.parent_path()) break;
    }
  }
  for (const auto& candidate : candidates) {
    if (!std::filesystem::is_regular_file(candidate)) continue;
    if (sha.empty() || sha256_hex(read_bytes(candidate)) == sha) return candidate.lexically_normal();
  }
  note = "evidence file " + named.string() + " (named by " + fitted.string() + ") not found with its recorded SHA-256";
  return std::nullopt;
}

void load_landmarks(ResultsDirectory& results) {
  std::string note;
  const auto evidence_file = locate_evidence(results.fitted_model, note);
  if (!evidence_file) {
    results.landmarks_note = note;
    return;
  }
  const car_t::Evidence evidence = load_evidence(*evidence_file);
  for (const car_t::Figure& figure : evidence.figures) {
    if (figure.statistic != car_t::Statistic::km_landmark) continue;
    const std::string code = endpoint_code(figure.endpoint);
    // The populations of the simulated curves: OS of all patients, RFS and DOR of responders.
    const bool matches = (code == "os" && figure.subgroup == car_t::Subgroup::all) ||
                         ((code == "rfs" || code == "dor") && figure.subgroup == car_t::Subgroup::responders);
    if (matches) results.landmarks.push_back({figure.id, code, figure.time, figure.value});
  }
  if (results.landmarks.empty()) results.landmarks_note = "the evidence reports no Kaplan–Meier landmark";
}

}  // namespace

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw std::runtime_error(file.string() + ": no column '" + std::string(name) + "'");
}

bool CsvTable::has_column(std::string_view name) const {
  for (const auto& h : header) {
    if (h == name) return true;
  }
  return false;
}

CsvTable read_csv(const std::filesystem::path& file) {
  auto records = parse_csv(read_bytes(file));
  if (records.empty()) throw std::runtime_error(file.string() + ": empty file, expected a CSV header");
  CsvTable table{file, std::move(records.front()), {}};
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size()) {
      throw std::runtime_error(file.string() + ":" + std::to_string(r + 1) + ": " + std::to_string(records[r].size()) +
                               " fields, expected " + std::to_string(table.header.size()));
    }
    table.rows.push_back(std::move(records[r]));
  }
  return table;
}

double number_field(const std::string& text) {
  if (text.empty() || text == "NA") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error("'" + text + "' is not a number");
  }
  return value;
}

bool is_assurance(const std::string& scenario) {
  constexpr std::string_view SUFFIX = " (assurance)";
  return scenario.size() > SUFFIX.size() && scenario.compare(scenario.size() - SUFFIX.size(), SUFFIX.size(), SUFFIX) == 0;
}

std::string without_assurance(const std::string& scenario) {
  return is_assurance(scenario) ? scenario.substr(0, scenario.size() - 12) : scenario;
}

const OcEntry* ResultsDirectory::find(const std::string& scenario, const std::string& analysis,
                                      const std::string& metric) const {
  for (const OcEntry& e : oc_entries) {
    if (e.scenario == scenario && e.analysis == analysis && e.metric == metric) return &e;
  }
  return nullptr;
}

const nlohmann::json& ResultsDirectory::config() const {
  static const nlohmann::json null_json;
  return summary.contains("config") ? summary["config"] : null_json;
}

ResultsDirectory load_results(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::runtime_error(dir.string() + " is not a directory");
  for (const char* required : {"oc.csv", "summary.json", "manifest.json"}) {
    if (!std::filesystem::is_regular_file(dir / required)) {
      throw std::runtime_error(dir.string() + " has no " + required + ": not a results directory of `trialsim run`");
    }
  }
  ResultsDirectory results;
  results.dir = dir;
  results.summary = read_json(dir / "summary.json");
  results.manifest = read_json(dir / "manifest.json");
  results.oc = read_csv(dir / "oc.csv");
  const std::size_t sc = results.oc.column("scenario"), an = results.oc.column("analysis"),
                    me = results.oc.column("metric"), es = results.oc.column("estimate"), mc = results.oc.column("mcse"),
                    re = results.oc.column("replicates");
  for (std::size_t r = 0; r < results.oc.rows.size(); ++r) {
    const auto& row = results.oc.rows[r];
    try {
      results.oc_entries.push_back({row[sc], row[an], row[me], number_field(row[es]), number_field(row[mc]),
                                    number_field(row[re])});
    } catch (const std::runtime_error& e) {
      throw std::runtime_error((dir / "oc.csv").string() + ":" + std::to_string(r + 2) + ": " + e.what());
    }
    if (std::find(results.scenarios.begin(), results.scenarios.end(), row[sc]) == results.scenarios.end()) {
      results.scenarios.push_back(row[sc]);
    }
  }
  results.grid = read_csv_if_present(dir / "grid.csv");
  results.search = read_csv_if_present(dir / "search.csv");
  results.curves = read_csv_if_present(dir / "curves.csv");
  results.distributions = read_csv_if_present(dir / "distributions.csv");

  const nlohmann::json& config = results.config();
  if (config.contains("model") && config["model"].contains("fitted")) {
    results.fitted_model = config["model"]["fitted"].get<std::string>();
    if (!std::filesystem::is_regular_file(results.fitted_model)) {
      results.landmarks_note = "fitted model " + results.fitted_model.string() + " not found from " +
                               std::filesystem::current_path().string();
      return results;
    }
    std::filesystem::path calibration = results.fitted_model;
    calibration.replace_extension(".calibration.csv");
    results.calibration = read_csv_if_present(calibration);
    load_landmarks(results);
  }
  return results;
}

}  // namespace trialsim::report
