#include "designs/single_arm_binary/single_arm_binary.h"

#include "core/samplers.h"

namespace trialsim {

void simulate_response_counts(int sample_size, std::span<const double> response_rates, Rng& rng,
                              std::span<int> response_counts) {
  const std::size_t scenarios = response_rates.size();
  // The generator is copied to a local for the loop and back after it: through the reference
  // the compiler keeps its 128-bit state in memory, and every draw then waits on a store
  // forwarding stall (perf: three quarters of the time of this function).
  Rng local = rng;
  constexpr std::size_t FEW = 8;
  if (scenarios <= FEW) {
    double rates[FEW];
    int counts[FEW] = {};
    for (std::size_t s = 0; s < scenarios; ++s) rates[s] = response_rates[s];
    for (int patient = 0; patient < sample_size; ++patient) {
      const double latent = uniform01(local);
      for (std::size_t s = 0; s < scenarios; ++s) counts[s] += latent < rates[s] ? 1 : 0;
    }
    for (std::size_t s = 0; s < scenarios; ++s) response_counts[s] = counts[s];
  } else {
    for (std::size_t s = 0; s < scenarios; ++s) response_counts[s] = 0;
    for (int patient = 0; patient < sample_size; ++patient) {
      const double latent = uniform01(local);
      for (std::size_t s = 0; s < scenarios; ++s)
        response_counts[s] += latent < response_rates[s] ? 1 : 0;
    }
  }
  rng = local;
}

void SingleArmBinaryTally::reset(int sample_size) {
  replicates_ = 0;
  histogram_.assign(static_cast<std::size_t>(sample_size) + 1, 0);
}

void SingleArmBinaryTally::add(int responses, const SingleArmBinaryTable&, double,
                               std::span<const IntervalMethod>) {
  ++replicates_;
  ++histogram_[static_cast<std::size_t>(responses)];
}

void SingleArmBinaryTally::merge(const SingleArmBinaryTally& other) {
  replicates_ += other.replicates_;
  if (histogram_.size() < other.histogram_.size()) histogram_.resize(other.histogram_.size(), 0);
  for (std::size_t x = 0; x < other.histogram_.size(); ++x) histogram_[x] += other.histogram_[x];
}

namespace {

// `times` copies of `value`, by doubling: accumulators of equal values merge exactly (the mean
// stays `value`, the sum of squared deviations 0), so this is exact in O(log times) merges.
MomentAccumulator repeated(double value, std::uint64_t times) {
  MomentAccumulator result, power;
  power.add(value);
  for (; times > 0; times >>= 1) {
    if (times & 1) result.merge(power);
    const MomentAccumulator copy = power;
    power.merge(copy);
  }
  return result;
}

}  // namespace

SingleArmBinaryMoments SingleArmBinaryTally::moments(const SingleArmBinaryTable& table,
                                                     double true_rate) const {
  SingleArmBinaryMoments m;
  for (std::size_t x = 0; x < histogram_.size(); ++x) {
    const std::uint64_t times = histogram_[x];
    if (times == 0) continue;
    const int responses = static_cast<int>(x);
    m.rejection.merge(repeated(table.rejects(responses) ? 1.0 : 0.0, times));
    m.estimate.merge(repeated(table.p_hat(responses), times));
    for (const IntervalMethod method : ALL_INTERVAL_METHODS) {
      const Interval& interval = table.interval(method, responses);
      const std::size_t k = index_of(method);
      // Closed interval: a bound equal to the true rate covers it.
      m.coverage[k].merge(
          repeated(interval.lower <= true_rate && true_rate <= interval.upper ? 1.0 : 0.0, times));
      m.width[k].merge(repeated(interval.upper - interval.lower, times));
      m.lower[k].merge(repeated(interval.lower, times));
    }
  }
  return m;
}

namespace {

OcRow make_row(const ResponseScenario& scenario, std::string_view analysis, std::string metric,
               const MomentAccumulator& accumulator, double shift = 0.0) {
  return {scenario.name,      std::string(analysis), std::move(metric), accumulator.mean() - shift,
          accumulator.mcse(), accumulator.count()};
}

}  // namespace

std::vector<OcRow> simulated_oc_rows(const ResponseScenario& scenario,
                                     const SingleArmBinaryDesign& design,
                                     const SingleArmBinaryTable& table,
                                     const SingleArmBinaryTally& tally) {
  std::vector<OcRow> rows;
  const SingleArmBinaryMoments m = tally.moments(table, scenario.response_rate);
  rows.push_back(make_row(scenario, TEST_ANALYSIS, "rejection_probability", m.rejection));
  rows.push_back(make_row(scenario, ESTIMATE_ANALYSIS, "mean_estimate", m.estimate));
  rows.push_back(make_row(scenario, ESTIMATE_ANALYSIS, "bias", m.estimate, scenario.response_rate));
  for (const IntervalMethod method : design.intervals) {
    const std::string_view name = to_string(method);
    const std::size_t k = index_of(method);
    rows.push_back(make_row(scenario, name, "coverage", m.coverage[k]));
    rows.push_back(make_row(scenario, name, "mean_width", m.width[k]));
    rows.push_back(make_row(scenario, name, "mean_lower_bound", m.lower[k]));
    // The lower bound is a function of the responder count, so its distribution is exact from
    // the histogram of counts.
    DiscreteDistribution lower_bounds;
    const auto& histogram = tally.response_count_histogram();
    for (std::size_t x = 0; x < histogram.size(); ++x) {
      if (histogram[x] > 0)
        lower_bounds.add(table.interval(method, static_cast<int>(x)).lower, histogram[x]);
    }
    const std::pair<const char*, double> quantiles[] = {
        {"lower_bound_q025", 0.025}, {"lower_bound_q50", 0.5}, {"lower_bound_q975", 0.975}};
    for (const auto& [metric, q] : quantiles) {
      rows.push_back({scenario.name, std::string(name), metric, lower_bounds.quantile(q),
                      lower_bounds.quantile_mcse(q), lower_bounds.count()});
    }
  }
  return rows;
}

std::vector<OcRow> exact_oc_rows(const ResponseScenario& scenario,
                                 const SingleArmBinaryDesign& design,
                                 const SingleArmBinaryTable& table) {
  const ExactBinaryOperatingCharacteristics exact =
      exact_operating_characteristics(table, scenario.response_rate);
  std::vector<OcRow> rows;
  const auto row = [&](std::string_view analysis, std::string metric, double value) {
    rows.push_back({scenario.name, std::string(analysis), std::move(metric), value, 0.0, 0});
  };
  row(TEST_ANALYSIS, "rejection_probability", exact.rejection_probability);
  row(ESTIMATE_ANALYSIS, "mean_estimate", scenario.response_rate + exact.p_hat_bias);
  row(ESTIMATE_ANALYSIS, "bias", exact.p_hat_bias);
  for (const IntervalMethod method : design.intervals) {
    const IntervalOperatingCharacteristics& oc = exact.interval(method);
    const std::string_view name = to_string(method);
    row(name, "coverage", oc.coverage);
    row(name, "mean_width", oc.expected_width);
    row(name, "mean_lower_bound", oc.expected_lower);
    row(name, "lower_bound_q025", oc.lower_quantile_025);
    row(name, "lower_bound_q50", oc.lower_median);
    row(name, "lower_bound_q975", oc.lower_quantile_975);
  }
  return rows;
}

}  // namespace trialsim
