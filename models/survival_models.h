#pragma once
// Parametric survival models of one arm's time to the endpoint's event (issue 16, item 1), behind
// the patient-model interface (models/patient_model.h), beside ExponentialEventModel:
//
//   PiecewiseExponentialModel  hazard rates[k] on [b_{k-1}, b_k) (b_0 = 0, b_K+1 = infinity):
//                              the rpact/simtrial convention (rpact getPiecewiseSurvivalTime,
//                              simtrial fail_rate durations)
//   WeibullEventModel          S(t) = exp(-(t/scale)^shape)
//   MixtureCureModel           S(t) = pi + (1 - pi) S_u(t), S_u exponential or Weibull
//   DelayedEffectModel         an experimental arm's hazard HR_k x the control arm's
//                              (piecewise-)exponential hazard on each interval of its own
//                              breakpoints: again a piecewise exponential model
//
// Like the exponential model each gives the time to the event of whichever endpoint the design
// analyses (overall, event-free or relapse-free survival counted for every patient) and nothing
// else, and draws a fixed number of values per patient from `outcomes` whatever happens (one
// Exp(1) for the piecewise, Weibull and delayed-effect models, one uniform then one Exp(1) for the
// mixture cure model), so scenarios that change only parameters keep common random numbers.
// Constructors throw std::invalid_argument on parameters outside their domain (the config reader,
// designs/arm_models.cpp, refuses them first with located messages). Immutable once built.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/patient_model.h"

namespace trialsim {

class PiecewiseExponentialModel final : public PatientModel {
 public:
  // `breakpoints` strictly increasing, the first > 0 (empty: one piece, the exponential model);
  // `rates` one more than the breakpoints, each > 0 and finite.
  PiecewiseExponentialModel(std::vector<double> breakpoints, std::vector<double> rates);
  std::string_view type() const override { return "piecewise_exponential"; }
  bool provides(PatientOutcome outcome) const override { return is_time_to_event(outcome); }
  std::string missing_reason(PatientOutcome outcome) const override;
  // T = H^{-1}(E), E ~ Exp(1): one draw from `outcomes`.
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override;
  // exp(-H(t)), H(t) = sum_k rates[k] x |[b_{k-1}, b_k) ∩ [0, t)|.
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override;
  // The rate when every piece has the same rate, else NaN.
  double constant_hazard(PatientOutcome outcome) const override;
  // Closed form: sum over the pieces [a, b) within [0, tau) of S(a) (1 - exp(-rate (b - a))) /
  // rate (one piece: the exponential model's value, bit for bit).
  double true_restricted_mean(PatientOutcome outcome, double tau) const override;

  const std::vector<double>& breakpoints() const noexcept { return breakpoints_; }
  const std::vector<double>& rates() const noexcept { return rates_; }
  // The hazard at time t >= 0 (the rate of the piece containing t; left-closed pieces).
  double hazard_at(double time) const noexcept;
  double cumulative_hazard(double time) const noexcept;
  // The time at which the cumulative hazard reaches `cumulative` (>= 0): the inverse of H.
  double time_at_cumulative_hazard(double cumulative) const noexcept;

 private:
  std::vector<double> breakpoints_, rates_;
  std::vector<double> cumulative_at_breakpoint_;  // H(b_k), k = 1..K
};

class WeibullEventModel final : public PatientModel {
 public:
  // shape > 0, scale > 0 (months).
  WeibullEventModel(double shape, double scale);
  // The scale whose median is `median`: median / log(2)^(1/shape).
  static double scale_for_median(double shape, double median);
  std::string_view type() const override { return "weibull"; }
  bool provides(PatientOutcome outcome) const override { return is_time_to_event(outcome); }
  std::string missing_reason(PatientOutcome outcome) const override;
  // T = scale x E^(1/shape), E ~ Exp(1): one draw from `outcomes`.
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override;
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override;
  // 1/scale when shape is 1 (exponential), else NaN.
  double constant_hazard(PatientOutcome outcome) const override;
  double shape() const noexcept { return shape_; }
  double scale() const noexcept { return scale_; }
  double survival(double time) const noexcept;

 private:
  double shape_, scale_;
};

class MixtureCureModel final : public PatientModel {
 public:
  // cure_fraction in [0, 1); the non-cured's latency Weibull(shape, scale) (shape 1: exponential
  // with hazard 1/scale).
  MixtureCureModel(double cure_fraction, double latency_shape, double latency_scale);
  std::string_view type() const override { return "mixture_cure"; }
  bool provides(PatientOutcome outcome) const override { return is_time_to_event(outcome); }
  std::string missing_reason(PatientOutcome outcome) const override;
  // U ~ uniform then E ~ Exp(1), both from `outcomes` for every patient: cured (U < pi) never has
  // the event, else T = scale x E^(1/shape).
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override;
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override;
  // With no cure fraction and an exponential latency: 1/scale; else NaN.
  double constant_hazard(PatientOutcome outcome) const override;
  double cure_fraction() const noexcept { return cure_fraction_; }
  const WeibullEventModel& latency() const noexcept { return latency_; }

 private:
  double cure_fraction_;
  WeibullEventModel latency_;
};

// The control arm's hazard as pieces: an exponential model (one piece) or a piecewise exponential
// one; nullopt for any other model (then no delayed effect can be relative to it).
std::optional<PiecewiseExponentialModel> piecewise_form(const PatientModel& control);

class DelayedEffectModel final : public PatientModel {
 public:
  // hazard(t) = hazard_ratios[j] x control.hazard_at(t) on [c_{j-1}, c_j) (`breakpoints` c, as a
  // piecewise model's; hazard_ratios one more, each > 0): the piecewise exponential model on the
  // merged breakpoints of both.
  DelayedEffectModel(const PiecewiseExponentialModel& control, std::vector<double> breakpoints,
                     std::vector<double> hazard_ratios);
  std::string_view type() const override { return "delayed_effect"; }
  bool provides(PatientOutcome outcome) const override { return is_time_to_event(outcome); }
  std::string missing_reason(PatientOutcome outcome) const override;
  void simulate(PatientStreams& streams, SimulatedPatient& out) const override {
    merged_.simulate(streams, out);
  }
  std::vector<double> true_survival(PatientOutcome outcome,
                                    const std::vector<double>& times) const override {
    return merged_.true_survival(outcome, times);
  }
  double constant_hazard(PatientOutcome outcome) const override {
    return merged_.constant_hazard(outcome);
  }
  double true_restricted_mean(PatientOutcome outcome, double tau) const override {
    return merged_.true_restricted_mean(outcome, tau);
  }
  // The experimental arm's hazard as one piecewise exponential model.
  const PiecewiseExponentialModel& merged() const noexcept { return merged_; }

 private:
  PiecewiseExponentialModel merged_;
};

}  // namespace trialsim
