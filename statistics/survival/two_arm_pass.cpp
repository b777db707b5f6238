#include "statistics/survival/two_arm_pass.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

#include "core/double2.h"

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

// log_rank(cohort)'s sums over the times with events, from the Cox risk table's first `count`
// rows (in time order): add_logrank_time's expressions, two quotients at a time (each lane of a
// packed division is the correctly rounded quotient, as a scalar division's), since this loop
// waits on the divider. Times without events, left out, would add exact zeros.
void add_logrank_rows(const ArmRiskRow* rows, std::size_t count, LogRankResult& sums) {
  Double2 expected = {sums.expected[1], sums.expected[0]};
  double observed1 = sums.observed[1], observed0 = sums.observed[0], variance = sums.variance;
  for (std::size_t k = 0; k < count; ++k) {
    const double n1 = rows[k].at_risk[1], d1 = rows[k].events[1];
    const double d = rows[k].events[0] + d1, n = rows[k].at_risk[0] + n1;
    observed1 += d1;
    observed0 += d - d1;
    expected += Double2{d * n1, d * (n - n1)} / Double2{n, n};
    if (n > 1.0) {
      // tmp = d (n - d) / (n (n - 1)) and n1^2 / n.
      const Double2 quotient = Double2{d * (n - d), n1 * n1} / Double2{n * (n - 1.0), n};
      variance += quotient[0] * (n1 - quotient[1]);
    }
  }
  sums.expected[1] = expected[0];
  sums.expected[0] = expected[1];
  sums.observed[1] = observed1;
  sums.observed[0] = observed0;
  sums.variance = variance;
}

// Each arm's first and last observed time, and its size (arm 1 has `arm1` subjects), of a
// sorted cohort. Both arms almost always appear within a few subjects of each end, but a search
// from the end mispredicts its exit, whose place is random: the arms of the 16 subjects at each
// end are read into a bit mask without branches, and each arm's first subject there found by
// counting zeros. An arm absent from a window (a small arm, or none: 1 in 32 768 windows for
// 1:1 allocation, 1 in 650 for 2:1) is searched for beyond it. 16, not 32: the mask costs every
// cohort, the search beyond it only those rare ones.
void arm_extents(std::span<const SortedSubject> cohort, std::size_t arm1, TwoArmSummary& summary) {
  const std::size_t n = cohort.size();
  summary.arm[1].n = arm1;
  summary.arm[0].n = n - arm1;
  constexpr std::size_t WINDOW = 16;
  const std::size_t window = std::min(n, WINDOW);
  std::uint32_t front = 0, back = 0;  // bit i: the arm of subject i; of subject n - 1 - i
  for (std::size_t i = 0; i < window; ++i) {
    front |= std::uint32_t{cohort[i].arm} << i;
    back |= std::uint32_t{cohort[n - 1 - i].arm} << i;
  }
  const std::uint32_t in_window = (1u << window) - 1u;  // window <= 16
  const auto window_start = static_cast<std::ptrdiff_t>(window);
  for (int a = 0; a < 2; ++a) {
    ArmCurveSummary& arm = summary.arm[a];
    arm.first_time = arm.last_time = NaN;
    const std::uint32_t first = a == 1 ? front : ~front & in_window;
    const std::uint32_t last = a == 1 ? back : ~back & in_window;
    const auto in_arm = [a](const SortedSubject& s) { return s.arm == a; };
    if (first != 0) {
      arm.first_time = cohort[static_cast<std::size_t>(std::countr_zero(first))].time;
    } else if (const auto it = std::find_if(cohort.begin() + window_start, cohort.end(), in_arm);
               it != cohort.end()) {
      arm.first_time = it->time;
    }
    if (last != 0) {
      arm.last_time = cohort[n - 1 - static_cast<std::size_t>(std::countr_zero(last))].time;
    } else if (const auto it = std::find_if(cohort.rbegin() + window_start, cohort.rend(), in_arm);
               it != cohort.rend()) {
      arm.last_time = it->time;
    }
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

// The rows' (d0, d1) at a time with one subject, by its status and arm, and who leaves the risk
// set then, (1 - a, a) by its arm: loaded, not converted from integers.
constexpr Double2 EVENT_PAIR[2][2] = {{{0.0, 0.0}, {0.0, 0.0}}, {{1.0, 0.0}, {0.0, 1.0}}};
constexpr Double2 LEAVING_PAIR[2] = {{1.0, 0.0}, {0.0, 1.0}};

// A time t with `censored` of `at_risk` censored on the reverse Kaplan-Meier curve (censoring as
// the event), walked until its median is found (the median follow-up): once found, nothing later
// changes it (its S only falls further below one half: QuantilePointTracker::result), so the
// curve stops there. A branch that goes one way and then the other, once. `checked`: through
// RunningCurve::add, else straight from the tables (censored <= 1, at_risk below their size).
// Curve and tracker are two objects, not one: the tracker stays in memory, and a curve held with
// it would too.
inline void add_reverse(RunningCurve& curve, QuantilePointTracker& median, double t, Count censored,
                        Count at_risk, bool checked, const SingleEventFactors& table) {
  if (median.done()) return;
  if (checked) {
    curve.add(censored, at_risk, table);
  } else {
    curve.state.surv *= table.survival[censored][at_risk];
    curve.state.var_log += table.variance[censored][at_risk];
  }
  median.visit(t, curve.state.surv);
}

// The subjects of the time group starting at cohort[k] (time t): those leaving the risk set (m)
// and the events (d) per arm. Returns the start of the next group.
std::size_t gather_group(std::span<const SortedSubject> cohort, std::size_t k, Count (&m)[2],
                         Count (&d)[2]) {
  const double t = cohort[k].time;
  m[0] = m[1] = d[0] = d[1] = 0;
  do {
    const Count a = cohort[k].arm, e = cohort[k].status;
    m[1] += a;
    m[0] += 1 - a;
    d[1] += a & e;
    d[0] += (1 - a) & e;
    ++k;
  } while (k < cohort.size() && cohort[k].time == t);
  return k;
}

// What the one pass leaves for walk_two_arm to finish.
struct WalkEnd {
  KaplanMeierState final_state[2];  // each arm's curve at its end
  std::size_t next_capture;         // the first capture time at or after the last time
  std::size_t kept_rows;            // the Cox risk table rows (times with events)
  std::optional<double> reverse_median;
};

// The one pass over the time groups of a sorted cohort whose arm sizes are in summary.arm[a].n
// (the capture states into summary.arm[a].at, sized), writing the Cox risk table rows (at risk:
// time >= t) of the times with events to `row`. Every running sum is a local whose address never
// leaves the loop: held in a struct that escapes to a call afterwards, the compiler kept it in
// memory, and each group's addition waited for the last one's store (bench/README.md, stop 30).
WalkEnd walk_groups(std::span<const SortedSubject> cohort, std::span<const double> capture_times,
                    TwoArmSummary& summary, ArmRiskRow* const row) {
  static const SingleEventFactors table;
  const std::size_t size = cohort.size(), captures = capture_times.size();
  RunningCurve km0, km1, reverse;
  QuantilePointTracker reverse_median(0.5);
  reverse_median.start();
  std::size_t next = 0;  // the next capture time to record, and that time (+Inf after the last)
  double next_time = captures > 0 ? capture_times[0] : INF, last_time = NaN;
  ArmRiskRow* row_end = row;  // past the rows kept so far
  // At risk per arm (time >= t), and as doubles (exact) for the rows.
  auto at_risk0 = static_cast<Count>(summary.arm[0].n),
       at_risk1 = static_cast<Count>(summary.arm[1].n);
  Double2 at_risk_pair = {static_cast<double>(at_risk0), static_cast<double>(at_risk1)};
  // Every number at risk is below the tables' size in a cohort smaller than it, so a time with
  // one subject (d <= 1) reads them without RunningCurve::add's checks.
  const bool small = size < SingleEventFactors::SIZE;
  for (std::size_t k = 0; k < size;) {
    const double t = cohort[k].time;
    last_time = t;
    while (next_time < t) {  // capture times before t: the curves' states so far
      summary.arm[0].at[next] = km0.state;
      summary.arm[1].at[next] = km1.state;
      ++next;
      next_time = next < captures ? capture_times[next] : INF;
    }
    if (small && (k + 1 == size || cohort[k + 1].time != t)) [[likely]] {
      // One subject at t, of arm a, an event (e = 1) or censored: the general step below with
      // m = (1 - a, a) and d = e m, in fewer instructions.
      const Count a = cohort[k++].arm, e = cohort[k - 1].status;
      const Count d0 = (1 - a) & e, d1 = a & e;
      std::memcpy(&row_end->at_risk, &at_risk_pair, sizeof at_risk_pair);
      std::memcpy(&row_end->events, &EVENT_PAIR[e][a], sizeof(Double2));
      row_end += e;
      at_risk_pair -= LEAVING_PAIR[a];
      km0.state.surv *= table.survival[d0][at_risk0];
      km0.state.var_log += table.variance[d0][at_risk0];
      km1.state.surv *= table.survival[d1][at_risk1];
      km1.state.var_log += table.variance[d1][at_risk1];
      add_reverse(reverse, reverse_median, t, 1 - e, at_risk0 + at_risk1, false, table);
      at_risk0 -= 1 - a;
      at_risk1 -= a;
      continue;
    }
    Count m[2], d[2];
    k = gather_group(cohort, k, m, d);
    // The row, kept when there are events. (Integers below 2^53: their doubles are exact.)
    std::memcpy(&row_end->at_risk, &at_risk_pair, sizeof at_risk_pair);
    row_end->events[0] = static_cast<double>(d[0]);
    row_end->events[1] = static_cast<double>(d[1]);
    row_end += d[0] + d[1] > 0 ? 1 : 0;
    at_risk_pair -= Double2{static_cast<double>(m[0]), static_cast<double>(m[1])};
    km0.add(d[0], at_risk0, table);
    km1.add(d[1], at_risk1, table);
    add_reverse(reverse, reverse_median, t, m[0] + m[1] - d[0] - d[1], at_risk0 + at_risk1, true,
                table);
    at_risk0 -= m[0];
    at_risk1 -= m[1];
  }
  // (reverse.state.surv: the final S, or the S at which the median was found, which gives the same
  // result.)
  return {{km0.state, km1.state},
          next,
          static_cast<std::size_t>(row_end - row),
          reverse_median.result(size, reverse.state.surv, last_time)};
}

// The one pass (walk_groups), then the log-rank test from its rows, and the summary's rest.
LogRankResult walk_two_arm(std::span<const SortedSubject> cohort,
                           std::span<const double> capture_times, SurvivalWorkspace& ws,
                           TwoArmSummary& summary) {
  const std::size_t size = cohort.size();
  for (int a = 0; a < 2; ++a) summary.arm[a].at.resize(capture_times.size());
  auto& rows = ws.arm_risk;
  rows.resize(size);
  const WalkEnd end = walk_groups(cohort, capture_times, summary, rows.data());
  // log_rank(cohort)'s sums, with the same expressions, over the times with events.
  LogRankResult r{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, size > 0 ? 1 : 0};
  add_logrank_rows(rows.data(), end.kept_rows, r);
  finish_logrank(r);
  finish_arms(end.final_state, end.next_capture, summary);
  summary.reverse_median = end.reverse_median;
  // (Sums of whole numbers below 2^53: exact.)
  summary.events = static_cast<std::size_t>(r.observed[0] + r.observed[1]);
  // The median of the observed times: those of ranks size / 2 and size / 2 - 1 (from 0).
  const double upper_time = size > 0 ? cohort[size / 2].time : NaN;
  const double lower_time = size > 1 ? cohort[size / 2 - 1].time : NaN;
  summary.observed_time_median =
      size % 2 == 0 && size > 0 ? 0.5 * (upper_time + lower_time) : upper_time;
  finish_forward_arm_risk(rows, end.kept_rows);
  return r;
}

}  // namespace

LogRankResult analyse_two_arm(std::span<const SortedSubject> cohort,
                              std::span<const double> capture_times, SurvivalWorkspace& ws,
                              TwoArmSummary& summary) {
  // Counted in a register: `summary.arm[s.arm].n += 1` made each increment wait for the last
  // one's store (a loop-carried store-to-load dependency, 2.7 % of the two-arm run's time).
  std::size_t arm1 = 0;
  for (const SortedSubject& s : cohort) arm1 += s.arm;
  arm_extents(cohort, arm1, summary);
  return walk_two_arm(cohort, capture_times, ws, summary);
}

LogRankResult analyse_two_arm(const CohortRuns& cohort, std::span<const double> capture_times,
                              SurvivalWorkspace& ws, TwoArmSummary& summary) {
  // Merged first, then walked as a sorted cohort: the merge (two chains, survival_data.cpp) costs
  // less than taking each group's subjects off the three runs inside the walk, whose every step
  // waited for its loads (bench/README.md, stop 30).
  // The arms' sizes come with the runs: no pass counts them.
  merge_cohort_runs(cohort, ws.merged);
  arm_extents(ws.merged, cohort.arm1, summary);
  return walk_two_arm(ws.merged, capture_times, ws, summary);
}

}  // namespace trialsim
