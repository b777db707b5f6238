#include "models/survival_models.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/samplers.h"

namespace trialsim {
namespace {

constexpr double NOT_PROVIDED = std::numeric_limits<double>::quiet_NaN();

// The same event time for every time-to-event outcome, NaN for the others (as the exponential
// model: these models give the time to the endpoint's event whichever endpoint it is).
void set_event_time(SimulatedPatient& out, double time) {
  out = SimulatedPatient{};
  for (int k = 0; k < PATIENT_OUTCOME_COUNT; ++k) {
    out.event_time[k] = is_time_to_event(static_cast<PatientOutcome>(k)) ? time : NOT_PROVIDED;
  }
}

std::string only_the_event(std::string_view model, PatientOutcome outcome) {
  return "the " + std::string(model) + " model gives only the time to the endpoint's event, not " +
         std::string(to_string(outcome));
}

bool positive_finite(double value) { return value > 0.0 && std::isfinite(value); }

// Breakpoints strictly increasing from > 0, and one more value than breakpoints, each > 0.
void check_pieces(const std::vector<double>& breakpoints, const std::vector<double>& values,
                  const char* what) {
  if (values.size() != breakpoints.size() + 1)
    throw std::invalid_argument(std::string(what) + ": one more than the breakpoints");
  for (std::size_t k = 0; k < breakpoints.size(); ++k) {
    const double previous = k == 0 ? 0.0 : breakpoints[k - 1];
    if (!(breakpoints[k] > previous) || !std::isfinite(breakpoints[k]))
      throw std::invalid_argument("breakpoints: strictly increasing, the first > 0");
  }
  for (double value : values) {
    if (!positive_finite(value)) throw std::invalid_argument(std::string(what) + ": each > 0");
  }
}

// The piece of `breakpoints` containing t: the k with b_k <= t < b_{k+1} (b_0 = 0).
std::size_t piece_of(const std::vector<double>& breakpoints, double time) {
  return static_cast<std::size_t>(std::upper_bound(breakpoints.begin(), breakpoints.end(), time) -
                                  breakpoints.begin());
}

// The experimental arm's pieces: on each interval of the union of both sets of breakpoints, the
// control's rate times the hazard ratio in force there (both piecewise constant, left-closed).
PiecewiseExponentialModel merge_delayed_effect(const PiecewiseExponentialModel& control,
                                               const std::vector<double>& breakpoints,
                                               const std::vector<double>& hazard_ratios) {
  check_pieces(breakpoints, hazard_ratios, "hazard_ratios");
  std::vector<double> merged = control.breakpoints();
  merged.insert(merged.end(), breakpoints.begin(), breakpoints.end());
  std::sort(merged.begin(), merged.end());
  merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
  std::vector<double> rates;
  for (std::size_t j = 0; j <= merged.size(); ++j) {
    const double start = j == 0 ? 0.0 : merged[j - 1];
    rates.push_back(hazard_ratios[piece_of(breakpoints, start)] * control.hazard_at(start));
  }
  return PiecewiseExponentialModel(std::move(merged), std::move(rates));
}

}  // namespace

// ---- piecewise exponential

PiecewiseExponentialModel::PiecewiseExponentialModel(std::vector<double> breakpoints,
                                                     std::vector<double> rates)
    : breakpoints_(std::move(breakpoints)), rates_(std::move(rates)) {
  check_pieces(breakpoints_, rates_, "rates");
  double cumulative = 0.0, start = 0.0;
  for (std::size_t k = 0; k < breakpoints_.size(); ++k) {
    cumulative += rates_[k] * (breakpoints_[k] - start);
    cumulative_at_breakpoint_.push_back(cumulative);
    start = breakpoints_[k];
  }
}

std::string PiecewiseExponentialModel::missing_reason(PatientOutcome outcome) const {
  return provides(outcome) ? std::string() : only_the_event(type(), outcome);
}

double PiecewiseExponentialModel::hazard_at(double time) const noexcept {
  return rates_[piece_of(breakpoints_, time)];
}

double PiecewiseExponentialModel::cumulative_hazard(double time) const noexcept {
  const std::size_t k = piece_of(breakpoints_, time);
  const double start = k == 0 ? 0.0 : breakpoints_[k - 1];
  const double before = k == 0 ? 0.0 : cumulative_at_breakpoint_[k - 1];
  return before + rates_[k] * (time - start);
}

double PiecewiseExponentialModel::time_at_cumulative_hazard(double cumulative) const noexcept {
  // The piece k in which H reaches `cumulative`: the first with H(b_k) > cumulative.
  const auto k =
      static_cast<std::size_t>(std::upper_bound(cumulative_at_breakpoint_.begin(),
                                                cumulative_at_breakpoint_.end(), cumulative) -
                               cumulative_at_breakpoint_.begin());
  const double start = k == 0 ? 0.0 : breakpoints_[k - 1];
  const double before = k == 0 ? 0.0 : cumulative_at_breakpoint_[k - 1];
  return start + (cumulative - before) / rates_[k];
}

void PiecewiseExponentialModel::simulate(PatientStreams& streams, SimulatedPatient& out) const {
  set_event_time(out, time_at_cumulative_hazard(exponential(1.0, streams.outcomes)));
}

std::vector<double> PiecewiseExponentialModel::true_survival(
    PatientOutcome outcome, const std::vector<double>& times) const {
  std::vector<double> out;
  for (double t : times)
    out.push_back(provides(outcome) ? std::exp(-cumulative_hazard(t)) : NOT_PROVIDED);
  return out;
}

double PiecewiseExponentialModel::constant_hazard(PatientOutcome outcome) const {
  if (!provides(outcome)) return NOT_PROVIDED;
  const bool constant = std::all_of(rates_.begin(), rates_.end(),
                                    [&](double rate) { return rate == rates_.front(); });
  return constant ? rates_.front() : NOT_PROVIDED;
}

double PiecewiseExponentialModel::true_restricted_mean(PatientOutcome outcome, double tau) const {
  if (!provides(outcome)) return NOT_PROVIDED;
  double area = 0.0, start = 0.0, cumulative = 0.0;
  for (std::size_t k = 0; k < rates_.size() && start < tau; ++k) {
    const double end = k < breakpoints_.size() ? std::min(breakpoints_[k], tau) : tau;
    area += std::exp(-cumulative) * -std::expm1(-rates_[k] * (end - start)) / rates_[k];
    cumulative = k < breakpoints_.size() ? cumulative_at_breakpoint_[k] : cumulative;
    start = end;
  }
  return area;
}

// ---- Weibull

WeibullEventModel::WeibullEventModel(double shape, double scale) : shape_(shape), scale_(scale) {
  if (!positive_finite(shape) || !positive_finite(scale))
    throw std::invalid_argument("weibull: shape and scale > 0");
}

double WeibullEventModel::scale_for_median(double shape, double median) {
  // S(m) = 1/2  <=>  (m/scale)^shape = log 2.
  return median / std::pow(std::log(2.0), 1.0 / shape);
}

std::string WeibullEventModel::missing_reason(PatientOutcome outcome) const {
  return provides(outcome) ? std::string() : only_the_event(type(), outcome);
}

void WeibullEventModel::simulate(PatientStreams& streams, SimulatedPatient& out) const {
  set_event_time(out, weibull(shape_, scale_, streams.outcomes));
}

double WeibullEventModel::survival(double time) const noexcept {
  return std::exp(-std::pow(time / scale_, shape_));
}

std::vector<double> WeibullEventModel::true_survival(PatientOutcome outcome,
                                                     const std::vector<double>& times) const {
  std::vector<double> out;
  for (double t : times) out.push_back(provides(outcome) ? survival(t) : NOT_PROVIDED);
  return out;
}

double WeibullEventModel::constant_hazard(PatientOutcome outcome) const {
  return provides(outcome) && shape_ == 1.0 ? 1.0 / scale_ : NOT_PROVIDED;
}

// ---- mixture cure

MixtureCureModel::MixtureCureModel(double cure_fraction, double latency_shape, double latency_scale)
    : cure_fraction_(cure_fraction), latency_(latency_shape, latency_scale) {
  if (!(cure_fraction >= 0.0 && cure_fraction < 1.0))
    throw std::invalid_argument("mixture_cure: cure_fraction in [0, 1)");
}

std::string MixtureCureModel::missing_reason(PatientOutcome outcome) const {
  return provides(outcome) ? std::string() : only_the_event(type(), outcome);
}

void MixtureCureModel::simulate(PatientStreams& streams, SimulatedPatient& out) const {
  // Both draws for every patient (common random numbers across cure fractions and latencies).
  const bool cured = uniform01(streams.outcomes) < cure_fraction_;
  const double latency = weibull(latency_.shape(), latency_.scale(), streams.outcomes);
  set_event_time(out, cured ? std::numeric_limits<double>::infinity() : latency);
}

std::vector<double> MixtureCureModel::true_survival(PatientOutcome outcome,
                                                    const std::vector<double>& times) const {
  std::vector<double> out;
  for (double t : times) {
    out.push_back(provides(outcome) ? cure_fraction_ + (1.0 - cure_fraction_) * latency_.survival(t)
                                    : NOT_PROVIDED);
  }
  return out;
}

double MixtureCureModel::constant_hazard(PatientOutcome outcome) const {
  return cure_fraction_ == 0.0 ? latency_.constant_hazard(outcome) : NOT_PROVIDED;
}

// ---- delayed effect

std::optional<PiecewiseExponentialModel> piecewise_form(const PatientModel& control) {
  if (const auto* exponential = dynamic_cast<const ExponentialEventModel*>(&control))
    return PiecewiseExponentialModel({}, {exponential->hazard()});
  if (const auto* piecewise = dynamic_cast<const PiecewiseExponentialModel*>(&control))
    return *piecewise;
  return std::nullopt;
}

DelayedEffectModel::DelayedEffectModel(const PiecewiseExponentialModel& control,
                                       std::vector<double> breakpoints,
                                       std::vector<double> hazard_ratios)
    : merged_(merge_delayed_effect(control, breakpoints, hazard_ratios)) {}

std::string DelayedEffectModel::missing_reason(PatientOutcome outcome) const {
  return provides(outcome) ? std::string() : only_the_event(type(), outcome);
}

}  // namespace trialsim
