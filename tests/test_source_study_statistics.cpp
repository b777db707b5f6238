// The statistics a source-study replica reports (models/car_t/source_study.h), on small cohorts
// written by hand so that every value is known exactly: KM medians (reached, not reached), the
// Cox hazard ratio between subgroups (a case solvable by hand), response at a landmark, duration
// of response with deaths censored or counted, the reverse Kaplan–Meier median follow-up, the
// source study's conduct with and without a reported follow-up range, and populations the model
// has no covariate for. Times in months.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "models/car_t/source_study.h"
#include "statistics/survival/cox.h"

using namespace trialsim;
using namespace trialsim::car_t;

namespace {

constexpr double NEVER = std::numeric_limits<double>::infinity();

// One hand-written patient: response (at `response` months, NaN = none), relapse, death and
// dropout times, potential follow-up.
struct Row {
  double response = NEVER, relapse = NEVER, death = NEVER, dropout = NEVER;
  double follow_up = 100.0;
  bool extramedullary = false;
};

// Refills `ws` with `rows` (in place: a workspace is not move-assigned, since a never-used
// Eigen LDLT inside it holds an uninitialised status that UBSan reports when copied).
void fill(SourceCohortWorkspace& ws, const std::vector<Row>& rows) {
  ws.patients.clear();
  ws.follow_up.clear();
  for (const Row& r : rows) {
    CarTPatient p;
    p.extramedullary = r.extramedullary;
    p.responded = r.response < NEVER;
    p.relapsed = r.relapse < NEVER;
    p.trajectory.responded = p.responded;
    p.trajectory.response_time = p.responded ? r.response : 0.0;
    p.trajectory.relapse_time = r.relapse;
    p.trajectory.death_time = r.death;
    p.trajectory.dropout_time = r.dropout;
    ws.patients.push_back(p);
    ws.follow_up.push_back(r.follow_up);
  }
}

SourceCohortWorkspace cohort(const std::vector<Row>& rows) {
  SourceCohortWorkspace ws;
  fill(ws, rows);
  return ws;
}

Figure figure(Statistic statistic, FigureEndpoint endpoint, Subgroup subgroup = Subgroup::all) {
  Figure f;
  f.statistic = statistic;
  f.endpoint = endpoint;
  f.subgroup = subgroup;
  return f;
}

}  // namespace

TEST_CASE("median: the KM median in months, or not reached", "[source_study]") {
  // Deaths at 1, 2, 3, 4 of four patients: S = 3/4, 1/2, 1/4, 0. S is exactly 1/2 on [2, 3), so
  // quantile.survfit's median is the midpoint 2.5.
  SourceCohortWorkspace ws = cohort({{.death = 1}, {.death = 2}, {.death = 3}, {.death = 4}});
  Figure median = figure(Statistic::median, FigureEndpoint::overall_survival);
  CHECK(evaluate_figure(median, ws) == 2.5);
  CHECK(median_reached(median, ws));
  median.not_reached = true;  // the publication says "not reached": 0 = reached in the replica
  CHECK(evaluate_figure(median, ws) == 0.0);
  // Five patients, deaths at 1, 2, 3: S = 4/5, 3/5, 2/5 -> median 3 (first time S < 1/2).
  fill(ws, {{.death = 1}, {.death = 2}, {.death = 3}, {.follow_up = 5}, {.follow_up = 6}});
  median.not_reached = false;
  CHECK(evaluate_figure(median, ws) == 3.0);
  // One death of four: S = 3/4 at its lowest, the median is not reached.
  fill(ws, {{.death = 1}, {.follow_up = 2}, {.follow_up = 3}, {.follow_up = 4}});
  CHECK(std::isnan(evaluate_figure(median, ws)));
  CHECK_FALSE(median_reached(median, ws));
  median.not_reached = true;
  CHECK(evaluate_figure(median, ws) == 1.0);
  Figure legacy = figure(Statistic::median_not_reached, FigureEndpoint::overall_survival);
  CHECK(evaluate_figure(legacy, ws) == 1.0);
}

TEST_CASE("hazard ratio: Cox exp(beta) of the subgroup against the comparison", "[source_study]") {
  // EMD patients die at 1 and 3, the others at 2 and 4 (no ties, no censoring). With x = e^beta
  // the partial likelihood is x/(2x+2) * 1/(x+2) * x/(x+1) * 1, whose score is
  // 2 - 2x/(x+1) - x/(x+2) = 0, i.e. x^2 - x - 4 = 0: HR = (1 + sqrt(17)) / 2.
  SourceCohortWorkspace ws = cohort({{.death = 1, .extramedullary = true},
                                     {.death = 2},
                                     {.death = 3, .extramedullary = true},
                                     {.death = 4}});
  Figure hr =
      figure(Statistic::hazard_ratio, FigureEndpoint::overall_survival, Subgroup::extramedullary);
  hr.comparison_subgroup = Subgroup::non_extramedullary;
  const double expected = (1.0 + std::sqrt(17.0)) / 2.0;
  CHECK(evaluate_figure(hr, ws) == Approx(expected).epsilon(1e-7));
  std::swap(hr.subgroup, hr.comparison_subgroup);  // the reverse comparison: 1 / HR
  CHECK(evaluate_figure(hr, ws) == Approx(1.0 / expected).epsilon(1e-7));

  // With ties and censoring: the same number as the general Cox fit (Efron) on the indicator.
  fill(ws, {{.death = 2, .extramedullary = true},
            {.death = 2},
            {.follow_up = 3, .extramedullary = true},
            {.death = 5},
            {.death = 5, .extramedullary = true},
            {.death = 7},
            {.death = 8, .extramedullary = true},
            {.follow_up = 9}});
  std::swap(hr.subgroup, hr.comparison_subgroup);
  const std::vector<double> time{2, 2, 3, 5, 5, 7, 8, 9}, emd{1, 0, 1, 0, 1, 0, 1, 0};
  const std::vector<int> status{1, 1, 0, 1, 1, 1, 1, 0};
  SurvivalWorkspace survival;
  CoxFit fit;
  cox_ph({time, status}, {emd, 1}, survival, fit);
  REQUIRE(fit.status == CoxStatus::converged);
  CHECK(evaluate_figure(hr, ws) == Approx(fit.coef[0].hr).epsilon(1e-9));

  // No deaths in the subgroup: an infinite estimate, which the replica cannot report (NaN).
  fill(ws, {{.follow_up = 5, .extramedullary = true}, {.death = 2}, {.death = 4}});
  CHECK(std::isnan(evaluate_figure(hr, ws)));
}

TEST_CASE("response at a landmark counts the evaluable patients in remission", "[source_study]") {
  // Landmark 3 months. Evaluable: potential follow-up >= 3 (patient 5 is not).
  SourceCohortWorkspace ws = cohort({
      {.response = 1},                   // 1: in remission
      {.response = 1, .relapse = 2},     // 2: relapsed before 3
      {.response = 1, .relapse = 5},     // 3: relapses later: in remission at 3
      {.death = 2},                      // 4: no response, died
      {.response = 1, .follow_up = 2},   // 5: not evaluable (entered 2 months before the cut)
      {.response = 1, .dropout = 2.5},   // 6: lost before the landmark: not in remission
      {.response = 1, .death = 2.9},     // 7: died in remission before the landmark
      {.response = 3.5, .follow_up = 9}  // 8: responds after the landmark: not yet in remission
  });
  Figure f = figure(Statistic::proportion, FigureEndpoint::response_at_landmark);
  f.time = 3.0;
  CHECK(evaluate_figure(f, ws) == Approx(2.0 / 7.0).epsilon(1e-15));
  CHECK(response_at_landmark(f, ws) == Approx(2.0 / 7.0).epsilon(1e-15));
  f.statistic = Statistic::conditional_proportion;
  f.subgroup = Subgroup::responders;  // evaluable responders: 1, 2, 3, 6, 7, 8
  CHECK(evaluate_figure(f, ws) == Approx(2.0 / 6.0).epsilon(1e-15));
  f.time = 150.0;  // nobody is followed for 150 months (at most 100)
  CHECK(std::isnan(evaluate_figure(f, ws)));
}

TEST_CASE("duration of response: deaths in remission censored or events", "[source_study]") {
  // Responses at 1 month; on the response clock: relapse at 3, death in remission at 2, in
  // remission when censored at 10, relapse at 6.
  SourceCohortWorkspace ws = cohort({{.response = 1, .relapse = 4, .death = 9},
                                     {.response = 1, .death = 3},
                                     {.response = 1, .follow_up = 11},
                                     {.response = 1, .relapse = 7, .death = 12}});
  Figure dor =
      figure(Statistic::km_landmark, FigureEndpoint::duration_of_response, Subgroup::responders);
  dor.time = 5.0;
  // Censored: times 2+, 3, 6, 10+ -> S(5) = (1 - 1/3) = 2/3.
  dor.dor_deaths = DeathsInDor::censored;
  CHECK(evaluate_figure(dor, ws) == Approx(2.0 / 3.0).epsilon(1e-15));
  // Events: 2, 3, 6, 10+ -> S(5) = 3/4 * 2/3 = 1/2.
  dor.dor_deaths = DeathsInDor::events;
  CHECK(evaluate_figure(dor, ws) == Approx(0.5).epsilon(1e-15));
  CHECK(km_at(dor, 2.5, ws) == Approx(0.75).epsilon(1e-15));
  // Medians: censored, S = 2/3 then 1/3 at 6 -> 6; events, S = 1/2 on [3, 6) -> 4.5.
  Figure median = dor;
  median.statistic = Statistic::median;
  median.dor_deaths = DeathsInDor::censored;
  CHECK(evaluate_figure(median, ws) == 6.0);
  median.dor_deaths = DeathsInDor::events;
  CHECK(evaluate_figure(median, ws) == 4.5);
  // km_at: the curve at any time; NaN beyond the last observed time (10).
  dor.dor_deaths = DeathsInDor::censored;
  CHECK(km_at(dor, 0.5, ws) == 1.0);
  CHECK(km_at(dor, 7.0, ws) == Approx(1.0 / 3.0).epsilon(1e-15));
  CHECK(std::isnan(km_at(dor, 10.5, ws)));
  dor.statistic = Statistic::km_curve;  // a curve is read point by point with km_at
  CHECK(std::isnan(evaluate_figure(dor, ws)));
}

TEST_CASE("median follow-up: reverse Kaplan–Meier and simple", "[source_study]") {
  // Observed OS: deaths at 1 and 9; alive at the cut at 3, 5, 7 and 11. Reverse KM (alive = the
  // event, deaths censor): events 3 (5 at risk), 5 (4), 7 (3) -> S = 4/5, 3/5, 2/5: median 7.
  // The simple median of the six observed times 1, 3, 5, 7, 9, 11 is 6.
  SourceCohortWorkspace ws = cohort({{.death = 1},
                                     {.follow_up = 3},
                                     {.follow_up = 5},
                                     {.follow_up = 7},
                                     {.death = 9},
                                     {.follow_up = 11}});
  CHECK(median_follow_up(ws, FollowUp::Method::reverse_km) == 7.0);
  CHECK(median_follow_up(ws, FollowUp::Method::simple) == 6.0);
  CHECK(median_follow_up(ws) == 6.0);
}

TEST_CASE("source conduct from a range, enrolment dates or the median alone", "[source_study]") {
  Evidence e;
  e.patients = 31;
  e.follow_up.median = 7.33;
  e.follow_up.min = 0.85;
  e.follow_up.max = 16.93;
  SourceStudyConduct c = source_conduct(e);  // range: unchanged rule
  CHECK(c.patients == 31);
  CHECK(c.entry_window == 16.93 - 0.85);
  CHECK(c.cutoff == 16.93);

  e.follow_up.min = e.follow_up.max = std::numeric_limits<double>::quiet_NaN();
  e.follow_up.median = 10.0;
  c = source_conduct(e);  // median alone: last entry at the cut-off, W = C = 2 m0
  CHECK(c.entry_window == 20.0);
  CHECK(c.cutoff == 20.0);
  CHECK(c.cutoff - c.entry_window / 2.0 == 10.0);

  e.enrolment_start = "2024-01-01";
  e.enrolment_end = "2024-07-01";  // 182 days
  const double window = 182.0 / (365.2425 / 12.0);
  CHECK(months_between(e.enrolment_start, e.enrolment_end) == Approx(window).epsilon(1e-15));
  c = source_conduct(e);  // dates: W = enrolment, C = m0 + W/2
  CHECK(c.entry_window == Approx(window).epsilon(1e-15));
  CHECK(c.cutoff == Approx(10.0 + window / 2.0).epsilon(1e-15));

  e.enrolment_end = "2027-01-01";  // 36 months of enrolment cannot give a median of 10
  c = source_conduct(e);
  CHECK(c.entry_window == 20.0);
  CHECK(c.cutoff == 20.0);
  CHECK(std::isnan(months_between("2024-13-01", "2025-01-01")));
  CHECK(std::isnan(months_between("", "2025-01-01")));
}

TEST_CASE("populations the model has no covariate for are not computed", "[source_study]") {
  SourceCohortWorkspace ws = cohort({{.response = 1, .death = 4}, {.death = 2}});
  for (const Statistic s : {Statistic::proportion, Statistic::km_landmark, Statistic::count,
                            Statistic::median, Statistic::median_not_reached}) {
    Figure f = figure(s, FigureEndpoint::overall_survival, Subgroup::other);
    f.event = EventKind::death;
    f.subgroup_name = "post_hsct";
    f.time = 1.0;
    CHECK(std::isnan(evaluate_figure(f, ws)));
  }
  Figure hr = figure(Statistic::hazard_ratio, FigureEndpoint::overall_survival);
  hr.comparison_subgroup = Subgroup::other;
  CHECK(std::isnan(evaluate_figure(hr, ws)));
  Figure os = figure(Statistic::km_landmark, FigureEndpoint::overall_survival, Subgroup::other);
  CHECK(std::isnan(km_at(os, 1.0, ws)));
}

TEST_CASE("an unconditioned composition simulates the unconditioned cohort", "[source_study]") {
  // Conditioning on nothing must reproduce simulate_source_cohort draw for draw (the conditioned
  // simulation keeps one parameter copy per replica and restores its fields per patient).
  const CarTParameters parameters;
  const SourceStudyConduct conduct{31, 16.08, 16.93};
  SourceCohortWorkspace plain, conditioned;
  for (std::uint64_t replicate : {0u, 7u}) {
    simulate_source_cohort(parameters, conduct, 20240108, replicate, plain);
    simulate_conditioned_source_cohort(parameters, conduct, {}, 20240108, replicate, conditioned);
    for (std::size_t i = 0; i < plain.patients.size(); ++i) {
      CHECK(plain.follow_up[i] == conditioned.follow_up[i]);
      CHECK(plain.patients[i].trajectory.death_time ==
            conditioned.patients[i].trajectory.death_time);
      CHECK(plain.patients[i].responded == conditioned.patients[i].responded);
    }
  }
  // Conditioned on 2 EMD patients, 1 of them and 20 of the others responding, 5 maintained: the
  // composition holds exactly, and a patient after the conditioned ones is not affected by them.
  ObservedComposition c;
  c.extramedullary = 2;
  c.responders_extramedullary = 1;
  c.responders_other = 20;
  c.responders = 21;
  c.maintained = 5;
  simulate_conditioned_source_cohort(parameters, conduct, c, 20240108, 3, conditioned);
  int emd = 0, responders = 0, maintained = 0;
  for (const CarTPatient& p : conditioned.patients) {
    emd += p.extramedullary ? 1 : 0;
    responders += p.responded ? 1 : 0;
    maintained += p.maintenance != Maintenance::none ? 1 : 0;
  }
  CHECK(emd == 2);
  CHECK(responders == 21);
  CHECK(maintained == 5);
}
