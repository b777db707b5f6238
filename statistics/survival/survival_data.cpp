#include "statistics/survival/survival_data.h"

#include <algorithm>
#include <array>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/buckets.h"

namespace trialsim {
namespace {

[[noreturn]] void fail(const char* function, const char* argument, std::size_t index, double value,
                       const char* expected) {
  std::ostringstream msg;
  msg.precision(17);
  msg << function << ": " << argument << "[" << index << "] = " << value << ", expected "
      << expected;
  throw std::invalid_argument(msg.str());
}

}  // namespace

void check_survival_data(const SurvivalData& data, const char* function, int max_status) {
  const std::size_t n = data.time.size();
  auto check_length = [&](std::size_t len, const char* argument) {
    if (len != n) {
      std::ostringstream msg;
      msg << function << ": " << argument << " has length " << len << ", expected " << n
          << " (the length of time)";
      throw std::invalid_argument(msg.str());
    }
  };
  check_length(data.status.size(), "status");
  if (data.has_arm()) check_length(data.arm.size(), "arm");
  if (data.has_stratum()) check_length(data.stratum.size(), "stratum");
  if (n > UINT32_MAX) throw std::invalid_argument(std::string(function) + ": too many subjects");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data.time[i]) || data.time[i] < 0.0)
      fail(function, "time", i, data.time[i], "a finite time >= 0 (months)");
    if (data.status[i] < 0 || data.status[i] > max_status)
      fail(function, "status", i, data.status[i],
           max_status == 1 ? "0 (censored) or 1 (event)" : "0 (censored) or an event type >= 1");
    if (data.has_arm() && data.arm[i] != 0 && data.arm[i] != 1)
      fail(function, "arm", i, data.arm[i], "0 or 1");
  }
}

void sort_subjects(const SurvivalData& data, SurvivalWorkspace& ws, bool by_stratum, int arm) {
  const std::size_t n = data.size();
  ws.order.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (arm < 0 || data.arm[i] == arm) ws.order.push_back(static_cast<std::uint32_t>(i));
  }
  const bool strata = by_stratum && data.has_stratum();
  std::sort(ws.order.begin(), ws.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (strata && data.stratum[a] != data.stratum[b]) return data.stratum[a] < data.stratum[b];
    if (data.time[a] != data.time[b]) return data.time[a] < data.time[b];
    return a < b;
  });
}

void sort_cohort(const SurvivalData& data, SurvivalWorkspace& ws) {
  check_survival_data(data, "sort_cohort", 1);
  const std::size_t n = data.size();
  auto& in = ws.sorted_scratch;
  in.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    in[i] = {data.time[i], static_cast<std::uint32_t>(i), static_cast<std::uint8_t>(data.status[i]),
             static_cast<std::uint8_t>(data.has_arm() ? data.arm[i] : 0)};
  }
  sort_cohort_records(ws);
}

void sort_cohort_records(SurvivalWorkspace& ws) {
  const auto& in = ws.sorted_scratch;
  if (in.empty()) {
    ws.sorted.clear();
    return;
  }
  double lo = in[0].time, hi = in[0].time;
  for (const SortedSubject& s : in) {
    lo = std::min(lo, s.time);
    hi = std::max(hi, s.time);
  }
  sort_cohort_records(ws, lo, hi);
}

namespace {

// sort_cohort_records' sort: the records of ws.sorted_scratch counted into `buckets` buckets by
// bucket_of(record, position) (< buckets), stably, then one insertion pass.
template <class BucketOf>
void bucket_sort_records(SurvivalWorkspace& ws, std::size_t buckets, BucketOf bucket_of) {
  auto& in = ws.sorted_scratch;
  auto& out = ws.sorted;
  const std::size_t n = in.size();
  out.resize(n);
  if (n == 0) return;
  auto& offset = ws.buckets;
  offset.assign(buckets + 1, 0);
  for (std::size_t k = 0; k < n; ++k) ++offset[bucket_of(in[k], k) + 1];
  for (std::size_t b = 0; b < buckets; ++b) offset[b + 1] += offset[b];
  for (std::size_t k = 0; k < n; ++k) out[offset[bucket_of(in[k], k)]++] = in[k];
  // The buckets are now in order. One insertion pass over the whole array removes the disorder
  // within buckets: few inversions for spread-out times, and one mostly-predictable branch per
  // element (a loop per bucket would mispredict its exit once per bucket). Equal times never
  // pass each other. Times crowded into few buckets (many inversions) fall back to std::sort by
  // (time, index).
  std::size_t moves = 0;
  const std::size_t budget = 8 * n + 64;
  for (std::size_t k = 1; k < n; ++k) {
    if (!(out[k].time < out[k - 1].time)) continue;
    const SortedSubject s = out[k];
    std::size_t j = k;
    do {
      out[j] = out[j - 1];
      --j;
      ++moves;
    } while (j > 0 && s.time < out[j - 1].time);
    out[j] = s;
    if (moves > budget) {
      std::sort(out.begin(), out.end(), [](const SortedSubject& a, const SortedSubject& b) {
        return a.time < b.time || (a.time == b.time && a.index < b.index);
      });
      return;
    }
  }
}

}  // namespace

void sort_cohort_records(SurvivalWorkspace& ws, double lo, double hi) {
  // Counting sort into 2n buckets of equal width (stable: ties keep index order), then each
  // bucket in place. Bucket b holds times in [lo + b w, lo + (b + 1) w); the largest in the last.
  // Twice as many buckets as times: with n, about a third of the times shared a bucket with an
  // earlier one and the insertion pass mispredicted on them (4n gained nothing more;
  // bench/README.md, stop 29).
  const std::size_t buckets = 2 * ws.sorted_scratch.size();
  const double scale = equal_width_scale(buckets, lo, hi);
  bucket_sort_records(ws, buckets, [&](const SortedSubject& s, std::size_t) {
    return equal_width_bucket(s.time, lo, scale, buckets - 1);
  });
}

void sort_cohort_records(SurvivalWorkspace& ws, std::span<const std::uint32_t> bucket,
                         std::size_t buckets) {
  bucket_sort_records(ws, buckets, [&](const SortedSubject&, std::size_t k) { return bucket[k]; });
}

void merge_cohort_runs(const CohortRuns& runs, std::vector<SortedSubject>& out) {
  const std::size_t n = runs.size();
  out.resize(n);
  const double *events0 = runs.events[0], *events1 = runs.events[1], *censored = runs.censored;
  // Two merges without branches (which run holds the next time is a coin flip), one from the
  // front taking the least head and one from the back taking the greatest tail, in one loop: each
  // step waits for the load its last choice made, so two independent chains halve the wait. Both
  // order the subjects by (time, run): ties go to arm 0's events, then arm 1's, then the censored
  // from the front, and the other way round from the back, so that the two meet without taking a
  // subject twice. The ends of the runs (+Inf in front, -Inf behind) are never taken while a
  // subject is left, as every time is finite.
  std::ptrdiff_t front0 = 0, front1 = 0, front_censored = 0;
  auto back0 = static_cast<std::ptrdiff_t>(runs.event_count[0]) - 1;
  auto back1 = static_cast<std::ptrdiff_t>(runs.event_count[1]) - 1;
  auto back_censored = static_cast<std::ptrdiff_t>(runs.censored_count) - 1;
  const auto take_front = [&](std::size_t k) {
    const double a = events0[front0], b = events1[front1], c = censored[front_censored];
    const unsigned take0 = static_cast<unsigned>(a <= b) & static_cast<unsigned>(a <= c);
    const unsigned take1 = (take0 ^ 1u) & static_cast<unsigned>(b <= c);
    const unsigned take_censored = (take0 | take1) ^ 1u;
    const unsigned censored_arm =
        static_cast<unsigned>(runs.censored_arm[front_censored] != 0.0) & take_censored;
    out[k] = {std::min(std::min(a, b), c), 0, static_cast<std::uint8_t>(take_censored ^ 1u),
              static_cast<std::uint8_t>(take1 | censored_arm)};
    front0 += take0;
    front1 += take1;
    front_censored += take_censored;
  };
  const auto take_back = [&](std::size_t k) {
    const double a = events0[back0], b = events1[back1], c = censored[back_censored];
    const unsigned take_censored = static_cast<unsigned>(c >= a) & static_cast<unsigned>(c >= b);
    const unsigned take1 = (take_censored ^ 1u) & static_cast<unsigned>(b >= a);
    const unsigned take0 = (take_censored | take1) ^ 1u;
    const unsigned censored_arm =
        static_cast<unsigned>(runs.censored_arm[back_censored] != 0.0) & take_censored;
    out[k] = {std::max(std::max(a, b), c), 0, static_cast<std::uint8_t>(take_censored ^ 1u),
              static_cast<std::uint8_t>(take1 | censored_arm)};
    back0 -= take0;
    back1 -= take1;
    back_censored -= take_censored;
  };
  const std::size_t half = n / 2;
  for (std::size_t k = 0; k < half; ++k) {
    take_front(k);
    take_back(n - 1 - k);
  }
  if (n % 2 == 1) take_front(half);
}

double normal_critical_value(double level) {
  if (!(level > 0.0 && level < 1.0)) {
    std::ostringstream msg;
    msg.precision(17);
    msg << "normal_critical_value: level = " << level << ", expected 0 < level < 1";
    throw std::invalid_argument(msg.str());
  }
  // Same floating-point expression as R's qnorm(1 - (1 - conf.int) / 2). Analyses of simulated
  // cohorts ask for a few levels again and again (a test's 1 - 2 alpha, the intervals' level):
  // the last four are remembered (per thread). With one, a design whose two levels differ (a
  // 90 % interval beside a test at one-sided 0.025) computed both quantiles for every cohort:
  // 15-20 % of a 30-patient two-arm cohort.
  struct Remembered {
    double level, z;
  };
  constexpr std::size_t REMEMBERED = 4;
  thread_local std::array<Remembered, REMEMBERED> remembered = [] {
    std::array<Remembered, REMEMBERED> none;
    none.fill({std::numeric_limits<double>::quiet_NaN(), 0.0});  // NaN equals no level
    return none;
  }();
  thread_local std::size_t oldest = 0;
  for (const Remembered& r : remembered)
    if (r.level == level) return r.z;
  const double z =
      boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - (1.0 - level) / 2.0);
  remembered[oldest] = {level, z};
  oldest = (oldest + 1) % REMEMBERED;
  return z;
}

double chisq1_upper_tail(double x) {
  if (std::isnan(x)) return x;
  if (x <= 0.0) return 1.0;
  return std::erfc(std::sqrt(x / 2.0));
}

}  // namespace trialsim
