#include "app/analyze.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "app/cli.h"
#include "engine/config_error.h"
#include "engine/survival/cox.h"
#include "engine/survival/kaplan_meier.h"
#include "engine/survival/km_summary.h"
#include "engine/survival/logrank.h"

namespace po = boost::program_options;
using json = nlohmann::ordered_json;  // keys in the order written, settings first

namespace trialsim {
namespace {

// ---------------------------------------------------------------- reading DATA.csv

constexpr const char* KNOWN_COLUMNS = "time, status, arm, stratum";
constexpr const char* DATA_EXPECTED =
    "a CSV file whose header names the columns time,status[,arm][,stratum]";

// One field with surrounding blanks and one pair of enclosing double quotes removed
// (R's write.csv quotes header names). Quoted commas are not supported.
std::string_view clean_field(std::string_view field) {
  const auto first = field.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  field = field.substr(first, field.find_last_not_of(" \t") - first + 1);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
    field = field.substr(1, field.size() - 2);
  return field;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(clean_field(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
std::string in_quotes(std::string_view text) {
  std::string out(1, '"');
  return out.append(text).append(1, '"');
}

template <typename T>
std::optional<T> parse_whole(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The file's lines without their terminators ("\n" or "\r\n"), numbered from 1.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

struct ColumnIndex {
  int time = -1, status = -1, arm = -1, stratum = -1;
};

ColumnIndex read_header(const std::string& file, std::string_view line,
                        std::vector<std::string>& columns) {
  const auto names = split_fields(line);
  ColumnIndex index;
  std::vector<std::size_t> unknown;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name(names[i]);
    columns.push_back(name);
    int* slot = name == "time"      ? &index.time
                : name == "status"  ? &index.status
                : name == "arm"     ? &index.arm
                : name == "stratum" ? &index.stratum
                                    : nullptr;
    if (slot == nullptr) {
      unknown.push_back(i);
    } else if (*slot >= 0) {
      throw ConfigError({file, 1, static_cast<int>(i) + 1}, name,
                        "column appears twice (also field " + std::to_string(*slot + 1) + ")",
                        "each column once");
    } else {
      *slot = static_cast<int>(i);
    }
  }
  if (!unknown.empty()) {
    std::string problem = "unknown column";
    for (std::size_t k = 1; k < unknown.size(); ++k)
      problem += (k == 1 ? " (also unknown: " : ", ") + in_quotes(names[unknown[k]]);
    if (unknown.size() > 1) problem += ")";
    const std::string key = names[unknown[0]].empty() ? "(unnamed)" : columns[unknown[0]];
    throw ConfigError({file, 1, static_cast<int>(unknown[0]) + 1}, key, problem,
                      std::string("only the columns ") + KNOWN_COLUMNS);
  }
  for (const auto& [slot, name] : {std::pair{index.time, "time"}, {index.status, "status"}}) {
    if (slot < 0)
      throw ConfigError({file, 1, static_cast<int>(names.size()) + 1}, name,
                        "missing column in the header", DATA_EXPECTED);
  }
  return index;
}

}  // namespace

SurvivalTable read_survival_csv(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ConfigError({path, 0, 0}, "", "file not found or not a regular file", DATA_EXPECTED);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path, 0, 0}, "", "cannot open file", DATA_EXPECTED);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw ConfigError({path, 1, 1}, "", "empty file", DATA_EXPECTED);

  const std::vector<std::string_view> lines = split_lines(text);
  SurvivalTable table;
  table.file = path;
  const ColumnIndex col = read_header(path, lines[0], table.columns);
  const std::size_t n_fields = table.columns.size();
  std::string header_list;
  for (const auto& c : table.columns) header_list += (header_list.empty() ? "" : ",") + c;

  for (std::size_t l = 1; l < lines.size(); ++l) {
    if (lines[l].find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    const int line = static_cast<int>(l) + 1;
    const auto fields = split_fields(lines[l]);
    if (fields.size() != n_fields)
      throw ConfigError(
          {path, line, static_cast<int>(std::min(fields.size(), n_fields)) + 1}, "(row)",
          std::to_string(fields.size()) + " fields",
          std::to_string(n_fields) + " fields as in the header (" + header_list + ")");
    auto fail = [&](int c, const std::string& problem, const std::string& expected) {
      throw ConfigError({path, line, c + 1}, table.columns[static_cast<std::size_t>(c)], problem,
                        expected);
    };
    auto field = [&](int c) { return fields[static_cast<std::size_t>(c)]; };

    const auto time = parse_whole<double>(field(col.time));
    const char* time_expected = "a finite time >= 0 (months)";
    if (!time) fail(col.time, in_quotes(field(col.time)) + " is not a number", time_expected);
    if (!std::isfinite(*time))
      fail(col.time, in_quotes(field(col.time)) + " is not finite", time_expected);
    if (*time < 0) fail(col.time, in_quotes(field(col.time)) + " is negative", time_expected);
    table.time.push_back(*time);

    const auto status = parse_whole<int>(field(col.status));
    if (!status || (*status != 0 && *status != 1))
      fail(col.status, in_quotes(field(col.status)) + " is not 0 or 1",
           "0 (censored) or 1 (event)");
    table.status.push_back(*status);

    if (col.arm >= 0) {
      const auto arm = parse_whole<int>(field(col.arm));
      if (!arm || (*arm != 0 && *arm != 1))
        fail(col.arm, in_quotes(field(col.arm)) + " is not 0 or 1",
             "0 (control) or 1 (experimental)");
      table.arm.push_back(*arm);
    }
    if (col.stratum >= 0) {
      const auto stratum = parse_whole<int>(field(col.stratum));
      if (!stratum)
        fail(col.stratum, in_quotes(field(col.stratum)) + " is not an integer",
             "an integer stratum label");
      table.stratum.push_back(*stratum);
    }
  }
  if (table.time.empty())
    throw ConfigError({path, 1, 1}, "", "a header but no data rows", "at least one subject");
  return table;
}

namespace {

// ---------------------------------------------------------------- the JSON report
// {
//   file, columns, settings {conf_type, level, landmarks, tau}, n, events, [strata],
//   kaplan_meier { overall, [arm0, arm1] }: each {n, events,
//       landmarks [{t, estimable, surv, std_err, lower, upper}]  summary(fit, times, extend = F)
//       median {estimate, lower, upper}    quantile(fit, 0.5) (Brookmeyer-Crowley); null = NA
//       rmst {tau, estimate, std_err}}     print(fit, rmean = tau)
//   [log_rank, log_rank_stratified]: {arm0 {observed, expected}, arm1 {...}, variance, chisq,
//       p (two-sided), z = (O1 - E1) / sqrt(V), p_one_sided_arm1_benefit = Phi(z), strata}
//   [cox, cox_stratified]: {breslow, efron}: each {status, beta (log HR arm 1 vs 0), se, hr,
//       lower, upper, z, p, iterations, loglik_null, loglik}
// }
// Every non-finite number is null (JSON has no NaN/Inf): e.g. beta of an infinite estimate,
// whose direction hr (0) and the status show.

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
json number(const std::optional<double>& value) { return value ? number(*value) : json(nullptr); }

const char* conf_type_name(CiType type) {
  switch (type) {
    case CiType::plain:
      return "plain";
    case CiType::log:
      return "log";
    case CiType::log_log:
      return "log-log";
  }
  return "?";
}

const char* cox_status_name(CoxStatus status) {
  switch (status) {
    case CoxStatus::converged:
      return "converged";
    case CoxStatus::infinite_estimate:
      return "infinite_estimate";
    case CoxStatus::not_converged:
      return "not_converged";
    case CoxStatus::singular:
      return "singular";
  }
  return "?";
}

json km_group(const SurvivalData& data, SurvivalWorkspace& ws, const AnalyzeSettings& settings,
              int arm) {
  KaplanMeierCurve curve;
  kaplan_meier(data, ws, curve, arm);
  int events = 0;
  for (int d : curve.n_event) events += d;
  json landmarks = json::array();
  for (double t : settings.landmarks) {
    const LandmarkEstimate e = survival_at(curve, t, settings.conf_type, settings.level);
    landmarks.push_back({{"t", t},
                         {"estimable", e.estimable},
                         {"surv", number(e.surv)},
                         {"std_err", number(e.std_err)},
                         {"lower", number(e.lower)},
                         {"upper", number(e.upper)}});
  }
  const MedianEstimate median = median_survival(curve, ws, settings.conf_type, settings.level);
  json rmst = {{"tau", settings.tau}, {"estimate", nullptr}, {"std_err", nullptr}};
  if (curve.n > 0) {  // restricted_mean of an empty curve would be tau
    const RmstEstimate r = restricted_mean(curve, settings.tau);
    rmst["estimate"] = number(r.rmst);
    rmst["std_err"] = number(r.std_err);
  }
  return {{"n", curve.n},
          {"events", events},
          {"landmarks", landmarks},
          {"median",
           {{"estimate", number(median.median)},
            {"lower", number(median.lower)},
            {"upper", number(median.upper)}}},
          {"rmst", rmst}};
}

json log_rank_json(const SurvivalData& data, SurvivalWorkspace& ws, bool stratified) {
  const LogRankResult r = log_rank(data, ws, stratified);
  return {{"arm0", {{"observed", std::lround(r.observed[0])}, {"expected", number(r.expected[0])}}},
          {"arm1", {{"observed", std::lround(r.observed[1])}, {"expected", number(r.expected[1])}}},
          {"variance", number(r.variance)},
          {"chisq", number(r.chisq)},
          {"p", number(r.p_value)},
          {"z", number(r.z)},
          {"p_one_sided_arm1_benefit", number(log_rank_one_sided_p(r))},
          {"strata", r.n_strata}};
}

json cox_json(const SurvivalData& data, SurvivalWorkspace& ws, const AnalyzeSettings& settings,
              bool stratified) {
  json out;
  for (const CoxTies ties : {CoxTies::breslow, CoxTies::efron}) {
    CoxOptions options;
    options.ties = ties;
    options.stratified = stratified;
    options.level = settings.level;
    CoxFit fit;
    cox_ph_arm(data, ws, fit, options);
    const CoxCoefficient& c = fit.coef.at(0);
    out[ties == CoxTies::breslow ? "breslow" : "efron"] = {{"status", cox_status_name(fit.status)},
                                                           {"beta", number(c.beta)},
                                                           {"se", number(c.se)},
                                                           {"hr", number(c.hr)},
                                                           {"lower", number(c.lower)},
                                                           {"upper", number(c.upper)},
                                                           {"z", number(c.z)},
                                                           {"p", number(c.p_value)},
                                                           {"iterations", fit.iterations},
                                                           {"loglik_null", number(fit.loglik_null)},
                                                           {"loglik", number(fit.loglik)}};
  }
  return out;
}

}  // namespace

json analyze_dataset(const SurvivalTable& table, const AnalyzeSettings& settings) {
  const SurvivalData data = table.view();
  SurvivalWorkspace ws;
  json report;
  report["file"] = table.file;
  report["columns"] = table.columns;
  report["settings"] = {{"conf_type", conf_type_name(settings.conf_type)},
                        {"level", settings.level},
                        {"landmarks", settings.landmarks},
                        {"tau", settings.tau}};
  report["n"] = table.time.size();
  int events = 0;
  for (int s : table.status) events += s;
  report["events"] = events;
  if (data.has_stratum())
    report["strata"] = std::set<int>(table.stratum.begin(), table.stratum.end()).size();

  report["kaplan_meier"]["overall"] = km_group(data, ws, settings, -1);
  if (!data.has_arm()) return report;
  report["kaplan_meier"]["arm0"] = km_group(data, ws, settings, 0);
  report["kaplan_meier"]["arm1"] = km_group(data, ws, settings, 1);
  report["log_rank"] = log_rank_json(data, ws, false);
  if (data.has_stratum()) report["log_rank_stratified"] = log_rank_json(data, ws, true);
  report["cox"] = cox_json(data, ws, settings, false);
  if (data.has_stratum()) report["cox_stratified"] = cox_json(data, ws, settings, true);
  return report;
}

// ---------------------------------------------------------------- command line

namespace {

std::vector<double> parse_landmarks(const std::string& list) {
  std::vector<double> landmarks;
  for (const std::string_view field : split_fields(list)) {
    const auto t = parse_whole<double>(field);
    if (!t || !std::isfinite(*t) || *t < 0)
      throw UsageError("--landmarks: " + in_quotes(field) +
                              " is not a time, expected comma-separated months >= 0, e.g. 6,12");
    landmarks.push_back(*t);
  }
  return landmarks;
}

CiType parse_conf_type(const std::string& name) {
  if (name == "plain") return CiType::plain;
  if (name == "log") return CiType::log;
  if (name == "log-log") return CiType::log_log;
  throw UsageError("--conf-type: " + in_quotes(name) + ", expected plain, log or log-log");
}

int analyze_main(const std::vector<std::string>& arguments) {
  po::options_description visible(
      "trialsim analyze DATA.csv [options]\n\n"
      "Kaplan-Meier landmarks, median and RMST (overall and per arm), log-rank test and Cox\n"
      "model (Breslow and Efron ties; stratified too when a stratum column is present) of an\n"
      "observed dataset, as R's survival package computes them. DATA.csv has a header naming\n"
      "the columns time,status[,arm][,stratum] in any order: time in months >= 0, status 0/1\n"
      "(1 = event), arm 0/1 (1 = experimental), stratum an integer. JSON report on stdout.\n\n"
      "Options");
  // clang-format off
  visible.add_options()
      ("help,h", "show this help")
      ("landmarks", po::value<std::string>()->default_value("6,12"),
       "comma-separated landmark times (months) for the Kaplan-Meier estimates")
      ("conf-type", po::value<std::string>()->default_value("log"),
       "pointwise CI of the survival curve: plain, log or log-log (survfit's conf.type; log is "
       "R's default). Also used for the median's CI")
      ("level", po::value<double>()->default_value(0.95, "0.95"),
       "two-sided confidence level, in (0, 1)")
      ("tau", po::value<double>(), "RMST horizon in months (default: the largest landmark)");
  // clang-format on
  po::options_description all;
  all.add(visible).add_options()("data", po::value<std::string>(), "observed dataset (CSV)");
  po::positional_options_description positional;
  positional.add("data", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (values.count("help")) {
    std::cout << visible << "\n";
    return EXIT_OK;
  }
  if (!values.count("data"))
    throw UsageError("missing DATA.csv: usage: trialsim analyze DATA.csv [options]");

  AnalyzeSettings settings;
  settings.landmarks = parse_landmarks(values["landmarks"].as<std::string>());
  settings.conf_type = parse_conf_type(values["conf-type"].as<std::string>());
  settings.level = values["level"].as<double>();
  if (!(settings.level > 0.0 && settings.level < 1.0))
    throw UsageError("--level must be in (0, 1), e.g. 0.95");
  settings.tau = values.count("tau")
                     ? values["tau"].as<double>()
                     : *std::max_element(settings.landmarks.begin(), settings.landmarks.end());
  if (!std::isfinite(settings.tau) || settings.tau < 0.0)
    throw UsageError("--tau must be a finite time >= 0 (months)");

  const SurvivalTable table = read_survival_csv(values["data"].as<std::string>());
  const json report = analyze_dataset(table, settings);  // complete before anything is printed
  std::cout << report.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return EXIT_OK;
}

}  // namespace

int command_analyze(const std::vector<std::string>& arguments) {
  try {
    return analyze_main(arguments);
  } catch (const std::exception& e) {
    return report_failure(e);
  }
}

}  // namespace trialsim
