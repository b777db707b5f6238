// `trialsim analyze DATA.csv` (edges/analyze/analyze.h): the report reproduces R's survival package
// on the fixture datasets of tests/fixtures/survival/ (scripts/r/survival-fixtures.R; 1e-8
// relative, as test_survival_fixtures.h), and every kind of bad input fails with exit code 2, one
// exact line on stderr and nothing on stdout.
#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edges/analyze/analyze.h"
#include "edges/cli/cli.h"
#include "support.h"
#include "test_survival_fixtures.h"

using namespace trialsim;
using namespace trialsim::testing;
using Json = nlohmann::ordered_json;

namespace {

const std::string ANALYZE_FIXTURES = source_path("tests/fixtures/analyze").string() + "/";

// The fixture's .data.csv without its covariate column x (the last one), which analyze would
// reject as unknown.
std::filesystem::path dataset_without_x(const std::string& name, const TempDir& dir) {
  std::istringstream in(read_text(source_path("tests/fixtures/survival/" + name + ".data.csv")));
  const auto path = dir / (name + ".csv");
  std::ofstream out(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) out << line.substr(0, line.rfind(',')) << "\n";
  return path;
}

double value(const Json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

void check(const Json& actual, double expected, const std::string& quantity,
           const std::string& where) {
  test::check_close(value(actual), expected, "analyze " + quantity, where);
}

// command_analyze in-process with std::cout / std::cerr captured.
struct Captured {
  int exit_code;
  std::string out, err;
};
Captured analyze(const std::vector<std::string>& arguments) {
  std::ostringstream out, err;
  std::streambuf* const old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* const old_err = std::cerr.rdbuf(err.rdbuf());
  const int code = command_analyze(arguments);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {code, out.str(), err.str()};
}

const std::vector<std::pair<std::string, std::string>> CONF_TYPES = {
    {"plain", "plain"}, {"log", "log"}, {"log-log", "loglog"}};  // option, fixture column suffix
const std::vector<std::string> DATASETS = {"random200", "strata", "n10", "noevents", "ties"};

// The report of `analyze DS.csv --landmarks 6,12,1000 --tau 12` (the fixture script's settings).
Json analyze_fixture(const std::string& ds, const std::string& conf_type, const TempDir& dir) {
  const Captured run = analyze({dataset_without_x(ds, dir).string(), "--landmarks", "6,12,1000",
                                "--tau", "12", "--conf-type", conf_type});
  REQUIRE(run.exit_code == EXIT_OK);
  REQUIRE(run.err.empty());
  return Json::parse(run.out);
}

// Fixture group "all" / "arm0" / "arm1" -> the report's kaplan_meier key.
std::string group_key(const test::CsvTable& table, std::size_t r) {
  const std::string& group = table.str(r, "group");
  return group == "all" ? "overall" : group;
}

void check_landmarks(const Json& km, const std::string& ds, const std::string& conf_type,
                     const std::string& suffix) {
  const test::CsvTable ref = test::read_fixture(ds + ".landmark.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    const std::string where =
        ds + " " + group_key(ref, r) + " t=" + ref.str(r, "t") + " " + conf_type;
    const Json* row = nullptr;
    for (const Json& l : km[group_key(ref, r)]["landmarks"])
      if (l["t"].get<double>() == ref.num(r, "t")) row = &l;
    REQUIRE(row != nullptr);
    CHECK((*row)["estimable"] == (ref.str(r, "estimable") == "1"));
    check((*row)["surv"], ref.num(r, "surv"), "landmark surv", where);
    check((*row)["std_err"], ref.num(r, "std_err"), "landmark std_err", where);
    check((*row)["lower"], ref.num(r, "lower_" + suffix), "landmark lower", where);
    check((*row)["upper"], ref.num(r, "upper_" + suffix), "landmark upper", where);
  }
}

void check_medians(const Json& km, const std::string& ds, const std::string& conf_type,
                   const std::string& suffix) {
  const test::CsvTable ref = test::read_fixture(ds + ".median.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    if (ref.str(r, "conf_type") != suffix) continue;
    const Json& m = km[group_key(ref, r)]["median"];
    const std::string where = ds + " " + group_key(ref, r) + " " + conf_type;
    check(m["estimate"], ref.num(r, "median"), "median", where);  // NA = not reached = null
    check(m["lower"], ref.num(r, "lower"), "median lower", where);
    check(m["upper"], ref.num(r, "upper"), "median upper", where);
  }
}

void check_rmst(const Json& km, const std::string& ds) {
  const test::CsvTable ref = test::read_fixture(ds + ".rmst.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    const Json& m = km[group_key(ref, r)]["rmst"];
    CHECK(m["tau"].get<double>() == ref.num(r, "tau"));
    check(m["estimate"], ref.num(r, "rmean"), "rmst", ds + " " + group_key(ref, r));
    check(m["std_err"], ref.num(r, "se"), "rmst se", ds + " " + group_key(ref, r));
  }
}

void check_log_rank(const Json& report, const std::string& ds) {
  const test::CsvTable ref = test::read_fixture(ds + ".logrank.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    const bool stratified = ref.str(r, "stratified") == "1";
    const Json& lr = report[stratified ? "log_rank_stratified" : "log_rank"];
    const std::string where = ds + (stratified ? " stratified" : "");
    CHECK(lr["arm0"]["observed"].get<double>() == ref.num(r, "obs0"));
    CHECK(lr["arm1"]["observed"].get<double>() == ref.num(r, "obs1"));
    check(lr["arm0"]["expected"], ref.num(r, "exp0"), "log-rank expected", where);
    check(lr["arm1"]["expected"], ref.num(r, "exp1"), "log-rank expected", where);
    check(lr["variance"], ref.num(r, "var11"), "log-rank variance", where);
    check(lr["chisq"], ref.num(r, "chisq"), "log-rank chisq", where);
    check(lr["p"], ref.num(r, "p"), "log-rank p", where);
    // z = (O1 - E1) / sqrt(V) < 0 favours arm 1; one-sided p for benefit = Phi(z).
    const double z = (ref.num(r, "obs1") - ref.num(r, "exp1")) / std::sqrt(ref.num(r, "var11"));
    check(lr["z"], z, "log-rank z", where);
    check(lr["p_one_sided_arm1_benefit"], 0.5 * std::erfc(-z / std::sqrt(2.0)),
          "log-rank one-sided p", where);
  }
}

void check_cox(const Json& report, const std::string& ds) {
  const test::CsvTable ref = test::read_fixture(ds + ".cox.csv");
  for (std::size_t r = 0; r < ref.rows.size(); ++r) {
    if (ref.str(r, "model") != "arm") continue;
    const bool stratified = ref.str(r, "stratified") == "1";
    const Json& fit = report[stratified ? "cox_stratified" : "cox"][ref.str(r, "ties")];
    const std::string where = ds + " " + ref.str(r, "ties") + (stratified ? " stratified" : "");
    if (ref.str(r, "infinite_warning") == "1") {
      // R warns and returns its 20th iterate; we report the infinite estimate
      // (docs/survival-analysis.md, Cox): beta = -Inf -> null, HR 0, no p or CI.
      CHECK(fit["status"] == "infinite_estimate");
      CHECK(fit["beta"].is_null());
      CHECK(fit["hr"].get<double>() == 0.0);
      CHECK(fit["p"].is_null());
      continue;
    }
    CHECK(fit["status"] == "converged");
    CHECK(fit["iterations"].get<double>() == ref.num(r, "iter"));
    check(fit["beta"], ref.num(r, "coef"), "cox beta", where);
    check(fit["se"], ref.num(r, "se"), "cox se", where);
    check(fit["hr"], ref.num(r, "hr"), "cox hr", where);
    check(fit["lower"], ref.num(r, "lower"), "cox lower", where);
    check(fit["upper"], ref.num(r, "upper"), "cox upper", where);
    check(fit["p"], ref.num(r, "p"), "cox p", where);
    check(fit["loglik_null"], ref.num(r, "loglik0"), "cox loglik0", where);
    check(fit["loglik"], ref.num(r, "loglik"), "cox loglik", where);
  }
}

}  // namespace

TEST_CASE("analyze: Kaplan-Meier landmarks, median and RMST match R", "[analyze][fixture]") {
  TempDir dir("analyze-km");
  for (const std::string& ds : DATASETS) {
    for (const auto& [conf_type, suffix] : CONF_TYPES) {
      const Json report = analyze_fixture(ds, conf_type, dir);
      CHECK(report["n"] == test::read_fixture(ds + ".data.csv").rows.size());
      CHECK(report["settings"]["conf_type"] == conf_type);
      check_landmarks(report["kaplan_meier"], ds, conf_type, suffix);
      check_medians(report["kaplan_meier"], ds, conf_type, suffix);
      check_rmst(report["kaplan_meier"], ds);
    }
  }
}

TEST_CASE("analyze: log-rank and Cox (Breslow, Efron; stratified) match R", "[analyze][fixture]") {
  TempDir dir("analyze-tests");
  for (const std::string& ds : DATASETS) {
    const Json report = analyze_fixture(ds, "log", dir);
    check_log_rank(report, ds);
    check_cox(report, ds);
  }
}

TEST_CASE("analyze reads columns in header order, quoted names and CRLF lines", "[analyze]") {
  // n10 reordered as "arm","status","time" with CRLF line ends and no stratum column.
  const Captured run = analyze({ANALYZE_FIXTURES + "n10-reordered.csv"});
  REQUIRE(run.exit_code == EXIT_OK);
  const Json report = Json::parse(run.out);
  CHECK(report["columns"] == Json::array({"arm", "status", "time"}));
  CHECK(report["n"] == 10);
  CHECK(report["events"] == 7);
  CHECK_FALSE(report.contains("strata"));
  CHECK_FALSE(report.contains("log_rank_stratified"));
  CHECK_FALSE(report.contains("cox_stratified"));
  // Defaults: landmarks 6,12, conf_type log (R's default), level 0.95, tau = largest landmark.
  CHECK(report["settings"].dump() ==
        R"({"conf_type":"log","level":0.95,"landmarks":[6.0,12.0],"tau":12.0})");
  const Json& median = report["kaplan_meier"]["overall"]["median"];
  CHECK(median["estimate"].get<double>() == 6.5);  // n10.median.csv, all/log: 6.5 [3, NA]
  CHECK(median["lower"].get<double>() == 3.0);
  CHECK(median["upper"].is_null());
  check(report["log_rank"]["chisq"], 1.5197266119408372, "log-rank chisq", "n10-reordered");
  check(report["cox"]["efron"]["hr"], 0.37079048904784817, "cox hr", "n10-reordered");
  check(report["kaplan_meier"]["overall"]["rmst"]["estimate"], 6.625, "rmst", "n10-reordered");
}

TEST_CASE("analyze without an arm column reports the pooled curve only", "[analyze]") {
  TempDir dir("analyze-no-arm");
  std::ofstream(dir / "pooled.csv") << "status,time\n1,1\n1,2\n0,3\n1,4\n";
  const Captured run = analyze({(dir / "pooled.csv").string(), "--landmarks", "2.5"});
  REQUIRE(run.exit_code == EXIT_OK);
  const Json report = Json::parse(run.out);
  CHECK(report["kaplan_meier"].size() == 1);
  CHECK_FALSE(report.contains("log_rank"));
  CHECK_FALSE(report.contains("cox"));
  const Json& at = report["kaplan_meier"]["overall"]["landmarks"][0];
  CHECK(at["surv"].get<double>() == Approx(0.5).epsilon(1e-15));  // (1 - 1/4)(1 - 1/3)
  CHECK(report["settings"]["tau"].get<double>() == 2.5);
}

TEST_CASE("analyze rejects bad data with one located line and exit code 2", "[analyze][errors]") {
  const std::string f = ANALYZE_FIXTURES;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing.csv",
       ":0:0: (document): file not found or not a regular file, expected a CSV file "
       "whose header names the columns time,status[,arm][,stratum]"},
      {"empty.csv",
       ":1:1: (document): empty file, expected a CSV file whose header names the "
       "columns time,status[,arm][,stratum]"},
      {"header-only.csv",
       ":1:1: (document): a header but no data rows, expected at least one subject"},
      {"no-status.csv",
       ":1:3: status: missing column in the header, expected a CSV file whose "
       "header names the columns time,status[,arm][,stratum]"},
      {"unknown-column.csv",
       ":1:4: age: unknown column (also unknown: \"sex\"), expected only the "
       "columns time, status, arm, stratum"},
      {"field-count.csv",
       ":4:3: (row): 2 fields, expected 3 fields as in the header (time,status,arm)"},
      {"time-not-number.csv",
       ":5:1: time: \"NA\" is not a number, expected a finite time >= 0 (months)"},
      {"time-negative.csv",
       ":4:1: time: \"-0.5\" is negative, expected a finite time >= 0 (months)"},
      {"time-infinite.csv",
       ":3:1: time: \"inf\" is not finite, expected a finite time >= 0 (months)"},
      {"status-not-binary.csv",
       ":3:2: status: \"2\" is not 0 or 1, expected 0 (censored) or 1 (event)"},
      {"arm-not-binary.csv",
       ":4:3: arm: \"2\" is not 0 or 1, expected 0 (control) or 1 (experimental)"},
      {"stratum-not-integer.csv",
       ":4:1: stratum: \"2.5\" is not an integer, expected an integer stratum label"},
  };
  for (const auto& [file, message] : cases) {
    INFO(file);
    const Captured run = analyze({f + file});
    CHECK(run.exit_code == EXIT_INVALID_INPUT);
    CHECK(run.err == f + file + message + "\n");
    CHECK(run.out.empty());
  }
}

TEST_CASE("analyze options: help, defaults and bad values", "[analyze][errors]") {
  const std::string data = ANALYZE_FIXTURES + "n10-reordered.csv";
  const Captured help = analyze({"--help"});
  CHECK(help.exit_code == EXIT_OK);
  for (const char* option : {"--landmarks", "--conf-type", "--level", "--tau", "DATA.csv"})
    CHECK(help.out.find(option) != std::string::npos);

  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "trialsim: missing DATA.csv: usage: trialsim analyze DATA.csv [options]\n"},
      {{data, "--conf-type", "loglog"},
       "trialsim: --conf-type: \"loglog\", expected plain, log or log-log\n"},
      {{data, "--landmarks", "6,x"},
       "trialsim: --landmarks: \"x\" is not a time, expected "
       "comma-separated months >= 0, e.g. 6,12\n"},
      {{data, "--level", "95"}, "trialsim: --level must be in (0, 1), e.g. 0.95\n"},
      {{data, "--tau", "-1"}, "trialsim: --tau must be a finite time >= 0 (months)\n"},
  };
  for (const auto& [arguments, message] : cases) {
    const Captured run = analyze(arguments);
    CHECK(run.exit_code == EXIT_INVALID_INPUT);
    CHECK(run.err == message);
    CHECK(run.out.empty());
  }
  const Captured unknown = analyze({data, "--bogus"});
  CHECK(unknown.exit_code == EXIT_INVALID_INPUT);
  CHECK(unknown.err.rfind("trialsim: ", 0) == 0);
}

TEST_CASE("trialsim analyze end to end (real binary)", "[analyze][cli]") {
  TempDir dir("analyze-cli");
  const auto ok = run_trialsim({"analyze", dataset_without_x("random200", dir).string()}, dir);
  REQUIRE(ok.exit_code == EXIT_OK);
  const Json report = Json::parse(ok.out);
  check(report["cox"]["breslow"]["hr"], 0.65197085939038524, "cox hr", "random200 cli");
  check(report["log_rank_stratified"]["chisq"], 7.2030452139301335, "log-rank chisq",
        "random200 cli");

  const auto bad = run_trialsim({"analyze", ANALYZE_FIXTURES + "time-negative.csv"}, dir);
  CHECK(bad.exit_code == EXIT_INVALID_INPUT);
  CHECK(bad.out.empty());
  CHECK(bad.err.rfind(ANALYZE_FIXTURES + "time-negative.csv:4:1: time: ", 0) == 0);
}
