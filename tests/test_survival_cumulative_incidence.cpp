// Aalen-Johansen cumulative incidence and its IJ standard error against survfit with a factor
// status (multi-state), plus unit tests.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "statistics/survival/cumulative_incidence.h"
#include "statistics/survival/kaplan_meier.h"
#include "tests/test_survival_fixtures.h"

using namespace trialsim;
using trialsim::test::check_close;

TEST_CASE("Cumulative incidence matches survfit multi-state", "[survival][cif][fixture]") {
  SurvivalWorkspace ws;
  for (const std::string ds : {"competing", "ties"}) {
    const auto data = test::load_dataset(ds);
    const auto ref = test::read_fixture(ds + ".cif.csv");
    for (std::size_t r = 0; r < ref.rows.size(); ++r) {
      const std::string g = ref.str(r, "group");
      const int cause = static_cast<int>(ref.num(r, "state"));
      const double t = ref.num(r, "t");
      CumulativeIncidenceEstimate e;
      cumulative_incidence(data.view(), ws, cause, {&t, 1}, {&e, 1}, test::group_arm(g));
      const std::string where =
          ds + "/" + g + "/cause " + std::to_string(cause) + " t=" + ref.str(r, "t");
      CHECK(e.estimable == (ref.str(r, "estimable") == "1"));
      check_close(e.cif, ref.num(r, "cif"), "cif", where);
      check_close(e.std_err, ref.num(r, "std_err"), "cif.std_err", where);
    }
  }
}

TEST_CASE("Without competing events the CIF is 1 - KM", "[survival][cif]") {
  const auto d = test::load_dataset("random200");
  SurvivalWorkspace ws;
  KaplanMeierCurve km;
  kaplan_meier(d.view(), ws, km);
  const std::vector<double> times{0.5, 3.0, 6.0, 12.0, 24.0};
  std::vector<CumulativeIncidenceEstimate> out(times.size());
  cumulative_incidence(d.view(), ws, 1, times, out);
  for (std::size_t i = 0; i < times.size(); ++i) {
    CHECK(out[i].estimable);
    CHECK(out[i].cif == Approx(1.0 - survival_at(km, times[i]).surv).margin(1e-14));
  }
  // Input checks.
  const std::vector<double> time{1, 2};
  const std::vector<int> status{1, -1};
  CHECK_THROWS_AS(cumulative_incidence({time, status}, ws, 1, times, out), std::invalid_argument);
  CHECK_THROWS_AS(cumulative_incidence(d.view(), ws, 0, times, out), std::invalid_argument);
}
