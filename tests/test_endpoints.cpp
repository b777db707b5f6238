// Endpoint derivation (models/endpoints.h): the conventions for OS, RFS, DOR, EFS and CIR.
#include <catch2/catch.hpp>

#include "models/endpoints.h"

using namespace trialsim;

namespace {
constexpr double NONE = std::numeric_limits<double>::infinity();

void require_outcome(const ObservedOutcome& o, bool in_population, double time, int status) {
  REQUIRE(o.in_population == in_population);
  if (!in_population) return;
  REQUIRE(o.time == Approx(time).margin(1e-12));
  REQUIRE(o.status == status);
}
}  // namespace

TEST_CASE("responder who relapses then dies", "[endpoints]") {
  const PatientTrajectory p{true, 1.0, 6.0, 9.0, NONE};
  require_outcome(observe_endpoint(Endpoint::overall_survival, p, 24.0), true, 9.0, 1);
  require_outcome(observe_endpoint(Endpoint::relapse_free_survival, p, 24.0), true, 6.0, 1);
  require_outcome(observe_endpoint(Endpoint::duration_of_response, p, 24.0), true, 5.0,
                  1);  // 6 - 1
  require_outcome(observe_endpoint(Endpoint::event_free_survival, p, 24.0), true, 6.0, 1);
  require_outcome(observe_endpoint(Endpoint::cumulative_incidence_of_relapse, p, 24.0), true, 6.0,
                  1);
  // Cut at month 7: OS censored at 7, RFS event at 6 stays.
  require_outcome(observe_endpoint(Endpoint::overall_survival, p, 7.0), true, 7.0, 0);
  require_outcome(observe_endpoint(Endpoint::relapse_free_survival, p, 7.0), true, 6.0, 1);
}

TEST_CASE("responder who dies in remission: competing risk for relapse", "[endpoints]") {
  const PatientTrajectory p{true, 1.0, NONE, 4.0, NONE};
  // DOR: death in remission censors the response duration at 4 - 1 = 3 months.
  require_outcome(observe_endpoint(Endpoint::duration_of_response, p, 24.0), true, 3.0, 0);
  require_outcome(observe_endpoint(Endpoint::cumulative_incidence_of_relapse, p, 24.0), true, 4.0,
                  2);
  require_outcome(observe_endpoint(Endpoint::relapse_free_survival, p, 24.0), true, 4.0, 1);
}

TEST_CASE("non-responder: EFS event at day 0, out of the responders-only endpoints",
          "[endpoints]") {
  const PatientTrajectory p{false, 0.0, NONE, 3.0, NONE};
  require_outcome(observe_endpoint(Endpoint::event_free_survival, p, 24.0), true, 0.0, 1);
  require_outcome(observe_endpoint(Endpoint::overall_survival, p, 24.0), true, 3.0, 1);
  REQUIRE_FALSE(observe_endpoint(Endpoint::relapse_free_survival, p, 24.0).in_population);
  REQUIRE_FALSE(observe_endpoint(Endpoint::duration_of_response, p, 24.0).in_population);
  REQUIRE_FALSE(observe_endpoint(Endpoint::cumulative_incidence_of_relapse, p, 24.0).in_population);
}

TEST_CASE("loss to follow-up and a response not yet seen at the cut", "[endpoints]") {
  const PatientTrajectory lost{true, 1.0, 10.0, NONE, 4.5};
  require_outcome(observe_endpoint(Endpoint::relapse_free_survival, lost, 24.0), true, 4.5, 0);
  require_outcome(observe_endpoint(Endpoint::duration_of_response, lost, 24.0), true, 3.5, 0);
  const PatientTrajectory early{true, 1.0, NONE, NONE, NONE};
  REQUIRE_FALSE(observe_endpoint(Endpoint::duration_of_response, early, 0.5).in_population);
  require_outcome(observe_endpoint(Endpoint::overall_survival, early, 0.5), true, 0.5, 0);
}
