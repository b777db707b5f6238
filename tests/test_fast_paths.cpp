// The fast paths of the two-arm survival design against the reference functions, on randomised
// cohorts with ties and censoring (issue 13, item 5):
//  1. the one-pass analysis analyse_two_arm + cox_ph_arm_from_table (statistics/survival/
//     two_arm_pass.h), which claims every number bit-identical to the separate calls, against
//     log_rank and cox_ph_arm on the unsorted data (and against the stratified code paths with
//     one stratum, which sort by std::sort instead of sort_cohort's bucket sort), and its curve
//     summaries against survival_at and survival_quantile_point of kaplan_meier's curves, at
//     times before, at, between and after the observed ones, for every CI type;
//  2. the log-rank straight from the data cut, cut_log_rank_no_dropout (models/conduct.h), which
//     claims bit-identity with the log-rank of the explicitly cut data set, against cut_data then
//     log_rank; and cut_sorted against sort_cohort of cut_data's output;
//  3. EventCutoffs, which claims bit-identity with analysis_cutoff for every target;
//  4. the scalar Cox fit on the arm (one exp per iteration from a risk table) against the general
//     Newton-Raphson cox_ph with the arm as its covariate, which "agree to rounding": see the
//     tolerance there.
// Cohorts: sizes 2 to 300 (and a few above 4096, where the Kaplan-Meier factor table of the one
// pass ends), times continuous or rounded to a grid (ties within and between arms, between events
// and censorings), censoring none, some, most, all, or all but one event, arms balanced,
// unbalanced or one arm empty. A last test shows each comparison fails on a one-ulp change.
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "models/conduct.h"
#include "statistics/survival/cox.h"
#include "statistics/survival/kaplan_meier.h"
#include "statistics/survival/logrank.h"
#include "statistics/survival/two_arm_pass.h"

using namespace trialsim;

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// Bit for bit (so -0 differs from +0); any NaN equals any NaN.
bool identical(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

// Appends "name: a vs b" to `out` when a and b are not identical.
void compare(std::ostringstream& out, const std::string& name, double a, double b) {
  if (!identical(a, b)) out << name << ": " << a << " vs " << b << " (differ in bits); ";
}

template <class T>
void compare_vectors(std::ostringstream& out, const std::string& name, const std::vector<T>& a,
                     const std::vector<T>& b) {
  if (a.size() != b.size()) {
    out << name << ": " << a.size() << " vs " << b.size() << " rows; ";
    return;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      compare(out, name + "[" + std::to_string(i) + "]", a[i], b[i]);
    } else if (a[i] != b[i]) {
      out << name << "[" << i << "]: " << a[i] << " vs " << b[i] << "; ";
    }
  }
}

std::string difference(const LandmarkEstimate& a, const LandmarkEstimate& b) {
  std::ostringstream out;
  if (a.estimable != b.estimable) out << "estimable: " << a.estimable << " vs " << b.estimable;
  compare(out, "surv", a.surv, b.surv);
  compare(out, "std_err", a.std_err, b.std_err);
  compare(out, "lower", a.lower, b.lower);
  compare(out, "upper", a.upper, b.upper);
  return out.str();
}

std::string difference(const std::optional<double>& a, const std::optional<double>& b) {
  std::ostringstream out;
  if (a.has_value() != b.has_value()) {
    out << "reached: " << a.has_value() << " vs " << b.has_value();
  } else if (a) {
    compare(out, "value", *a, *b);
  }
  return out.str();
}

// "" when identical, else the differences.
std::string difference(const KaplanMeierCurve& a, const KaplanMeierCurve& b) {
  std::ostringstream out;
  if (a.n != b.n) out << "n: " << a.n << " vs " << b.n << "; ";
  compare(out, "first_time", a.first_time, b.first_time);
  compare(out, "last_time", a.last_time, b.last_time);
  compare_vectors(out, "time", a.time, b.time);
  compare_vectors(out, "n_risk", a.n_risk, b.n_risk);
  compare_vectors(out, "n_event", a.n_event, b.n_event);
  compare_vectors(out, "surv", a.surv, b.surv);
  compare_vectors(out, "var_log", a.var_log, b.var_log);
  return out.str();
}

std::string difference(const LogRankResult& a, const LogRankResult& b) {
  std::ostringstream out;
  for (int arm = 0; arm < 2; ++arm) {
    compare(out, "observed" + std::to_string(arm), a.observed[arm], b.observed[arm]);
    compare(out, "expected" + std::to_string(arm), a.expected[arm], b.expected[arm]);
  }
  compare(out, "variance", a.variance, b.variance);
  compare(out, "chisq", a.chisq(), b.chisq());
  compare(out, "p_value", a.p_value(), b.p_value());
  compare(out, "z", a.z, b.z);
  if (a.n_strata != b.n_strata) out << "n_strata: " << a.n_strata << " vs " << b.n_strata << "; ";
  return out.str();
}

std::string difference(const CoxFit& a, const CoxFit& b) {
  std::ostringstream out;
  if (a.status != b.status) out << "status: " << int(a.status) << " vs " << int(b.status) << "; ";
  if (a.iterations != b.iterations)
    out << "iterations: " << a.iterations << " vs " << b.iterations << "; ";
  compare(out, "loglik_null", a.loglik_null, b.loglik_null);
  compare(out, "loglik", a.loglik, b.loglik);
  if (a.coef.size() != b.coef.size() || a.coef.size() != 1) {
    out << "coefficients: " << a.coef.size() << " vs " << b.coef.size() << "; ";
    return out.str();
  }
  const CoxCoefficient &x = a.coef[0], &y = b.coef[0];
  compare(out, "beta", x.beta, y.beta);
  compare(out, "se", x.se, y.se);
  compare(out, "hr", x.hr, y.hr);
  compare(out, "lower", x.lower, y.lower);
  compare(out, "upper", x.upper, y.upper);
  compare(out, "z", x.z(), y.z());
  compare(out, "p_value", x.p_value(), y.p_value());
  if (x.infinite != y.infinite) out << "infinite: " << x.infinite << " vs " << y.infinite << "; ";
  compare(out, "variance", a.variance(0, 0), b.variance(0, 0));
  return out.str();
}

// Every field of two one-pass summaries, and the Cox risk tables they left.
std::string difference(const TwoArmSummary& a, const TwoArmSummary& b,
                       const std::vector<ArmRiskRow>& a_rows,
                       const std::vector<ArmRiskRow>& b_rows) {
  std::ostringstream out;
  for (int arm = 0; arm < 2; ++arm) {
    const ArmCurveSummary &x = a.arm[arm], &y = b.arm[arm];
    const std::string name = "arm " + std::to_string(arm) + " ";
    if (x.n != y.n) out << name << "n: " << x.n << " vs " << y.n << "; ";
    compare(out, name + "first_time", x.first_time, y.first_time);
    compare(out, name + "last_time", x.last_time, y.last_time);
    if (x.median_reached != y.median_reached) out << name << "median_reached differs; ";
    if (x.at.size() != y.at.size()) out << name << "captures differ in number; ";
    for (std::size_t j = 0; j < std::min(x.at.size(), y.at.size()); ++j) {
      compare(out, name + "surv@" + std::to_string(j), x.at[j].surv, y.at[j].surv);
      compare(out, name + "var_log@" + std::to_string(j), x.at[j].var_log, y.at[j].var_log);
    }
  }
  out << difference(a.reverse_median, b.reverse_median);
  if (a.events != b.events) out << "events: " << a.events << " vs " << b.events << "; ";
  compare(out, "observed_time_median", a.observed_time_median, b.observed_time_median);
  if (a_rows.size() != b_rows.size())
    out << "risk rows: " << a_rows.size() << " vs " << b_rows.size();
  for (std::size_t j = 0; j < std::min(a_rows.size(), b_rows.size()); ++j) {
    for (int arm = 0; arm < 2; ++arm) {
      compare(out, "at_risk", a_rows[j].at_risk[arm], b_rows[j].at_risk[arm]);
      compare(out, "events", a_rows[j].events[arm], b_rows[j].events[arm]);
    }
  }
  return out.str();
}

// Whether a sorted cohort has two subjects at one time.
bool has_tie(const std::vector<SortedSubject>& sorted) {
  for (std::size_t j = 1; j < sorted.size(); ++j)
    if (sorted[j].time == sorted[j - 1].time) return true;
  return false;
}

// The median of the observed times by its definition: the middle of the sorted times, or the
// mean of the two middle ones.
double observed_time_median(std::vector<double> times) {
  if (times.empty()) return NaN;
  std::sort(times.begin(), times.end());
  const std::size_t m = times.size();
  return m % 2 == 1 ? times[m / 2] : 0.5 * (times[m / 2] + times[m / 2 - 1]);
}

std::string difference(const CutoffResult& a, const CutoffResult& b) {
  std::ostringstream out;
  compare(out, "calendar_time", a.calendar_time, b.calendar_time);
  if (a.target_reached != b.target_reached) out << "target_reached differs; ";
  return out.str();
}

// ---- Random cohorts ---------------------------------------------------------------------------

struct Random {
  std::mt19937_64 engine{20260102};
  double uniform() { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine() % n); }
};

// Times rounded to a grid make ties: none, quarter months, whole months, 3-month visits.
constexpr double GRIDS[] = {0.0, 0.25, 1.0, 3.0};

double on_grid(double t, double grid) { return grid > 0.0 ? std::round(t / grid) * grid : t; }

enum class Censoring { none, some, most, all, one_event };
constexpr Censoring CENSORINGS[] = {Censoring::none, Censoring::some, Censoring::most,
                                    Censoring::all, Censoring::one_event};

struct Cohort {
  std::vector<double> time;
  std::vector<int> status, arm, stratum;  // stratum: all 0 (one stratum)
  std::string label;

  SurvivalData data() const { return {time, status, arm}; }
  SurvivalData one_stratum() const { return {time, status, arm, stratum}; }
};

// Cohort `k` of a sequence: size, grid, censoring and arm split vary with k so that every
// combination occurs within a few hundred cohorts.
Cohort random_cohort(Random& random, std::size_t k, std::size_t n) {
  Cohort c;
  const double grid = GRIDS[k % 4];
  const Censoring censoring = CENSORINGS[(k / 4) % 5];
  // Share of the experimental arm: balanced, unbalanced, or one arm empty (every 20th cohort).
  const double share = k % 20 == 19 ? ((k / 20) % 2 ? 1.0 : 0.0) : (k % 3 == 0 ? 0.2 : 0.5);
  c.time.resize(n);
  c.status.resize(n);
  c.arm.resize(n);
  c.stratum.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    c.arm[i] = random.uniform() < share ? 1 : 0;
    // Median 12 months in the control arm, hazard ratio 0.6 (exponential).
    c.time[i] = on_grid(random.exponential((c.arm[i] ? 12.0 / 0.6 : 12.0) / std::log(2.0)), grid);
    const double censored_share = censoring == Censoring::some   ? 0.3
                                  : censoring == Censoring::most ? 0.85
                                                                 : 0.0;
    c.status[i] = censoring == Censoring::none ? 1 : random.uniform() >= censored_share ? 1 : 0;
    if (censoring == Censoring::all || censoring == Censoring::one_event) c.status[i] = 0;
  }
  if (censoring == Censoring::one_event) c.status[random.below(n)] = 1;
  std::ostringstream label;
  label << "cohort " << k << ": n " << n << ", grid " << grid << ", censoring " << int(censoring)
        << ", experimental share " << share;
  c.label = label.str();
  return c;
}

// Sizes 2..300, and every 100th cohort one above the factor table's 4096 subjects.
std::size_t cohort_size(Random& random, std::size_t k) {
  return k % 100 == 99 ? 4097 + random.below(900) : 2 + random.below(299);
}

constexpr std::size_t COHORTS = 600;

// Capture times probing every case of survival_at: before the first observed time, at observed
// times (events and censorings), between them, at and after the last; ascending, no repeats.
std::vector<double> capture_times(const Cohort& c) {
  std::vector<double> times = {-1.0, 0.0};
  std::vector<double> observed = c.time;
  std::sort(observed.begin(), observed.end());
  for (std::size_t q = 0; q <= 8; ++q) {
    const double t = observed[q * (observed.size() - 1) / 8];
    times.push_back(t);
    times.push_back(std::nextafter(t, -1.0));
  }
  times.push_back(observed.back() + 1.0);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

// The reverse Kaplan-Meier curve by the reference function: censorings as the events.
void reverse_reference(const Cohort& c, SurvivalWorkspace& ws, KaplanMeierCurve& out) {
  std::vector<int> flipped(c.status.size());
  for (std::size_t i = 0; i < flipped.size(); ++i) flipped[i] = 1 - c.status[i];
  kaplan_meier(SurvivalData{c.time, flipped}, ws, out);
}

}  // namespace

TEST_CASE(
    "the one-pass two-arm analysis equals Kaplan-Meier, log-rank and Cox by the reference "
    "functions, bit for bit",
    "[fast_paths][survival]") {
  Random random;
  SurvivalWorkspace fast_ws, reference_ws;
  TwoArmSummary summary;
  KaplanMeierCurve reference_curve;
  CoxFit fast_cox, reference_cox;
  int single_event = 0, no_event = 0, infinite = 0, one_arm = 0, large = 0, reached = 0;
  for (std::size_t k = 0; k < COHORTS; ++k) {
    const Cohort c = random_cohort(random, k, cohort_size(random, k));
    INFO(c.label);
    sort_cohort(c.data(), fast_ws);
    const std::vector<double> captures = capture_times(c);
    const LogRankResult fast_logrank = analyse_two_arm(fast_ws.sorted, captures, fast_ws, summary);

    CHECK(difference(fast_logrank, log_rank(c.data(), reference_ws)) == "");
    // The stratified walk (sort_subjects, per-subject loop) with one stratum: the same sums.
    LogRankResult one_stratum = log_rank(c.one_stratum(), reference_ws, true);
    CHECK(difference(fast_logrank, one_stratum) == "");
    for (int arm = 0; arm < 2; ++arm) {
      kaplan_meier(c.data(), reference_ws, reference_curve, arm);
      INFO("arm " << arm);
      for (std::size_t j = 0; j < captures.size(); ++j) {
        for (const CiType type : {CiType::plain, CiType::log, CiType::log_log}) {
          INFO("t " << captures[j] << ", CI type " << int(type));
          CHECK(difference(summary.arm[arm].landmark(j, captures[j], type, 1.959963984540054),
                           survival_at(reference_curve, captures[j], type, 0.95)) == "");
        }
      }
      const bool reference_reached = survival_quantile_point(reference_curve, 0.5).has_value();
      CHECK(summary.arm[arm].median_reached == reference_reached);
      reached += reference_reached ? 1 : 0;
    }
    reverse_reference(c, reference_ws, reference_curve);
    CHECK(difference(summary.reverse_median, survival_quantile_point(reference_curve, 0.5)) == "");
    std::size_t events_in_data = 0;
    for (const int status : c.status) events_in_data += static_cast<std::size_t>(status);
    CHECK(summary.events == events_in_data);
    CHECK(identical(summary.observed_time_median, observed_time_median(c.time)));

    for (const CoxTies ties : {CoxTies::efron, CoxTies::breslow}) {
      INFO((ties == CoxTies::efron ? "Efron" : "Breslow"));
      CoxOptions options;
      options.ties = ties;
      cox_ph_arm_from_table(fast_ws, fast_cox, options);  // the table analyse_two_arm left
      cox_ph_arm(c.data(), reference_ws, reference_cox, options);
      CHECK(difference(fast_cox, reference_cox) == "");
      options.stratified = true;  // the risk table built from sort_subjects' order
      cox_ph_arm(c.one_stratum(), reference_ws, reference_cox, options);
      options.stratified = false;
      CHECK(difference(fast_cox, reference_cox) == "");
      infinite += fast_cox.status == CoxStatus::infinite_estimate ? 1 : 0;
    }
    const double events = fast_logrank.observed[0] + fast_logrank.observed[1];
    single_event += events == 1.0 ? 1 : 0;
    no_event += events == 0.0 ? 1 : 0;
    one_arm += summary.arm[0].n == 0 || summary.arm[1].n == 0 ? 1 : 0;
    large += c.time.size() > 4096 ? 1 : 0;
  }
  // The special cases really occurred.
  INFO("single event " << single_event << ", no event " << no_event << ", infinite Cox " << infinite
                       << ", one arm " << one_arm << ", above 4096 " << large
                       << ", medians reached " << reached);
  CHECK(single_event >= 20);
  CHECK(no_event >= 20);
  CHECK(infinite >= 20);
  CHECK(one_arm >= 20);
  CHECK(large >= 5);
  CHECK(reached >= 200);
  CHECK(reached <= 1000);
}

TEST_CASE("each arm's first and last time, when an arm keeps to one end of the cohort",
          "[fast_paths][survival]") {
  // The one-pass analysis reads the arms of the 32 subjects at each end without branches and
  // searches beyond them only for an arm absent there: cohorts of 1 to 100 subjects (times
  // 1, 2, ...) whose `few` first or last subjects alone are in one arm, so that its other end
  // lies beyond a window, or whose arms alternate, against a plain search.
  SurvivalWorkspace ws;
  TwoArmSummary summary;
  for (std::size_t n = 1; n <= 100; ++n) {
    for (std::size_t few = 0; few <= n; few += (n > 40 ? 7 : 1)) {
      for (int layout = 0; layout < 3; ++layout) {
        std::vector<double> time(n);
        std::vector<int> status(n, 1), arm(n);
        for (std::size_t i = 0; i < n; ++i) {
          time[i] = static_cast<double>(i + 1);
          arm[i] = layout == 0   ? (i < few ? 1 : 0)
                   : layout == 1 ? (i + few >= n ? 1 : 0)
                                 : static_cast<int>(i % 2);
        }
        sort_cohort(SurvivalData{time, status, arm}, ws);
        analyse_two_arm(ws.sorted, {}, ws, summary);
        for (int a = 0; a < 2; ++a) {
          double first = std::numeric_limits<double>::quiet_NaN(), last = first;
          for (std::size_t i = 0; i < n; ++i) {
            if (arm[i] != a) continue;
            if (std::isnan(first)) first = time[i];
            last = time[i];
          }
          INFO("n " << n << ", few " << few << ", layout " << layout << ", arm " << a);
          CHECK(identical(summary.arm[a].first_time, first));
          CHECK(identical(summary.arm[a].last_time, last));
        }
      }
    }
  }
}

TEST_CASE("the one-pass medians of curves that end flat at one half, or cross it on a tie",
          "[fast_paths][survival]") {
  // findq's special case: S ends at exactly 0.5, so the median is the midpoint of the time S
  // reached 0.5 and the last observed time; and S stepping from above to below 0.5 at once.
  struct Case {
    std::vector<double> time;
    std::vector<int> status, arm;
    std::optional<double> reverse_median;
    bool control_reached, experimental_reached;
  };
  const std::vector<Case> cases = {
      // Reverse: 1 of 2 censored at 1, then flat to 2: median (1 + 2) / 2. Control: S = 0.5
      // from 2 to its last time 2: reached. Experimental: empty.
      {{1.0, 2.0}, {0, 1}, {0, 0}, 1.5, true, false},
      // Control: event at 1 of 2 (S = 0.5), censored at 3: reached ((1 + 3) / 2). Experimental:
      // censored at 2 and 4: not reached. Reverse: censorings at 2 (of 3 at risk), 3, 4.
      {{1.0, 2.0, 3.0, 4.0}, {1, 0, 0, 0}, {0, 1, 0, 1}, 3.0, true, false},
      // Two events of three at 5 (S 1 -> 1/3, below 0.5 at once); reverse never below 0.5 until
      // the last censoring at 6 (S 0 there): median 6.
      {{5.0, 5.0, 6.0}, {1, 1, 0}, {1, 1, 1}, 6.0, false, true},
  };
  SurvivalWorkspace ws, reference_ws;
  TwoArmSummary summary;
  KaplanMeierCurve reference_curve;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    INFO("case " << k);
    const SurvivalData data{c.time, c.status, c.arm};
    sort_cohort(data, ws);
    analyse_two_arm(ws.sorted, {}, ws, summary);
    REQUIRE(summary.reverse_median.has_value() == c.reverse_median.has_value());
    if (c.reverse_median) CHECK(*summary.reverse_median == *c.reverse_median);
    CHECK(summary.arm[0].median_reached == c.control_reached);
    CHECK(summary.arm[1].median_reached == c.experimental_reached);
    for (int arm = 0; arm < 2; ++arm) {
      kaplan_meier(data, reference_ws, reference_curve, arm);
      CHECK(summary.arm[arm].median_reached ==
            survival_quantile_point(reference_curve, 0.5).has_value());
    }
    std::vector<int> flipped(c.status.size());
    for (std::size_t i = 0; i < flipped.size(); ++i) flipped[i] = 1 - c.status[i];
    kaplan_meier(SurvivalData{c.time, flipped}, reference_ws, reference_curve);
    CHECK(difference(summary.reverse_median, survival_quantile_point(reference_curve, 0.5)) == "");
  }
}

TEST_CASE(
    "the log-rank straight from the data cut equals the log-rank of the cut data set, bit for bit",
    "[fast_paths][survival][conduct]") {
  // Cohorts entered over 18 months, without dropout (the fast path's domain), cut at: before the
  // first entry (nobody analysed), just before the first event (all censored), at the first
  // event (a single event, unless tied), at a random event, at a random time, after every event.
  Random random;
  SurvivalWorkspace ws, cut_ws, runs_ws, sorted_ws;
  TwoArmSummary runs_summary, sorted_summary;
  std::size_t ties_across_runs = 0;
  std::vector<double> scratch, cut_time;
  std::vector<int> cut_status, cut_arm;
  std::vector<std::uint32_t> cut_index;
  std::size_t cuts = 0, all_censored = 0, single_event = 0, nobody = 0;
  for (std::size_t k = 0; k < COHORTS; ++k) {
    const std::size_t n = 2 + random.below(299);
    const double grid = GRIDS[k % 4];
    std::vector<double> entry(n), event(n);
    std::vector<int> arm(n);
    for (std::size_t i = 0; i < n; ++i) {
      entry[i] = on_grid(18.0 * random.uniform(), grid);
      arm[i] = random.uniform() < (k % 3 == 0 ? 0.2 : 0.5) ? 1 : 0;
      event[i] = on_grid(random.exponential(arm[i] ? 30.0 : 18.0), grid);
    }
    std::sort(entry.begin(), entry.end());
    // Each arm's patients in non-decreasing event time (ties in patient order).
    std::vector<std::uint32_t> by_event(n), order[2];
    for (std::size_t i = 0; i < n; ++i) by_event[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(by_event.begin(), by_event.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return event[a] < event[b]; });
    for (const std::uint32_t i : by_event) order[arm[i]].push_back(i);
    std::vector<double> calendar(n);
    for (std::size_t i = 0; i < n; ++i) calendar[i] = entry[i] + event[i];
    const double first_event = *std::min_element(calendar.begin(), calendar.end());
    const double last_event = *std::max_element(calendar.begin(), calendar.end());
    const std::vector<double> cutoffs = {entry[0],
                                         std::nextafter(first_event, -1.0),
                                         first_event,
                                         calendar[random.below(n)],
                                         last_event * random.uniform(),
                                         last_event + 1.0};
    const std::vector<double> no_dropout(n, NEVER);
    cut_time.resize(n);
    cut_status.resize(n);
    cut_index.resize(n);
    for (const double cutoff : cutoffs) {
      INFO("cohort " << k << ": n " << n << ", grid " << grid << ", cut-off " << cutoff);
      const CutLogRank fast =
          cut_log_rank_no_dropout(cutoff, entry, event, arm, order[0], order[1], scratch);
      // The explicit cut: (time, status) per analysed patient, in patient order.
      const std::size_t m =
          cut_data(cutoff, entry, event, no_dropout, cut_time, cut_status, cut_index);
      cut_arm.resize(m);
      for (std::size_t j = 0; j < m; ++j) cut_arm[j] = arm[cut_index[j]];
      const SurvivalData cut{std::span<const double>(cut_time.data(), m),
                             std::span<const int>(cut_status.data(), m), cut_arm};
      std::size_t events = 0;
      for (std::size_t j = 0; j < m; ++j) events += static_cast<std::size_t>(cut_status[j]);
      REQUIRE(fast.analysed == m);
      REQUIRE(fast.events == events);
      if (m == 0) {
        // Nobody analysed: the data-set functions refuse an empty arm column; the reference is
        // the log-rank of the empty cohort (no strata, no events, NaN statistics).
        CHECK(difference(fast.test, log_rank(std::span<const SortedSubject>())) == "");
      } else {
        CHECK(difference(fast.test, log_rank(cut, ws)) == "");
        const std::vector<int> zeros(m, 0);
        CHECK(difference(fast.test, log_rank(SurvivalData{cut.time, cut.status, cut.arm, zeros}, ws,
                                             true)) == "");
      }

      // The one-pass analysis of the cut's runs equals that of the sorted cut cohort, bit for
      // bit (cut_ws.sorted, checked just below to be sort_cohort's of cut_data's output).
      const CohortRuns runs =
          cut_runs_no_dropout(cutoff, entry, event, arm, order[0], order[1], scratch);
      REQUIRE(runs.size() == m);
      REQUIRE(cut_sorted(cutoff, entry, event, no_dropout, arm, cut_ws) == m);
      const std::vector<double> captures = {-1.0, 0.0, 0.25, 1.0, 6.0, 12.0, 12.5, 40.0};
      const LogRankResult from_runs = analyse_two_arm(runs, captures, runs_ws, runs_summary);
      const LogRankResult from_sorted =
          analyse_two_arm(cut_ws.sorted, captures, sorted_ws, sorted_summary);
      CHECK(difference(from_runs, from_sorted) == "");
      CHECK(difference(from_runs, fast.test) == "");
      CHECK(difference(runs_summary, sorted_summary, runs_ws.arm_risk, sorted_ws.arm_risk) == "");
      CHECK(runs_summary.events == events);
      CHECK(identical(runs_summary.observed_time_median,
                      observed_time_median({cut_time.begin(), cut_time.begin() + m})));
      ties_across_runs += m > 0 && runs_summary.events > 0 && has_tie(cut_ws.sorted) ? 1 : 0;
      // The merge the runs' analysis walks is the sorted cut cohort, up to the order among equal
      // times: the same (time, status, arm) at every position once each tie is put in order.
      const auto by_record = [](const SortedSubject& x, const SortedSubject& y) {
        return std::tie(x.time, x.status, x.arm) < std::tie(y.time, y.status, y.arm);
      };
      std::vector<SortedSubject> merged = runs_ws.merged, sorted = cut_ws.sorted;
      REQUIRE(merged.size() == m);
      CHECK(std::is_sorted(
          merged.begin(), merged.end(),
          [](const SortedSubject& x, const SortedSubject& y) { return x.time < y.time; }));
      std::sort(merged.begin(), merged.end(), by_record);
      std::sort(sorted.begin(), sorted.end(), by_record);
      for (std::size_t j = 0; j < m; ++j) {
        INFO("merged record " << j);
        REQUIRE(identical(merged[j].time, sorted[j].time));
        REQUIRE(merged[j].status == sorted[j].status);
        REQUIRE(merged[j].arm == sorted[j].arm);
      }

      // cut_sorted writes the records sort_cohort makes of cut_data's output (its index: the
      // patient's, where sort_cohort's is the position in the cut data).
      sort_cohort(cut, ws);
      REQUIRE(cut_ws.sorted.size() == ws.sorted.size());
      for (std::size_t j = 0; j < m; ++j) {
        const SortedSubject &got = cut_ws.sorted[j], &expected = ws.sorted[j];
        INFO("record " << j);
        REQUIRE(identical(got.time, expected.time));
        REQUIRE(got.index == cut_index[expected.index]);
        REQUIRE(got.status == expected.status);
        REQUIRE(got.arm == expected.arm);
      }
      ++cuts;
      all_censored += m > 0 && events == 0 ? 1 : 0;
      single_event += events == 1 ? 1 : 0;
      nobody += m == 0 ? 1 : 0;
    }
  }
  INFO(cuts << " cuts: " << all_censored << " all censored, " << single_event << " single event, "
            << nobody << " with nobody analysed");
  CHECK(all_censored >= 100);
  CHECK(single_event >= 100);
  CHECK(nobody >= 100);
  INFO(ties_across_runs << " cuts with tied times");
  CHECK(ties_across_runs >= 500);
}

TEST_CASE("sort_cohort_records with the caller's buckets sorts by time, whatever the buckets",
          "[fast_paths][survival]") {
  // Random records (sizes 2..300, times with ties on the grids) sorted with four kinds of
  // buckets: monotone in time (equal width, as the (lo, hi) overload's: then the same records in
  // the same order, ties by index), random (every record anywhere), all in one bucket, and
  // reversed (the largest times first). Every kind must give the records sorted by time, each
  // once. Crowded or reversed buckets end in the std::sort fallback.
  Random random;
  SurvivalWorkspace given, reference;
  std::vector<std::uint32_t> bucket;
  int fallbacks_possible = 0;
  for (std::size_t k = 0; k < COHORTS / 2; ++k) {
    const std::size_t n = 2 + random.below(299);
    const double grid = GRIDS[k % 4];
    given.sorted_scratch.resize(n);
    double hi = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double t = on_grid(random.exponential(12.0), grid);
      given.sorted_scratch[i] = {t, static_cast<std::uint32_t>(i),
                                 static_cast<std::uint8_t>(random.below(2)),
                                 static_cast<std::uint8_t>(random.below(2))};
      hi = std::max(hi, t);
    }
    reference.sorted_scratch = given.sorted_scratch;
    sort_cohort_records(reference, 0.0, hi);
    const std::size_t buckets = 2 * n;
    const int kind = static_cast<int>(k % 4);
    bucket.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = given.sorted_scratch[i].time;
      const std::size_t equal_width = std::min(
          buckets - 1, static_cast<std::size_t>(t / (hi > 0.0 ? hi : 1.0) * double(buckets)));
      bucket[i] = static_cast<std::uint32_t>(kind == 0   ? equal_width
                                             : kind == 1 ? random.below(buckets)
                                             : kind == 2 ? 0
                                                         : buckets - 1 - equal_width);
    }
    fallbacks_possible += kind >= 2 ? 1 : 0;
    sort_cohort_records(given, bucket, buckets);
    INFO("cohort " << k << ": n " << n << ", grid " << grid << ", bucket kind " << kind);
    REQUIRE(given.sorted.size() == n);
    std::vector<bool> seen(n, false);
    for (std::size_t j = 0; j < n; ++j) {
      const SortedSubject& s = given.sorted[j];
      REQUIRE(s.index < n);
      REQUIRE_FALSE(seen[s.index]);
      seen[s.index] = true;
      const SortedSubject& original = given.sorted_scratch[s.index];
      REQUIRE(s.time == original.time);
      REQUIRE(s.status == original.status);
      REQUIRE(s.arm == original.arm);
      if (j > 0) REQUIRE(given.sorted[j - 1].time <= s.time);
      REQUIRE(s.time == reference.sorted[j].time);
      if (kind == 0) REQUIRE(s.index == reference.sorted[j].index);
    }
  }
  CHECK(fallbacks_possible >= 100);
}

TEST_CASE("EventCutoffs equals analysis_cutoff for every target, bit for bit",
          "[fast_paths][conduct]") {
  // Random cohort sizes 2..300 with tied calendar event times, with and without dropout (events
  // after dropout are never observed) and a minimum follow-up; every target 0..n + 1, asked from
  // the last look back (the order a group-sequential trial does not follow: any order must work).
  // Without dropout, prepare_no_dropout too, given the longest event time or a larger bound.
  Random random;
  EventCutoffs cutoffs, no_dropout_cutoffs;
  std::vector<double> scratch;
  std::size_t no_dropout_cohorts = 0;
  for (std::size_t k = 0; k < COHORTS / 2; ++k) {
    const std::size_t n = 2 + random.below(299);
    const double grid = GRIDS[k % 4];
    std::vector<double> entry(n), event(n), dropout(n, NEVER);
    for (std::size_t i = 0; i < n; ++i) {
      entry[i] = on_grid(18.0 * random.uniform(), grid);
      event[i] = on_grid(random.exponential(20.0), grid);
      if (k % 3 == 1) dropout[i] = on_grid(random.exponential(40.0), grid);
    }
    std::sort(entry.begin(), entry.end());
    AnalysisTiming timing;
    timing.minimum_follow_up = k % 5 == 2 ? 6.0 : 0.0;
    cutoffs.prepare(timing, entry, event, dropout);
    const bool without_dropout = k % 3 != 1;
    if (without_dropout) {
      const double longest = *std::max_element(event.begin(), event.end());
      no_dropout_cutoffs.prepare_no_dropout(timing, entry, event, dropout,
                                            k % 2 == 0 ? longest : 3.0 * longest + 1.0);
      ++no_dropout_cohorts;
    }
    for (int target = static_cast<int>(n) + 1; target >= 0; --target) {
      timing.target_events = target;
      INFO("cohort " << k << ": n " << n << ", grid " << grid << ", target " << target);
      const CutoffResult expected = analysis_cutoff(timing, entry, event, dropout, scratch);
      REQUIRE(difference(cutoffs.cutoff(timing), expected) == "");
      if (without_dropout) REQUIRE(difference(no_dropout_cutoffs.cutoff(timing), expected) == "");
    }
  }
  CHECK(no_dropout_cohorts >= COHORTS / 4);
}

TEST_CASE("the scalar Cox fit on the arm agrees with the general Cox fit",
          "[fast_paths][survival][cox]") {
  // cox_ph_arm sums the same terms as cox_ph in a different order (per distinct time and arm,
  // products of denominators instead of sums of logs), so the two agree to rounding, not bits.
  // Tolerance: 1e-12 relative (absolute below 1) for beta, se, both log-likelihoods and the
  // variance. Both fits take the same Newton iterates (the same start, steps and stopping rule
  // |1 - loglik_old / loglik_new| <= 1e-9), so they differ only by the rounding of sums of a few
  // hundred terms, ~1e-15 relative (observed worst over these cohorts: 5e-15); rounding could
  // move the stopping decision by one iteration only if the criterion fell within ~1e-15 of
  // 1e-9. A kernel mistake (a wrong tie term, a risk set off by one subject) moves beta by
  // 1e-3 or more.
  Random random;
  SurvivalWorkspace ws;
  CoxFit scalar, general;
  std::vector<double> covariate;
  double worst = 0.0;
  int compared = 0;
  for (std::size_t k = 0; k < COHORTS; ++k) {
    const Cohort c = random_cohort(random, k, 2 + random.below(299));
    covariate.assign(c.arm.begin(), c.arm.end());
    for (const CoxTies ties : {CoxTies::efron, CoxTies::breslow}) {
      INFO(c.label << ", " << (ties == CoxTies::efron ? "Efron" : "Breslow"));
      CoxOptions options;
      options.ties = ties;
      cox_ph_arm(c.data(), ws, scalar, options);
      cox_ph(c.data(), {covariate, 1}, ws, general, options);
      const bool one_arm =
          std::all_of(c.arm.begin(), c.arm.end(), [&](int a) { return a == c.arm[0]; });
      if (one_arm) {
        // A constant covariate has no information: both fits say so (R: coefficient NA). The
        // general fit's information for an uncentred all-ones column is rounding noise (~1e-16),
        // which its column tolerance (toler_chol * deaths * max x^2) does not take for
        // information.
        CHECK(scalar.status == CoxStatus::singular);
        CHECK(general.status == CoxStatus::singular);
        CHECK(general.coef[0].aliased);
        continue;
      }
      REQUIRE(scalar.status == general.status);
      REQUIRE(scalar.coef.size() == 1);
      REQUIRE(general.coef.size() == 1);
      const CoxCoefficient &s = scalar.coef[0], &g = general.coef[0];
      REQUIRE(s.infinite == g.infinite);
      if (scalar.status == CoxStatus::singular) continue;  // no events or one arm: nothing to fit
      const auto close = [&](const char* what, double a, double b) {
        if (std::isinf(a) || std::isinf(b)) {
          INFO(what << ": " << a << " vs " << b);
          CHECK(a == b);
          return;
        }
        const double error = std::abs(a - b) / std::max(1.0, std::abs(b));
        worst = std::max(worst, error);
        INFO(what << ": scalar " << a << ", general " << b << ", relative error " << error);
        CHECK(error <= 1e-12);
      };
      close("loglik_null", scalar.loglik_null, general.loglik_null);
      if (s.infinite) {
        CHECK(s.beta == g.beta);  // +/-Inf, the same sign
        continue;
      }
      close("beta", s.beta, g.beta);
      close("se", s.se, g.se);
      close("loglik", scalar.loglik, general.loglik);
      close("variance", scalar.variance(0, 0), general.variance(0, 0));
      ++compared;
    }
  }
  INFO("scalar vs general Cox: " << compared << " finite fits, worst relative difference "
                                 << worst);
  CHECK(compared >= 500);
}

// `difference` sees each listed field of `value` nudged by one ulp.
template <class T>
void check_each_field_seen(const T& value, std::initializer_list<double T::*> fields) {
  REQUIRE(difference(value, value) == "");
  for (double T::*field : fields) {
    T changed = value;
    changed.*field = std::nextafter(changed.*field, std::numeric_limits<double>::infinity());
    CHECK(difference(value, changed) != "");
  }
}

TEST_CASE("each fast-path comparison fails on a one-ulp difference", "[fast_paths]") {
  // Guards against vacuous checks: the comparisons above must see the smallest possible change
  // in every field they compare.
  Random random;
  const Cohort c = random_cohort(random, 5, 40);  // grid 0.25, some censored
  SurvivalWorkspace ws;
  TwoArmSummary summary;
  sort_cohort(c.data(), ws);
  const std::vector<double> captures = {12.0};
  const LogRankResult logrank = analyse_two_arm(ws.sorted, captures, ws, summary);
  CoxFit cox;
  cox_ph_arm_from_table(ws, cox);
  REQUIRE(cox.status == CoxStatus::converged);
  const auto nudge = [](double& x) {
    x = std::nextafter(x, std::numeric_limits<double>::infinity());
  };

  check_each_field_seen(logrank, {&LogRankResult::variance, &LogRankResult::z});
  LogRankResult changed_expected = logrank;
  nudge(changed_expected.expected[1]);
  CHECK(difference(logrank, changed_expected) != "");

  const LandmarkEstimate landmark = summary.arm[0].landmark(0, 12.0, CiType::log_log, 1.96);
  REQUIRE(landmark.estimable);
  check_each_field_seen(landmark, {&LandmarkEstimate::surv, &LandmarkEstimate::std_err,
                                   &LandmarkEstimate::lower, &LandmarkEstimate::upper});
  LandmarkEstimate not_estimable = landmark;
  not_estimable.estimable = false;
  CHECK(difference(landmark, not_estimable) != "");
  const std::optional<double> median = 7.25;
  std::optional<double> changed_median = median;
  nudge(*changed_median);
  CHECK(difference(median, changed_median) != "");
  CHECK(difference(median, std::nullopt) != "");

  KaplanMeierCurve curve;
  kaplan_meier(ws.sorted, curve, 0);
  REQUIRE(curve.size() > 2);
  REQUIRE(difference(curve, curve) == "");
  for (std::vector<double> KaplanMeierCurve::*column :
       {&KaplanMeierCurve::time, &KaplanMeierCurve::surv, &KaplanMeierCurve::var_log}) {
    KaplanMeierCurve changed = curve;
    nudge((changed.*column)[curve.size() / 2]);
    CHECK(difference(curve, changed) != "");
  }
  KaplanMeierCurve changed_risk = curve;
  changed_risk.n_risk.back() += 1;
  CHECK(difference(curve, changed_risk) != "");
  KaplanMeierCurve one_row_fewer = curve;
  one_row_fewer.time.pop_back();
  CHECK(difference(curve, one_row_fewer) != "");

  REQUIRE(difference(cox, cox) == "");
  for (double CoxCoefficient::*field :
       {&CoxCoefficient::beta, &CoxCoefficient::se, &CoxCoefficient::lower}) {
    CoxFit changed = cox;
    nudge(changed.coef[0].*field);
    CHECK(difference(cox, changed) != "");
  }
  CoxFit changed_loglik = cox;
  nudge(changed_loglik.loglik);
  CHECK(difference(cox, changed_loglik) != "");

  const CutoffResult cut{12.5, true};
  CutoffResult changed_cut = cut;
  nudge(changed_cut.calendar_time);
  CHECK(difference(cut, cut) == "");
  CHECK(difference(cut, changed_cut) != "");
  CHECK_FALSE(identical(0.0, -0.0));
  CHECK(identical(NaN, NaN));
}
