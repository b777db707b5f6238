// Group-sequential boundaries and crossing probabilities (statistics/group_sequential.h) against
// rpact 3.3.4 (scripts/r/group-sequential-reference.R -> tests/fixtures/group_sequential/).
//
// Tolerances: rpact solves its boundaries to 1e-8 in alpha and our Simpson grid (r = 32) puts
// boundaries within 1e-7 and probabilities within 3e-8 of their converged values, so boundaries
// are compared to 1e-6 and probabilities to 1e-7. Identities that hold by construction (alpha
// spent, H0 sums) to 1e-9. Set TRIALSIM_GS_REPORT=1 to print the worst absolute deviation from
// rpact per design.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "statistics/group_sequential.h"

#ifndef TRIALSIM_SOURCE_DIR
#error "TRIALSIM_SOURCE_DIR must be defined as the repository root"
#endif

using namespace trialsim;

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// One fixture CSV as rows of column name -> text.
using Row = std::map<std::string, std::string>;

std::vector<Row> read_csv(const std::string& file) {
  const std::string path =
      std::string(TRIALSIM_SOURCE_DIR) + "/tests/fixtures/group_sequential/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  auto split = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) out.push_back(field);
    return out;
  };
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line);
    Row row;
    for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = fields.at(i);
    rows.push_back(std::move(row));
  }
  return rows;
}

double num(const Row& row, const std::string& column) {
  const std::string& s = row.at(column);
  return s == "NA" ? std::numeric_limits<double>::quiet_NaN() : std::stod(s);
}

// One rpact design, gathered from the rows of boundaries.csv.
struct ReferenceDesign {
  std::string name;
  SpendingFunction spending = SpendingFunction::obrien_fleming;
  double gamma = 0.0;
  std::vector<double> fractions, critical, alpha_spent, spending_function, futility;
};

std::vector<ReferenceDesign> reference_designs() {
  std::vector<ReferenceDesign> designs;
  for (const Row& row : read_csv("boundaries.csv")) {
    if (designs.empty() || designs.back().name != row.at("design")) {
      ReferenceDesign d;
      d.name = row.at("design");
      const std::string& type = row.at("spending");
      d.spending = type == "asOF"  ? SpendingFunction::obrien_fleming
                   : type == "asP" ? SpendingFunction::pocock
                                   : SpendingFunction::hwang_shih_decani;
      d.gamma = num(row, "gamma");
      designs.push_back(d);
    }
    ReferenceDesign& d = designs.back();
    d.fractions.push_back(num(row, "fraction"));
    d.critical.push_back(num(row, "critical"));
    d.alpha_spent.push_back(num(row, "alpha_spent"));
    d.spending_function.push_back(num(row, "spending_function"));
    d.futility.push_back(num(row, "futility"));
  }
  return designs;
}

GroupSequentialDesign make_design(const ReferenceDesign& ref) {
  GroupSequentialDesign d = lan_demets_boundaries(ref.fractions, 0.025, ref.spending, ref.gamma);
  if (!std::isnan(ref.futility.front())) {
    d = with_futility(d, std::vector<double>(ref.futility.begin(), ref.futility.end() - 1));
  }
  return d;
}

// Worst absolute deviation from rpact per design and quantity, printed on request at exit.
struct Report {
  std::map<std::string, double> worst;
  void note(const std::string& key, double deviation) {
    double& w = worst[key];
    w = std::max(w, deviation);
  }
  ~Report() {
    if (std::getenv("TRIALSIM_GS_REPORT") == nullptr) return;
    std::cout << "worst absolute deviation from rpact:\n";
    for (const auto& [key, value] : worst) std::cout << "  " << key << ": " << value << "\n";
  }
};
Report report;

}  // namespace

TEST_CASE("efficacy boundaries match rpact's criticalValues", "[group_sequential]") {
  const auto designs = reference_designs();
  REQUIRE(designs.size() == 16);
  for (const ReferenceDesign& ref : designs) {
    const GroupSequentialDesign d = make_design(ref);
    REQUIRE(d.efficacy.size() == ref.critical.size());
    for (std::size_t k = 0; k < ref.critical.size(); ++k) {
      CAPTURE(ref.name, k);
      REQUIRE(std::abs(d.efficacy[k] - ref.critical[k]) < 1e-6);
      report.note(ref.name + " boundaries", std::abs(d.efficacy[k] - ref.critical[k]));
    }
  }
}

TEST_CASE("cumulative alpha spent equals the spending function", "[group_sequential]") {
  for (const ReferenceDesign& ref : reference_designs()) {
    const std::vector<double> spent = spent_alpha(ref.fractions, 0.025, ref.spending, ref.gamma);
    const GroupSequentialDesign d = make_design(ref);
    // Under H0, ignoring the (non-binding) futility bounds, the stage-wise rejection
    // probabilities are the spending increments.
    const CrossingProbabilities h0 = crossing_probabilities(d, 0.0);
    double previous = 0.0, cumulative = 0.0;
    for (std::size_t k = 0; k < spent.size(); ++k) {
      CAPTURE(ref.name, k);
      REQUIRE(spent[k] == Approx(ref.spending_function[k]).epsilon(1e-13));
      // rpact reports alpha - 1e-8 (its tolerance) as the final alphaSpent.
      REQUIRE(std::abs(spent[k] - ref.alpha_spent[k]) < 1.01e-8);
      cumulative += h0.efficacy[k];
      REQUIRE(std::abs(h0.efficacy[k] - (spent[k] - previous)) < 1e-10);
      REQUIRE(std::abs(cumulative - spent[k]) < 1e-10);
      previous = spent[k];
    }
    REQUIRE(spent.back() == 0.025);
    REQUIRE(std::abs(h0.power - 0.025) < 1e-8);
  }
}

TEST_CASE("crossing probabilities match rpact under H0 and under the design drift",
          "[group_sequential]") {
  const auto designs = reference_designs();
  std::map<std::string, GroupSequentialDesign> by_name;
  for (const ReferenceDesign& ref : designs) by_name[ref.name] = make_design(ref);
  const std::vector<Row> rows = read_csv("crossing.csv");
  REQUIRE(rows.size() == 112);
  for (std::size_t i = 0; i < rows.size();) {
    const std::string name = rows[i].at("design");
    const std::string drift_name = rows[i].at("drift_name");
    const GroupSequentialDesign& d = by_name.at(name);
    // rpact stops at the futility bounds: the binding probabilities.
    const CrossingProbabilities p = crossing_probabilities(d, num(rows[i], "drift"), true);
    CAPTURE(name, drift_name);
    const std::size_t K = d.efficacy.size();
    for (std::size_t k = 0; k < K; ++k, ++i) {
      const Row& row = rows[i];
      CAPTURE(k);
      REQUIRE(std::abs(p.efficacy[k] - num(row, "efficacy")) < 1e-7);
      report.note(name + " crossing", std::abs(p.efficacy[k] - num(row, "efficacy")));
      if (k + 1 < K) {
        REQUIRE(std::abs(p.futility[k] - num(row, "futility")) < 1e-7);
        report.note(name + " crossing", std::abs(p.futility[k] - num(row, "futility")));
      }
    }
    const Row& last = rows[i - 1];
    REQUIRE(std::abs(p.power - num(last, "power")) < 1e-7);
    REQUIRE(std::abs(p.expected_fraction - num(last, "expected_fraction")) < 1e-7);
    report.note(name + " crossing", std::abs(p.power - num(last, "power")));
    report.note(name + " crossing", std::abs(p.expected_fraction - num(last, "expected_fraction")));
    // Every trial stops somewhere.
    const double total = std::accumulate(p.efficacy.begin(), p.efficacy.end(), 0.0) +
                         std::accumulate(p.futility.begin(), p.futility.end(), 0.0);
    REQUIRE(total == Approx(1.0).epsilon(1e-12));
    // rpact's shift for beta = 0.2 gives power 1 - beta (following the futility rule).
    if (drift_name == "h1") REQUIRE(std::abs(p.power - 0.8) < 1e-6);
  }
}

TEST_CASE("futility bounds are non-binding: efficacy boundaries ignore them",
          "[group_sequential]") {
  const std::vector<double> t{0.3, 0.7, 1.0};
  const GroupSequentialDesign plain =
      lan_demets_boundaries(t, 0.025, SpendingFunction::obrien_fleming);
  REQUIRE(plain.futility == std::vector<double>{-INF, -INF, plain.efficacy.back()});
  const GroupSequentialDesign fut = with_futility(plain, std::vector<double>{0.0, 0.5});
  REQUIRE(fut.efficacy == plain.efficacy);
  REQUIRE(fut.futility == std::vector<double>{0.0, 0.5, plain.efficacy.back()});

  for (double drift : {0.0, 1.5, 2.8}) {
    CAPTURE(drift);
    const CrossingProbabilities ignore = crossing_probabilities(fut, drift, false);
    const CrossingProbabilities follow = crossing_probabilities(fut, drift, true);
    const CrossingProbabilities none = crossing_probabilities(plain, drift, true);
    // Non-binding: efficacy, power and expected fraction are those of the efficacy-only design;
    // the futility vector is the binding one.
    for (std::size_t k = 0; k < t.size(); ++k) {
      REQUIRE(ignore.efficacy[k] == Approx(none.efficacy[k]).epsilon(1e-12));
      REQUIRE(ignore.futility[k] == follow.futility[k]);
    }
    REQUIRE(ignore.power == Approx(none.power).epsilon(1e-12));
    REQUIRE(ignore.expected_fraction == Approx(none.expected_fraction).epsilon(1e-12));
    // Following the futility rule loses power and shortens the trial.
    REQUIRE(follow.power < ignore.power);
    REQUIRE(follow.expected_fraction < ignore.expected_fraction);
  }
  REQUIRE(std::abs(crossing_probabilities(fut, 0.0, false).power - 0.025) < 1e-8);
}

TEST_CASE("special cases of the spending functions", "[group_sequential]") {
  const std::vector<double> t{0.2, 0.5, 0.9, 1.0};
  // Hwang-Shih-DeCani with gamma = 0 is linear spending; Pocock-type spends log(1 + (e-1)t).
  const std::vector<double> linear =
      spent_alpha(t, 0.025, SpendingFunction::hwang_shih_decani, 0.0);
  for (std::size_t k = 0; k < t.size(); ++k) REQUIRE(linear[k] == Approx(0.025 * t[k]));
  REQUIRE(alpha_spending(0.0, 0.025, SpendingFunction::obrien_fleming) == 0.0);
  REQUIRE(alpha_spending(1.0, 0.025, SpendingFunction::pocock) == Approx(0.025).epsilon(1e-15));
  REQUIRE(alpha_spending(0.5, 0.025, SpendingFunction::hwang_shih_decani, 1e-12) ==
          Approx(0.0125).epsilon(1e-10));
  // One look: the fixed-sample critical value z_{0.975}.
  const std::vector<double> one{1.0};
  const GroupSequentialDesign fixed = lan_demets_boundaries(one, 0.025, SpendingFunction::pocock);
  REQUIRE(fixed.efficacy[0] == Approx(1.959963984540054).epsilon(1e-12));
  REQUIRE(crossing_probabilities(fixed, 2.8).power ==
          Approx(0.5 * std::erfc((1.959963984540054 - 2.8) / std::sqrt(2.0))).epsilon(1e-12));
  // A first look so early that O'Brien-Fleming spends nothing in double precision: c = +inf.
  const std::vector<double> early{1e-4, 1.0};
  const GroupSequentialDesign d =
      lan_demets_boundaries(early, 0.025, SpendingFunction::obrien_fleming);
  REQUIRE(d.efficacy[0] == INF);
  REQUIRE(d.efficacy[1] == Approx(1.959963984540054).epsilon(1e-8));
  REQUIRE(crossing_probabilities(d, 0.0).power == Approx(0.025).epsilon(1e-8));
}

TEST_CASE("group-sequential arguments are checked", "[group_sequential]") {
  using Catch::Matchers::Contains;
  const auto OF = SpendingFunction::obrien_fleming;
  const std::vector<double> good{0.5, 1.0};
  REQUIRE_THROWS_WITH(
      lan_demets_boundaries(std::vector<double>{0.5, 0.9}, 0.025, OF),
      Contains("lan_demets_boundaries: fractions[1] is 0.9") && Contains("1 (the final look)"));
  REQUIRE_THROWS_WITH(lan_demets_boundaries(std::vector<double>{0.6, 0.5, 1.0}, 0.025, OF),
                      Contains("fractions[1] is 0.5") && Contains("strictly increasing"));
  REQUIRE_THROWS_WITH(lan_demets_boundaries(std::vector<double>{0.0, 1.0}, 0.025, OF),
                      Contains("fractions[0] is 0"));
  REQUIRE_THROWS_WITH(lan_demets_boundaries(std::vector<double>{}, 0.025, OF),
                      Contains("fractions.size() is 0"));
  REQUIRE_THROWS_WITH(lan_demets_boundaries(good, 0.5, OF),
                      Contains("alpha is 0.5, but must be in (0, 0.5)"));
  REQUIRE_THROWS_WITH(spent_alpha(good, 0.025, SpendingFunction::hwang_shih_decani, NAN),
                      Contains("spent_alpha: gamma is nan"));
  REQUIRE_THROWS_WITH(alpha_spending(1.5, 0.025, OF), Contains("alpha_spending: t is 1.5"));

  const GroupSequentialDesign d = lan_demets_boundaries(good, 0.025, OF);
  REQUIRE_THROWS_WITH(with_futility(d, std::vector<double>{0.0, 0.0}),
                      Contains("with_futility: interim_futility.size() is 2"));
  REQUIRE_THROWS_WITH(with_futility(d, std::vector<double>{3.0}),
                      Contains("with_futility: design.futility[0] is 3"));
  REQUIRE_THROWS_WITH(crossing_probabilities(d, INF),
                      Contains("crossing_probabilities: drift is inf, but must be finite"));
  GroupSequentialDesign bad = d;
  bad.futility.pop_back();
  REQUIRE_THROWS_WITH(crossing_probabilities(bad, 0.0), Contains("design.futility.size() is 1"));
  bad = d;
  bad.futility.back() = 0.0;
  REQUIRE_THROWS_WITH(crossing_probabilities(bad, 0.0),
                      Contains("design.futility[1] is 0") && Contains("final look"));
}

// ---- Boundaries on the observed information (ObservedInformationBoundaries) -------------------

TEST_CASE("observed information equal to the spending time gives lan_demets_boundaries exactly",
          "[group_sequential][observed_information]") {
  const std::vector<double> t{0.3, 0.55, 0.8, 1.0};
  for (const SpendingFunction f : {SpendingFunction::obrien_fleming, SpendingFunction::pocock,
                                   SpendingFunction::hwang_shih_decani}) {
    const GroupSequentialDesign planned = lan_demets_boundaries(t, 0.025, f, -4.0);
    ObservedInformationBoundaries observed(0.025, f, -4.0, 32);
    for (int trial = 0; trial < 2; ++trial) {  // the second after reset(): buffers reused
      observed.reset();
      for (std::size_t k = 0; k < t.size(); ++k)
        REQUIRE(observed.next(t[k], t[k]) == planned.efficacy[k]);
    }
  }
}

TEST_CASE("boundaries on observed information spend alpha(s_k) under the observed correlation",
          "[group_sequential][observed_information]") {
  // A weighted log-rank test whose information grows more slowly than the event fraction (late
  // weights): spending times s = event fractions, information I from the test. Re-integrating
  // under Corr(Z_i, Z_j) = sqrt(I_i / I_j) (crossing_probabilities on the fractions I / I_K)
  // must give the cumulative exit alpha(s_k) at every look and alpha overall, to the grid's
  // accuracy (3e-8, header) -- a test that fails if the boundaries used the spending times as
  // the correlation.
  const std::vector<double> s{0.4, 0.7, 1.0};
  const std::vector<double> information{11.0, 36.5, 80.0};
  ObservedInformationBoundaries tracker(0.025, SpendingFunction::obrien_fleming, 0.0, 32);
  GroupSequentialDesign d;
  for (std::size_t k = 0; k < s.size(); ++k) {
    d.efficacy.push_back(tracker.next(s[k], information[k]));
    d.information_fractions.push_back(information[k] / information.back());
  }
  d.information_fractions.back() = 1.0;
  d.futility.assign(3, -INF);
  d.futility.back() = d.efficacy.back();
  d.alpha = 0.025;
  const CrossingProbabilities h0 = crossing_probabilities(d, 0.0);
  double cumulative = 0.0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    cumulative += h0.efficacy[k];
    REQUIRE(cumulative ==
            Approx(alpha_spending(s[k], 0.025, SpendingFunction::obrien_fleming)).margin(3e-8));
  }
  REQUIRE(h0.power == Approx(0.025).margin(3e-8));
  // The planned boundaries (correlation from s) differ: the test is sensitive to the difference.
  const GroupSequentialDesign planned =
      lan_demets_boundaries(s, 0.025, SpendingFunction::obrien_fleming);
  REQUIRE(std::abs(planned.efficacy[1] - d.efficacy[1]) > 1e-3);
  REQUIRE(tracker.looks_made() == 3);
}

TEST_CASE("a look without new information or new spending carries its alpha to the next",
          "[group_sequential][observed_information]") {
  ObservedInformationBoundaries tracker(0.025, SpendingFunction::pocock, 0.0, 32);
  const double c1 = tracker.next(0.5, 40.0);
  REQUIRE(tracker.next(0.6, 40.0) == INF);  // no new events: no look
  REQUIRE(tracker.next(0.4, 50.0) == INF);  // spending time before the last: no new alpha
  REQUIRE(tracker.looks_made() == 1);
  const double c2 = tracker.next(1.0, 80.0);
  // Two looks at information 40 and 80 spending alpha(0.5) then the rest: the planned design.
  const std::vector<double> planned_t{0.5, 1.0};
  const GroupSequentialDesign planned =
      lan_demets_boundaries(planned_t, 0.025, SpendingFunction::pocock);
  REQUIRE(c1 == planned.efficacy[0]);
  REQUIRE(c2 == Approx(planned.efficacy[1]).margin(1e-9));  // information 40, 80 = 0.5, 1 scaled
  // A spending time beyond 1 is clamped: everything is spent, later looks get +infinity.
  ObservedInformationBoundaries over(0.025, SpendingFunction::obrien_fleming);
  const double all = over.next(1.7, 10.0);
  REQUIRE(all == Approx(1.959963984540054).margin(1e-9));
  REQUIRE(over.next(1.0, 20.0) == INF);
  REQUIRE_THROWS_WITH(ObservedInformationBoundaries(0.6, SpendingFunction::pocock),
                      Catch::Matchers::Contains("alpha"));
}

TEST_CASE("the per-cohort grid puts boundaries within 2e-5 of the fine grid's",
          "[group_sequential][observed_information]") {
  // OBSERVED_INFORMATION_GRID_R against r = 32 (itself within 1e-7 of converged), four looks with
  // unequal information, every spending function: the worst difference is what the header says.
  const std::vector<double> s{0.25, 0.5, 0.75, 1.0};
  const std::vector<double> information{7.0, 19.0, 41.0, 70.0};
  double worst = 0.0;
  for (const SpendingFunction f : {SpendingFunction::obrien_fleming, SpendingFunction::pocock,
                                   SpendingFunction::hwang_shih_decani}) {
    ObservedInformationBoundaries coarse(0.025, f, -2.0), fine(0.025, f, -2.0, 32);
    for (std::size_t k = 0; k < s.size(); ++k) {
      const double c = coarse.next(s[k], information[k]);
      const double reference = fine.next(s[k], information[k]);
      worst = std::max(worst, std::abs(c - reference));
    }
  }
  INFO("worst boundary difference " << worst);
  REQUIRE(worst < 2e-5);
  REQUIRE(worst > 0.0);  // a coarser grid: not the same numbers
}

TEST_CASE("boundaries on observed information equal mvtnorm's (R reference)",
          "[group_sequential][observed_information]") {
  // scripts/r/observed-information-reference.R: each boundary from its definition with
  // mvtnorm::pmvnorm (Miwa) and uniroot. The fine grid (r = 32) within 1e-6 (header: 1e-7 from
  // converged, R's probabilities to ~1e-11), the per-cohort grid within 2e-5.
  const std::vector<Row> rows = read_csv("observed_information.csv");
  REQUIRE(rows.size() == 10);
  std::string current;
  ObservedInformationBoundaries fine(0.025, SpendingFunction::pocock, 0.0, 32);
  ObservedInformationBoundaries coarse(0.025, SpendingFunction::pocock);
  for (const Row& row : rows) {
    if (row.at("design") != current) {
      current = row.at("design");
      const std::string name = row.at("spending");
      const SpendingFunction f = name == "obrien_fleming" ? SpendingFunction::obrien_fleming
                                 : name == "pocock"       ? SpendingFunction::pocock
                                                          : SpendingFunction::hwang_shih_decani;
      const double gamma = std::stod(row.at("gamma"));
      fine = ObservedInformationBoundaries(0.025, f, gamma, 32);
      coarse = ObservedInformationBoundaries(0.025, f, gamma);
    }
    const double s = std::stod(row.at("spending_time"));
    const double information = std::stod(row.at("information"));
    const double reference = std::stod(row.at("boundary"));
    INFO(current << " look " << row.at("look"));
    CHECK(fine.next(s, information) == Approx(reference).margin(1e-6));
    CHECK(coarse.next(s, information) == Approx(reference).margin(2e-5));
  }
}
