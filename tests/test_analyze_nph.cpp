// `trialsim analyze` on observed data reports the analyses for non-proportional hazards: checked
// against the R references of the survival fixtures (scripts/r/nph-reference.R: survdiff and the
// FH formulas, RMST and Kaplan–Meier milestone differences).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "edges/analyze/analyze.h"
#include "tests/support.h"

using namespace trialsim;

namespace {

const std::filesystem::path FIXTURES =
    std::filesystem::path(TRIALSIM_SOURCE_DIR) / "tests/fixtures/survival";

// The fixture's time, status and arm columns (the data file also has stratum and x).
SurvivalTable fixture_table(const std::string& name) {
  std::ifstream in(FIXTURES / (name + ".data.csv"));
  std::string line;
  std::getline(in, line);
  SurvivalTable table;
  table.file = name;
  table.columns = {"time", "status", "arm"};
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string t, s, a;
    std::getline(fields, t, ',');
    std::getline(fields, s, ',');
    std::getline(fields, a, ',');
    table.time.push_back(std::stod(t));
    table.status.push_back(std::stoi(s));
    table.arm.push_back(std::stoi(a));
  }
  return table;
}

// Rows of a reference CSV as vectors of fields.
std::vector<std::vector<std::string>> reference_rows(const std::string& file) {
  std::ifstream in(FIXTURES / file);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

}  // namespace

TEST_CASE("analyze reports the NPH analyses as the R reference", "[analyze][nph]") {
  for (const std::string name : {"nph_delayed", "nph_crossing"}) {
    INFO(name);
    AnalyzeSettings settings;
    settings.landmarks = {6, 12};
    settings.tau = 12;
    const auto report = analyze_dataset(fixture_table(name), settings);
    const auto& nph = report["non_proportional_hazards"];
    // FH(rho, gamma): score, variance and z as the reference (rows in the default set's order).
    const auto fh_rows = reference_rows(name + ".fh.csv");
    REQUIRE(nph["fleming_harrington"].size() == 4);
    for (std::size_t k = 0; k < 4; ++k) {
      const auto& ours = nph["fleming_harrington"][k];
      const auto& ref = fh_rows[k];
      REQUIRE(ours["rho"].get<double>() == std::stod(ref[0]));
      REQUIRE(ours["gamma"].get<double>() == std::stod(ref[1]));
      REQUIRE(ours["score"].get<double>() == Approx(std::stod(ref[2])).epsilon(1e-10));
      REQUIRE(ours["variance"].get<double>() == Approx(std::stod(ref[3])).epsilon(1e-10));
      REQUIRE(ours["z"].get<double>() == Approx(std::stod(ref[4])).epsilon(1e-10));
    }
    // RMST at 12 and the milestones at 6 and 12 months (kind,t,estimable,value0,value1,se0,se1,
    // difference,difference_se,...).
    for (const auto& ref : reference_rows(name + ".nph.csv")) {
      if (ref[2] != "1") continue;
      const double t = std::stod(ref[1]);
      if (ref[0] == "rmst" && t == 12.0) {
        REQUIRE(nph["rmst"]["arm0"]["rmst"].get<double>() ==
                Approx(std::stod(ref[3])).epsilon(1e-10));
        REQUIRE(nph["rmst"]["arm1"]["rmst"].get<double>() ==
                Approx(std::stod(ref[4])).epsilon(1e-10));
        REQUIRE(nph["rmst"]["difference_std_err"].get<double>() ==
                Approx(std::stod(ref[8])).epsilon(1e-10));
      }
      if (ref[0] == "milestone" && (t == 6.0 || t == 12.0)) {
        const auto& m = nph["milestones"][t == 6.0 ? 0 : 1];
        REQUIRE(m["t"].get<double>() == t);
        REQUIRE(m["difference"].get<double>() == Approx(std::stod(ref[7])).epsilon(1e-10));
        REQUIRE(m["difference_std_err"].get<double>() == Approx(std::stod(ref[8])).epsilon(1e-10));
      }
    }
    // MaxCombo: the statistic is the largest benefit z of the four.
    double largest = -INFINITY;
    for (const auto& t : nph["fleming_harrington"])
      largest = std::max(largest, -t["z"].get<double>());
    REQUIRE(nph["max_combo"]["statistic"].get<double>() == largest);
    const double p = nph["max_combo"]["p_one_sided_arm1_benefit"].get<double>();
    // Between the best single test's p and the Bonferroni bound.
    double smallest_single = 1.0, bonferroni = 0.0;
    for (const auto& t : nph["fleming_harrington"]) {
      smallest_single = std::min(smallest_single, t["p_one_sided_arm1_benefit"].get<double>());
      bonferroni += t["p_one_sided_arm1_benefit"].get<double>();
    }
    REQUIRE(p >= smallest_single);
    REQUIRE(p <= bonferroni);
  }
}
