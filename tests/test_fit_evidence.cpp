// The fit side of issue 15 (models/car_t/calibration.h, edges/fit/fit_command.h): no silent
// defaults, every missing required figure in one error, no ABC without time-to-event figures,
// honest roles for assumed, duplicate and new kinds of figures, CIs used as information, and the
// fitted file's parameter sources. Evidence is built by hand (a small study of 40 patients with
// a follow-up range, so that the source study's conduct does not depend on how a median alone is
// read) and fitted at small settings (each test well under a second or two).
//
// Tolerances: draws of a defaulted proportion come from the conjugate block's Latin hypercube, so
// their SD matches the Beta's to well under 1 % at 200 draws (each of 200 strata holds one draw);
// 3 % is used. Time-to-event parameters drawn from their prior (no ABC) are independent draws:
// the SD of n = 200 draws has a relative Monte Carlo SE of about sqrt(1 / (2 n)) = 5 % for a
// normal law (a Beta(2, 2) has lighter tails, kurtosis 2.14, so less), so 4 MCSE = 20 %.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "edges/fit/fit_command.h"
#include "models/car_t/calibration.h"
#include "support.h"

using namespace trialsim;
using car_t::Figure;
using car_t::FigureEndpoint;
using car_t::Statistic;
using car_t::Subgroup;
using trialsim::testing::TempDir;

namespace {

Figure proportion(const std::string& id, FigureEndpoint endpoint, int count, int denominator,
                  Statistic statistic = Statistic::proportion, Subgroup subgroup = Subgroup::all) {
  Figure f;
  f.id = id;
  f.statistic = statistic;
  f.endpoint = endpoint;
  f.subgroup = subgroup;
  f.subgroup_name = subgroup == Subgroup::responders ? "responders" : "all";
  f.count = count;
  f.denominator = denominator;
  f.value = static_cast<double>(count) / denominator;
  return f;
}

Figure landmark(const std::string& id, FigureEndpoint endpoint, double time, double value) {
  Figure f;
  f.id = id;
  f.statistic = Statistic::km_landmark;
  f.endpoint = endpoint;
  f.time = time;
  f.value = value;
  return f;
}

// 40 patients followed 2 to 20 months; the five required figures; no survival figures and no
// assumptions (every time-to-event parameter takes its default prior).
car_t::Evidence minimal_evidence() {
  car_t::Evidence e;
  e.source_file = "hand-made.yaml";
  e.study_id = "hand-made";
  e.patients = 40;
  e.follow_up.median = 10.0;
  e.follow_up.min = 2.0;
  e.follow_up.max = 20.0;
  e.figures = {
      proportion("orr", FigureEndpoint::best_overall_response, 30, 40),
      proportion("mrd", FigureEndpoint::mrd_negative, 25, 30, Statistic::conditional_proportion,
                 Subgroup::responders),
      proportion("crs_any", FigureEndpoint::crs_any_grade, 18, 40),
      proportion("crs3", FigureEndpoint::crs_grade3plus, 3, 40),
      proportion("icans_any", FigureEndpoint::icans_any_grade, 5, 40),
  };
  for (std::size_t i = 0; i < e.figures.size(); ++i) e.figures[i].where = {int(10 + i), 5};
  return e;
}

car_t::FitSettings small_settings() {
  car_t::FitSettings s;
  s.abc_draws = 4000;
  s.accepted = 200;
  s.point_truth_patients = 2000;
  s.point_replicas = 200;
  s.threads = 2;
  return s;
}

const car_t::ParameterSummary& parameter(const car_t::FitResult& fit, const std::string& name) {
  for (const auto& p : fit.parameters)
    if (p.name == name) return p;
  FAIL("no parameter " << name);
  return fit.parameters.front();
}

const car_t::CalibrationRow& row(const car_t::FitResult& fit, const std::string& id) {
  for (const auto& r : fit.figures)
    if (r.figure_id == id) return r;
  FAIL("no calibration row " << id);
  return fit.figures.front();
}

double beta_sd(double a, double b) {
  return std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
}

template <class F>
MomentAccumulator moments_of(const car_t::FitResult& fit, F f) {
  MomentAccumulator m;
  for (const auto& d : fit.draws) m.add(f(d));
  return m;
}

// The message of the exception `fit` throws (fails the test when it throws none).
template <class Exception>
Exception thrown_by(const car_t::Evidence& e) {
  try {
    car_t::fit_car_t_model(e, small_settings());
  } catch (const Exception& error) {
    return error;
  }
  FAIL("the fit threw nothing");
  throw;
}

}  // namespace

TEST_CASE("one error lists every missing required figure with the kinds that would supply it",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  e.figures = {e.figures[0]};  // the ORR alone: MRD, CRS any, CRS >= 3 and ICANS missing
  const auto error = thrown_by<std::invalid_argument>(e);
  const std::string message = error.what();
  INFO(message);
  CHECK(message.find("lacks 4 required figures") != std::string::npos);
  for (const char* kind : {"mrd_negative in subgroup responders", "mrd_negative in subgroup all",
                           "crs_any_grade", "crs_grade3plus", "icans_any_grade"})
    CHECK(message.find(kind) != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);  // one line

  e.figures.clear();  // and without the ORR too: five, in one message
  const std::string all = thrown_by<std::invalid_argument>(e).what();
  CHECK(all.find("lacks 5 required figures") != std::string::npos);
  CHECK(all.find("best_overall_response") != std::string::npos);
}

TEST_CASE("without time-to-event figures the fit runs no ABC and keeps the priors",
          "[fit-evidence]") {
  const car_t::FitResult fit = car_t::fit_car_t_model(minimal_evidence(), small_settings());
  CHECK(fit.abc_draws == 0);
  CHECK(fit.abc_targets.empty());
  REQUIRE(fit.draws.size() == 200);
  REQUIRE(fit.notes.size() == 1);
  CHECK(fit.notes[0].find("no time-to-event figures") != std::string::npos);
  // cure_fraction: default prior Beta(2, 2), SD 0.2236 (independent prior draws: 20 %, header).
  const MomentAccumulator cure = moments_of(fit, [](const auto& d) { return d.cure_fraction; });
  INFO("cure fraction mean " << cure.mean() << " sd " << std::sqrt(cure.variance()));
  CHECK(std::abs(std::sqrt(cure.variance()) / beta_sd(2, 2) - 1.0) <= 0.2);
  // Mean 0.5; SE 0.2236 / sqrt(200) = 0.016, 4 SE = 0.063.
  CHECK(std::abs(cure.mean() - 0.5) <= 0.063);
  // relapse_scale: lognormal(median 8, sdlog 1): the SD of log draws is 1 (20 %).
  const MomentAccumulator log_scale =
      moments_of(fit, [](const auto& d) { return std::log(d.relapse_scale); });
  CHECK(std::abs(std::sqrt(log_scale.variance()) - 1.0) <= 0.2);
  CHECK(std::abs(log_scale.mean() - std::log(8.0)) <= 4.0 / std::sqrt(200.0));
  CHECK(parameter(fit, "relapse_scale").source.find("no time-to-event figures") !=
        std::string::npos);
}

TEST_CASE("a parameter nothing informs states its default prior and carries its spread",
          "[fit-evidence]") {
  const car_t::FitResult fit = car_t::fit_car_t_model(minimal_evidence(), small_settings());
  const auto& maintenance = parameter(fit, "p_maintenance");
  CHECK(car_t::is_defaulted(maintenance));
  CHECK(maintenance.source == "default prior Beta(1, 1) (docs/default-priors.md)");
  // Latin hypercube draws of Beta(1, 1): SD 1/sqrt(12) = 0.2887 within 3 %.
  CHECK(std::abs(maintenance.sd / beta_sd(1, 1) - 1.0) <= 0.03);
  const auto& emd = parameter(fit, "p_extramedullary");
  CHECK(emd.source == "default prior Beta(1, 3) (docs/default-priors.md)");
  CHECK(std::abs(emd.sd / beta_sd(1, 3) - 1.0) <= 0.03);
  CHECK(car_t::is_defaulted(parameter(fit, "cure_fraction")));
  CHECK(parameter(fit, "cure_fraction").sd > 0.1);
  // Without the EMD split, response_logit_emd has its default prior normal(0, 1) and the
  // intercept is solved so that the population response is the ORR's posterior draw: the draws'
  // population ORR has the Jeffreys posterior Beta(30.5, 10.5)'s mean and SD (3 %: Latin
  // hypercube on the ORR; the EMD prevalence and the log-odds ratio only split it).
  CHECK(parameter(fit, "response_logit_emd").source ==
        "default prior normal(mean 0, sd 1) (docs/default-priors.md)");
  CHECK(std::abs(parameter(fit, "response_logit_emd").sd - 1.0) <= 0.05);
  const MomentAccumulator orr =
      moments_of(fit, [](const auto& d) { return car_t::population_response_probability(d); });
  CHECK(orr.mean() == Approx(30.5 / 41.0).margin(1e-3));
  CHECK(std::abs(std::sqrt(orr.variance()) / beta_sd(30.5, 10.5) - 1.0) <= 0.03);
  // A parameter a figure informs is not defaulted, and names its figure.
  CHECK_FALSE(car_t::is_defaulted(parameter(fit, "p_crs_any")));
  CHECK(parameter(fit, "p_crs_any").source.find("crs_any") != std::string::npos);
  // Every parameter of the model is either required from a figure or has a default prior.
  const std::vector<std::string> required = {
      "response_logit_intercept", "p_mrd_negative",  "p_crs_any",  "p_crs_grade3plus_non_emd",
      "p_crs_grade3plus_emd",     "p_icans_non_emd", "p_icans_emd"};
  for (const auto& p : car_t::parameter_table()) {
    bool covered = std::find(required.begin(), required.end(), p.name) != required.end();
    for (const auto& d : car_t::default_priors()) covered |= d.parameter == p.name;
    INFO(p.name);
    CHECK(covered);
  }
}

TEST_CASE("a fixed assumption on a parameter a figure informs is refused, located",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  car_t::Assumption fixed;
  fixed.parameter = "p_crs_any";
  fixed.prior.kind = car_t::Prior::Kind::fixed;
  fixed.prior.value = 0.3;
  fixed.where = {57, 5};
  e.assumptions = {fixed};
  const auto error = thrown_by<car_t::EvidenceFitError>(e);
  INFO(error.what());
  CHECK(error.where.line == 57);
  CHECK(error.where.column == 5);
  CHECK(error.key_path == "assumptions.0");
  CHECK(error.problem.find("crs_any") != std::string::npos);
  // The same assumption on an uninformed parameter is used as it stands.
  e.assumptions[0].parameter = "q_crs_grade4_of_severe";
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  CHECK(fit.point.q_crs_grade4_of_severe == 0.3);
  CHECK(parameter(fit, "q_crs_grade4_of_severe").source ==
        "assumption q_crs_grade4_of_severe "
        "(fixed 0.3)");
  CHECK(parameter(fit, "q_crs_grade4_of_severe").sd == 0.0);
}

TEST_CASE("an assumed figure and a figure on another population are checks, never fitted",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure assumed = landmark("os_6m_assumed", FigureEndpoint::overall_survival, 6.0, 0.8);
  assumed.assumed = true;
  Figure other = landmark("os_6m_post_hsct", FigureEndpoint::overall_survival, 6.0, 0.7);
  other.subgroup = Subgroup::other;
  other.subgroup_name = "post_hsct";
  e.figures.push_back(assumed);
  e.figures.push_back(other);
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  CHECK(row(fit, "os_6m_assumed").role == "assumed (check)");
  CHECK(row(fit, "os_6m_post_hsct").role == "check (population not in model)");
  CHECK(fit.abc_targets.empty());  // neither is a target: no ABC was run
  CHECK(fit.abc_draws == 0);
  CHECK(row(fit, "os_6m_assumed").replicas > 0);  // the check is still computed
  CHECK(row(fit, "orr").role == "conjugate");
}

TEST_CASE("a second figure for one quantity is refused, located, unless marked assumed",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure again = proportion("orr_later_cut", FigureEndpoint::best_overall_response, 31, 40);
  again.where = {42, 5};
  e.figures.push_back(again);
  const auto error = thrown_by<car_t::EvidenceFitError>(e);
  INFO(error.what());
  CHECK(error.where.line == 42);
  CHECK(error.key_path == "figures.5");
  CHECK(error.problem.find("\"orr_later_cut\"") != std::string::npos);
  CHECK(error.problem.find("\"orr\" (line 10)") != std::string::npos);
  // Two landmarks at one time are refused too; at different times both are targets.
  car_t::Evidence two = minimal_evidence();
  two.figures.push_back(landmark("os_12m", FigureEndpoint::overall_survival, 12.0, 0.6));
  two.figures.push_back(landmark("os_12m_again", FigureEndpoint::overall_survival, 12.0, 0.62));
  CHECK(thrown_by<car_t::EvidenceFitError>(two).key_path == "figures.6");
  // Marked assumed, the second is kept as a check and both appear in the report.
  e.figures.back().assumed = true;
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  CHECK(row(fit, "orr").role == "conjugate");
  CHECK(row(fit, "orr_later_cut").role == "assumed (check)");
  CHECK(parameter(fit, "response_logit_intercept").source.find("orr_later_cut") ==
        std::string::npos);
}

TEST_CASE("medians, not-reached medians and remission at a landmark are ABC targets",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure median;
  median.id = "os_median";
  median.statistic = Statistic::median;
  median.endpoint = FigureEndpoint::overall_survival;
  median.value = 14.0;
  median.ci = car_t::ReportedInterval{10.0, 19.0, 0.95};
  Figure rfs_not_reached = median;
  rfs_not_reached.id = "rfs_median";
  rfs_not_reached.endpoint = FigureEndpoint::relapse_free_survival;
  rfs_not_reached.subgroup = Subgroup::responders;
  rfs_not_reached.subgroup_name = "responders";
  rfs_not_reached.not_reached = true;
  rfs_not_reached.ci.reset();
  Figure remission = proportion("remission_6m", FigureEndpoint::response_at_landmark, 24, 40);
  remission.time = 6.0;
  e.figures.push_back(median);
  e.figures.push_back(rfs_not_reached);
  e.figures.push_back(remission);
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  CHECK(fit.abc_draws == 4000);
  CHECK(fit.abc_targets == std::vector<std::string>{"os_median", "rfs_median", "remission_6m"});
  CHECK(row(fit, "os_median").role == "abc target");
  CHECK(row(fit, "rfs_median").role == "abc target");
  CHECK(row(fit, "rfs_median").reported == 1.0);  // compared as "not reached" (1)
  CHECK(row(fit, "remission_6m").role == "abc target");
  CHECK(row(fit, "remission_6m").description == "proportion at 6 months (in remission)");
  // The time-to-event parameters are fitted to them; their source names the figures.
  CHECK(parameter(fit, "cure_fraction")
            .source.find("ABC on figures os_median, rfs_median, "
                         "remission_6m") != std::string::npos);
}

TEST_CASE("a landmark beyond the source study's follow-up is refused, located", "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure late = landmark("os_24m", FigureEndpoint::overall_survival, 24.0, 0.5);
  late.where = {77, 5};
  e.figures.push_back(late);
  const auto error = thrown_by<car_t::EvidenceFitError>(e);
  INFO(error.what());
  CHECK(error.where.line == 77);
  CHECK(error.key_path == "figures.5.time");
  CHECK(error.problem.find("beyond the source study's follow-up (20 months") != std::string::npos);
}

TEST_CASE("a proportion given with a CI but no count counts as its effective sample",
          "[fit-evidence]") {
  // CRS any grade 0.45 with 95 % CI 0.30-0.60: SE = 0.30 / (2 x 1.95996) = 0.076531, n_eff =
  // 0.45 x 0.55 / SE^2 = 42.257, k = 19.016: the posterior Beta(19.516, 23.741) under Jeffreys.
  car_t::Evidence e = minimal_evidence();
  Figure& crs = e.figures[2];
  crs.count.reset();
  crs.denominator.reset();
  crs.value = 0.45;
  crs.ci = car_t::ReportedInterval{0.30, 0.60, 0.95};
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  const double se = 0.30 / (2.0 * 1.959963984540054);
  const double n = 0.45 * 0.55 / (se * se);
  REQUIRE(n == Approx(42.257).margin(1e-3));
  const double a = 0.45 * n + 0.5, b = 0.55 * n + 0.5;
  const auto& p = parameter(fit, "p_crs_any");
  CHECK(p.mean == Approx(a / (a + b)).margin(0.002));
  CHECK(std::abs(p.sd / beta_sd(a, b) - 1.0) <= 0.03);
}

TEST_CASE("the fitted file names each parameter's source and reads back", "[fit-evidence]") {
  const car_t::FitResult fit = car_t::fit_car_t_model(minimal_evidence(), small_settings());
  const std::string text = fitted_model_yaml(fit, "hand-made.yaml", "0", small_settings());
  CHECK(text.find("\nabc_draws: 0\n") != std::string::npos);
  CHECK(text.find("\nsources:\n") != std::string::npos);
  CHECK(text.find("\n  p_maintenance: \"default prior Beta(1, 1) (docs/default-priors.md)\"\n") !=
        std::string::npos);
  TempDir dir("fit-evidence-sources");
  const auto path = dir / "fitted.yaml";
  std::ofstream(path) << text;
  const FittedModel model = load_fitted_model(path);
  REQUIRE(model.draws.size() == fit.draws.size());
  CHECK(model.point.p_maintenance == fit.point.p_maintenance);
  // An unknown name among the sources is refused like one among the point's parameters.
  std::ofstream(path) << text.substr(0, text.find("\nsources:\n") + 10) + "  p_unicorn: \"x\"\n" +
                             text.substr(text.find("\nsources:\n") + 10);
  CHECK_THROWS_WITH(load_fitted_model(path), Catch::Contains("p_unicorn"));
}

TEST_CASE("a digitised curve is fitted at its at-risk times, a landmark at one of them once",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure curve;
  curve.id = "os_curve";
  curve.statistic = Statistic::km_curve;
  curve.endpoint = FigureEndpoint::overall_survival;
  curve.curve = {{0, 1.0}, {3, 0.9}, {6, 0.8}, {12, 0.65}, {18, 0.55}};
  // At-risk times 6, 12, 18 are compared; 0 (the axis) and 24 (no one at risk, beyond the
  // follow-up of 20 months) are not.
  curve.at_risk = {{0, 40}, {6, 30}, {12, 20}, {18, 8}, {24, 0}};
  e.figures.push_back(curve);
  e.figures.push_back(landmark("os_12m", FigureEndpoint::overall_survival, 12.0, 0.66));
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  // The curve's 12-month point is left to the reported landmark (one number, used once).
  CHECK(fit.abc_targets == std::vector<std::string>{"os_curve@6", "os_curve@18", "os_12m"});
  CHECK(row(fit, "os_curve@6").reported == 0.8);
  CHECK(row(fit, "os_curve@6").role == "abc target");
  CHECK(row(fit, "os_curve@12").reported == 0.65);  // the step function at 12
  CHECK(row(fit, "os_curve@12").role == "check");
  CHECK(row(fit, "os_curve@18").reported == 0.55);
  CHECK(row(fit, "os_curve@6").replicas > 0);
  CHECK(row(fit, "os_12m").role == "abc target");
  // One row per compared time (3) instead of one for the curve, plus the other 6 figures and
  // the median follow-up.
  CHECK(fit.figures.size() == 3 + 6 + 1);
}

TEST_CASE("a hazard ratio is an ABC target on the log scale; a DOR says how it counts deaths",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  Figure ratio;
  ratio.id = "rfs_hr_emd";
  ratio.statistic = Statistic::hazard_ratio;
  ratio.endpoint = FigureEndpoint::relapse_free_survival;
  ratio.subgroup = Subgroup::extramedullary;
  ratio.subgroup_name = "extramedullary";
  ratio.comparison_subgroup = Subgroup::non_extramedullary;
  ratio.comparison_subgroup_name = "non_extramedullary";
  ratio.value = 1.8;
  ratio.ci = car_t::ReportedInterval{1.0, 3.24, 0.95};
  Figure dor = landmark("dor_6m", FigureEndpoint::duration_of_response, 6.0, 0.7);
  dor.subgroup = Subgroup::responders;
  dor.subgroup_name = "responders";
  dor.dor_deaths = car_t::DeathsInDor::events;
  e.figures.push_back(ratio);
  e.figures.push_back(dor);
  const car_t::FitResult fit = car_t::fit_car_t_model(e, small_settings());
  CHECK(fit.abc_targets == std::vector<std::string>{"rfs_hr_emd", "dor_6m"});
  CHECK(row(fit, "rfs_hr_emd").role == "abc target");
  CHECK(row(fit, "rfs_hr_emd").reported == 1.8);  // reported on its own scale
  CHECK(row(fit, "dor_6m").description == "km_landmark at 6 months (DOR, deaths as events)");
  // The EMD relapse hazard ratio (default prior) is fitted to them.
  CHECK(parameter(fit, "relapse_hazard_ratio_emd").source ==
        "default prior lognormal(median 1, sdlog 0.5) (docs/default-priors.md); ABC on figures "
        "rfs_hr_emd, dor_6m, conditioned on the observed response and maintenance counts");
}

TEST_CASE("an assumption on an unknown parameter, or with a prior outside its domain, is refused",
          "[fit-evidence]") {
  car_t::Evidence e = minimal_evidence();
  car_t::Assumption a;
  a.parameter = "dropout_ratee";  // a typo
  a.prior.kind = car_t::Prior::Kind::fixed;
  a.prior.value = 0.0;
  a.where = {12, 5};
  e.assumptions = {a};
  auto error = thrown_by<car_t::EvidenceFitError>(e);
  INFO(error.what());
  CHECK(error.where.line == 12);
  CHECK(error.key_path == "assumptions.0.parameter");
  CHECK(error.problem == "unknown model parameter \"dropout_ratee\"");
  // A proportion fixed at 1.5, a lognormal prior on a proportion, a normal prior on a rate.
  e.assumptions[0].parameter = "q_crs_grade4_of_severe";
  e.assumptions[0].prior.value = 1.5;
  error = thrown_by<car_t::EvidenceFitError>(e);
  CHECK(error.key_path == "assumptions.0.prior");
  CHECK(error.problem.find("a proportion in [0, 1]") != std::string::npos);
  e.assumptions[0].prior = {};
  e.assumptions[0].prior.kind = car_t::Prior::Kind::lognormal;
  e.assumptions[0].prior.median = 0.3;
  e.assumptions[0].prior.sdlog = 1.0;
  CHECK(thrown_by<car_t::EvidenceFitError>(e).key_path == "assumptions.0.prior");
  e.assumptions[0].parameter = "dropout_rate";
  e.assumptions[0].prior = {};
  e.assumptions[0].prior.kind = car_t::Prior::Kind::normal;
  e.assumptions[0].prior.sd = 1.0;
  CHECK(thrown_by<car_t::EvidenceFitError>(e).key_path == "assumptions.0.prior");
}
