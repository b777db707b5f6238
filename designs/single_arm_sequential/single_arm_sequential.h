#pragma once
// Single-arm studies with sequential decisions on a binary response, optionally with a safety
// stopping rule on a binary adverse event running alongside:
//   * Simon's two-stage design (given, or searched as optimal/minimax for p0, p1, alpha, beta);
//   * Bayesian beta-binomial monitoring: efficacy stop on the posterior probability, futility stop
//     on the predictive probability of final success (Lee & Liu 2008), at chosen looks;
//   * safety: a Bayesian (posterior probability that the toxicity rate exceeds a threshold) or
//     Pocock-type (Ivanova, Qaqish & Schell 2005) boundary checked after every k patients.
// Patients are enrolled one at a time; patient i draws one uniform for response (response
// stream) and one for toxicity (adverse_events stream), shared by all scenarios (common random
// numbers). The trial stops at the first efficacy, futility or safety stop.
#include <optional>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/output.h"
#include "core/rng.h"
#include "statistics/sequential_monitoring.h"
#include "statistics/simon_two_stage.h"

namespace trialsim {

struct SequentialEfficacyRule {
  enum class Kind { simon, bayesian };
  Kind kind = Kind::simon;
  SimonDesign simon;                  // kind simon
  EfficacyFutilityBoundary bayesian;  // kind bayesian (from predictive_monitoring_boundary)
  int max_patients() const { return kind == Kind::simon ? simon.n : bayesian.look_sizes.back(); }
};

struct SingleArmSequentialDesign {
  SequentialEfficacyRule efficacy;
  std::optional<StoppingBoundary> safety;  // looks must not exceed the efficacy maximum
};

struct SequentialScenario {
  std::string name;
  double response_rate = 0.0;
  double toxicity_rate = 0.0;  // of the monitored adverse event
};

struct SequentialReplicate {
  bool success = false;  // H0 rejected (final or early efficacy) before any safety stop
  bool early_efficacy = false;
  bool early_futility = false;  // Simon: stopped after stage 1
  bool safety_stop = false;
  int patients = 0;
};

// One trial from per-patient uniforms (response_u[i] < p responds, toxicity_u[i] < q is toxic).
SequentialReplicate run_sequential_trial(const SingleArmSequentialDesign& design,
                                         const SequentialScenario& scenario,
                                         const std::vector<double>& response_u,
                                         const std::vector<double>& toxicity_u);

class SingleArmSequentialTally {
 public:
  void reset() { *this = SingleArmSequentialTally{}; }
  void add(const SequentialReplicate& r);
  void merge(const SingleArmSequentialTally& o);
  std::vector<OcRow> oc_rows(const SingleArmSequentialDesign& design,
                             const SequentialScenario& scenario) const;

  // Every member, for shard files, checkpoints and MPI (core/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(success_, early_efficacy_, early_futility_, safety_stop_, patients_);
  }

 private:
  MomentAccumulator success_, early_efficacy_, early_futility_, safety_stop_, patients_;
};

// Exact values of the same rows where the maths gives them (NaN otherwise): the efficacy rule
// alone when there is no safety rule; the safety rule alone when the efficacy rule cannot stop
// before its maximum (a Bayesian rule without interim looks).
std::vector<double> exact_sequential_rows(const SingleArmSequentialDesign& design,
                                          const SequentialScenario& scenario);

}  // namespace trialsim
