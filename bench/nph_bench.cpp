// Google Benchmark of the non-proportional-hazards analyses of one cohort (issue 16, acceptance
// 4: every analysis of item 2 at most 3x the log-rank-only analysis). Built into trialsim_bench
// (its main is in bench/kernel_bench.cpp); run
//   build/trialsim_bench --benchmark_filter=Nph
// The cohorts: a delayed effect (hazard 0.10/month in both arms for 4 months, then 0.06 in the
// experimental arm), 1:1, uniform censoring over 6..36 months, times rounded to 0.1 month; 64
// different cohorts per size, cycled, so the MaxCombo decision meets a realistic mix of cohorts
// far from and near its critical value.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "statistics/survival/cox.h"
#include "statistics/survival/logrank.h"
#include "statistics/survival/max_combo.h"
#include "statistics/survival/nph_pass.h"
#include "statistics/survival/two_arm_pass.h"

namespace trialsim {
namespace {

struct NphCohorts {
  std::vector<std::vector<double>> time;
  std::vector<std::vector<int>> status, arm;
  std::vector<std::vector<SortedSubject>> sorted;
};

const NphCohorts& cohorts(std::size_t n) {
  static std::vector<std::pair<std::size_t, NphCohorts>> cache;
  for (const auto& [size, c] : cache)
    if (size == n) return c;
  NphCohorts c;
  std::mt19937_64 gen(20261202 + n);
  std::exponential_distribution<double> unit(1.0);
  std::uniform_real_distribution<double> censor(6.0, 36.0);
  SurvivalWorkspace ws;
  for (int k = 0; k < 64; ++k) {
    std::vector<double> time(n);
    std::vector<int> status(n), arm(n);
    for (std::size_t i = 0; i < n; ++i) {
      arm[i] = static_cast<int>(i % 2);
      double e = unit(gen) / 0.10;
      if (arm[i] == 1 && e > 4.0) e = 4.0 + unit(gen) / 0.06;
      const double cens = censor(gen);
      time[i] = std::round(std::min(e, cens) * 10.0) / 10.0;
      status[i] = e <= cens ? 1 : 0;
    }
    sort_cohort({time, status, arm}, ws);
    c.sorted.push_back(ws.sorted);
    c.time.push_back(std::move(time));
    c.status.push_back(std::move(status));
    c.arm.push_back(std::move(arm));
  }
  cache.emplace_back(n, std::move(c));
  return cache.back().second;
}

const std::vector<double> MILESTONES = {6.0, 12.0, 18.0};
constexpr double TAU = 24.0, ALPHA = 0.025;

// What is analysed per iteration: 0 log-rank alone; 1 the full pass (log-rank, FH(0,0), FH(0,1),
// FH(1,0), FH(1,1) with covariance, RMST at 24 months, milestones at 6, 12, 18); 2 the pass and
// the MaxCombo decision at one-sided 0.025 (bounds, quadrature only near alpha); 3 the pass and
// the exact MaxCombo p-value; 4 every analysis of issue 16 item 2: the pass, the MaxCombo decision
// and the descriptive Cox HR (Efron, from the per-time risk table the same walk fills); 5 the
// log-rank test and the Cox HR (what the design computes without design.nph, less the Kaplan-Meier
// estimates).
enum Work {
  LOG_RANK = 0,
  FULL_PASS = 1,
  FULL_DECISION = 2,
  FULL_P_VALUE = 3,
  ALL_WITH_COX = 4,
  LOG_RANK_WITH_COX = 5
};

void analyse(Work work, std::span<const SortedSubject> cohort, const NphPlan& plan,
             NphAnalysis& out, SurvivalWorkspace& cox_ws, CoxFit& cox) {
  if (work == LOG_RANK || work == LOG_RANK_WITH_COX) {
    benchmark::DoNotOptimize(log_rank(cohort).z);
    if (work == LOG_RANK_WITH_COX) {
      cox_ph_arm(cohort, cox_ws, cox);
      benchmark::DoNotOptimize(cox.coef.empty() ? 0.0 : cox.coef[0].hr);
    }
    return;
  }
  // Work 4: the walk also fills the Cox risk table, as the design's analysis does.
  analyse_nph(cohort, plan, out, work == ALL_WITH_COX ? &cox_ws.arm_risk : nullptr);
  if (work == FULL_DECISION || work == ALL_WITH_COX) {
    benchmark::DoNotOptimize(max_combo_rejects(out.fh, ALPHA));
    if (work == ALL_WITH_COX) {
      cox_ph_arm_from_table(cox_ws, cox);
      benchmark::DoNotOptimize(cox.coef.empty() ? 0.0 : cox.coef[0].hr);
    }
  } else if (work == FULL_P_VALUE) {
    benchmark::DoNotOptimize(max_combo(out.fh).p_value);
  }
  benchmark::DoNotOptimize(out.rmst.difference_z);
}

const char* label(Work work) {
  return work == LOG_RANK        ? "log-rank only"
         : work == FULL_PASS     ? "full NPH pass"
         : work == FULL_DECISION ? "full NPH pass + MaxCombo decision"
         : work == FULL_P_VALUE  ? "full NPH pass + MaxCombo p-value"
         : work == ALL_WITH_COX  ? "full NPH pass + MaxCombo decision + Cox HR"
                                 : "log-rank + Cox HR";
}

// On a cohort already sorted (args: patients, work).
void BM_NphSorted(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto work = static_cast<Work>(state.range(1));
  const NphCohorts& c = cohorts(n);
  const NphPlan plan(DEFAULT_MAX_COMBO_SET, TAU, MILESTONES);
  NphAnalysis out;
  SurvivalWorkspace cox_ws;
  CoxFit cox;
  std::size_t k = 0;
  for (auto _ : state) analyse(work, c.sorted[k++ % c.sorted.size()], plan, out, cox_ws, cox);
  state.SetLabel(label(work));
}
BENCHMARK(BM_NphSorted)->ArgsProduct({{200, 1000}, {0, 1, 2, 3, 4, 5}});

// The same with the sort (sort_cohort of the unsorted data) inside the timing, as a simulated
// trial analyses a cut cohort.
void BM_NphWithSort(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto work = static_cast<Work>(state.range(1));
  const NphCohorts& c = cohorts(n);
  const NphPlan plan(DEFAULT_MAX_COMBO_SET, TAU, MILESTONES);
  NphAnalysis out;
  SurvivalWorkspace ws, cox_ws;
  CoxFit cox;
  std::size_t k = 0;
  for (auto _ : state) {
    const std::size_t i = k++ % c.time.size();
    sort_cohort({c.time[i], c.status[i], c.arm[i]}, ws);
    analyse(work, ws.sorted, plan, out, cox_ws, cox);
  }
  state.SetLabel(label(work));
}
BENCHMARK(BM_NphWithSort)->ArgsProduct({{200, 1000}, {0, 1, 2, 3, 4, 5}});

}  // namespace
}  // namespace trialsim
