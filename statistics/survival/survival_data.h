#pragma once
// Input view and reusable workspace shared by the survival analyses in statistics/survival/.
//
// Times are in months. Every analysis sorts the subjects once (O(n log n)) and then works in
// linear scans. All scratch storage lives in a caller-owned SurvivalWorkspace: after the first
// call on a cohort of a given size, later calls on cohorts no larger do not touch the heap.
// Exception: the Cox buffers are sized by the number of covariates p, so alternating models
// with different p in one workspace reallocates them (use one workspace per model shape).
//
// Reference: R package `survival` (Therneau), version recorded in
// tests/fixtures/survival/VERSION.txt; conventions in docs/survival-analysis.md.
#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace trialsim {

// A non-owning view of one cohort. `arm` and `stratum` are optional (empty span = absent).
//   time    : follow-up time in months, finite and >= 0
//   status  : 0 = censored, 1 = event; the cumulative-incidence analysis also accepts
//             k = 2, 3, ... for competing event types
//   arm     : 0 = control, 1 = experimental
//   stratum : any integer label; only equality matters
struct SurvivalData {
  std::span<const double> time;
  std::span<const int> status;
  std::span<const int> arm = {};
  std::span<const int> stratum = {};

  std::size_t size() const noexcept { return time.size(); }
  bool has_arm() const noexcept { return !arm.empty(); }
  bool has_stratum() const noexcept { return !stratum.empty(); }
};

// Covariates for the Cox model: row-major n x n_cols matrix (row i belongs to subject i).
struct CovariateMatrix {
  std::span<const double> values;
  std::size_t n_cols = 0;
};

// Pointwise confidence-interval transformation, named as survfit's `conf.type`.
enum class CiType { plain, log, log_log };

// One subject of a cohort sorted once by (time, subject index) for the non-stratified analyses
// that accept a presorted cohort (log-rank, Cox on the arm, Kaplan-Meier): a simulated trial
// sorts each analysed cohort once and reads contiguous records, instead of sorting indices once
// per analysis. The order, and therefore every result, is the same as sort_subjects' order.
struct SortedSubject {
  double time;          // months
  std::uint32_t index;  // position in the unsorted data (the tie-breaker)
  std::uint8_t status;  // 0 = censored, 1 = event
  std::uint8_t arm;     // 0 = control, 1 = experimental (0 when the data have no arm)
};

// One distinct event time of a (stratum of a) two-arm cohort, for the Cox model on the arm:
// subjects at risk (time >= t) and events at t, per arm.
struct ArmRiskRow {
  double at_risk[2];
  double events[2];
};

// A table written in time order by a forward walk (its first `kept` rows) put in coxfit6's order,
// from the latest time back, as cox_ph_arm builds it (the Newton sums then add in the same order).
inline void finish_forward_arm_risk(std::vector<ArmRiskRow>& rows, std::size_t kept) {
  rows.resize(kept);
  std::reverse(rows.begin(), rows.end());
}

// A two-arm cohort as three runs, each in non-decreasing time order, preceded by -Inf and ended
// by +Inf (run[-1] and run[count] are readable): each arm's event times, and the censored times
// with their arms (0.0 or 1.0; 0.0 under both ends). Merged, they are the sorted cohort without
// its order among equal times, which no two-arm analysis reads (each groups the subjects of a
// time). Times finite. For a data cut without dropout, whose runs come from orders prepared once
// per cohort (models/conduct.h, cut_runs_no_dropout).
struct CohortRuns {
  const double* events[2] = {nullptr, nullptr};
  const double* censored = nullptr;
  const double* censored_arm = nullptr;
  std::size_t event_count[2] = {0, 0};
  std::size_t censored_count = 0;
  std::size_t arm1 = 0;  // subjects of arm 1, events and censored

  std::size_t size() const { return event_count[0] + event_count[1] + censored_count; }
};

// The sorted cohort the runs merge into, written to `out`: (time, status, arm) of every subject
// in time order. The index is 0 (the runs carry no patient indices; no two-arm walk reads them)
// and the order among equal times is the runs' (arm 0's events, arm 1's, the censored).
void merge_cohort_runs(const CohortRuns& runs, std::vector<SortedSubject>& out);

// Scratch storage reused across calls. Contents are meaningless between calls.
struct SurvivalWorkspace {
  std::vector<SortedSubject> sorted, sorted_scratch;  // sort_cohort's output and scratch
  std::vector<SortedSubject> merged;                  // analyse_two_arm's merge of CohortRuns
  std::vector<std::uint32_t> buckets;                 // sort_cohort's bucket offsets
  std::vector<ArmRiskRow> arm_risk;                   // Cox-on-arm risk table
  // The table as the Newton iterations read it: (a, b) per event, risk-set sum a + b e^beta.
  std::vector<double> arm_event_terms;
  std::vector<std::uint32_t> order;  // subject indices sorted by (stratum, time, index)

  // Per-distinct-event-time tables (log-rank, cumulative incidence).
  std::vector<double> event_time, n_risk, n_event, n_cause, surv_before, cif;

  // Quantile search (median) scratch: (value, position) pairs.
  std::vector<std::pair<double, std::uint32_t>> pairs;

  // Cox model: covariates in sorted order (centred, scaled), strata breaks, scratch sums.
  std::vector<double> cox_x;
  std::vector<char> cox_stratum_end;
  Eigen::VectorXd cox_beta, cox_new_beta, cox_u, cox_step, cox_a, cox_a2, cox_mean, cox_scale;
  Eigen::MatrixXd cox_imat, cox_cmat, cox_cmat2, cox_var;
  Eigen::LDLT<Eigen::MatrixXd> cox_ldlt;
};

// Checks lengths and values (throws std::invalid_argument naming the function, the argument,
// the offending index and value). `max_status` is 1 for ordinary survival data.
void check_survival_data(const SurvivalData& data, const char* function, int max_status = 1);

// Fills ws.order with the indices i of subjects to analyse (all, or those with arm[i] == arm
// when arm >= 0), sorted by (stratum if by_stratum, time, index). One O(n log n) sort.
void sort_subjects(const SurvivalData& data, SurvivalWorkspace& ws, bool by_stratum, int arm = -1);

// Checks data as check_survival_data (status 0/1) and writes its subjects into ws.sorted,
// sorted by (time, index). A stable bucket sort over [min, max] time (expected O(n), few
// unpredictable branches), each bucket finished by insertion sort, or by std::sort when a bucket
// is crowded (so O(n log n) at worst). No allocation once the workspace is large enough.
void sort_cohort(const SurvivalData& data, SurvivalWorkspace& ws);

// The sorting step alone: sorts the records in ws.sorted_scratch (finite times >= 0, status and
// arm 0/1, distinct indices) into ws.sorted by (time, index). For callers that write the records
// themselves (e.g. the data cut of a simulated trial, models/conduct.h).
void sort_cohort_records(SurvivalWorkspace& ws);
// The same when the caller knows bounds of the times (every one in [lo, hi], finite), e.g. from
// the pass that wrote them: no pass looks for them. The order is the same whatever the bounds.
void sort_cohort_records(SurvivalWorkspace& ws, double lo, double hi);
// The same with each record's bucket given by the caller (bucket[k] < buckets for
// ws.sorted_scratch[k]), from a key that orders the times as closely as it can: buckets that
// follow the times sort fast, and any buckets give a sorted order, by time; equal times keep
// index order when they share a bucket. E.g. the uniform that an exponential draw inverted,
// whose equal-width buckets hold about as many draws each.
void sort_cohort_records(SurvivalWorkspace& ws, std::span<const std::uint32_t> bucket,
                         std::size_t buckets);

// Two-sided normal critical value z = qnorm(1 - (1 - level) / 2), as survfit and coxph compute
// it. Throws std::invalid_argument unless 0 < level < 1.
double normal_critical_value(double level);

// Upper tail of the chi-square distribution with one degree of freedom,
// pchisq(x, 1, lower.tail = FALSE) = erfc(sqrt(x / 2)).
double chisq1_upper_tail(double x);

}  // namespace trialsim
