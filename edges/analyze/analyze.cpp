#include "edges/analyze/analyze.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "config/config_error.h"
#include "core/output.h"
#include "edges/cli/cli.h"
#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/km_summary.h"
#include "statistics/survival/logrank.h"
#include "statistics/survival/max_combo.h"
#include "statistics/survival/nph_pass.h"

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

// `text` for a message: at most 40 bytes of it (not cut inside a UTF-8 sequence), in quotes.
// Control characters are left to report_failure (edges/cli/cli.cpp), which shows every message
// through terminal_safe once.
std::string shown(std::string_view text) {
  std::size_t size = std::min<std::size_t>(text.size(), 40);
  while (size < text.size() && size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80)
    --size;
  std::string out = in_quotes(text.substr(0, size));
  return size < text.size() ? out.append("…") : out;
}

// The lines of a stream without their terminators ("\n" or "\r\n"), numbered from 1, read in
// chunks so that memory stays bounded by MAX_DATA_LINE_BYTES whatever the file holds.
class LineReader {
 public:
  LineReader(std::istream& in, const std::string& file)
      : in_(in), file_(file), chunk_(1 << 16, '\0') {}

  // The next line into `line`; false at the end of the file.
  bool next(std::string& line) {
    line.clear();
    bool started = false;
    for (;;) {
      if (position_ == size_) {
        in_.read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
        size_ = static_cast<std::size_t>(in_.gcount());
        position_ = 0;
        if (size_ == 0) {  // the last line, without a terminator
          if (!started) return false;
          ++number_;
          if (!line.empty() && line.back() == '\r') line.pop_back();
          return true;
        }
      }
      started = true;
      const char* begin = chunk_.data() + position_;
      const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', size_ - position_));
      const std::size_t take =
          newline ? static_cast<std::size_t>(newline - begin) : size_ - position_;
      if (line.size() + take > MAX_DATA_LINE_BYTES) {
        throw ConfigError({file_, number_ + 1, static_cast<int>(MAX_DATA_LINE_BYTES) + 1}, "(row)",
                          "line longer than " + std::to_string(MAX_DATA_LINE_BYTES) + " bytes",
                          "short lines of at most four fields");
      }
      line.append(begin, take);
      position_ += take;
      if (newline) {
        ++position_;
        ++number_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
    }
  }
  int number() const noexcept { return number_; }  // of the line last returned

 private:
  std::istream& in_;
  const std::string& file_;
  std::string chunk_;
  std::size_t position_ = 0, size_ = 0;
  int number_ = 0;
};

// A NUL byte would cut the message that echoes its field short (exception texts are C strings),
// and no CSV holds one: the line is refused, naming the field it is in.
void refuse_nul(const std::string& file, int line_number, std::string_view line,
                const std::vector<std::string>& columns) {
  const std::size_t at = line.find('\0');
  if (at == std::string_view::npos) return;
  const auto field = static_cast<std::size_t>(
      std::count(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(at), ','));
  const std::string key = field < columns.size() ? columns[field]
                          : line_number == 1     ? "(header)"
                                                 : "(row)";
  throw ConfigError({file, line_number, static_cast<int>(field) + 1}, key, "a NUL byte",
                    "text (a CSV file, not binary data)");
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
    columns.push_back(slot ? name : std::string());
  }
  if (!unknown.empty()) {
    constexpr std::size_t listed = 5;  // a header of thousands of names is not echoed whole
    std::string problem = "unknown column";
    for (std::size_t k = 1; k < unknown.size() && k <= listed; ++k)
      problem += (k == 1 ? " (also unknown: " : ", ") + shown(names[unknown[k]]);
    if (unknown.size() > listed + 1)
      problem += " and " + std::to_string(unknown.size() - listed - 1) + " more";
    if (unknown.size() > 1) problem += ")";
    const std::string_view first = names[unknown[0]];
    const std::string key = first.empty()        ? "(unnamed)"
                            : first.size() <= 40 ? std::string(first)
                                                 : shown(first);
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
  const std::string& file = path;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw ConfigError({file, 0, 0}, "", "is a directory", DATA_EXPECTED);
  if (!std::filesystem::is_regular_file(status))
    throw ConfigError({file, 0, 0}, "", "file not found or not a regular file", DATA_EXPECTED);
  const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (!ec && bytes > MAX_DATA_BYTES)
    throw ConfigError({file, 0, 0}, "",
                      "file of " + std::to_string(bytes) + " bytes is larger than the " +
                          std::to_string(MAX_DATA_BYTES) + " bytes analyze reads",
                      "a smaller dataset (at most " + std::to_string(MAX_DATA_ROWS) + " rows)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({file, 0, 0}, "", "cannot open file", DATA_EXPECTED);

  LineReader reader(in, file);
  std::string header;
  const bool has_header = reader.next(header);
  if (header.starts_with("\xEF\xBB\xBF")) header.erase(0, 3);  // UTF-8 byte-order mark
  if (header.starts_with("\xFF\xFE") || header.starts_with("\xFE\xFF"))
    throw ConfigError({file, 1, 1}, "", "UTF-16 text", "a CSV file in UTF-8 (or ASCII)");
  std::string line;
  if (!has_header || header.find_first_not_of(" \t\r") == std::string::npos) {
    // Nothing but blank lines is an empty file; a blank first line is a header naming nothing.
    bool blank = true;
    while (blank && reader.next(line)) blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (blank) throw ConfigError({file, 1, 1}, "", "empty file", DATA_EXPECTED);
  }

  SurvivalTable table;
  table.file = path;
  refuse_nul(file, 1, header, table.columns);
  const ColumnIndex col = read_header(file, header, table.columns);
  const std::size_t n_fields = table.columns.size();  // at most 4: only known columns, once each
  std::string header_list;
  for (const auto& c : table.columns) header_list += (header_list.empty() ? "" : ",") + c;

  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
    const int number = reader.number();
    refuse_nul(file, number, line, table.columns);
    // Counted before splitting: a row of millions of commas is refused without a field list.
    const std::size_t commas = static_cast<std::size_t>(std::count(line.begin(), line.end(), ','));
    if (commas + 1 != n_fields)
      throw ConfigError(
          {file, number, static_cast<int>(std::min(commas + 1, n_fields)) + 1}, "(row)",
          std::to_string(commas + 1) + " fields",
          std::to_string(n_fields) + " fields as in the header (" + header_list + ")");
    if (table.time.size() == MAX_DATA_ROWS)
      throw ConfigError({file, number, 1}, "(row)",
                        "more than " + std::to_string(MAX_DATA_ROWS) + " data rows",
                        "at most " + std::to_string(MAX_DATA_ROWS) + " subjects");
    const auto fields = split_fields(line);
    auto fail = [&](int c, const std::string& problem, const std::string& expected) {
      throw ConfigError({file, number, c + 1}, table.columns[static_cast<std::size_t>(c)], problem,
                        expected);
    };
    auto field = [&](int c) { return fields[static_cast<std::size_t>(c)]; };
    for (std::size_t c = 0; c < n_fields; ++c) {
      if (fields[c].find('"') != std::string_view::npos)
        fail(static_cast<int>(c),
             shown(fields[c]) + " holds a quote (quoted commas are not supported)",
             "a plain number");
    }

    const auto time = parse_whole<double>(field(col.time));
    const char* time_expected = "a finite time >= 0 (months)";
    if (!time) fail(col.time, shown(field(col.time)) + " is not a number", time_expected);
    if (!std::isfinite(*time))
      fail(col.time, shown(field(col.time)) + " is not finite", time_expected);
    if (*time < 0) fail(col.time, shown(field(col.time)) + " is negative", time_expected);
    table.time.push_back(*time);

    const auto status = parse_whole<int>(field(col.status));
    if (!status || (*status != 0 && *status != 1))
      fail(col.status, shown(field(col.status)) + " is not 0 or 1", "0 (censored) or 1 (event)");
    table.status.push_back(*status);

    if (col.arm >= 0) {
      const auto arm = parse_whole<int>(field(col.arm));
      if (!arm || (*arm != 0 && *arm != 1))
        fail(col.arm, shown(field(col.arm)) + " is not 0 or 1", "0 (control) or 1 (experimental)");
      table.arm.push_back(*arm);
    }
    if (col.stratum >= 0) {
      const auto stratum = parse_whole<int>(field(col.stratum));
      if (!stratum)
        fail(col.stratum, shown(field(col.stratum)) + " is not an integer",
             "an integer stratum label");
      table.stratum.push_back(*stratum);
    }
  }
  if (in.bad()) throw ConfigError({file, reader.number(), 0}, "", "read error", DATA_EXPECTED);
  if (table.time.empty())
    throw ConfigError({file, 1, 1}, "", "a header but no data rows", "at least one subject");
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
//   [non_proportional_hazards] (pooled over strata): {fleming_harrington [{rho, gamma, score,
//       variance, z, chisq, p_one_sided_arm1_benefit}] for FH(0,0), FH(0,1), FH(1,0), FH(1,1);
//       max_combo {statistic, p_one_sided_arm1_benefit, attained_by}; rmst {tau, arm0, arm1,
//       difference, difference_std_err, ratio, log_ratio_std_err, p_one_sided_arm1_benefit};
//       milestones [{t, estimable, surv_arm0, surv_arm1, difference, difference_std_err,
//       p_one_sided_arm1_benefit}] at the landmarks}
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
          {"chisq", number(r.chisq())},
          {"p", number(r.p_value())},
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
                                                           {"z", number(c.z())},
                                                           {"p", number(c.p_value())},
                                                           {"iterations", fit.iterations},
                                                           {"loglik_null", number(fit.loglik_null)},
                                                           {"loglik", number(fit.loglik)}};
  }
  return out;
}

// The analyses for non-proportional hazards (README "Analyses for non-proportional hazards"),
// pooled over strata: FH(0,0), FH(0,1), FH(1,0), FH(1,1), their MaxCombo, the RMST difference at
// tau (when tau > 0) and the milestone differences at the landmarks (sorted, at most
// MAX_MILESTONES; later ones are left out and the report says so). p-values one-sided for a
// benefit of arm 1.
std::string fh_name(const FhWeight& w) {
  return "fh_" + format_number(w.rho) + "_" + format_number(w.gamma);
}

json nph_json(const SurvivalData& data, SurvivalWorkspace& ws, const AnalyzeSettings& settings) {
  std::vector<double> milestones = settings.landmarks;
  std::sort(milestones.begin(), milestones.end());
  milestones.erase(std::unique(milestones.begin(), milestones.end()), milestones.end());
  const bool truncated = milestones.size() > MAX_MILESTONES;
  if (truncated) milestones.resize(MAX_MILESTONES);
  const double tau = settings.tau > 0.0 ? settings.tau : 1.0;
  const NphPlan plan(DEFAULT_MAX_COMBO_SET, tau, milestones);
  sort_cohort(data, ws);
  NphAnalysis a;
  analyse_nph(ws.sorted, plan, a);
  const boost::math::normal standard;
  const auto one_sided = [&](double z_benefit) {  // P(Z >= z) for a benefit statistic
    return std::isfinite(z_benefit)
               ? json(boost::math::cdf(boost::math::complement(standard, z_benefit)))
               : json(nullptr);
  };
  json fh = json::array();
  for (std::size_t k = 0; k < a.fh.size; ++k) {
    const WeightedLogRankResult t = a.fh.test(k);
    fh.push_back({{"rho", a.fh.weight[k].rho},
                  {"gamma", a.fh.weight[k].gamma},
                  {"score", number(t.score)},
                  {"variance", number(t.variance)},
                  {"z", number(t.z)},
                  {"chisq", number(t.chisq)},
                  {"p_one_sided_arm1_benefit", one_sided(-t.z)}});
  }
  const MaxComboResult combo = max_combo(a.fh);
  json out = {{"fleming_harrington", fh},
              {"max_combo",
               {{"statistic", number(combo.statistic)},
                {"p_one_sided_arm1_benefit", number(combo.p_value)},
                {"attained_by", fh_name(a.fh.weight[combo.best])}}}};
  if (settings.tau > 0.0) {
    const RmstComparison& r = a.rmst;
    out["rmst"] = {{"tau", r.tau},
                   {"arm0",
                    {{"rmst", number(r.arm[0].rmst)},
                     {"std_err", number(std::sqrt(r.arm[0].variance))},
                     {"tau_within_follow_up", r.arm[0].tau_within_follow_up}}},
                   {"arm1",
                    {{"rmst", number(r.arm[1].rmst)},
                     {"std_err", number(std::sqrt(r.arm[1].variance))},
                     {"tau_within_follow_up", r.arm[1].tau_within_follow_up}}},
                   {"difference", number(r.difference)},
                   {"difference_std_err", number(r.difference_se)},
                   {"ratio", number(r.ratio)},
                   {"log_ratio_std_err", number(r.log_ratio_se)},
                   {"p_one_sided_arm1_benefit", one_sided(r.difference_z)}};
  }
  json ms = json::array();
  for (std::size_t k = 0; k < a.milestone_count; ++k) {
    const MilestoneComparison& m = a.milestone[k];
    ms.push_back(
        {{"t", m.time},
         {"estimable", m.estimable},
         {"surv_arm0", number(m.surv[0])},
         {"surv_arm1", number(m.surv[1])},
         {"difference", number(m.difference)},
         {"difference_std_err", number(m.difference_se)},
         {"p_one_sided_arm1_benefit", m.estimable ? one_sided(m.difference_z) : json(nullptr)}});
  }
  out["milestones"] = ms;
  if (truncated)
    out["milestones_left_out"] = "landmarks beyond the first " + std::to_string(MAX_MILESTONES);
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
  report["non_proportional_hazards"] = nph_json(data, ws, settings);
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
