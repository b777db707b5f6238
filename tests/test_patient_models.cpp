// The patient-model interface (models/patient_model.h): what each model provides, its draws, its
// true survival, and that the CAR-T model behind it is the CAR-T model (bit for bit).
#include <catch2/catch.hpp>
#include <cmath>
#include <thread>
#include <vector>

#include "models/car_t/car_t_patient_model.h"
#include "models/car_t/truth.h"
#include "models/patient_model.h"

using namespace trialsim;

TEST_CASE("the exponential model: time to the endpoint's event, nothing else", "[patient_model]") {
  const ExponentialEventModel model(0.1);
  REQUIRE(model.provides(PatientOutcome::overall_survival));
  REQUIRE(model.provides(PatientOutcome::event_free_survival));
  REQUIRE_FALSE(model.provides(PatientOutcome::response));
  REQUIRE_FALSE(model.provides(PatientOutcome::crs_grade3plus));
  REQUIRE(model.missing_reason(PatientOutcome::response).find("not response") != std::string::npos);
  REQUIRE(model.true_survival(PatientOutcome::overall_survival, {5.0})[0] ==
          Approx(std::exp(-0.5)).epsilon(1e-15));
  REQUIRE(std::isnan(model.true_survival(PatientOutcome::response, {5.0})[0]));
  REQUIRE(model.constant_hazard(PatientOutcome::overall_survival) == 0.1);
  // Mean event time 1/hazard = 10, SD 10: within 4 MCSE over 100 000 patients.
  PatientStreams streams(11, 0, 1);
  SimulatedPatient patient;
  double sum = 0.0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    model.simulate(streams, patient);
    sum += patient.event_time[static_cast<int>(PatientOutcome::overall_survival)];
  }
  REQUIRE(std::abs(sum / n - 10.0) <= 4.0 * 10.0 / std::sqrt(n));
}

TEST_CASE("cohort 0 streams are the CAR-T model's streams; other cohorts differ",
          "[patient_model]") {
  PatientStreams plain(5, 3), same(5, 3, 0), arm(5, 3, 1);
  REQUIRE(plain.outcomes() == make_stream(5, 3, StreamPurpose::outcomes)());
  REQUIRE(same.covariates() == make_stream(5, 3, StreamPurpose::covariates)());
  REQUIRE(arm.outcomes() != make_stream(5, 3, StreamPurpose::outcomes)());
}

TEST_CASE("the CAR-T model behind the interface is car_t::simulate_patient", "[patient_model]") {
  const car_t::CarTParameters parameters;  // the built-in defaults
  const car_t::CarTPatientModel model(parameters, 99, 200000);
  REQUIRE(model.provides(PatientOutcome::response));
  REQUIRE(model.provides(PatientOutcome::overall_survival));
  REQUIRE_FALSE(model.provides(PatientOutcome::relapse_free_survival));
  REQUIRE(model.missing_reason(PatientOutcome::relapse_free_survival).find("responders only") !=
          std::string::npos);
  REQUIRE(std::isnan(model.constant_hazard(PatientOutcome::overall_survival)));
  PatientStreams a(1, 2, 1), b(1, 2, 1);
  car_t::CarTPatient direct;
  SimulatedPatient through;
  for (int i = 0; i < 1000; ++i) {
    car_t::simulate_patient(parameters, a, direct);
    model.simulate(b, through);
    REQUIRE(through.responded == direct.responded);
    REQUIRE(through.crs_grade == direct.crs_grade);
    REQUIRE(through.event_time[static_cast<int>(PatientOutcome::overall_survival)] ==
            direct.trajectory.death_time);
    const double efs = direct.responded
                           ? std::min(direct.trajectory.relapse_time, direct.trajectory.death_time)
                           : 0.0;
    REQUIRE(through.event_time[static_cast<int>(PatientOutcome::event_free_survival)] == efs);
  }
  // True OS at 12 months agrees with car_t::true_values (both by simulation: 200 000 and 400 000
  // patients; binomial SEs <= 0.5/sqrt(n), 4 combined SEs).
  const double interface_truth = model.true_survival(PatientOutcome::overall_survival, {12.0})[0];
  const double truth = car_t::true_values(parameters, {12.0}, 3).os_at[0];
  REQUIRE(std::abs(interface_truth - truth) <=
          4.0 * std::hypot(0.5 / std::sqrt(200000.0), 0.5 / std::sqrt(400000.0)));
  // EFS <= OS at every time (an EFS event comes no later than death).
  const auto efs = model.true_survival(PatientOutcome::event_free_survival, {6.0, 12.0});
  const auto os = model.true_survival(PatientOutcome::overall_survival, {6.0, 12.0});
  REQUIRE(efs[0] <= os[0]);
  REQUIRE(efs[1] <= os[1]);
}

TEST_CASE("the CAR-T model's true curve is simulated once and the same on every request",
          "[patient_model]") {
  // The sorted truth times are kept per outcome after the first request (a study asks for the
  // same curve on several grids). A later request, a copy of the model, another thread and a
  // fresh model with the same parameters all give the same bits; another outcome its own curve.
  const car_t::CarTParameters parameters;
  const car_t::CarTPatientModel model(parameters, 11, 50000);
  const std::vector<double> grid{0.0, 1.5, 6.0, 12.0, 24.0, 60.0};
  const auto os = model.true_survival(PatientOutcome::overall_survival, grid);
  const auto fresh = car_t::CarTPatientModel(parameters, 11, 50000)
                         .true_survival(PatientOutcome::overall_survival, grid);
  REQUIRE(os == fresh);
  REQUIRE(model.true_survival(PatientOutcome::overall_survival, grid) == os);
  const car_t::CarTPatientModel copy = model;
  REQUIRE(copy.true_survival(PatientOutcome::overall_survival, {12.0})[0] == os[3]);
  // Requests from two threads at once, on a model that has not simulated yet.
  const car_t::CarTPatientModel shared(parameters, 11, 50000);
  std::vector<double> from_thread;
  std::thread other(
      [&] { from_thread = shared.true_survival(PatientOutcome::overall_survival, grid); });
  const auto here = shared.true_survival(PatientOutcome::overall_survival, grid);
  other.join();
  REQUIRE(here == os);
  REQUIRE(from_thread == os);
  // EFS is its own curve (non-response an event at 0: below OS), not the cached OS.
  const auto efs = model.true_survival(PatientOutcome::event_free_survival, grid);
  REQUIRE(efs[2] < os[2]);
  REQUIRE(os[0] == 1.0);
  // Another truth seed gives another (close) curve: the comparison above can fail.
  const auto other_seed = car_t::CarTPatientModel(parameters, 12, 50000)
                              .true_survival(PatientOutcome::overall_survival, grid);
  REQUIRE(other_seed != os);
  REQUIRE(std::abs(other_seed[3] - os[3]) <= 4.0 * std::sqrt(2.0) * 0.5 / std::sqrt(50000.0));
}
