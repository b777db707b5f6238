#pragma once
// Single-arm study with a binary endpoint (best overall response, CR/CRi).
//
// Patient model: each of the n patients responds independently with the scenario's response
// probability p. Patient i of a replicate draws one latent uniform U_i from the replicate's
// `response` stream and responds iff U_i < p. All scenarios of a replicate share the U_i, so
// scenarios are compared on common random numbers: raising p can only add responders.
//
// Analysis of each virtual cohort: the one-sided exact binomial test of H0: p <= p0 at level
// alpha, the estimate x/n, and the two-sided intervals chosen in the design (Clopper–Pearson,
// Wilson, Jeffreys), looked up in a SingleArmBinaryTable computed once per design.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/output.h"
#include "core/rng.h"
#include "statistics/binomial.h"

namespace trialsim {

struct SingleArmBinaryDesign {
  int sample_size = 0;              // patients enrolled and evaluable
  double null_response_rate = 0.0;  // p0 of H0: p <= p0
  double alpha = 0.025;             // one-sided level of the exact test
  double confidence_level = 0.95;   // two-sided level of the intervals
  std::vector<IntervalMethod> intervals{ALL_INTERVAL_METHODS.begin(), ALL_INTERVAL_METHODS.end()};
};

struct ResponseScenario {
  std::string name;
  double response_rate = 0.0;  // true probability of best overall response
};

// Number of responders among `sample_size` patients for every scenario rate, from one shared
// set of latent uniforms drawn from `rng` (common random numbers across scenarios).
void simulate_response_counts(int sample_size, std::span<const double> response_rates, Rng& rng,
                              std::span<int> response_counts);

// Monte Carlo moments of the statistics of one scenario (mean and MCSE each).
struct SingleArmBinaryMoments {
  MomentAccumulator rejection;
  MomentAccumulator estimate;
  std::array<MomentAccumulator, INTERVAL_METHOD_COUNT> coverage{}, width{}, lower{};  // by index_of
};

// Monte Carlo tallies of one scenario: the histogram of responder counts x = 0..n. Every
// statistic of the design (test decision, estimate, interval bounds) is a function of x, so the
// histogram is a sufficient summary: a replicate costs one increment, merging is exact integer
// addition (identical for any thread count, merge order or shard split), and the moments are
// computed from it when they are reported. Mergeable, reset without reallocating.
class SingleArmBinaryTally {
 public:
  void reset(int sample_size);
  void reset() { reset(static_cast<int>(histogram_.size()) - 1); }  // same sample size
  // Counts one replicate with `responses` responders. The table, true rate and methods are
  // those moments() will use; a replicate needs nothing else.
  void add(int responses, const SingleArmBinaryTable& table, double true_rate,
           std::span<const IntervalMethod> methods);
  void merge(const SingleArmBinaryTally& other);

  std::uint64_t replicates() const noexcept { return replicates_; }
  // Mean and MCSE of each statistic over the replicates: for each x in ascending order, the
  // histogram count of copies of f(x), merged (Chan, Golub & LeVeque) into one accumulator.
  SingleArmBinaryMoments moments(const SingleArmBinaryTable& table, double true_rate) const;
  // Count of replicates with x responders, x = 0..n: the exact distribution of every statistic
  // that is a function of x (used for quantiles of interval bounds).
  const std::vector<std::uint64_t>& response_count_histogram() const noexcept { return histogram_; }

  // Every member, for shard files, checkpoints and MPI (core/cluster/archive.h).
  template <class Archive>
  void visit(Archive& archive) {
    archive(replicates_, histogram_);
  }

 private:
  std::uint64_t replicates_ = 0;
  std::vector<std::uint64_t> histogram_;
};

// Names used in oc.csv (documented in the README's output reference).
inline constexpr const char* TEST_ANALYSIS = "exact_binomial_test";
inline constexpr const char* ESTIMATE_ANALYSIS = "response_rate";

// Operating characteristics of one scenario, estimated from its tally, with MCSE.
std::vector<OcRow> simulated_oc_rows(const ResponseScenario& scenario,
                                     const SingleArmBinaryDesign& design,
                                     const SingleArmBinaryTable& table,
                                     const SingleArmBinaryTally& tally);

// The same rows computed exactly by summing the binomial distribution (mcse 0, replicates 0).
std::vector<OcRow> exact_oc_rows(const ResponseScenario& scenario,
                                 const SingleArmBinaryDesign& design,
                                 const SingleArmBinaryTable& table);

}  // namespace trialsim
