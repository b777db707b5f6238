#pragma once
// A future single-arm study of CAR-T in the post-transplant population, simulated from the
// fitted patient model: n patients enter by an accrual model, the data are cut by a trigger, and
// each virtual cohort is analysed as a protocol would:
//   * best overall response: one-sided exact binomial test of H0: ORR <= p0 and two-sided
//     intervals (the same table as the single-arm binary design);
//   * overall survival (all patients) and relapse-free survival (responders) at landmarks:
//     Kaplan–Meier with the chosen interval, its width and its coverage of the model's true value;
//   * CRS (any grade, grade >= 3) and ICANS (any grade) incidence with Clopper–Pearson intervals;
//   * conduct: study duration, median follow-up.
// Scenarios are parameter sets (the fitted point estimate with overrides); they share the
// per-replicate streams, so they are compared on common random numbers.
#include <string>
#include <vector>

#include "engine/accumulator.h"
#include "engine/binomial.h"
#include "engine/conduct.h"
#include "engine/output.h"
#include "engine/survival/kaplan_meier.h"
#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

struct SingleArmCarTDesign {
  int sample_size = 0;
  AccrualModel accrual;
  AnalysisTiming timing;  // an `events` trigger counts deaths
  double null_response_rate = 0.6;
  double alpha = 0.025;
  double confidence_level = 0.95;
  std::vector<IntervalMethod> intervals{ALL_INTERVAL_METHODS.begin(), ALL_INTERVAL_METHODS.end()};
  std::vector<double> landmarks{12.0};
  CiType landmark_ci = CiType::log_log;
};

// The model's true values of what the study estimates (for coverage and bias).
struct CarTTruth {
  double orr = 0.0, crs_any = 0.0, crs_grade3plus = 0.0, icans_any = 0.0;
  std::vector<double> os_at, rfs_at;  // per landmark
};

// Exact where the model gives it in closed form (ORR, ICANS, CRS any); otherwise by simulating
// `patients` uncensored patients from dedicated streams (binomial MC SE <= 0.5 / sqrt(patients)).
// patients = 0: closed-form truths only, survival truths NaN (not tallied).
CarTTruth true_values(const CarTParameters& parameters, const std::vector<double>& landmarks,
                      std::uint64_t seed, int patients = 400000);

struct CarTScenario {
  std::string name;
  CarTParameters parameters;
  CarTTruth truth;
};

struct SingleArmCarTWorkspace {
  std::vector<CarTPatient> patients;
  std::vector<double> entry, death, dropout, time, scratch;
  std::vector<int> status;
  std::vector<std::uint32_t> index;
  SurvivalWorkspace survival;
  KaplanMeierCurve curve;
};

// What one analysed cohort looked like (one row of replicates.csv).
struct CarTReplicateSummary {
  int responses = 0, crs_any = 0, crs_grade3plus = 0, icans_any = 0, deaths = 0;
  double study_duration = 0.0;
};

class SingleArmCarTTally {
 public:
  explicit SingleArmCarTTally(const SingleArmCarTDesign& design);
  void reset();
  void merge(const SingleArmCarTTally& other);
  // Simulates and analyses one cohort of `scenario` for replicate (seed, replicate).
  CarTReplicateSummary simulate_and_add(const SingleArmCarTDesign& design, const SingleArmBinaryTable& table,
                        const CarTScenario& scenario, std::uint64_t seed, std::uint64_t replicate,
                        SingleArmCarTWorkspace& ws);
  std::vector<OcRow> oc_rows(const SingleArmCarTDesign& design, const CarTScenario& scenario) const;

  // Every member, for shard files, checkpoints and MPI (engine/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(rejection_, response_, os_, rfs_, crs_any_, crs_grade3plus_, icans_any_, duration_, follow_up_, deaths_);
  }

 private:
  MomentAccumulator rejection_;
  IntervalEstimateTally response_[INTERVAL_METHOD_COUNT];
  std::vector<IntervalEstimateTally> os_, rfs_;  // per landmark
  IntervalEstimateTally crs_any_, crs_grade3plus_, icans_any_;
  MomentAccumulator duration_, follow_up_, deaths_;
};

}  // namespace trialsim::car_t
