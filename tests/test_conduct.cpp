// Trial conduct (models/conduct.h): accrual, analysis cut-off and the data cut on the right clock.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "models/conduct.h"

using namespace trialsim;

TEST_CASE("the data cut excludes late entrants, censors at the cut, keeps each patient's clock",
          "[conduct]") {
  // Calendar cut-off at month 20. Times on each patient's own clock (months from entry).
  //  0: entry 2,  event 10 -> calendar 12 <= 20: event at 10
  //  1: entry 5,  event 18 -> calendar 23 > 20: censored at 20 - 5 = 15
  //  2: entry 12, dropout 3 before event 6 -> censored at 3 (lost to follow-up)
  //  3: entry 21 (after the cut): not in the analysis
  //  4: entry 20 exactly (enrolled on the cut date): not in the analysis (no follow-up)
  //  5: entry 15, event exactly at the cut (15 + 5 = 20): an event at 5
  //  6: entry 1,  no event, no dropout -> censored at 19
  const std::vector<double> entry = {2, 5, 12, 21, 20, 15, 1};
  const std::vector<double> event = {10, 18, 6, 1, 1, 5, NEVER};
  const std::vector<double> dropout = {NEVER, NEVER, 3, NEVER, NEVER, NEVER, NEVER};
  std::vector<double> time(entry.size());
  std::vector<int> status(entry.size());
  std::vector<std::uint32_t> index(entry.size());
  const std::size_t included = cut_data(20.0, entry, event, dropout, time, status, index);
  REQUIRE(included == 5);
  const std::vector<std::uint32_t> expected_index = {0, 1, 2, 5, 6};
  const std::vector<double> expected_time = {10, 15, 3, 5, 19};
  const std::vector<int> expected_status = {1, 0, 0, 1, 0};
  for (std::size_t j = 0; j < included; ++j) {
    INFO("row " << j);
    REQUIRE(index[j] == expected_index[j]);
    REQUIRE(time[j] == expected_time[j]);
    REQUIRE(status[j] == expected_status[j]);
  }
}

TEST_CASE("cut-off triggers", "[conduct]") {
  const std::vector<double> entry = {0, 1, 2, 3, 4};
  const std::vector<double> event = {5, 1, 10, NEVER, 2};               // calendar: 5, 2, 12, -, 6
  const std::vector<double> dropout = {NEVER, NEVER, 8, NEVER, NEVER};  // patient 2 lost at 8
  std::vector<double> scratch;
  AnalysisTiming timing;
  SECTION("target events: the calendar time of the k-th observed event") {
    timing.trigger = AnalysisTiming::Trigger::events;
    timing.target_events = 3;
    const CutoffResult cut = analysis_cutoff(timing, entry, event, dropout, scratch);
    REQUIRE(cut.calendar_time == 6.0);  // events at calendar 2, 5, 6 (patient 2 dropped out first)
    REQUIRE(cut.target_reached);
  }
  SECTION("target never reached: analyse when follow-up of everyone has ended") {
    timing.trigger = AnalysisTiming::Trigger::events;
    timing.target_events = 4;
    const CutoffResult cut = analysis_cutoff(timing, entry, event, dropout, scratch);
    REQUIRE_FALSE(cut.target_reached);
    REQUIRE(cut.calendar_time ==
            10.0);  // patient 2's dropout at 2 + 8; patient 3 is never observed to fail
  }
  SECTION("calendar date, and a minimum follow-up that pushes it later") {
    timing.trigger = AnalysisTiming::Trigger::calendar;
    timing.calendar_time = 5.0;
    REQUIRE(analysis_cutoff(timing, entry, event, dropout, scratch).calendar_time == 5.0);
    timing.minimum_follow_up = 3.0;
    REQUIRE(analysis_cutoff(timing, entry, event, dropout, scratch).calendar_time ==
            7.0);  // last entry 4 + 3
  }
  SECTION("fixed follow-up after the last enrolment") {
    timing.trigger = AnalysisTiming::Trigger::after_last_enrolment;
    timing.follow_up_after_last = 12.0;
    REQUIRE(analysis_cutoff(timing, entry, event, dropout, scratch).calendar_time == 16.0);
  }
}

TEST_CASE("uniform accrual: sorted entries inside the period, mean D/2", "[conduct][statistical]") {
  AccrualModel accrual;
  accrual.kind = AccrualModel::Kind::uniform;
  accrual.duration = 18.0;
  std::vector<double> entry(120);
  double sum = 0.0;
  const int replicates = 2000;
  for (int r = 0; r < replicates; ++r) {
    Rng rng = make_stream(5, static_cast<std::uint64_t>(r), StreamPurpose::enrolment);
    sample_entry_times(accrual, rng, entry);
    REQUIRE(std::is_sorted(entry.begin(), entry.end()));
    REQUIRE(entry.front() >= 0.0);
    REQUIRE(entry.back() < 18.0);
    for (double t : entry) sum += t;
  }
  const double draws = 120.0 * replicates;
  // U(0, 18): mean 9, SD 18/sqrt(12).
  REQUIRE(std::abs(sum / draws - 9.0) < 4.0 * 18.0 / std::sqrt(12.0) / std::sqrt(draws));
}

TEST_CASE("uniform accrual: the bucket sort gives std::sort's order at every size", "[conduct]") {
  // sample_entry_times with a scratch buffer sorts by buckets (16 to 4096 entries, 2n buckets up
  // to 2048); without one, by std::sort. The same stream gives the same entries in the same
  // order, at sizes either side of each threshold and over a period of 0.001 months as well.
  AccrualModel accrual;
  accrual.kind = AccrualModel::Kind::uniform;
  std::vector<double> scratch;
  for (const double duration : {18.0, 0.001}) {
    accrual.duration = duration;
    for (const std::size_t n :
         {std::size_t{15}, std::size_t{16}, std::size_t{1024}, std::size_t{1025}, std::size_t{3000},
          std::size_t{4096}, std::size_t{4097}}) {
      std::vector<double> bucketed(n), reference(n);
      for (std::uint64_t r = 0; r < 20; ++r) {
        Rng a = make_stream(9, r, StreamPurpose::enrolment), b = a;
        sample_entry_times(accrual, a, bucketed, scratch);
        sample_entry_times(accrual, b, reference);
        INFO("n " << n << ", duration " << duration << ", replicate " << r);
        REQUIRE(bucketed == reference);
      }
    }
  }
}

TEST_CASE("piecewise accrual: a ramp-up enrols at the stated rates", "[conduct][statistical]") {
  // 2 patients/month for 6 months, then 6/month: the expected entry time of the 12th patient is
  // near month 6, and the number entering in the first 6 months is Poisson(12) unless n is
  // reached (n = 60 here, never reached by month 6 in practice).
  AccrualModel accrual;
  accrual.kind = AccrualModel::Kind::piecewise;
  accrual.segments = {{6.0, 2.0}, {NEVER, 6.0}};
  std::vector<double> entry(60);
  double in_first_segment = 0.0;
  double in_first_segment_sq = 0.0;
  double last_entry_sum = 0.0;
  const int replicates = 4000;
  for (int r = 0; r < replicates; ++r) {
    Rng rng = make_stream(9, static_cast<std::uint64_t>(r), StreamPurpose::enrolment);
    sample_entry_times(accrual, rng, entry);
    REQUIRE(std::is_sorted(entry.begin(), entry.end()));
    const double count = static_cast<double>(
        std::count_if(entry.begin(), entry.end(), [](double t) { return t < 6.0; }));
    in_first_segment += count;
    in_first_segment_sq += count * count;
    last_entry_sum += entry.back();
  }
  const double mean_count = in_first_segment / replicates;
  REQUIRE(std::abs(mean_count - 12.0) < 4.0 * std::sqrt(12.0 / replicates));  // Poisson: var = mean
  const double variance = in_first_segment_sq / replicates - mean_count * mean_count;
  REQUIRE(std::abs(variance - 12.0) < 4.0 * 12.0 * std::sqrt(2.0 / replicates) + 0.5);
  // The 60th arrival: Lambda = 60 on average -> 12 in the first 6 months, 48 more at 6/month:
  // about month 14 (the Gamma(60) arrival mean mapped through the rate).
  REQUIRE(std::abs(last_entry_sum / replicates - 14.0) < 0.1);
}

TEST_CASE("piecewise accrual that ends too early is an error", "[conduct]") {
  AccrualModel accrual;
  accrual.kind = AccrualModel::Kind::piecewise;
  accrual.segments = {{2.0, 1.0}};
  std::vector<double> entry(100);
  Rng rng = make_stream(1, 0, StreamPurpose::enrolment);
  REQUIRE_THROWS_AS(sample_entry_times(accrual, rng, entry), std::invalid_argument);
}

TEST_CASE("EventCutoffs: every look's cut-off equals analysis_cutoff's, asked in any order",
          "[conduct]") {
  // Cohorts of 5 (nth_element), 120, 3000 and 20 000 (bucket selections) and 70 000 (nth_element)
  // patients, with and without dropout and a minimum follow-up, with tied calendar event times
  // (event times rounded to whole months), every target from 0 to n + 1 (about 30 of them above
  // 3000), asked from the last look back. Both against the observed calendar times sorted.
  Rng rng = make_stream(17, 0, StreamPurpose::outcomes);
  EventCutoffs cutoffs;
  std::vector<double> scratch, sorted;
  for (const std::size_t n : {std::size_t{5}, std::size_t{120}, std::size_t{3000},
                              std::size_t{20000}, std::size_t{70000}}) {
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<double> entry(n), event(n), dropout(n, NEVER);
      for (std::size_t i = 0; i < n; ++i) {
        entry[i] = 18.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53;
        event[i] = -std::log((static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53) * 20.0;
        if (variant & 1)
          dropout[i] = -std::log((static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53) * 40.0;
        if (variant == 2) event[i] = std::round(event[i]);
      }
      std::sort(entry.begin(), entry.end());
      AnalysisTiming timing;
      timing.minimum_follow_up = variant == 3 ? 6.0 : 0.0;
      cutoffs.prepare(timing, entry, event, dropout);
      sorted.clear();
      for (std::size_t i = 0; i < n; ++i)
        if (event[i] <= dropout[i]) sorted.push_back(entry[i] + event[i]);
      std::sort(sorted.begin(), sorted.end());
      const double earliest = timing.minimum_follow_up > 0.0 ? entry.back() + 6.0 : 0.0;
      const int step = n > 3000 ? static_cast<int>(n / 29) : 1;
      for (int k = static_cast<int>(n) + 1; k >= 0; k -= step) {
        timing.target_events = k;
        const CutoffResult expected = analysis_cutoff(timing, entry, event, dropout, scratch);
        const CutoffResult got = cutoffs.cutoff(timing);
        INFO("n " << n << ", variant " << variant << ", target " << k);
        REQUIRE(got.calendar_time == expected.calendar_time);
        REQUIRE(got.target_reached == expected.target_reached);
        if (k >= 1 && static_cast<std::size_t>(k) <= sorted.size()) {
          REQUIRE(expected.target_reached);
          REQUIRE(expected.calendar_time ==
                  std::max(sorted[static_cast<std::size_t>(k) - 1], earliest));
        }
      }
    }
  }
}

TEST_CASE("cut_runs_no_dropout throws where cut_sorted does: an observed time that is not finite",
          "[conduct]") {
  // An event time of +Inf is observed only at an infinite cut-off (entry + Inf <= Inf); at a
  // finite one its patient is censored at cutoff - entry. An infinite cut-off with finite event
  // times observes every event and censors nobody.
  const std::vector<double> entry = {0.0, 1.0, 2.0, 3.0};
  const std::vector<int> arm = {0, 1, 0, 1};
  const std::vector<std::uint32_t> order0 = {0, 2}, order1 = {3, 1};
  const std::vector<double> no_dropout(4, NEVER);
  std::vector<double> scratch;
  SurvivalWorkspace ws;
  const std::vector<double> finite_events = {5.0, 4.0, 6.0, 2.0};
  const std::vector<double> infinite_event = {5.0, NEVER, 6.0, 2.0};
  const double inf = std::numeric_limits<double>::infinity();

  const CohortRuns all =
      cut_runs_no_dropout(inf, entry, finite_events, arm, order0, order1, scratch);
  CHECK(all.event_count[0] == 2);
  CHECK(all.event_count[1] == 2);
  CHECK(all.censored_count == 0);
  CHECK(cut_sorted(inf, entry, finite_events, no_dropout, arm, ws) == 4);

  REQUIRE_THROWS_AS(cut_runs_no_dropout(inf, entry, infinite_event, arm, order0, order1, scratch),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(cut_sorted(inf, entry, infinite_event, no_dropout, arm, ws),
                    std::invalid_argument);

  const CohortRuns cut =
      cut_runs_no_dropout(7.0, entry, infinite_event, arm, order0, order1, scratch);
  CHECK(cut.event_count[0] == 1);    // patient 0 at calendar 5; patient 2's is at 8 > 7
  CHECK(cut.event_count[1] == 1);    // patient 3 at calendar 5
  REQUIRE(cut.censored_count == 2);  // in decreasing patient order: 2 at 7 - 2, 1 (Inf) at 7 - 1
  CHECK(cut.censored[0] == 5.0);
  CHECK(cut.censored[1] == 6.0);
}

TEST_CASE("cut_log_rank_no_dropout equals cut_sorted then log_rank, bit for bit", "[conduct]") {
  // Random cohorts without dropout, cut at several calendar times (before, during and after
  // accrual), with continuous times and with times rounded to quarter months (ties between
  // arms, between events and censored times, and within an arm).
  Rng rng = make_stream(23, 0, StreamPurpose::outcomes);
  SurvivalWorkspace ws;
  std::vector<double> scratch;
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{120}, std::size_t{500}}) {
    for (int variant = 0; variant < 2; ++variant) {
      std::vector<double> entry(n), event(n);
      std::vector<int> arm(n);
      for (std::size_t i = 0; i < n; ++i) {
        entry[i] = 18.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53;
        arm[i] = static_cast<int>(rng() & 1);
        event[i] = -std::log((static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53) *
                   (arm[i] ? 30.0 : 18.0);
        if (variant == 1) {
          entry[i] = std::round(entry[i] * 4.0) / 4.0;
          event[i] = std::round(event[i] * 4.0) / 4.0;
        }
      }
      std::sort(entry.begin(), entry.end());
      std::vector<std::uint32_t> order[2];
      std::vector<std::uint32_t> all(n);
      for (std::size_t i = 0; i < n; ++i) all[i] = static_cast<std::uint32_t>(i);
      std::stable_sort(all.begin(), all.end(),
                       [&](std::uint32_t a, std::uint32_t b) { return event[a] < event[b]; });
      for (const std::uint32_t i : all) order[arm[i]].push_back(i);
      const std::vector<double> dropout(n, NEVER);
      for (const double cutoff : {0.5, 6.0, 12.25, 18.0, 24.0, 40.0, 400.0}) {
        INFO("n " << n << ", variant " << variant << ", cut-off " << cutoff);
        const std::size_t m = cut_sorted(cutoff, entry, event, dropout, arm, ws);
        const LogRankResult expected = log_rank(ws.sorted);
        std::size_t events = 0;
        for (const SortedSubject& s : ws.sorted) events += s.status;
        const CutLogRank got =
            cut_log_rank_no_dropout(cutoff, entry, event, arm, order[0], order[1], scratch);
        REQUIRE(got.analysed == m);
        REQUIRE(got.events == events);
        const auto same = [](double a, double b) {
          return a == b || (std::isnan(a) && std::isnan(b));
        };
        for (int a = 0; a < 2; ++a) {
          REQUIRE(same(got.test.observed[a], expected.observed[a]));
          REQUIRE(same(got.test.expected[a], expected.expected[a]));
        }
        REQUIRE(same(got.test.variance, expected.variance));
        REQUIRE(same(got.test.z, expected.z));
        REQUIRE(same(got.test.chisq(), expected.chisq()));
        REQUIRE(same(got.test.p_value(), expected.p_value()));
        REQUIRE(got.test.n_strata == expected.n_strata);
      }
    }
  }
}
