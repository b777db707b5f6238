#include "statistics/survival/two_arm_pass.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace trialsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

// Kaplan-Meier factors of d = 0 or 1 events among n at risk, for n < SIZE: for d = 1 the very
// expressions of kaplan_meier with de = 1, (n - de) / n and de / (n (n - de)) (+Inf when n = 1);
// for d = 0 the identity (1 and 0). A lookup instead of a branch on d, which is a coin flip.
struct SingleEventFactors {
  static constexpr std::size_t SIZE = 4096;
  std::array<std::array<double, SIZE>, 2> survival{}, variance{};
  SingleEventFactors() {
    for (std::size_t k = 0; k < SIZE; ++k) {
      survival[0][k] = 1.0;
      variance[0][k] = 0.0;
      if (k == 0) continue;
      const double nr = static_cast<double>(k), de = 1.0;
      survival[1][k] = (nr - de) / nr;
      variance[1][k] = k > 1 ? de / (nr * (nr - de)) : INF;
    }
  }
};

// Counts of subjects, signed: the walk converts several to double at every time, and the
// conversion of a signed integer is one instruction where an unsigned one costs a sign test and a
// branch more (x86-64 without AVX-512).
using Count = std::int64_t;

// One Kaplan-Meier curve walked group by group (kaplan_meier's loop body), never tabulated: its
// running S and Greenwood sum are the values of its last row so far.
struct RunningCurve {
  KaplanMeierState state;

  // A distinct time with d events among the n subjects of this curve at risk. With d = 0 the
  // factor is exactly 1 and the variance term exactly 0, so S and Var are unchanged, as when
  // kaplan_meier skips the time.
  void add(Count d, Count n, const SingleEventFactors& table) {
    double factor = 1.0, increment = 0.0;
    if (d <= 1 && n < static_cast<Count>(SingleEventFactors::SIZE)) {
      factor = table.survival[d][n];
      increment = table.variance[d][n];
    } else if (d > 0) {
      const double nr = static_cast<double>(n), de = static_cast<double>(d);
      factor = (nr - de) / nr;
      increment = n > d ? de / (nr * (nr - de)) : INF;
    }
    state.surv *= factor;
    state.var_log += increment;
  }
};

// The time groups of a sorted cohort, in time order.
class SortedGroups {
 public:
  explicit SortedGroups(std::span<const SortedSubject> cohort) : cohort_(cohort) {}

  // The next distinct time t, with its subjects leaving the risk set (m) and its events (d) per
  // arm; false after the last.
  bool next(double& t, Count (&m)[2], Count (&d)[2]) {
    if (k_ >= cohort_.size()) return false;
    t = cohort_[k_].time;
    m[0] = m[1] = d[0] = d[1] = 0;
    do {
      const Count a = cohort_[k_].arm, e = cohort_[k_].status;
      m[1] += a;
      m[0] += 1 - a;
      d[1] += a & e;
      d[0] += (1 - a) & e;
      ++k_;
    } while (k_ < cohort_.size() && cohort_[k_].time == t);
    return true;
  }

  // The observed time of rank `rank` (from 0; < size).
  double time_at(std::size_t rank) const { return cohort_[rank].time; }

 private:
  std::span<const SortedSubject> cohort_;
  std::size_t k_ = 0;
};

// Each arm's first and last observed time and size, of a sorted cohort.
void arm_extents(std::span<const SortedSubject> cohort, TwoArmSummary& summary) {
  for (int a = 0; a < 2; ++a) summary.arm[a].first_time = summary.arm[a].last_time = NaN;
  // Counted in a register: `summary.arm[s.arm].n += 1` made each increment wait for the last
  // one's store (a loop-carried store-to-load dependency, 2.7 % of the two-arm run's time).
  std::size_t arm1 = 0;
  for (const SortedSubject& s : cohort) arm1 += s.arm;
  summary.arm[1].n = arm1;
  summary.arm[0].n = cohort.size() - arm1;
  for (int a = 0; a < 2; ++a) {
    const auto in_arm = [a](const SortedSubject& s) { return s.arm == a; };
    const auto it = std::find_if(cohort.begin(), cohort.end(), in_arm);
    if (it != cohort.end()) summary.arm[a].first_time = it->time;
    const auto rit = std::find_if(cohort.rbegin(), cohort.rend(), in_arm);
    if (rit != cohort.rend()) summary.arm[a].last_time = rit->time;
  }
}

// Each arm's capture times from `next` on (at or after the cohort's last time, or NaN: not
// estimable anyway) get its final state; and whether its median is reached.
void finish_arms(const KaplanMeierState (&final_state)[2], std::size_t next,
                 TwoArmSummary& summary) {
  for (int a = 0; a < 2; ++a) {
    ArmCurveSummary& arm = summary.arm[a];
    std::fill(arm.at.begin() + static_cast<std::ptrdiff_t>(next), arm.at.end(), final_state[a]);
    arm.median_reached = survival_quantile_reached(arm.n, final_state[a].surv);
  }
}

// The one pass, over the time groups of a sorted cohort of `size` subjects whose arm sizes are in
// summary.arm[a].n. Every running sum is a local whose address never leaves the loop: held in a
// struct that escapes to a call afterwards (the returned result, a curve passed by reference),
// the compiler kept it in memory, and each group's addition waited for the last one's store
// (bench/README.md, stop 30).
LogRankResult walk_two_arm(SortedGroups groups, std::size_t size,
                           std::span<const double> capture_times, SurvivalWorkspace& ws,
                           TwoArmSummary& summary) {
  static const SingleEventFactors table;
  const std::size_t captures = capture_times.size();
  RunningCurve km0, km1, reverse;
  for (int a = 0; a < 2; ++a) summary.arm[a].at.resize(captures);
  QuantilePointTracker reverse_median(0.5);  // the reverse curve's median (follow-up)
  reverse_median.start();
  std::size_t next = 0;  // the next capture time to record, and that time (+Inf after the last)
  double next_time = captures > 0 ? capture_times[0] : INF;
  Count events = 0;
  auto& rows = ws.arm_risk;
  rows.resize(size);
  ArmRiskRow* const row = rows.data();
  std::size_t kept = 0;

  // log_rank(cohort)'s sums, with the same expressions.
  LogRankResult sums{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, 0.0, 0.0, size > 0 ? 1 : 0};
  // At risk per arm (time >= t); the reverse curve's at risk is their sum.
  auto at_risk0 = static_cast<Count>(summary.arm[0].n),
       at_risk1 = static_cast<Count>(summary.arm[1].n);
  double t = 0.0, last_time = NaN;
  Count m_arm[2], d_arm[2];
  while (groups.next(t, m_arm, d_arm)) {
    last_time = t;
    const Count d_total = d_arm[0] + d_arm[1], m_total = m_arm[0] + m_arm[1];
    const Count at_risk = at_risk0 + at_risk1;
    while (next_time < t) {  // capture times before t: the curves' states so far
      summary.arm[0].at[next] = km0.state;
      summary.arm[1].at[next] = km1.state;
      ++next;
      next_time = next < captures ? capture_times[next] : INF;
    }
    events += d_total;

    // Added for every group: a time without events adds exact zeros (every term has the factor
    // d = 0, the sums are non-negative), and the branch on d > 0 was a coin flip that cost more
    // than the divisions it skipped (5 % of two-arm-survival's time; bench/README.md, stop 29).
    // (Integers below 2^53: their doubles, and d0 + d1, are exact.)
    const double d0 = static_cast<double>(d_arm[0]), d1 = static_cast<double>(d_arm[1]);
    const double n = static_cast<double>(at_risk), n1 = static_cast<double>(at_risk1);
    add_logrank_time(sums, d0 + d1, d1, n, n1);

    // The Cox risk table row (at risk: time >= t), kept when there are events.
    row[kept] = {{n - n1, n1}, {d0, d1}};
    kept += d_total > 0 ? 1 : 0;

    km0.add(d_arm[0], at_risk0, table);
    km1.add(d_arm[1], at_risk1, table);
    if (!reverse_median.done()) {
      // Once the reverse curve's median is found, nothing later changes it (its S only falls
      // further below one half: QuantilePointTracker::result), so the curve stops there. A
      // branch that goes one way and then the other, once.
      reverse.add(m_total - d_total, at_risk, table);
      reverse_median.visit(t, reverse.state.surv);
    }
    at_risk0 -= m_arm[0];
    at_risk1 -= m_arm[1];
  }
  const KaplanMeierState final_state[2] = {km0.state, km1.state};
  finish_arms(final_state, next, summary);
  // (reverse.state.surv: the final S, or the S at which the median was found, which gives the same
  // result.)
  summary.reverse_median = reverse_median.result(size, reverse.state.surv, last_time);
  summary.events = static_cast<std::size_t>(events);
  // The median of the observed times: those of ranks size / 2 and size / 2 - 1 (from 0).
  const double upper_time = size > 0 ? groups.time_at(size / 2) : NaN;
  const double lower_time = size > 1 ? groups.time_at(size / 2 - 1) : NaN;
  summary.observed_time_median =
      size % 2 == 0 && size > 0 ? 0.5 * (upper_time + lower_time) : upper_time;
  finish_forward_arm_risk(rows, kept);

  LogRankResult r = sums;
  finish_logrank(r);
  return r;
}

}  // namespace

LogRankResult analyse_two_arm(std::span<const SortedSubject> cohort,
                              std::span<const double> capture_times, SurvivalWorkspace& ws,
                              TwoArmSummary& summary) {
  arm_extents(cohort, summary);
  return walk_two_arm(SortedGroups(cohort), cohort.size(), capture_times, ws, summary);
}

LogRankResult analyse_two_arm(const CohortRuns& cohort, std::span<const double> capture_times,
                              SurvivalWorkspace& ws, TwoArmSummary& summary) {
  // Merged first, then walked as a sorted cohort: the merge (two chains, survival_data.cpp) costs
  // less than taking each group's subjects off the three runs inside the walk, whose every step
  // waited for its loads (bench/README.md, stop 30).
  merge_cohort_runs(cohort, ws.merged);
  return analyse_two_arm(ws.merged, capture_times, ws, summary);
}

}  // namespace trialsim
