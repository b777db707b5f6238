#include "edges/report/report_data.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "config/config_error.h"
#include "core/output.h"
#include "core/text_escape.h"
#include "edges/cli/cli.h"
#include "edges/fit/evidence_reader.h"

namespace trialsim::report {
namespace {

// The one-line message of a results directory that is not one `trialsim report` can read.
[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& problem,
                         const std::string& expected) {
  throw UsageError(file.string() + ": " + problem + ", expected " + expected);
}

// The bytes of a results file, refused beyond MAX_RESULTS_FILE_BYTES (checked before reading).
std::string read_bytes(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error))
    refuse(file, "not a regular file", "a file written by trialsim");
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) refuse(file, "cannot be read (" + error.message() + ")", "a readable file");
  if (size > MAX_RESULTS_FILE_BYTES) {
    refuse(file, std::to_string(size) + " bytes",
           "at most " + std::to_string(MAX_RESULTS_FILE_BYTES) + " bytes");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) refuse(file, "cannot be opened", "a readable file");
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(size));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<std::size_t>(in.gcount()));  // a file that shrank while being read
  return bytes;
}

// Splits CSV text into records of fields: quoted fields may hold commas, quotes ("") and
// newlines. Refuses an unterminated quote and more than MAX_CSV_ROWS records or MAX_CSV_COLUMNS
// fields in one, so memory stays bounded by the (bounded) file size.
std::vector<std::vector<std::string>> parse_csv(const std::string& text,
                                                const std::filesystem::path& file) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  std::size_t line = 1, quote_line = 0;
  const auto end_field = [&] {
    if (record.size() == MAX_CSV_COLUMNS) {
      refuse(file,
             "line " + std::to_string(line) + " has more than " + std::to_string(MAX_CSV_COLUMNS) +
                 " fields",
             "a CSV file written by trialsim");
    }
    record.push_back(std::move(field));
    field.clear();
  };
  const auto end_record = [&] {
    end_field();
    if (records.size() == MAX_CSV_ROWS + 1) {  // the header and MAX_CSV_ROWS rows
      refuse(file, "more than " + std::to_string(MAX_CSV_ROWS) + " rows",
             "at most " + std::to_string(MAX_CSV_ROWS));
    }
    records.push_back(std::move(record));
    record.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
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
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_record();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (quoted) {
    refuse(file, "the quoted field opened on line " + std::to_string(quote_line) + " never closes",
           "a CSV file written by trialsim");
  }
  if (any) end_record();
  return records;
}

std::optional<CsvTable> read_csv_if_present(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, error))) return std::nullopt;
  return read_csv(file);
}

// Parses JSON, refusing nesting deeper than MAX_JSON_DEPTH. The parser's own message is not
// shown (it is an internal text); the byte offset is.
nlohmann::json read_json(const std::filesystem::path& file) {
  struct TooDeep {};
  const auto depth_limit = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > MAX_JSON_DEPTH) throw TooDeep{};
    return true;
  };
  try {
    return nlohmann::json::parse(read_bytes(file), depth_limit);
  } catch (const TooDeep&) {
    refuse(file, "nested deeper than " + std::to_string(MAX_JSON_DEPTH) + " levels",
           "the JSON file trialsim writes");
  } catch (const nlohmann::json::parse_error& e) {
    refuse(file, "not valid JSON (at byte " + std::to_string(e.byte) + ")",
           "the JSON file trialsim writes");
  } catch (const nlohmann::json::exception&) {
    refuse(file, "not valid JSON", "the JSON file trialsim writes");
  }
}

// What a JSON member the report uses must be.
enum class JsonKind {
  object,
  array,
  string,
  number,
  whole_number,
  number_or_null,
  string_array,
  object_array
};

const char* expected_text(JsonKind kind) {
  switch (kind) {
    case JsonKind::object:
      return "an object";
    case JsonKind::array:
      return "a list";
    case JsonKind::string:
      return "a string";
    case JsonKind::number:
      return "a number";
    case JsonKind::whole_number:
      return "a whole number >= 0";
    case JsonKind::number_or_null:
      return "a number or null";
    case JsonKind::string_array:
      return "a list of strings";
    case JsonKind::object_array:
      return "a list of objects";
  }
  return "";
}

bool has_kind(const nlohmann::json& value, JsonKind kind) {
  const auto all_of = [&](auto predicate) {
    return value.is_array() && std::all_of(value.begin(), value.end(), predicate);
  };
  switch (kind) {
    case JsonKind::object:
      return value.is_object();
    case JsonKind::array:
      return value.is_array();
    case JsonKind::string:
      return value.is_string();
    case JsonKind::number:
      return value.is_number();
    case JsonKind::whole_number:
      return value.is_number_unsigned();
    case JsonKind::number_or_null:
      return value.is_number() || value.is_null();
    case JsonKind::string_array:
      return all_of([](const nlohmann::json& v) { return v.is_string(); });
    case JsonKind::object_array:
      return all_of([](const nlohmann::json& v) { return v.is_object(); });
  }
  return false;
}

// Checks that each member the report reads, where present, has its kind. `members` lists dotted
// paths parents first, so a path is only walked through objects.
void check_json_members(const std::filesystem::path& file, const nlohmann::json& root,
                        std::initializer_list<std::pair<const char*, JsonKind>> members) {
  if (!root.is_object()) refuse(file, std::string("a JSON ") + root.type_name(), "a JSON object");
  for (const auto& [path, kind] : members) {
    const nlohmann::json* node = &root;
    std::string_view rest = path;
    bool present = true;
    while (present && !rest.empty()) {
      const std::size_t dot = rest.find('.');
      const std::string key(rest.substr(0, dot));
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
      present = node->is_object() && node->contains(key);
      if (present) node = &(*node)[key];
    }
    if (present && !has_kind(*node, kind)) {
      refuse(file,
             std::string(path) + " is " +
                 (node->is_array() ? "a list" : std::string("a ") + node->type_name()),
             expected_text(kind));
    }
  }
}

void check_manifest(const std::filesystem::path& file, const nlohmann::json& manifest) {
  check_json_members(file, manifest,
                     {{"config_file", JsonKind::string},
                      {"config_sha256", JsonKind::string},
                      {"git_revision", JsonKind::string},
                      {"mode", JsonKind::string},
                      {"start_time", JsonKind::string},
                      {"trialsim_version", JsonKind::string},
                      {"overrides", JsonKind::string_array},
                      {"replicates", JsonKind::whole_number},
                      {"replicates_per_cell", JsonKind::whole_number},
                      {"cells", JsonKind::whole_number},
                      {"seed", JsonKind::whole_number},
                      {"threads", JsonKind::whole_number},
                      {"wall_time_seconds", JsonKind::number}});
}

// design.analytic_power (two_arm_survival): per scenario an object of numbers (power per test,
// analysis time, expected events) or booleans (event_target_reachable); bounded like the
// scenario list.
void check_analytic_power(const std::filesystem::path& file, const nlohmann::json& summary) {
  if (!summary.contains("design") || !summary["design"].is_object() ||
      !summary["design"].contains("analytic_power"))
    return;
  const nlohmann::json& analytic = summary["design"]["analytic_power"];  // an object: checked
  if (analytic.size() > MAX_REPORT_SCENARIOS) {
    refuse(file, "design.analytic_power has " + std::to_string(analytic.size()) + " entries",
           "at most " + std::to_string(MAX_REPORT_SCENARIOS));
  }
  for (const auto& [scenario, entry] : analytic.items()) {
    if (!entry.is_object()) {
      refuse(file, "design.analytic_power." + scenario + " is not an object",
             "an object of numbers");
    }
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_number() && !value.is_boolean() && !value.is_null()) {
        refuse(file, "design.analytic_power." + scenario + "." + key + " is a " + value.type_name(),
               "a number");
      }
    }
  }
}

void check_summary(const std::filesystem::path& file, const nlohmann::json& summary) {
  check_json_members(file, summary,
                     {{"config", JsonKind::object},
                      {"config.name", JsonKind::string},
                      {"config.description", JsonKind::string},
                      {"config.scenarios", JsonKind::object_array},
                      {"config.design", JsonKind::object},
                      {"config.design.alpha", JsonKind::number},
                      {"config.design.efficacy", JsonKind::object},
                      {"config.design.efficacy.alpha", JsonKind::number},
                      {"config.design.intervals", JsonKind::string_array},
                      {"config.design.confidence_level", JsonKind::number},
                      {"config.design.null_response_rate", JsonKind::number},
                      {"config.model", JsonKind::object},
                      {"config.model.fitted", JsonKind::string},
                      {"config.model.fitted_sha256", JsonKind::string},
                      {"config.search", JsonKind::object},
                      {"design", JsonKind::object},
                      {"design.decision_rule", JsonKind::string},
                      {"design.true_values", JsonKind::object},
                      {"design.analytic_power", JsonKind::object},
                      {"comparisons", JsonKind::object_array},
                      {"search", JsonKind::object},
                      {"search.parameter", JsonKind::string},
                      {"search.scenario", JsonKind::string},
                      {"search.analysis", JsonKind::string},
                      {"search.metric", JsonKind::string},
                      {"search.target", JsonKind::number},
                      {"search.smallest_value", JsonKind::number_or_null},
                      {"search.estimate", JsonKind::number_or_null},
                      {"search.mcse", JsonKind::number_or_null}});
  check_analytic_power(file, summary);
  const nlohmann::json& config =
      summary.contains("config") ? summary["config"] : nlohmann::json::object();
  if (config.contains("scenarios")) {
    const nlohmann::json& scenarios = config["scenarios"];
    if (scenarios.size() > MAX_REPORT_SCENARIOS) {
      refuse(file, "config.scenarios has " + std::to_string(scenarios.size()) + " entries",
             "at most " + std::to_string(MAX_REPORT_SCENARIOS));
    }
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      const std::string at = "config.scenarios." + std::to_string(i);
      if (scenarios[i].contains("name") && !scenarios[i]["name"].is_string())
        refuse(file, at + ".name is not a string", "a string");
      for (const char* key : {"response_rate", "hazard_ratio"}) {
        if (scenarios[i].contains(key) && !scenarios[i][key].is_number()) {
          refuse(file, at + "." + key + " is not a number", "a number");
        }
      }
    }
  }
}

// Refuses a table without the columns the report reads, or whose numeric columns hold text.
void check_columns(const CsvTable& table, std::initializer_list<const char*> text_columns,
                   std::initializer_list<const char*> number_columns) {
  for (const auto* columns : {&text_columns, &number_columns}) {
    for (const char* name : *columns) {
      if (!table.has_column(name)) {
        refuse(table.file, std::string("no column '") + name + "'", "the CSV file trialsim writes");
      }
    }
  }
  for (const char* name : number_columns) {
    const std::size_t column = table.column(name);
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      try {
        number_field(table.rows[r][column]);
      } catch (const std::runtime_error&) {
        refuse(table.file.string() + ":" + std::to_string(r + 2),
               std::string(name) + " is not a number", "a number, NA, Inf or -Inf");
      }
    }
  }
}

std::string endpoint_code(car_t::FigureEndpoint endpoint) {
  switch (endpoint) {
    case car_t::FigureEndpoint::overall_survival:
      return "os";
    case car_t::FigureEndpoint::relapse_free_survival:
      return "rfs";
    case car_t::FigureEndpoint::duration_of_response:
      return "dor";
    default:
      return "";
  }
}

// The evidence file named in the fitted model, if it can be found with the recorded SHA-256: as
// written (relative to the directory `fit` ran in, usually unknown), else relative to the fitted
// file's directory and each of its ancestors.
std::optional<std::filesystem::path> locate_evidence(const std::filesystem::path& fitted,
                                                     std::string& note) {
  // The fitted model is named by summary.json: read within the same bounds, and a file that is
  // not one only costs the figure its landmarks.
  std::filesystem::path named;
  std::string sha;
  try {
    const YAML::Node root = YAML::Load(read_bytes(fitted));
    if (!root.IsMap() || !root["evidence"]) {
      note = "the fitted model names no evidence file";
      return std::nullopt;
    }
    named = root["evidence"].as<std::string>();
    sha = root["evidence_sha256"] ? root["evidence_sha256"].as<std::string>() : "";
  } catch (const std::exception&) {  // UsageError (too large), YAML::Exception
    note = "fitted model " + fitted.string() + " unreadable, not a fitted model of `trialsim fit`";
    return std::nullopt;
  }
  std::vector<std::filesystem::path> candidates{named};
  if (named.is_relative()) {
    for (std::filesystem::path base = std::filesystem::absolute(fitted).parent_path();;
         base = base.parent_path()) {
      candidates.push_back(base / named);
      if (base == base.parent_path()) break;
    }
  }
  for (const auto& candidate : candidates) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(candidate, error)) continue;
    try {
      if (sha.empty() || sha256_hex(read_bytes(candidate)) == sha)
        return candidate.lexically_normal();
    } catch (const UsageError&) {
      continue;  // too large or unreadable: not the evidence
    }
  }
  note = "evidence file " + named.string() + " (named by " + fitted.string() +
         ") not found with its recorded SHA-256";
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
    const bool matches =
        (code == "os" && figure.subgroup == car_t::Subgroup::all) ||
        ((code == "rfs" || code == "dor") && figure.subgroup == car_t::Subgroup::responders);
    if (matches) results.landmarks.push_back({figure.id, code, figure.time, figure.value});
  }
  if (results.landmarks.empty())
    results.landmarks_note = "the evidence reports no Kaplan–Meier landmark";
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
  auto records = parse_csv(read_bytes(file), file);
  if (records.empty()) refuse(file, "empty file", "a CSV header");
  CsvTable table{file, std::move(records.front()), {}};
  table.rows.reserve(records.size() - 1);
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size()) {
      refuse(file.string() + ":" + std::to_string(r + 1),
             std::to_string(records[r].size()) + " fields",
             std::to_string(table.header.size()) + " as in the header");
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
  return scenario.size() > SUFFIX.size() &&
         scenario.compare(scenario.size() - SUFFIX.size(), SUFFIX.size(), SUFFIX) == 0;
}

std::string without_assurance(const std::string& scenario) {
  return is_assurance(scenario) ? scenario.substr(0, scenario.size() - 12) : scenario;
}

const OcEntry* ResultsDirectory::find(const std::string& scenario, const std::string& analysis,
                                      const std::string& metric) const {
  const auto it = oc_index.find({scenario, analysis, metric});
  return it == oc_index.end() ? nullptr : &oc_entries[it->second];
}

const nlohmann::json& ResultsDirectory::config() const {
  static const nlohmann::json null_json;
  return summary.contains("config") ? summary["config"] : null_json;
}

ResultsDirectory load_results(const std::filesystem::path& dir) {
  constexpr const char* RESULTS = "the output directory of a trialsim run or merge";
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) refuse(dir, "no such directory", RESULTS);
  if (!std::filesystem::is_directory(dir, error)) refuse(dir, "not a directory", RESULTS);
  for (const char* required : {"manifest.json", "summary.json", "oc.csv"}) {
    if (!std::filesystem::exists(dir / required, error)) {
      refuse(dir, std::string("no ") + required + ", not a results directory", RESULTS);
    }
  }
  ResultsDirectory results;
  results.dir = dir;
  results.manifest = read_json(dir / "manifest.json");
  check_manifest(dir / "manifest.json", results.manifest);
  results.summary = read_json(dir / "summary.json");
  check_summary(dir / "summary.json", results.summary);
  results.oc = read_csv(dir / "oc.csv");
  std::string header;
  for (const std::string& column : results.oc.header)
    header += (header.empty() ? "" : ",") + column;
  if (header != OC_CSV_HEADER)
    refuse(dir / "oc.csv", "the header is '" + header + "'",
           "'" + std::string(OC_CSV_HEADER) + "'");
  std::unordered_set<std::string> seen_scenarios;
  for (std::size_t r = 0; r < results.oc.rows.size(); ++r) {
    const auto& row = results.oc.rows[r];
    const std::string at = (dir / "oc.csv").string() + ":" + std::to_string(r + 2);
    OcEntry entry{row[0], row[1], row[2], 0.0, 0.0, 0.0};
    double* const numbers[] = {&entry.estimate, &entry.mcse, &entry.replicates};
    for (std::size_t k = 0; k < 3; ++k) {
      try {
        *numbers[k] = number_field(row[3 + k]);
      } catch (const std::runtime_error&) {
        refuse(at, results.oc.header[3 + k] + " is not a number", "a number, NA, Inf or -Inf");
      }
    }
    // A count of cohorts: whole, and exactly representable (it becomes an integer in captions).
    if (!(entry.replicates >= 0 && entry.replicates <= 9007199254740992.0 &&
          entry.replicates == std::floor(entry.replicates))) {
      refuse(at, "replicates is '" + row[5] + "'", "a whole number of cohorts");
    }
    results.oc_index.emplace(std::make_tuple(entry.scenario, entry.analysis, entry.metric),
                             results.oc_entries.size());
    results.oc_entries.push_back(std::move(entry));
    if (seen_scenarios.insert(row[0]).second) {
      if (results.scenarios.size() == MAX_REPORT_SCENARIOS) {
        refuse(dir / "oc.csv", "more than " + std::to_string(MAX_REPORT_SCENARIOS) + " scenarios",
               "at most " + std::to_string(MAX_REPORT_SCENARIOS));
      }
      results.scenarios.push_back(row[0]);
    }
  }
  // A results set is consistent: oc.csv has rows, names only scenarios summary.json lists (or
  // their "<name> (assurance)" runs; a grid writes "<cell> | <scenario>" and no scenario list),
  // and is valid UTF-8 as trialsim writes it (csv_field).
  if (results.oc.rows.empty())
    refuse(dir / "oc.csv", "no rows", "one row per scenario, analysis and metric");
  for (std::size_t r = 0; r < results.oc.rows.size(); ++r) {
    for (const std::string& field : results.oc.rows[r]) {
      if (valid_utf8(field) != field) {
        refuse((dir / "oc.csv").string() + ":" + std::to_string(r + 2),
               "a field is not valid UTF-8", "the UTF-8 text trialsim writes");
      }
    }
  }
  if (results.summary.contains("scenarios") && results.summary["scenarios"].is_array()) {
    std::unordered_set<std::string> listed;
    for (const nlohmann::json& scenario : results.summary["scenarios"]) {
      if (scenario.is_object() && scenario.contains("name") && scenario["name"].is_string()) {
        listed.insert(scenario["name"].get<std::string>());
      }
    }
    constexpr std::string_view ASSURANCE = " (assurance)";  // oc.csv only (model.uncertainty)
    for (const std::string& scenario : results.scenarios) {
      const bool assurance =
          scenario.size() > ASSURANCE.size() &&
          scenario.compare(scenario.size() - ASSURANCE.size(), ASSURANCE.size(), ASSURANCE) == 0;
      const std::string base =
          assurance ? scenario.substr(0, scenario.size() - ASSURANCE.size()) : scenario;
      if (!listed.count(base)) {
        refuse(dir / "oc.csv",
               "scenario '" + scenario + "' is not among the scenarios of summary.json",
               "oc.csv and summary.json of the same run");
      }
    }
  }
  results.grid = read_csv_if_present(dir / "grid.csv");
  results.search = read_csv_if_present(dir / "search.csv");
  results.curves = read_csv_if_present(dir / "curves.csv");
  results.distributions = read_csv_if_present(dir / "distributions.csv");
  results.true_curves = read_csv_if_present(dir / "true_curves.csv");
  if (results.grid)
    check_columns(*results.grid, {"scenario", "analysis", "metric"}, {"estimate", "mcse"});
  if (results.curves) {
    check_columns(*results.curves, {"scenario", "endpoint"},
                  {"time", "estimable_probability", "q025", "q50", "q975"});
  }
  if (results.distributions)
    check_columns(*results.distributions, {"scenario", "quantity"}, {"value", "cohorts"});
  if (results.true_curves) {
    check_columns(*results.true_curves, {"scenario"},
                  {"time", "control_survival", "experimental_survival", "hazard_ratio"});
  }

  const nlohmann::json& config = results.config();
  if (config.contains("model") && config["model"].contains("fitted")) {
    results.fitted_model = config["model"]["fitted"].get<std::string>();  // a string: check_summary
    if (!std::filesystem::is_regular_file(results.fitted_model, error)) {
      results.landmarks_note = "fitted model " + results.fitted_model.string() +
                               " not found from " + std::filesystem::current_path().string();
      return results;
    }
    std::filesystem::path calibration = results.fitted_model;
    calibration.replace_extension(".calibration.csv");
    results.calibration = read_csv_if_present(calibration);
    if (results.calibration) {
      check_columns(*results.calibration,
                    {"kind", "id", "description", "role", "reported", "point_replica_median",
                     "predictive_lower", "predictive_upper", "inside"},
                    {});
    }
    load_landmarks(results);
  }
  return results;
}

}  // namespace trialsim::report
