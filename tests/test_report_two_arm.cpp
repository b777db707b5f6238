// The report of a randomised two-arm study (issue 16, item 4): the survival by arm (simulated
// Kaplan–Meier bands of both arms with their true curves), the true hazard ratio over time and
// the power of every test beside its analytic approximation. The figures' data blocks are checked
// against the results files they come from (oc.csv, summary.json, curves.csv, true_curves.csv);
// hostile scenario names planted in every one of those files reach gnuplot only through
// gp_string; malformed new inputs are refused; the CAR-T vs standard-of-care study's report
// opens in headless Chromium with the new figures (acceptance 5).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/output.h"
#include "core/text_escape.h"
#include "edges/cli/cli.h"
#include "edges/report/report.h"
#include "edges/report/report_data.h"
#include "edges/report/report_gnuplot.h"
#include "support.h"

using namespace trialsim::testing;
using trialsim::report::number_field;
using trialsim::report::read_csv;

namespace {

// A small randomised study with a model per arm and every test of design.nph: piecewise
// exponential control (median 12 months), a delayed effect (HR 1 for 3 months, then 0.6), a
// proportional-hazards scenario and the null. Runs in well under a second.
const std::string STUDY = R"(schema_version: 1
name: report-two-arm
description: delayed effect, proportional hazards and the null, every nph test
simulation: {replicates: 400, seed: 20240108}
design:
  type: two_arm_survival
  endpoint: overall_survival
  sample_size: 200
  allocation: {control: 1, experimental: 1}
  accrual: {type: uniform, duration: 18}
  analysis: {trigger: events, events: 140}
  alpha: 0.025
  landmarks: [6, 12]
  nph: {rmst_tau: 24, milestones: [12, 24], max_combo: true}
model:
  type: per_arm
  control: {type: piecewise_exponential, breakpoints: [6], rates: [0.07, 0.0455]}
  experimental: {type: delayed_effect, breakpoints: [3], hazard_ratios: [1, 0.6]}
scenarios:
  - name: delayed-effect
  - name: proportional-0.7
    experimental: {type: delayed_effect, hazard_ratios: [0.7]}
  - name: no-effect
    experimental: {type: delayed_effect, hazard_ratios: [1]}
)";

const std::vector<std::string> NEW_FIGURES = {"power_by_test", "km_arms", "hazard_ratio"};

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

std::filesystem::path run_study(const TempDir& dir, bool report) {
  write_text(dir / "study.yaml", STUDY);
  const auto out = dir / "out";
  std::vector<std::string> arguments{"run", (dir / "study.yaml").string(), "-o", out.string(),
                                     "-q"};
  if (report) arguments.push_back("--report");
  const auto result = run_trialsim(arguments, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return out;
}

// The rows of a gnuplot data block "$name << EOD ... EOD" as numbers (NaN as NaN).
std::vector<std::vector<double>> data_block(const std::string& script, const std::string& name) {
  const std::string start = name + " << EOD\n";
  const auto at = script.find(start);
  REQUIRE(at != std::string::npos);
  const auto end = script.find("EOD\n", at + start.size());
  std::istringstream lines(script.substr(at + start.size(), end - at - start.size()));
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<double> row;
    for (std::string field; fields >> field;)
      row.push_back(field == "NaN" ? NAN : std::stod(field));
    rows.push_back(row);
  }
  return rows;
}

// The rows of a results CSV whose `key` column equals `value`.
std::vector<const std::vector<std::string>*> rows_where(const trialsim::report::CsvTable& table,
                                                        const std::string& key,
                                                        const std::string& value) {
  std::vector<const std::vector<std::string>*> out;
  for (const auto& row : table.rows) {
    if (row[table.column(key)] == value) out.push_back(&row);
  }
  return out;
}

// Every .gp script: no line gnuplot would hand to the shell, no control byte but line feeds.
void check_scripts_are_inert(const std::filesystem::path& figures) {
  for (const auto& id : NEW_FIGURES) {
    const std::string script = read_text(figures / (id + ".gp"));
    INFO(id);
    REQUIRE(trialsim::valid_utf8(script) == script);
    std::istringstream lines(script);
    for (std::string line; std::getline(lines, line);) {
      const auto first = line.find_first_not_of(" \t");
      REQUIRE((first == std::string::npos || line[first] != '!'));
      for (const char c : line) REQUIRE(static_cast<unsigned char>(c) >= 0x20);
      REQUIRE(line.find('\x7f') == std::string::npos);
    }
  }
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Renames a scenario everywhere in a JSON document: string values and object keys.
void rename_in_json(nlohmann::json& j, const std::string& from, const std::string& to) {
  if (j.is_string() && j.get<std::string>() == from) j = to;
  if (j.is_array()) {
    for (auto& element : j) rename_in_json(element, from, to);
  }
  if (j.is_object()) {
    nlohmann::json renamed = nlohmann::json::object();
    for (auto& [key, value] : j.items()) {
      rename_in_json(value, from, to);
      renamed[key == from ? to : key] = value;
    }
    j = renamed;
  }
}

}  // namespace

TEST_CASE("the two-arm report draws survival by arm, the true hazard ratio and power by test",
          "[cli][report][two_arm]") {
  TempDir dir("report-two-arm");
  const auto out = run_study(dir, true);
  const std::string html = read_text(out / "report.html");
  // The figures in page order: the decision figures first, then the curves.
  std::size_t previous = 0;
  for (const std::string id : {"power", "power_by_test", "km_arms", "hazard_ratio"}) {
    INFO(id);
    const auto at = html.find("<figure id=\"fig-" + id + "\"");
    REQUIRE(at != std::string::npos);
    REQUIRE(at > previous);
    previous = at;
    REQUIRE(read_text(out / "figures" / (id + ".png")).substr(1, 3) == "PNG");
  }
  REQUIRE(html.find("This run wrote no Kaplan–Meier bands") == std::string::npos);
  const auto oc = read_oc_table(out / "oc.csv");
  const auto summary = nlohmann::json::parse(read_text(out / "summary.json"));

  // Power by test: per scenario one row per test, in oc.csv's order: index, estimate, 2 MCSE,
  // analytic power (summary.json; NaN for the tests without one).
  const std::string tests = read_text(out / "figures" / "power_by_test.gp");
  const std::vector<std::string> order = {"logrank", "fh_0_0",       "fh_0_1",
                                          "fh_1_0",  "fh_1_1",       "max_combo",
                                          "rmst_24", "milestone_12", "milestone_24"};
  REQUIRE(tests.find("set xtics ('log-rank' 0, 'FH(0,0)' 1, 'FH(0,1)' 2, 'FH(1,0)' 3, 'FH(1,1)' "
                     "4, 'MaxCombo' 5, 'RMST τ=24' 6, 'S(12) diff.' 7, 'S(24) diff.' 8)") !=
          std::string::npos);
  const std::vector<std::string> scenarios = {"delayed-effect", "proportional-0.7", "no-effect"};
  for (std::size_t p = 0; p < scenarios.size(); ++p) {
    const auto rows = data_block(tests, "$tests" + std::to_string(p));
    REQUIRE(rows.size() == order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      INFO(scenarios[p] + " " + order[i]);
      const auto& simulated = oc.at(scenarios[p] + "/" + order[i] + "/rejection_probability");
      REQUIRE(rows[i][0] == static_cast<double>(i));
      REQUIRE(rows[i][1] == Approx(simulated.estimate).epsilon(1e-9));
      REQUIRE(rows[i][2] == Approx(2 * simulated.mcse).epsilon(1e-9).margin(1e-12));
      const auto& analytic = summary["design"]["analytic_power"][scenarios[p]];
      if (analytic.contains(order[i])) {
        REQUIRE(rows[i][3] == Approx(analytic[order[i]].get<double>()).epsilon(1e-9));
      } else {
        REQUIRE(std::isnan(rows[i][3]));
      }
    }
  }
  // The null panel is zoomed (every test rejects about alpha), the others are not.
  REQUIRE(tests.find("set title 'no-effect'\nset yrange [0:0.1]") != std::string::npos);
  REQUIRE(tests.find("set title 'delayed-effect'\nset yrange [0:1.12]") != std::string::npos);
  REQUIRE(tests.find("0.025 with lines dt 3") != std::string::npos);  // alpha
  REQUIRE(tests.find("with points pt 6") != std::string::npos);       // analytic: open circles

  // Survival by arm: the bands are curves.csv's rows (at least half the cohorts estimable), the
  // dashed truths true_curves.csv's.
  const auto curves = read_csv(out / "curves.csv");
  const auto truth = read_csv(out / "true_curves.csv");
  const std::string arms = read_text(out / "figures" / "km_arms.gp");
  for (std::size_t p = 0; p < scenarios.size(); ++p) {
    INFO(scenarios[p]);
    for (const std::string arm : {"control", "experimental"}) {
      std::vector<const std::vector<std::string>*> expected;
      for (const auto* row : rows_where(curves, "scenario", scenarios[p])) {
        if ((*row)[1] == "km_" + arm && number_field((*row)[4]) >= 0.5) expected.push_back(row);
      }
      const auto band = data_block(arms, "$arm" + std::to_string(p) + arm);
      REQUIRE(band.size() == expected.size());
      REQUIRE(band.size() > 20);
      for (std::size_t k = 0; k < band.size(); ++k) {
        for (std::size_t c = 0; c < 4; ++c) {
          const double value = number_field((*expected[k])[c == 0 ? 2 : 4 + c]);
          REQUIRE(band[k][c] == Approx(value).epsilon(1e-9).margin(1e-12));
        }
      }
    }
    const auto true_rows = rows_where(truth, "scenario", scenarios[p]);
    const auto drawn = data_block(arms, "$truth" + std::to_string(p));
    REQUIRE(drawn.size() == true_rows.size());
    REQUIRE(drawn.size() == 241);  // every 0.25 months to 60
    for (std::size_t k = 0; k < drawn.size(); ++k) {
      for (std::size_t c = 0; c < 3; ++c)
        REQUIRE(drawn[k][c] == Approx(number_field((*true_rows[k])[1 + c])).epsilon(1e-9));
    }
  }
  REQUIRE(arms.find("set key at screen 0.5") != std::string::npos);
  REQUIRE(arms.find("set ylabel 'Overall survival (proportion alive)'") != std::string::npos);

  // The true hazard ratio: the delayed effect is 1 for 3 months then 0.6 (the month from 2.25 to
  // 3.25 straddles the change), proportional hazards 0.7 throughout, the null 1; undefined at the
  // last month (no following month) and drawn as missing on the log axis.
  const std::string ratio = read_text(out / "figures" / "hazard_ratio.gp");
  REQUIRE(ratio.find("set logscale y") != std::string::npos);
  REQUIRE(ratio.find("plot 1 with lines dt 3") != std::string::npos);
  const double expected_ratio[] = {0.6, 0.7, 1.0};
  for (std::size_t p = 0; p < scenarios.size(); ++p) {
    INFO(scenarios[p]);
    const auto line = data_block(ratio, "$hr" + std::to_string(p));
    REQUIRE(line.size() == 241);
    for (const auto& point : line) {
      if (point[0] > 59.0) {
        REQUIRE(std::isnan(point[1]));
      } else if (p > 0 || point[0] >= 3.0) {
        REQUIRE(point[1] == Approx(expected_ratio[p]).epsilon(1e-9));
      } else if (point[0] <= 2.0) {
        REQUIRE(point[1] == Approx(1.0).epsilon(1e-9));
      }
    }
  }
}

TEST_CASE("hostile scenario names in a two-arm results directory reach gnuplot only escaped",
          "[hostile][report][two_arm]") {
  TempDir dir("report-two-arm-hostile");
  const auto out = run_study(dir, false);
  const std::string p = dir.path().string();
  const std::string names[] = {
      "n\n!touch " + p + "/pwned\n'quote' \"double\" <b>bold</b> $(touch " + p + "/pwned2)",
      "x\\\n!touch " + p + "/pwned3\r!touch " + p + "/pwned4 `touch " + p +
          "/pwned5` @GPVAL_TERM '; system(\"touch " + p + "/pwned6\") \x1b[31mred",
      "x'; system('touch " + p + "/pwned7'); print '"};
  const std::string plain[] = {"delayed-effect", "proportional-0.7", "no-effect"};
  // Planted in every file the new figures read, as a crafted directory would hold them.
  for (const char* file : {"oc.csv", "curves.csv", "true_curves.csv", "distributions.csv"}) {
    std::string text = read_text(out / file);
    // (Built by append: operator+ chains trip GCC 12's false -Wrestrict, GCC bug 105329.)
    for (std::size_t s = 0; s < 3; ++s) {
      std::string from = "\n", to = "\n";
      from.append(plain[s]).append(",");
      to.append(trialsim::csv_field(names[s])).append(",");
      text = replace_all(text, from, to);
    }
    write_text(out / file, text);
  }
  auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
  for (std::size_t s = 0; s < 3; ++s) rename_in_json(summary, plain[s], names[s]);
  REQUIRE(summary["design"]["analytic_power"].contains(names[0]));
  write_text(out / "summary.json", summary.dump(2));

  const auto outcome = trialsim::write_report(out, dir / "report", out);
  REQUIRE(outcome.figures == std::vector<std::string>{"power", "power_by_test", "km_arms",
                                                      "hazard_ratio", "study_duration"});
  for (int k = 1; k <= 7; ++k)
    REQUIRE_FALSE(std::filesystem::exists(dir / ("pwned" + std::to_string(k))));
  check_scripts_are_inert(dir / "report" / "figures");
  const std::string html = read_text(dir / "report" / "report.html");
  REQUIRE(html.find("<b>bold</b>") == std::string::npos);
  REQUIRE(html.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  // The names are drawn as the panel titles and legend entries, as gp_string writes them.
  for (const auto& id : NEW_FIGURES) {
    INFO(id);
    const std::string script = read_text(dir / "report" / "figures" / (id + ".gp"));
    REQUIRE(script.find("'n\\n!touch ") != std::string::npos);
    REQUIRE(script.find("'x\\\\\\n!touch ") != std::string::npos);
    REQUIRE(script.find("'x' . \"'\" . '; system(' . \"'\" . 'touch ") != std::string::npos);
    if (id != "hazard_ratio") {  // legend entries there are cut to 40 characters
      REQUIRE(script.find("'n\\n!touch " + p + "/pwned\\n' . \"'\" . 'quote' . \"'\"") !=
              std::string::npos);
      REQUIRE(script.find("'x\\\\\\n!touch " + p + "/pwned3\\r!touch ") != std::string::npos);
    }
    REQUIRE(script.find("\n!touch") == std::string::npos);
  }
  // The data blocks hold numbers only: the first panel's analytic log-rank power is the renamed
  // scenario's.
  const auto rows =
      data_block(read_text(dir / "report" / "figures" / "power_by_test.gp"), "$tests0");
  REQUIRE(rows[0][3] ==
          Approx(summary["design"]["analytic_power"][names[0]]["logrank"].get<double>()));
}

TEST_CASE("report refuses a malformed true_curves.csv or analytic power and ignores a missing one",
          "[hostile][report][two_arm]") {
  TempDir dir("report-two-arm-malformed");
  const auto out = run_study(dir, false);
  const std::string truth = read_text(out / "true_curves.csv");
  const auto refused = [&](const std::string& mention) {
    INFO(mention);
    REQUIRE_THROWS_AS(trialsim::report::load_results(out), trialsim::UsageError);
    REQUIRE_THROWS_WITH(trialsim::report::load_results(out),
                        Catch::Contains(mention) && Catch::Contains("expected"));
  };
  const std::size_t first_row_end = truth.find('\n', truth.find('\n') + 1);
  std::string bad = truth.substr(0, first_row_end);
  bad.append("x").append(truth.substr(first_row_end));  // the first row's hazard_ratio
  write_text(out / "true_curves.csv", bad);
  refused("true_curves.csv:");
  refused("hazard_ratio is not a number");
  write_text(out / "true_curves.csv", "scenario,time,control_survival\nno-effect,0,1\n");
  refused("true_curves.csv: no column 'experimental_survival'");
  write_text(out / "true_curves.csv", truth);

  auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
  const std::string original = summary.dump();
  summary["design"]["analytic_power"] = nlohmann::json::array({1, 2});
  write_text(out / "summary.json", summary.dump());
  refused("design.analytic_power is a list, expected an object");
  summary = nlohmann::json::parse(original);
  summary["design"]["analytic_power"]["no-effect"]["logrank"] = "0.9";
  write_text(out / "summary.json", summary.dump());
  refused("design.analytic_power.no-effect.logrank is a string, expected a number");
  summary["design"]["analytic_power"]["no-effect"] = 0.5;
  write_text(out / "summary.json", summary.dump());
  refused("design.analytic_power.no-effect is not an object");

  // Without the truths (and the analytic power): the bands alone, no hazard-ratio figure, power
  // by test without open circles.
  summary = nlohmann::json::parse(original);
  summary["design"].erase("analytic_power");
  write_text(out / "summary.json", summary.dump());
  std::filesystem::remove(out / "true_curves.csv");
  const auto outcome = trialsim::write_report(out, dir / "report", out);
  REQUIRE(outcome.figures ==
          std::vector<std::string>{"power", "power_by_test", "km_arms", "study_duration"});
  const std::string arms = read_text(dir / "report" / "figures" / "km_arms.gp");
  REQUIRE(arms.find("$truth") == std::string::npos);
  REQUIRE(arms.find("$arm0control") != std::string::npos);
  REQUIRE(read_text(dir / "report" / "figures" / "power_by_test.gp").find("pt 6") ==
          std::string::npos);
}

TEST_CASE("the report of the CAR-T vs standard-of-care study opens in headless Chromium",
          "[cli][report][chromium][two_arm]") {
  TempDir dir("report-two-arm-chromium");
  const auto out = dir / "out";
  const auto result =
      run_trialsim({"run", source_path("configs/studies/car-t-vs-standard-of-care.yaml").string(),
                    "-r", "500", "-o", out.string(), "-q", "--report"},
                   dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto log = dir / "chromium.txt";
  const std::string command =
      "python3 " + shell_quote(source_path("tests/report-in-chromium").string()) + " " +
      shell_quote((out / "report.html").string()) +
      " --expect power,power_by_test,km_arms,hazard_ratio,study_duration >" +
      shell_quote(log.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  const std::string check = read_text(log);
  INFO(check);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(check.find("report-in-chromium: OK") != std::string::npos);
  for (const auto& id : NEW_FIGURES)
    REQUIRE(check.find("figure fig-" + id + ": decoded=True") != std::string::npos);
}
