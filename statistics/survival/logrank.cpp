#include "statistics/survival/logrank.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace trialsim {

void finish_logrank(LogRankResult& r) {
  const double diff = r.observed[1] - r.expected[1];
  if (r.variance > 0.0) {
    r.z = diff / std::sqrt(r.variance);
  } else {
    r.z = std::numeric_limits<double>::quiet_NaN();
  }
}

LogRankResult log_rank(const SurvivalData& data, SurvivalWorkspace& ws, bool stratified) {
  check_survival_data(data, "log_rank", 1);
  if (!data.has_arm()) throw std::invalid_argument("log_rank: data.arm is required");
  if (stratified && !data.has_stratum())
    throw std::invalid_argument("log_rank: stratified test requested but data.stratum is empty");
  if (!stratified) {
    sort_cohort(data, ws);
    return log_rank(ws.sorted);
  }
  sort_subjects(data, ws, stratified);
  const std::size_t n = ws.order.size();
  LogRankResult r{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, 0};

  for (std::size_t begin = 0; begin < n;) {
    // One stratum: [begin, end).
    std::size_t end = begin;
    const int s = stratified ? data.stratum[ws.order[begin]] : 0;
    while (end < n && (!stratified || data.stratum[ws.order[end]] == s)) ++end;
    ++r.n_strata;
    double at_risk = static_cast<double>(end - begin), at_risk1 = 0.0;
    for (std::size_t k = begin; k < end; ++k) at_risk1 += data.arm[ws.order[k]];
    for (std::size_t k = begin; k < end;) {
      const double t = data.time[ws.order[k]];
      double d = 0.0, d1 = 0.0, m = 0.0, m1 = 0.0;
      for (; k < end && data.time[ws.order[k]] == t; ++k) {
        const std::uint32_t i = ws.order[k];
        const int a = data.arm[i];
        m += 1.0;
        m1 += a;
        if (data.status[i]) {
          d += 1.0;
          d1 += a;
        }
      }
      if (d > 0.0) add_logrank_time(r, d, d1, at_risk, at_risk1);
      at_risk -= m;
      at_risk1 -= m1;
    }
    begin = end;
  }
  finish_logrank(r);
  return r;
}

LogRankResult log_rank(std::span<const SortedSubject> cohort) {
  // The loop above for one stratum, on contiguous records (same arithmetic, same order).
  const std::size_t n = cohort.size();
  LogRankResult r{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, n > 0 ? 1 : 0};
  double at_risk = static_cast<double>(n), at_risk1 = 0.0;
  for (const SortedSubject& s : cohort) at_risk1 += s.arm;
  for (std::size_t k = 0; k < n;) {
    const double t = cohort[k].time;
    double d = 0.0, d1 = 0.0, m = 0.0, m1 = 0.0;
    for (; k < n && cohort[k].time == t; ++k) {
      const double a = cohort[k].arm, e = cohort[k].status;
      m += 1.0;
      m1 += a;
      d += e;
      d1 += a * e;
    }
    // Every time, as analyse_two_arm's walk: one without events adds exact zeros, and the branch
    // on d > 0 (a coin flip) cost more than the divisions it skipped.
    add_logrank_time(r, d, d1, at_risk, at_risk1);
    at_risk -= m;
    at_risk1 -= m1;
  }
  finish_logrank(r);
  return r;
}

LogRankResult log_rank(const CohortRuns& runs) {
  constexpr double INF = std::numeric_limits<double>::infinity();  // the runs' end
  const double* const events[2] = {runs.events[0], runs.events[1]};
  const double* const censored = runs.censored;
  const double* const censored_arm = runs.censored_arm;
  const std::size_t analysed = runs.size();

  // log_rank(cohort)'s sums over the distinct event times, in time order.
  LogRankResult r{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, analysed > 0 ? 1 : 0};
  double at_risk = static_cast<double>(analysed), at_risk1 = static_cast<double>(runs.arm1);
  std::size_t i0 = 0, i1 = 0, c = 0;
  for (;;) {
    const double t = std::min(events[0][i0], events[1][i1]);
    if (t == INF) break;
    // Subjects censored before t leave the risk set (those censored at t are at risk at t).
    while (censored[c] < t) {
      at_risk -= 1.0;
      at_risk1 -= censored_arm[c];
      ++c;
    }
    // The events at t, without a branch on which arm holds them (a coin flip); the loop repeats
    // only for ties.
    std::size_t d0 = 0, d1_count = 0;
    do {
      const std::size_t e0 = events[0][i0] == t ? 1 : 0, e1 = events[1][i1] == t ? 1 : 0;
      d0 += e0;
      d1_count += e1;
      i0 += e0;
      i1 += e1;
    } while (events[0][i0] == t || events[1][i1] == t);
    const double d = static_cast<double>(d0 + d1_count), d1 = static_cast<double>(d1_count);
    add_logrank_time(r, d, d1, at_risk, at_risk1);
    at_risk -= d;
    at_risk1 -= d1;
  }
  finish_logrank(r);
  return r;
}

double log_rank_one_sided_p(const LogRankResult& r) {
  return 0.5 * std::erfc(-r.z / std::sqrt(2.0));
}

}  // namespace trialsim
