// `trialsim report` and `run --report` (issue 7): the files a report consists of, the data the
// CAR-T run writes for it (curves.csv, distributions.csv) and their consistency with oc.csv, and
// the failures a user can meet (no gnuplot, not a results directory).
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edges/report/report_data.h"
#include "support.h"

using namespace trialsim::testing;
using trialsim::report::number_field;
using trialsim::report::read_csv;

namespace {

const std::string MAIN_STUDY = source_path("configs/studies/inati-cel-next-study.yaml").string();
const std::vector<std::string> MAIN_FIGURES = {"power",  "km_os",       "km_rfs",
                                               "km_dor", "lower_bound", "study_duration"};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs a shell command line, returning its exit code and stdout+stderr.
CommandResult run_shell(const std::string& command, const TempDir& scratch) {
  const auto out = scratch / "shell.txt";
  const int status = std::system((command + " >" + shell_quote(out.string()) + " 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), ""};
}

}  // namespace

TEST_CASE("run --report writes a self-contained report with every figure of the main study",
          "[cli][report]") {
  TempDir dir("report-main");
  const auto out = dir / "out";
  const auto result = run_trialsim(
      {"run", MAIN_STUDY, "-r", "2048", "-t", "2", "-o", out.string(), "-q", "--report"}, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.out.find("report: " + (out / "report.html").string()) != std::string::npos);
  const std::string html = read_text(out / "report.html");
  for (const auto& id : MAIN_FIGURES) {
    INFO(id);
    REQUIRE(html.find("id=\"fig-" + id + "\"") != std::string::npos);
    const std::string svg = read_text(out / "figures" / (id + ".svg"));
    const std::string png = read_text(out / "figures" / (id + ".png"));
    REQUIRE(svg.find("<svg") != std::string::npos);
    REQUIRE(svg.size() > 5000);
    REQUIRE(png.substr(1, 3) == "PNG");
    REQUIRE(png.size() > 10000);
    REQUIRE(read_text(out / "figures" / (id + ".gp")).find("set terminal pngcairo") !=
            std::string::npos);
  }
  // Self-contained: figures inline as data URIs, no script, nothing fetched from a network.
  REQUIRE(occurrences(html, "src=\"data:image/svg+xml;base64,") == MAIN_FIGURES.size());
  REQUIRE(html.find("<script") == std::string::npos);
  REQUIRE(html.find("src=\"http") == std::string::npos);
  REQUIRE(html.find("href=\"http") == std::string::npos);
  REQUIRE(html.find("@import") == std::string::npos);
  // The OC table shows every estimate with its MCSE; the calibration table and provenance are
  // there.
  REQUIRE(html.find("rejection_probability") != std::string::npos);
  REQUIRE(occurrences(html, "class=\"mcse\">±") > 100);
  REQUIRE(html.find("<strong>35 of 35</strong> reported figures lie inside") != std::string::npos);
  const auto manifest = nlohmann::json::parse(read_text(out / "manifest.json"));
  REQUIRE(html.find(manifest["config_sha256"].get<std::string>()) != std::string::npos);
  REQUIRE(html.find("<dt>seed</dt><dd>20240108</dd>") != std::string::npos);
  // Axes say what and in which unit; the evidence's landmarks are drawn on the KM bands.
  const std::string km_os = read_text(out / "figures" / "km_os.gp");
  REQUIRE(km_os.find("set xlabel 'Months since infusion'") != std::string::npos);
  REQUIRE(km_os.find("reported 64.5 % at 12 mo") != std::string::npos);
  REQUIRE(read_text(out / "figures" / "km_rfs.gp").find("reported 69.8 % at 12 mo") !=
          std::string::npos);
  REQUIRE(read_text(out / "figures" / "km_dor.gp").find("reported 83.2 % at 12 mo") !=
          std::string::npos);
  // No target line without a target in the config (issue 17: a 0.80 line nobody set).
  REQUIRE(read_text(out / "figures" / "power.gp").find("target power") == std::string::npos);
  // The memo opens the page (its link first in the navigation) and is memo.md beside it.
  REQUIRE(html.find("<nav><a href=\"#memo\">Memo</a>") != std::string::npos);
  REQUIRE(html.find("<section id=\"memo\"><h2>Design memo</h2>") < html.find("id=\"power\""));
  const std::string memo = read_text(out / "memo.md");
  REQUIRE(memo.find("# inati-cel-next-study\n") == 0);
  REQUIRE(memo.find("| orr-about-0.60 | type I error |") != std::string::npos);
  REQUIRE(memo.find("| fitted (assurance) | assurance |") != std::string::npos);

  // `trialsim report` on the same directory redraws the same page (figures are deterministic).
  const std::string before = html;
  const auto again = run_trialsim({"report", out.string()}, dir);
  REQUIRE(again.exit_code == 0);
  REQUIRE(again.out.find("6 figures: power, km_os, km_rfs, km_dor, lower_bound, study_duration") !=
          std::string::npos);
  REQUIRE(read_text(out / "report.html") == before);
}

TEST_CASE("curves.csv and distributions.csv agree with oc.csv and do not depend on threads",
          "[cli][report][car_t]") {
  TempDir dir("report-data");
  const auto one = dir / "one", two = dir / "two";
  REQUIRE(run_trialsim({"run", MAIN_STUDY, "-r", "3000", "-t", "1", "-o", one.string(), "-q"}, dir)
              .exit_code == 0);
  REQUIRE(run_trialsim({"run", MAIN_STUDY, "-r", "3000", "-t", "2", "-o", two.string(), "-q"}, dir)
              .exit_code == 0);
  for (const char* file : {"curves.csv", "distributions.csv", "oc.csv"}) {
    INFO(file);
    REQUIRE(read_text(one / file) == read_text(two / file));
  }
  const auto oc = read_oc_table(one / "oc.csv");
  const auto summary = nlohmann::json::parse(read_text(one / "summary.json"));

  // KM bands: at 12 months the median of the cohorts' KM estimates is near their mean
  // (oc.csv's km_os_t12/mean_estimate), and the 95 % band holds the model's true OS.
  const auto curves = read_csv(one / "curves.csv");
  REQUIRE(curves.header == std::vector<std::string>{"scenario", "endpoint", "time", "cohorts",
                                                    "estimable_probability", "q025", "q50",
                                                    "q975"});
  std::map<std::string, int> rows_per_endpoint;
  for (const auto& row : curves.rows) {
    ++rows_per_endpoint[row[1]];
    const double t = number_field(row[2]), low = number_field(row[5]), mid = number_field(row[6]),
                 high = number_field(row[7]);
    REQUIRE(low <= mid);
    REQUIRE(mid <= high);
    if (t == 0) REQUIRE(mid == 1.0);
    if (row[0] == "fitted" && row[1] == "os" && t == 12) {
      const double mean = oc.at("fitted/km_os_t12/mean_estimate").estimate;
      REQUIRE(std::abs(mid - mean) < 0.03);
      const double truth =
          summary["design"]["true_values"]["fitted"]["os_at_landmarks"][0].get<double>();
      REQUIRE(low < truth);
      REQUIRE(truth < high);
      REQUIRE(number_field(row[3]) == 3000);
    }
  }
  REQUIRE(rows_per_endpoint["os"] > 100);
  REQUIRE(rows_per_endpoint["rfs"] > 100);
  REQUIRE(rows_per_endpoint["dor"] > 100);

  // The Clopper-Pearson lower bound exceeds p0 exactly when the one-sided exact test rejects
  // (both are P(X >= x | p0) < alpha = 0.025), so its histogram gives the power again.
  const auto histograms = read_csv(one / "distributions.csv");
  std::map<std::string, double> above, total, duration_sum, duration_count;
  for (const auto& row : histograms.rows) {
    const double value = number_field(row[2]), count = number_field(row[3]);
    if (row[1] == "orr_clopper_pearson_lower_bound") {
      total[row[0]] += count;
      if (value > 0.6) above[row[0]] += count;
    } else if (row[1] == "study_duration") {
      duration_sum[row[0]] += value * count;
      duration_count[row[0]] += count;
    }
  }
  REQUIRE(total.size() == 8);  // 4 scenarios, each also as assurance
  for (const auto& [scenario, n] : total) {
    INFO(scenario);
    REQUIRE(n == 3000);
    REQUIRE(above[scenario] / n ==
            Approx(oc.at(scenario + "/exact_binomial_test/rejection_probability").estimate)
                .margin(1e-12));
    // Durations are binned to 0.1 month: the binned mean is within 0.05 of the exact mean.
    REQUIRE(std::abs(duration_sum[scenario] / duration_count[scenario] -
                     oc.at(scenario + "/conduct/study_duration_mean").estimate) <= 0.05);
  }
}

TEST_CASE("report of a sample-size search draws power against n with the target and the chosen n",
          "[cli][report]") {
  TempDir dir("report-search");
  const auto out = dir / "out";
  const auto result = run_trialsim(
      {"run", source_path("configs/examples/sample-size-search.yaml").string(), "-r", "2000",
       "--set", "search.from=38", "--set", "search.to=52", "-o", out.string(), "-q", "--report"},
      dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const std::string html = read_text(out / "report.html");
  REQUIRE(html.find("id=\"fig-power\"") != std::string::npos);
  REQUIRE(html.find("Search: smallest design.sample_size") != std::string::npos);
  // A section with nothing in this run is left out, with its link.
  REQUIRE(html.find("id=\"survival\"") == std::string::npos);
  REQUIRE(html.find("href=\"#survival\"") == std::string::npos);
  const std::string script = read_text(out / "figures" / "power.gp");
  REQUIRE(script.find("set xlabel 'Sample size (patients)'") != std::string::npos);
  REQUIRE(script.find("target power 0.80") != std::string::npos);
  REQUIRE(script.find("smallest value reaching the target") != std::string::npos);
  REQUIRE(script.find("with yerrorlines") != std::string::npos);
}

TEST_CASE(
    "the two-arm and single-arm binary reports draw their study-duration and lower-bound "
    "histograms",
    "[cli][report]") {
  TempDir dir("report-other-designs");
  // Two-arm: the study-duration histogram (months), its cohort counts summing to the replicates.
  const auto two_arm = dir / "two-arm";
  auto result = run_trialsim({"run", source_path("configs/examples/two-arm-survival.yaml").string(),
                              "-r", "3000", "-o", two_arm.string(), "-q", "--report"},
                             dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(read_text(two_arm / "report.html").find("id=\"fig-study_duration\"") !=
          std::string::npos);
  REQUIRE(std::filesystem::file_size(two_arm / "figures" / "study_duration.svg") > 1000);
  REQUIRE(read_text(two_arm / "figures" / "study_duration.gp")
              .find("set xlabel 'Study duration (months") != std::string::npos);
  std::map<std::string, double> cohorts;
  const auto histogram = read_csv(two_arm / "distributions.csv");
  for (std::size_t i = 0; i < histogram.rows.size(); ++i) {
    REQUIRE(histogram.rows[i][histogram.column("quantity")] == "study_duration");
    cohorts[histogram.rows[i][histogram.column("scenario")]] +=
        number_field(histogram.rows[i][histogram.column("cohorts")]);
  }
  REQUIRE(cohorts.size() == 3);
  for (const auto& [scenario, total] : cohorts) REQUIRE(total == 3000.0);

  // Single-arm binary: the lower-bound histogram, whose share above p0 is the power.
  const auto binary = dir / "binary";
  result = run_trialsim({"run", source_path("configs/examples/single-arm-binary.yaml").string(),
                         "-r", "5000", "-o", binary.string(), "-q", "--report"},
                        dir);
  REQUIRE(result.exit_code == 0);
  REQUIRE(read_text(binary / "report.html").find("id=\"fig-lower_bound\"") != std::string::npos);
  const auto bounds = read_csv(binary / "distributions.csv");
  double above = 0.0, all = 0.0;
  for (std::size_t i = 0; i < bounds.rows.size(); ++i) {
    if (bounds.rows[i][bounds.column("scenario")] != "response-0.80" ||
        bounds.rows[i][bounds.column("quantity")] != "orr_clopper_pearson_lower_bound")
      continue;
    all += number_field(bounds.rows[i][bounds.column("cohorts")]);
    if (number_field(bounds.rows[i][bounds.column("value")]) > 0.6)
      above += number_field(bounds.rows[i][bounds.column("cohorts")]);
  }
  const auto oc = read_oc_table(binary / "oc.csv");
  REQUIRE(all == 5000.0);
  // Clopper-Pearson lower bound > p0 is the exact test's rejection region (alpha = 0.025).
  REQUIRE(above / all ==
          Approx(oc.at("response-0.80/exact_binomial_test/rejection_probability").estimate)
              .epsilon(1e-12));
}

TEST_CASE("report without gnuplot or without results fails with exit code 1 and a clear message",
          "[cli][report]") {
  TempDir dir("report-errors");
  const auto out = dir / "out";
  REQUIRE(run_trialsim({"run", source_path("configs/examples/single-arm-binary.yaml").string(),
                        "-r", "500", "-o", out.string(), "-q"},
                       dir)
              .exit_code == 0);
  const std::string binary = shell_quote(TRIALSIM_BINARY);
  const auto no_gnuplot = run_shell("env PATH=" + shell_quote((dir / "empty").string()) + " " +
                                        binary + " report " + shell_quote(out.string()),
                                    dir);
  REQUIRE(no_gnuplot.exit_code == 1);
  REQUIRE(no_gnuplot.out.find("trialsim: error: gnuplot not found on PATH") != std::string::npos);
  REQUIRE_FALSE(std::filesystem::exists(out / "report.html"));

  // run --report checks for gnuplot before simulating, and writes nothing.
  const auto run_without =
      run_shell("env PATH=" + shell_quote((dir / "empty").string()) + " " + binary + " run " +
                    shell_quote(source_path("configs/examples/single-arm-binary.yaml").string()) +
                    " -q --report -o " + shell_quote((dir / "never").string()),
                dir);
  REQUIRE(run_without.exit_code == 1);
  REQUIRE(run_without.out.find("gnuplot not found") != std::string::npos);
  REQUIRE_FALSE(std::filesystem::exists(dir / "never"));

  const auto not_results = run_trialsim({"report", dir.path().string()}, dir);
  REQUIRE(not_results.exit_code == 2);
  REQUIRE(not_results.err.find("not a trialsim results directory (no manifest.json)") !=
          std::string::npos);
  REQUIRE(run_trialsim({"report"}, dir).exit_code == 2);

  // A design without curves still gets a report: OC table, power, its lower-bound histogram,
  // provenance.
  const auto report = run_trialsim({"report", out.string()}, dir);
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  REQUIRE(report.out.find("(2 figures: power, lower_bound)") != std::string::npos);
}

TEST_CASE(
    "the report of the quick-start study opens in headless Chromium without errors, every figure "
    "drawn",
    "[cli][report][chromium]") {
  TempDir dir("report-chromium");
  const auto out = dir / "out";
  const auto result =
      run_trialsim({"run", MAIN_STUDY, "-r", "2048", "-o", out.string(), "-q", "--report"}, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  std::string expect;
  for (const auto& id : MAIN_FIGURES) expect += (expect.empty() ? "" : ",") + id;
  const auto check =
      run_shell("python3 " + shell_quote(source_path("tests/report-in-chromium").string()) + " " +
                    shell_quote((out / "report.html").string()) + " --expect " + expect +
                    " --screenshot " + shell_quote((dir / "screenshot.png").string()),
                dir);
  INFO(check.out);
  REQUIRE(check.exit_code == 0);
  REQUIRE(check.out.find("report-in-chromium: OK") != std::string::npos);
  REQUIRE(occurrences(check.out, "decoded=True") == MAIN_FIGURES.size());
  REQUIRE(read_text(dir / "screenshot.png").size() > 100000);
}
