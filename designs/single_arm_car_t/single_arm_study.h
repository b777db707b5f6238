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

#include "core/accumulator.h"
#include "core/output.h"
#include "models/car_t/patient_model.h"
#include "models/car_t/truth.h"
#include "models/conduct.h"
#include "statistics/binomial.h"
#include "statistics/survival/cumulative_incidence.h"
#include "statistics/survival/kaplan_meier.h"

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

// Times (months from infusion; DOR: from response) at which every cohort's Kaplan–Meier curves
// of OS, RFS and DOR are tallied, for the report's bands of simulated curves (curves.csv).
inline constexpr double KM_BAND_STEP = 1.0;
inline constexpr int KM_BAND_POINTS = 37;  // 0, 1, ..., 36 months
// Resolution of the tallied survival values (quantiles of the bands are exact to half of it).
inline constexpr double KM_BAND_RESOLUTION = 0.005;
// Bin width of the study-duration histogram (distributions.csv), months.
inline constexpr double DURATION_HISTOGRAM_RESOLUTION = 0.1;

enum class BandEndpoint { os = 0, rfs = 1, dor = 2 };
inline constexpr int BAND_ENDPOINT_COUNT = 3;

struct SingleArmCarTWorkspace {
  std::vector<CarTPatient> patients;
  std::vector<double> entry, death, dropout, time, scratch;
  std::vector<int> status;
  std::vector<std::uint32_t> index;
  SurvivalWorkspace survival;
  KaplanMeierCurve curve;
  std::vector<CumulativeIncidenceEstimate> incidence;  // per landmark (cumulative incidence)
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
  CarTReplicateSummary simulate_and_add(const SingleArmCarTDesign& design,
                                        const SingleArmBinaryTable& table,
                                        const CarTScenario& scenario, std::uint64_t seed,
                                        std::uint64_t replicate, SingleArmCarTWorkspace& ws);
  std::vector<OcRow> oc_rows(const SingleArmCarTDesign& design, const CarTScenario& scenario) const;

  // Distributions behind the report's figures: per band endpoint, the cohorts' KM estimates at
  // time k * KM_BAND_STEP (only cohorts where S(t) is estimable: t within follow-up); the number
  // of responders; the study duration (months from the start of accrual, calendar time 0, to the
  // cut).
  const std::vector<QuantisedDistribution>& km_band(BandEndpoint endpoint) const {
    return km_bands_[static_cast<int>(endpoint)];
  }
  const DiscreteDistribution& responder_counts() const { return responder_counts_; }
  const QuantisedDistribution& duration_histogram() const { return duration_histogram_; }
  std::uint64_t cohorts() const { return rejection_.count(); }

  // Every member, for shard files, checkpoints and MPI (core/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(rejection_, response_, os_, rfs_, crs_any_, crs_grade3plus_, icans_any_, duration_,
            follow_up_, deaths_, km_bands_, responder_counts_, duration_histogram_, cir_);
  }

 private:
  MomentAccumulator rejection_;
  IntervalEstimateTally response_[INTERVAL_METHOD_COUNT];
  std::vector<IntervalEstimateTally> os_, rfs_;  // per landmark
  // Cumulative incidence of relapse among responders, death without relapse competing (the
  // probability DOR's Kaplan–Meier curve is not when deaths compete), per landmark.
  std::vector<IntervalEstimateTally> cir_;
  IntervalEstimateTally crs_any_, crs_grade3plus_, icans_any_;
  MomentAccumulator duration_, follow_up_, deaths_;
  std::vector<QuantisedDistribution> km_bands_[BAND_ENDPOINT_COUNT];  // per endpoint, per band time
  DiscreteDistribution responder_counts_;
  QuantisedDistribution duration_histogram_{DURATION_HISTOGRAM_RESOLUTION};
};

}  // namespace trialsim::car_t
