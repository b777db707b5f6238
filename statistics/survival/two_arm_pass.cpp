#include "statistics/survival/two_arm_pass.h"

#include <algorithm>
#include <array>
#include <cmath>
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

// One Kaplan-Meier curve grown group by group (kaplan_meier's loop body).
struct CurveBuilder {
  KaplanMeierCurve& out;
  std::size_t at_risk = 0, rows = 0;
  double s = 1.0, v = 0.0;

  void start(std::size_t n, double first, double last, std::size_t capacity) {
    out.n = n;
    out.first_time = first;
    out.last_time = last;
    at_risk = n;
    for (auto* column : {&out.time, &out.surv, &out.var_log}) column->resize(capacity);
    out.n_risk.resize(capacity);
    out.n_event.resize(capacity);
  }
  // A distinct time with d events among m subjects of this curve leaving the risk set. The row
  // is written always and kept when d > 0; with d = 0 the factor is exactly 1 and the variance
  // term exactly 0, so S and Var are unchanged, as when kaplan_meier skips the time.
  void add(double t, std::size_t d, std::size_t m, const SingleEventFactors& table) {
    double factor = 1.0, increment = 0.0;
    if (d <= 1 && at_risk < SingleEventFactors::SIZE) {
      factor = table.survival[d][at_risk];
      increment = table.variance[d][at_risk];
    } else if (d > 0) {
      const double nr = static_cast<double>(at_risk), de = static_cast<double>(d);
      factor = (nr - de) / nr;
      increment = at_risk > d ? de / (nr * (nr - de)) : INF;
    }
    s *= factor;
    v += increment;
    out.time[rows] = t;
    out.n_risk[rows] = static_cast<int>(at_risk);
    out.n_event[rows] = static_cast<int>(d);
    out.surv[rows] = s;
    out.var_log[rows] = v;
    rows += d > 0 ? 1 : 0;
    at_risk -= m;
  }
  void finish() {
    for (auto* column : {&out.time, &out.surv, &out.var_log}) column->resize(rows);
    out.n_risk.resize(rows);
    out.n_event.resize(rows);
  }
};

}  // namespace

LogRankResult analyse_two_arm(std::span<const SortedSubject> cohort, SurvivalWorkspace& ws,
                              TwoArmCurves& curves) {
  static const SingleEventFactors table;
  const std::size_t size = cohort.size();
  std::size_t n_arm[2] = {0, 0};
  double first[2] = {NaN, NaN}, last[2] = {NaN, NaN};
  for (const SortedSubject& s : cohort) n_arm[s.arm] += 1;
  for (int a = 0; a < 2; ++a) {
    const auto in_arm = [a](const SortedSubject& s) { return s.arm == a; };
    const auto it = std::find_if(cohort.begin(), cohort.end(), in_arm);
    if (it != cohort.end()) first[a] = it->time;
    const auto rit = std::find_if(cohort.rbegin(), cohort.rend(), in_arm);
    if (rit != cohort.rend()) last[a] = rit->time;
  }
  CurveBuilder km[2] = {{curves.arm[0]}, {curves.arm[1]}};
  CurveBuilder reverse{curves.reverse};
  for (int a = 0; a < 2; ++a) km[a].start(n_arm[a], first[a], last[a], size);
  reverse.start(size, size ? cohort.front().time : NaN, size ? cohort.back().time : NaN, size);
  auto& rows = ws.arm_risk;
  rows.resize(size);
  std::size_t kept = 0;

  // log_rank(cohort)'s sums, with the same expressions.
  LogRankResult r{{0.0, 0.0}, {0.0, 0.0}, 0.0, 0.0, 0.0, 0.0, size > 0 ? 1 : 0};
  double at_risk = static_cast<double>(size), at_risk1 = static_cast<double>(n_arm[1]);
  for (std::size_t k = 0; k < size;) {
    const double t = cohort[k].time;
    std::size_t m_arm[2] = {0, 0}, d_arm[2] = {0, 0};
    do {
      const std::size_t a = cohort[k].arm, e = cohort[k].status;
      m_arm[1] += a;
      m_arm[0] += 1 - a;
      d_arm[1] += a & e;
      d_arm[0] += (1 - a) & e;
      ++k;
    } while (k < size && cohort[k].time == t);
    const std::size_t d_total = d_arm[0] + d_arm[1], m_total = m_arm[0] + m_arm[1];

    const double d = static_cast<double>(d_total), d1 = static_cast<double>(d_arm[1]);
    if (d_total > 0) add_logrank_time(r, d, d1, at_risk, at_risk1);

    // The Cox risk table row (at risk: time >= t), kept when there are events.
    rows[kept] = {{at_risk - at_risk1, at_risk1}, {static_cast<double>(d_arm[0]), d1}};
    kept += d_total > 0 ? 1 : 0;

    for (int a = 0; a < 2; ++a) km[a].add(t, d_arm[a], m_arm[a], table);
    reverse.add(t, m_total - d_total, m_total, table);
    at_risk -= static_cast<double>(m_total);
    at_risk1 -= static_cast<double>(m_arm[1]);
  }
  for (auto& builder : km) builder.finish();
  reverse.finish();
  finish_forward_arm_risk(rows, kept);

  finish_logrank(r);
  return r;
}

}  // namespace trialsim
