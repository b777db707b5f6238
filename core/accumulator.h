#pragma once
// Mergeable accumulators for Monte Carlo estimates. One type serves threads, MPI ranks and
// shards alike: `add()` one replicate's value, `merge()` another accumulator. Results are only
// reproducible if merges happen in a fixed order (the runner merges blocks by block index), never
// in scheduling order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace trialsim {

// Count, mean and sum of squared deviations (Welford 1962), merged by the pairwise update of
// Chan, Golub & LeVeque (1979). The Monte Carlo standard error of the mean is sqrt(s^2 / N).
class MomentAccumulator {
 public:
  void add(double value) noexcept {
    ++count_;
    const double delta = value - mean_;
    mean_ += delta / static_cast<double>(count_);
    sum_squared_deviations_ += delta * (value - mean_);
  }

  void merge(const MomentAccumulator& other) noexcept {
    if (other.count_ == 0) return;
    if (count_ == 0) {
      *this = other;
      return;
    }
    const double n_a = static_cast<double>(count_);
    const double n_b = static_cast<double>(other.count_);
    const double n = n_a + n_b;
    const double delta = other.mean_ - mean_;
    mean_ += delta * (n_b / n);
    sum_squared_deviations_ += other.sum_squared_deviations_ + delta * delta * (n_a * n_b / n);
    count_ += other.count_;
  }

  std::uint64_t count() const noexcept { return count_; }
  double mean() const noexcept {
    return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : mean_;
  }
  // Sample variance (divisor N - 1).
  double variance() const noexcept {
    return count_ < 2 ? std::numeric_limits<double>::quiet_NaN()
                      : sum_squared_deviations_ / static_cast<double>(count_ - 1);
  }
  // Monte Carlo standard error of the mean, sqrt(s^2 / N).
  double mcse() const noexcept {
    return count_ < 2 ? std::numeric_limits<double>::quiet_NaN()
                      : std::sqrt(variance() / static_cast<double>(count_));
  }

  // Serialization (core/cluster/archive.h): every member, bit-exact.
  template <class Archive>
  void visit(Archive& archive) {
    archive(count_, mean_, sum_squared_deviations_);
  }

 private:
  std::uint64_t count_ = 0;
  double mean_ = 0.0;
  double sum_squared_deviations_ = 0.0;
};

// Exact distribution of a discrete-valued statistic (e.g. an interval bound for a binomial
// count, which takes at most n + 1 values): value -> count. Memory grows with the number of
// distinct values, never with the number of replicates, and merging is exact (integer counts),
// so quantiles are identical whatever the merge order.
class DiscreteDistribution {
 public:
  // Orders NaN after every number (and equal to itself): a NaN from a degenerate statistic, or
  // from a forged shard file, then has one key of its own instead of breaking the map's strict
  // weak ordering. The order of numbers, and so every quantile, is that of operator<.
  struct NanLastLess {
    bool operator()(double a, double b) const noexcept {
      return std::isnan(b) ? !std::isnan(a) : (!std::isnan(a) && a < b);
    }
  };
  using Counts = std::map<double, std::uint64_t, NanLastLess>;

  void add(double value, std::uint64_t times = 1) {
    counts_[value] += times;
    total_ += times;
  }
  void merge(const DiscreteDistribution& other) {
    for (const auto& [value, times] : other.counts_) add(value, times);
  }
  void clear() noexcept {
    counts_.clear();
    total_ = 0;
  }

  std::uint64_t count() const noexcept { return total_; }
  std::size_t distinct_values() const noexcept { return counts_.size(); }

  // Inverse-CDF quantile: the smallest value v with F(v) >= q (R's quantile type 1).
  double quantile(double q) const {
    if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
    const double target = q * static_cast<double>(total_);
    std::uint64_t cumulative = 0;
    for (const auto& [value, times] : counts_) {
      cumulative += times;
      if (static_cast<double>(cumulative) >= target) return value;
    }
    return counts_.rbegin()->first;
  }

  // Monte Carlo standard error of quantile(q) from the order-statistic interval: half the
  // distance between the quantiles at q -/+ sqrt(q(1-q)/N), i.e. a +/-1 SE interval for the
  // empirical CDF mapped through the quantile function (as in posterior::mcse_quantile). For a
  // discrete statistic this is 0 once the quantile is pinned to one atom, which is honest.
  double quantile_mcse(double q) const {
    if (total_ < 2) return std::numeric_limits<double>::quiet_NaN();
    const double half_width = std::sqrt(q * (1.0 - q) / static_cast<double>(total_));
    const double low = quantile(std::max(0.0, q - half_width));
    const double high = quantile(std::min(1.0, q + half_width));
    return 0.5 * (high - low);
  }

  const Counts& counts() const noexcept { return counts_; }

  template <class Archive>
  void visit(Archive& archive) {
    archive(counts_, total_);
  }

 private:
  Counts counts_;
  std::uint64_t total_ = 0;
};

// Tallies of one interval estimate across replicates: how often it could be computed, and when it
// could, its mean, its error against the truth, whether its interval covered the truth, and the
// interval's width. A NaN truth (unknown) leaves error and coverage untallied.
struct IntervalEstimateTally {
  MomentAccumulator estimable, estimate, error, coverage, width;

  void add(bool computable, double value, double lower, double upper, double truth) {
    estimable.add(computable ? 1.0 : 0.0);
    if (!computable) return;
    estimate.add(value);
    width.add(upper - lower);
    if (!std::isfinite(truth)) return;
    error.add(value - truth);
    coverage.add(lower <= truth && truth <= upper ? 1.0 : 0.0);
  }

  void merge(const IntervalEstimateTally& other) {
    estimable.merge(other.estimable);
    estimate.merge(other.estimate);
    error.merge(other.error);
    coverage.merge(other.coverage);
    width.merge(other.width);
  }

  template <class Archive>
  void visit(Archive& archive) {
    archive(estimable, estimate, error, coverage, width);
  }
};

// Distribution of a statistic (e.g. study duration in months, or an event count) held as counts
// of values rounded to a fixed `resolution`, in a dense histogram over the bins seen so far:
// quantiles are exact to within resolution / 2; memory grows with the range of values /
// resolution, never with the number of replicates; merging is exact and order-independent; and
// once the range has been seen, adding a value never allocates (hot-loop safe).
//
// Bins are clamped to [-MAX_BIN, MAX_BIN]: a value beyond +/- MAX_BIN * resolution counts in the
// edge bin, so a quantile that falls among such values reads as the edge (at least that large).
// Why: llround of a huge value / resolution overflows (it gave -9.2e16), and the dense histogram
// would grow with the range. The edge is far outside any real run (10 485.76 months at the
// 0.01-month duration resolution, 1 048 576 events at resolution 1), so normal results are
// unchanged, and the histogram holds at most 2 * MAX_BIN + 1 bins (16 MiB) whatever the input.
// Non-finite values are counted apart (non_finite()) and never binned.
class QuantisedDistribution {
 public:
  static constexpr std::int64_t MAX_BIN = std::int64_t{1} << 20;

  explicit QuantisedDistribution(double resolution = 0.01) : resolution_(resolution) {}

  void add(double value, std::uint64_t times = 1) {
    if (!std::isfinite(value)) {
      non_finite_ += times;
      return;
    }
    // Clamped as a double, before rounding: no conversion can overflow.
    constexpr auto EDGE = static_cast<double>(MAX_BIN);
    const auto bin =
        static_cast<std::int64_t>(std::llround(std::clamp(value / resolution_, -EDGE, EDGE)));
    if (counts_.empty()) {
      first_bin_ = bin;
      counts_.assign(1, 0);
    } else if (bin < first_bin_) {
      counts_.insert(counts_.begin(), static_cast<std::size_t>(first_bin_ - bin), 0);
      first_bin_ = bin;
    } else if (bin >= first_bin_ + static_cast<std::int64_t>(counts_.size())) {
      counts_.resize(static_cast<std::size_t>(bin - first_bin_ + 1), 0);
    }
    counts_[static_cast<std::size_t>(bin - first_bin_)] += times;
    total_ += times;
  }

  void merge(const QuantisedDistribution& other) {
    for (std::size_t i = 0; i < other.counts_.size(); ++i) {
      if (other.counts_[i] > 0) add(other.value_of(i), other.counts_[i]);
    }
    non_finite_ += other.non_finite_;
  }

  // Zero the counts, keeping the allocated range.
  void reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    non_finite_ = 0;
  }

  double resolution() const noexcept { return resolution_; }
  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t non_finite() const noexcept { return non_finite_; }

  // The exact distribution of the rounded values (for quantiles and their MCSE).
  template <class Archive>
  void visit(Archive& archive) {
    archive(resolution_, first_bin_, counts_, total_, non_finite_);
  }

  DiscreteDistribution distribution() const {
    DiscreteDistribution out;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] > 0) out.add(value_of(i), counts_[i]);
    }
    return out;
  }

 private:
  double value_of(std::size_t i) const noexcept {
    return static_cast<double>(first_bin_ + static_cast<std::int64_t>(i)) * resolution_;
  }
  double resolution_;
  std::int64_t first_bin_ = 0;
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t non_finite_ = 0;
};

}  // namespace trialsim
