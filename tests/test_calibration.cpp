// Calibration of the CAR-T patient model to published evidence (models/car_t/calibration.h), and
// the `trialsim fit` command around it (edges/fit/fit_command.h). Statistical acceptance tests,
// each tolerance derived in a comment:
//  1. the seed fit (Inati-cel post-HSCT, 31 patients) covers every reported figure with its 95 %
//     predictive interval, its point sits at the centre of the posterior, and
//     `trialsim fit` reproduces the committed fitted model and calibration report byte for byte;
//  2. recovery: a fit to a large study simulated from known parameters finds them again;
//  3. honest uncertainty: the fitted ORR spreads like a binomial proportion of 26 of 31;
//  4. maintenance: the fitted RFS by maintenance covers the reported 0.916 and 0.554;
//  5. editing a number in the evidence moves the fit in the expected direction, in process and
//     through the binary, whose fitted file holds exactly the in-process fit.
// Tests 1, 3 and 4 are sections of one TEST_CASE sharing one seed fit at the default settings,
// done once by the binary (~27 s on 2 cores; its files carry every number the sections check, as
// the shortest text that round-trips each double); the binary's file equals the in-process fit
// at reduced settings (test 5). A last test pins a defect found on the way (median_not_reached
// figures read as 0).
#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "edges/fit/evidence_reader.h"
#include "edges/fit/fit_command.h"
#include "models/car_t/calibration.h"
#include "models/car_t/source_study.h"
#include "support.h"

using namespace trialsim;
using trialsim::testing::numeric_text_difference;
using trialsim::testing::read_text;
using trialsim::testing::run_trialsim;
using trialsim::testing::source_path;
using trialsim::testing::TempDir;
using trialsim::testing::without_evidence_line;

namespace {

const char* SEED_EVIDENCE = "configs/evidence/inati-cel-post-hsct.yaml";

const car_t::Evidence& seed_evidence() {
  static const car_t::Evidence evidence = load_evidence(source_path(SEED_EVIDENCE));
  return evidence;
}

// Fields of one line of a CSV file as csv_field writes them ("..." around a field with a comma
// or quote, "" for a quote inside).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// A figure row of calibration.csv (calibration_csv: one per CalibrationRow of the fit).
struct CsvFigure {
  std::string id;
  double reported, point_median, predictive_lower, predictive_upper, predictive_median;
  bool inside;
  std::uint64_t replicas;
};

std::vector<CsvFigure> csv_figures(const std::string& csv) {
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  REQUIRE(line ==
          "kind,id,description,role,reported,point_replica_median,predictive_median,"
          "predictive_lower,predictive_upper,inside,replicas");
  std::vector<CsvFigure> figures;
  while (std::getline(lines, line)) {
    const std::vector<std::string> f = csv_fields(line);
    REQUIRE(f.size() == 11);
    if (f[0] != "figure") continue;
    figures.push_back({f[1], std::stod(f[4]), std::stod(f[5]), std::stod(f[7]), std::stod(f[8]),
                       std::stod(f[6]), f[9] == "yes", std::stoull(f[10])});
  }
  return figures;
}

// The seed fit as `trialsim fit` writes it with its default settings (seed 20240108, 200 000 ABC
// draws, 1000 accepted, 2000 point replicas, all cores): how configs/fitted/ was made. Done once
// per process (ctest runs each TEST_CASE in a process of its own; each SECTION re-enters it).
struct SeedFit {
  std::filesystem::path directory, fitted_path, report_path;  // removed after reading
  std::string fitted_yaml, calibration;                       // the two files' contents
  FittedModel model;                                          // fitted_yaml read back
  std::vector<CsvFigure> figures;                             // calibration's figure rows
};

// The file `trialsim fit` reports on stdout after "LABEL: " (it names the report after the
// fitted file, e.g. fitted.calibration.csv).
std::filesystem::path printed_path(const std::string& out, const std::string& label) {
  const auto at = out.find(label + ": ");
  REQUIRE(at != std::string::npos);
  const auto start = at + label.size() + 2;
  return out.substr(start, out.find('\n', start) - start);
}

const SeedFit& seed_fit() {
  static const SeedFit fit = [] {
    TempDir dir("calibration-seed-fit");
    SeedFit f;
    f.directory = dir.path();
    f.fitted_path = dir / "fitted.yaml";
    const auto result = run_trialsim(
        {"fit", source_path(SEED_EVIDENCE).string(), "-o", f.fitted_path.string(), "-q"}, dir);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    f.report_path = printed_path(result.out, "calibration");
    REQUIRE(std::filesystem::exists(f.fitted_path));
    REQUIRE(std::filesystem::exists(f.report_path));
    f.fitted_yaml = read_text(f.fitted_path);
    f.calibration = read_text(f.report_path);
    f.model = load_fitted_model(f.fitted_path);
    f.figures = csv_figures(f.calibration);
    return f;
  }();
  return fit;
}

const CsvFigure& figure_row(const SeedFit& fit, const std::string& id) {
  for (const auto& row : fit.figures) {
    if (row.id == id) return row;
  }
  FAIL("no calibration row " << id);
  throw std::logic_error("unreachable");
}

const car_t::CalibrationRow& row_of(const car_t::FitResult& fit, const std::string& id) {
  for (const auto& row : fit.figures) {
    if (row.figure_id == id) return row;
  }
  FAIL("no calibration row " << id);
  throw std::logic_error("unreachable");
}

const car_t::ParameterSummary& summary_of(const car_t::FitResult& fit, const std::string& name) {
  for (const auto& p : fit.parameters) {
    if (p.name == name) return p;
  }
  FAIL("no parameter summary " << name);
  throw std::logic_error("unreachable");
}

car_t::Figure& figure_of(car_t::Evidence& evidence, const std::string& id) {
  for (auto& f : evidence.figures) {
    if (f.id == id) return f;
  }
  FAIL("no figure " << id);
  throw std::logic_error("unreachable");
}

template <class F>
double sd_over(const std::vector<car_t::CarTParameters>& draws, F f) {
  MomentAccumulator moments;
  for (const auto& d : draws) moments.add(f(d));
  return std::sqrt(moments.variance());
}

double logit(double p) { return std::log(p / (1.0 - p)); }

// ---------------------------------------------------------------------------------------------
// Recovery (test 2): a study of RECOVERY_PATIENTS patients, conducted like the seed study
// (entry window 16.93 - 0.85 months, cut-off 16.93), simulated from known parameters.

constexpr int RECOVERY_PATIENTS = 1200;
constexpr std::uint64_t RECOVERY_STUDY_SEED = 987654321;  // not the fit's seed: its own streams

car_t::CarTParameters recovery_truth() {
  car_t::CarTParameters p;  // covariates and fixed assumptions: the defaults = the seed file's
  p.response_logit_intercept = logit(0.85);
  p.response_logit_emd = logit(0.70) - logit(0.85);
  p.p_mrd_negative = 0.90;
  p.cure_fraction = 0.6;
  p.relapse_shape = 1.3;
  p.relapse_scale = 6.0;
  p.maintenance_hazard_ratio = 0.5;
  p.nonrelapse_mortality_rate = 0.01;
  p.death_after_relapse_rate = 0.2;
  p.death_after_nonresponse_rate = 0.25;
  p.p_maintenance = 0.5;
  p.maintenance_shares = {0.4, 0.4, 0.2};
  p.p_cd19_negative_relapse = 0.15;
  p.p_infection_given_nonrelapse_death = 0.5;
  p.p_crs_any = 0.45;
  p.p_crs_grade3plus_non_emd = 0.06;
  p.p_crs_grade3plus_emd = 0.03;
  p.p_icans_non_emd = 0.08;
  p.p_icans_emd = 0.04;
  p.q_icans_grade3plus = 0.25;
  return p;
}

// The seed evidence with every figure and baseline count replaced by the large study's.
car_t::Evidence summarise_large_study(const car_t::CarTParameters& truth) {
  car_t::Evidence e = seed_evidence();
  e.patients = RECOVERY_PATIENTS;
  // In a study simulated from the model the maintenance comparison is causal by construction
  // (maintenance is assigned at random among responders), so the recovery fit may use it: the
  // seed evidence's `not_fitted_to` (the real comparison is observational) is dropped here.
  for (car_t::Assumption& a : e.assumptions) a.not_fitted_to.clear();
  car_t::SourceCohortWorkspace ws;
  car_t::simulate_source_cohort(truth, car_t::source_conduct(e), RECOVERY_STUDY_SEED, 0, ws);
  for (car_t::Figure& f : e.figures) {
    f.value = car_t::evaluate_figure(f, ws);
    REQUIRE(std::isfinite(f.value));
    if (f.denominator) {  // proportions: count and denominator of the subgroup
      int members = 0;
      for (const auto& p : ws.patients) members += car_t::in_subgroup(f.subgroup, p) ? 1 : 0;
      f.denominator = members;
      f.count = static_cast<int>(std::lround(f.value * members));
    }
  }
  const auto set_baseline = [&](const std::string& id, bool car_t::CarTPatient::*has) {
    for (auto& b : e.baseline) {
      if (b.id != id) continue;
      int k = 0;
      for (const auto& p : ws.patients) k += p.*has ? 1 : 0;
      b.count = k;
      b.denominator = RECOVERY_PATIENTS;
      b.value = static_cast<double>(k) / RECOVERY_PATIENTS;
    }
  };
  using P = car_t::CarTPatient;
  set_baseline("extramedullary_disease", &P::extramedullary);
  set_baseline("cns_leukemia", &P::cns);
  set_baseline("ph_positive", &P::ph_positive);
  set_baseline("tp53_alteration", &P::tp53);
  set_baseline("kmt2a_rearrangement", &P::kmt2a);
  set_baseline("ikzf1_alteration", &P::ikzf1);
  set_baseline("prior_blinatumomab", &P::prior_blinatumomab);
  set_baseline("prior_inotuzumab", &P::prior_inotuzumab);
  e.follow_up.median = car_t::median_follow_up(ws);
  return e;
}

// Probability of relapse within 11 months of response (12 from infusion) of a responder, net of
// competing deaths, with hazard multiplier h: (1 - pi) (1 - exp(-h (11 / lambda)^k)).
double relapse_by_12_months(const car_t::CarTParameters& p, double h) {
  const double months = 12.0 - p.response_time;
  return (1.0 - p.cure_fraction) *
         (1.0 - std::exp(-h * std::pow(months / p.relapse_scale, p.relapse_shape)));
}

// Draws of the ABC parameters from their priors in `e` (the rest at their defaults).
std::vector<car_t::CarTParameters> prior_draws(const car_t::Evidence& e, int count) {
  Rng rng = make_stream(RECOVERY_STUDY_SEED, 0, StreamPurpose::parameters);
  std::vector<car_t::CarTParameters> draws(static_cast<std::size_t>(count));
  for (auto& d : draws) {
    for (const auto& a : e.assumptions) {
      if (a.parameter == "binomial_prior" || a.prior.kind == car_t::Prior::Kind::fixed) continue;
      const double value = a.prior.kind == car_t::Prior::Kind::beta
                               ? beta(a.prior.a, a.prior.b, rng)
                           : a.prior.kind == car_t::Prior::Kind::normal
                               ? a.prior.mean + a.prior.sd * standard_normal(rng)
                               : lognormal_median(a.prior.median, a.prior.sdlog, rng);
      car_t::set_parameter(d, a.parameter, value);
    }
  }
  return draws;
}

// ---------------------------------------------------------------------------------------------
// Editing (test 5).

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// point_replica_median of figure `id` in a calibration.csv.
double csv_point_median(const std::string& csv, const std::string& id) {
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("figure," + id + ",", 0) != 0) continue;
    const std::vector<std::string> fields = csv_fields(line);
    REQUIRE(fields.size() == 11);
    return std::stod(fields[5]);  // kind,id,description,role,reported,point_replica_median,...
  }
  FAIL("calibration.csv has no row for " << id);
  return 0.0;
}

}  // namespace

// 1, 3, 4. The seed fit: one TEST_CASE, so that ctest (one process per TEST_CASE) fits once.
TEST_CASE("the seed fit", "[calibration]") {
  // 1.
  SECTION("every reported figure lies inside its 95 % predictive interval") {
    const SeedFit& fit = seed_fit();
    REQUIRE(fit.model.draws.size() == 1000);
    // One row per figure plus the median follow-up (a conduct check).
    REQUIRE(fit.figures.size() == seed_evidence().figures.size() + 1);
    for (const auto& row : fit.figures) {
      INFO(row.id << ": reported " << row.reported << ", interval [" << row.predictive_lower << ", "
                  << row.predictive_upper << "]");
      CHECK(row.replicas > 0);
      CHECK(row.predictive_lower <= row.reported);
      CHECK(row.reported <= row.predictive_upper);
      CHECK(row.inside);
    }
  }

  SECTION("the point replicas reproduce the conjugate headline figures within 0.02") {
    // 0.02 absolute is the acceptance criterion; it is at most a third of the sampling SD of
    // these figures at n = 31 (0.066 for the ORR), so the point reproduces them far more closely
    // than the study measured them. It leaves room for:
    //  * Monte Carlo error of a median of 2000 replicas, 1.25 sd / sqrt(2000) <= 0.004 (sd <= 0.14,
    //    the ORR among 11 EMD patients);
    //  * the lattice of a replica's ratio (k / members, members varying between replicas) and the
    //    conjugate point being the Jeffreys posterior median, not the MLE k/n (e.g. about 0.721 for
    //    8 of 11; observed replica median 0.7273).
    const SeedFit& fit = seed_fit();
    for (const char* id : {"orr", "mrd_negativity", "orr_extramedullary", "crs_any", "icans_any"}) {
      const auto& row = figure_row(fit, id);
      INFO(id << ": reported " << row.reported << ", point replica median " << row.point_median);
      CHECK(std::abs(row.point_median - row.reported) <= 0.02);
    }
  }

  SECTION("the point's survival replicas sit at the centre of the posterior predictive") {
    // The point is a summary of the posterior (issue 14), not a fit to the reported landmarks:
    // its replicas of the headline Kaplan–Meier landmarks centre where the posterior predictive
    // does (the reported values lie inside the predictive intervals: the first section). The
    // predictive is a mixture over draws, so its median need not equal the point's replica
    // median exactly; 10 % of the 95 % predictive width (about a quarter of a predictive SD)
    // bounds the difference for the values the point is chosen by (observed: os_12m 0.007,
    // rfs_12m 0.007 of widths about 0.5).
    // DOR is not among the values the point is chosen by (true OS and RFS at 12 and 24 months),
    // so it is allowed 15 % (observed: 0.020 of 0.509; 0.054 with an earlier choice of the
    // point's draw).
    const SeedFit& fit = seed_fit();
    for (const auto& [id, share] :
         {std::pair{"os_12m", 0.1}, std::pair{"rfs_12m", 0.1}, std::pair{"dor_12m", 0.15}}) {
      const auto& row = figure_row(fit, id);
      const double width = row.predictive_upper - row.predictive_lower;
      INFO(id << ": reported " << row.reported << ", point replica median " << row.point_median
              << ", predictive median " << row.predictive_median << ", 95 % width " << width);
      CHECK(std::abs(row.point_median - row.predictive_median) <= share * width);
    }
  }

  SECTION("the committed fitted model is what trialsim fit produces") {
    // configs/fitted/inati-cel-post-hsct.yaml and its calibration report are generated, not
    // edited: a fresh fit with the default settings must reproduce them (apart from the evidence
    // path as typed): the same text, every number to a relative 1e-12 (numeric_text_difference:
    // last bits may differ across CPUs). (The fitted file holds exactly the in-process fit:
    // test 5.)
    const SeedFit& fit = seed_fit();
    CHECK(fit.report_path.parent_path() == fit.directory);
    CHECK(fit.report_path.string().ends_with("calibration.csv"));
    const std::string fresh = without_evidence_line(fit.fitted_yaml);
    const std::string committed =
        without_evidence_line(read_text(source_path("configs/fitted/inati-cel-post-hsct.yaml")));
    REQUIRE(fresh.size() > 10000);
    REQUIRE(numeric_text_difference(fresh, committed) == "");
    REQUIRE(numeric_text_difference(
                fit.calibration, read_text(source_path(
                                     "configs/fitted/inati-cel-post-hsct.calibration.csv"))) == "");
  }

  // 3. Honest uncertainty.
  SECTION("the spread of the fitted ORR is that of 26 responders of 31") {
    // References for the SD of the overall response probability:
    //  * binomial SD of the observed ORR, sqrt(p (1 - p) / n), p = 26/31, n = 31: 0.06606;
    //  * Jeffreys posterior Beta(26.5, 5.5), sqrt(a b / ((a + b)^2 (a + b + 1))): 0.06568;
    //  * the model's own conjugate posterior before the ABC selection: the ORR mixes response in
    //    non-EMD patients, Beta(18.5, 2.5), and in EMD patients, Beta(8.5, 3.5), by the EMD
    //    prevalence Beta(11.5, 20.5), all independent: mean 0.8189, SD 0.06607 (exact moments).
    // The SD of 1000 draws has a relative Monte Carlo error of sqrt(1 / (2 x 1000)) = 2.2 %, so
    // 25 % admits any honest posterior and flags one too narrow or too wide by a quarter.
    // (Observed since issue 14: SD 0.0662, mean 0.8189. Before it, 0.0556 and 0.844: the ABC kept
    // draws whose replicas matched the survival figures, and a replica's survival depended on its
    // own number of responders, so the response data counted twice. The tighter acceptance
    // checks of issue 14 are in test_posterior_honesty.cpp.)
    const double p = 26.0 / 31.0;
    const double binomial_sd = std::sqrt(p * (1.0 - p) / 31.0);
    const double a = 26.5, b = 5.5;
    const double beta_sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
    REQUIRE(binomial_sd == Approx(0.06606).margin(5e-5));
    REQUIRE(beta_sd == Approx(0.06568).margin(5e-5));
    // Moments of X = e R_emd + (1 - e) R_non for independent Betas (E[Y^2] = var + mean^2).
    struct Moments {
      double m1, m2;
    };
    const auto beta_moments = [](double alpha, double beta) {
      const double mean = alpha / (alpha + beta);
      return Moments{mean, alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1.0)) +
                               mean * mean};
    };
    const Moments e = beta_moments(11.5, 20.5), r_emd = beta_moments(8.5, 3.5),
                  r_non = beta_moments(18.5, 2.5);
    const double mixture_mean = e.m1 * r_emd.m1 + (1.0 - e.m1) * r_non.m1;
    const double mixture_m2 = e.m2 * r_emd.m2 + 2.0 * (e.m1 - e.m2) * r_emd.m1 * r_non.m1 +
                              (1.0 - 2.0 * e.m1 + e.m2) * r_non.m2;
    const double mixture_sd = std::sqrt(mixture_m2 - mixture_mean * mixture_mean);
    REQUIRE(mixture_mean == Approx(0.8189).margin(5e-5));
    REQUIRE(mixture_sd == Approx(0.06607).margin(5e-5));

    const SeedFit& fit = seed_fit();
    MomentAccumulator orr;
    for (const auto& draw : fit.model.draws) orr.add(car_t::population_response_probability(draw));
    const double sd = std::sqrt(orr.variance());
    INFO("fitted ORR: SD " << sd << ", mean " << orr.mean() << "; binomial SD " << binomial_sd
                           << ", Beta SD " << beta_sd << ", conjugate mixture SD " << mixture_sd
                           << " (mean " << mixture_mean << ")");
    CHECK(std::abs(sd - binomial_sd) <= 0.25 * binomial_sd);
    CHECK(std::abs(sd - beta_sd) <= 0.25 * beta_sd);
    CHECK(std::abs(sd - mixture_sd) <= 0.25 * mixture_sd);
    // Its centre within half a posterior SD of the conjugate mixture's: a 95 % interval shifted
    // by 0.5 SD still covers 92 % (observed shift 0.025 = 0.38 SD; Monte Carlo SE 0.002).
    CHECK(std::abs(orr.mean() - mixture_mean) <= 0.5 * mixture_sd);
  }

  // 4. Maintenance.
  SECTION("the fitted model covers the reported RFS with and without maintenance") {
    const SeedFit& fit = seed_fit();
    const auto& with = figure_row(fit, "rfs_12m_maintenance");
    const auto& without = figure_row(fit, "rfs_12m_no_maintenance");
    REQUIRE(with.reported == 0.916);
    REQUIRE(without.reported == 0.554);
    INFO("with maintenance [" << with.predictive_lower << ", " << with.predictive_upper
                              << "], without [" << without.predictive_lower << ", "
                              << without.predictive_upper << "]");
    CHECK(with.predictive_lower <= 0.916);
    CHECK(0.916 <= with.predictive_upper);
    CHECK(without.predictive_lower <= 0.554);
    CHECK(0.554 <= without.predictive_upper);
    // The maintenance effect is the evidence's stated assumption (prior median 0.8, sdlog 0.4),
    // not read from this observational comparison (`not_fitted_to`): its posterior median stays
    // within 20 % of the prior's (Monte Carlo SE of the median of 1000 draws about 1.25 x 0.4 x
    // 0.8 / sqrt(1000) = 0.013; the overall figures inform it a little). The old fit, which
    // fitted the comparison, had a posterior median of 0.35 and a point of 0.26.
    std::vector<double> hazard_ratios;
    for (const auto& draw : fit.model.draws) hazard_ratios.push_back(draw.maintenance_hazard_ratio);
    std::nth_element(hazard_ratios.begin(), hazard_ratios.begin() + 500, hazard_ratios.end());
    INFO("posterior median of the maintenance hazard ratio " << hazard_ratios[500]);
    CHECK(std::abs(hazard_ratios[500] / 0.8 - 1.0) <= 0.2);
  }
}

// 2. Recovery of known parameters.
TEST_CASE("the fit recovers known parameters from a large simulated study", "[calibration]") {
  const car_t::CarTParameters truth = recovery_truth();
  const car_t::Evidence study = summarise_large_study(truth);
  car_t::FitSettings settings;
  settings.threads = 2;
  // 1200-patient replicas cost ~1 ms each: 4096 pilot + 20 000 ABC + 201 x 20 search replicas
  // keep the fit near 15 s on 2 cores.
  settings.abc_draws = 20000;
  settings.accepted = 200;
  settings.point_truth_patients = 2000;
  settings.point_replicas = 100;
  const car_t::FitResult fit = car_t::fit_car_t_model(study, settings);
  REQUIRE(fit.draws.size() == 200);

  {  // Conjugate proportions within 4 binomial standard errors of the truth.
    // The conjugate point is the Jeffreys posterior median of the study's own count, within
    // about 1/(6n) of the MLE k/n (median of Beta(k + 1/2, n - k + 1/2) ~ (k + 1/6) / (n + 1/3)),
    // so its error is the study's sampling error, SE = sqrt(p (1 - p) / n) at the true p and the
    // study's denominator n. With 23 proportions, 4 SE bounds the family: P(any |z| > 4) ~ 23 x
    // 6e-5 = 0.1 %, where 3 SE would give 6 %. (Observed: largest |z| 1.9, response in non-EMD
    // patients.)
    const auto count_of = [&](const char* id) { return *study.find(id)->count; };
    const auto denominator_of = [&](const char* id) { return *study.find(id)->denominator; };
    const auto value_of = [&](const char* id) { return study.find(id)->value; };
    const auto baseline_count = [&](const char* id) { return *study.find_baseline(id)->count; };
    const double n_all = RECOVERY_PATIENTS;
    const double n_emd = denominator_of("orr_extramedullary");
    const double responders = count_of("orr");
    const double maintained = value_of("maintenance_tki") + value_of("maintenance_chemotherapy") +
                              value_of("maintenance_inotuzumab");
    struct Check {
      const char* what;
      double estimate, truth, n;
    };
    const car_t::CarTParameters& point = fit.point;
    const std::vector<Check> checks = {
        {"response, non-EMD", car_t::response_probability(point, false),
         car_t::response_probability(truth, false), n_all - n_emd},
        {"response, EMD", car_t::response_probability(point, true),
         car_t::response_probability(truth, true), n_emd},
        {"p_mrd_negative", point.p_mrd_negative, truth.p_mrd_negative, responders},
        {"p_maintenance", point.p_maintenance, truth.p_maintenance, responders},
        {"maintenance share TKI", point.maintenance_shares[0], truth.maintenance_shares[0],
         maintained},
        {"maintenance share chemotherapy", point.maintenance_shares[1], truth.maintenance_shares[1],
         maintained},
        {"maintenance share inotuzumab", point.maintenance_shares[2], truth.maintenance_shares[2],
         maintained},
        {"p_cd19_negative_relapse", point.p_cd19_negative_relapse, truth.p_cd19_negative_relapse,
         value_of("relapses")},
        {"p_infection_given_nonrelapse_death", point.p_infection_given_nonrelapse_death,
         truth.p_infection_given_nonrelapse_death,
         value_of("deaths_infection") + value_of("deaths_unknown")},
        {"p_crs_any", point.p_crs_any, truth.p_crs_any, n_all},
        {"p_crs_grade3plus_non_emd", point.p_crs_grade3plus_non_emd, truth.p_crs_grade3plus_non_emd,
         n_all - n_emd},
        {"p_crs_grade3plus_emd", point.p_crs_grade3plus_emd, truth.p_crs_grade3plus_emd, n_emd},
        {"p_icans_non_emd", point.p_icans_non_emd, truth.p_icans_non_emd, n_all - n_emd},
        {"p_icans_emd", point.p_icans_emd, truth.p_icans_emd, n_emd},
        {"q_icans_grade3plus", point.q_icans_grade3plus, truth.q_icans_grade3plus,
         static_cast<double>(count_of("icans_any"))},
        {"p_extramedullary", point.p_extramedullary, truth.p_extramedullary, n_all},
        {"p_cns_given_extramedullary", point.p_cns_given_extramedullary,
         truth.p_cns_given_extramedullary,
         static_cast<double>(baseline_count("extramedullary_disease"))},
        {"p_ph_positive", point.p_ph_positive, truth.p_ph_positive, n_all},
        {"p_tp53", point.p_tp53, truth.p_tp53, n_all},
        {"p_kmt2a", point.p_kmt2a, truth.p_kmt2a, n_all},
        {"p_ikzf1", point.p_ikzf1, truth.p_ikzf1, n_all},  // the copula keeps the marginal
        {"p_prior_blinatumomab", point.p_prior_blinatumomab, truth.p_prior_blinatumomab, n_all},
        {"p_prior_inotuzumab", point.p_prior_inotuzumab, truth.p_prior_inotuzumab, n_all},
    };
    for (const Check& c : checks) {
      const double se = std::sqrt(c.truth * (1.0 - c.truth) / c.n);
      INFO(c.what << ": estimate " << c.estimate << ", truth " << c.truth << ", n " << c.n
                  << ", SE " << se << ", z " << (c.estimate - c.truth) / se);
      CHECK(std::abs(c.estimate - c.truth) <= 4.0 * se);
    }
  }

  {  // ABC parameters within 3 posterior SDs of the truth; identifiable functions where not.
    // Tolerance: if the ABC posterior were calibrated, the truth would be a draw from it; the
    // point's time-to-event parameters are those of the accepted draw nearest the posterior
    // medians of the true 12- and 24-month OS and RFS, itself within the bulk of the posterior. 3
    // SDs of the accepted draws bounds |point - truth| for a roughly normal posterior with the
    // point near its centre (99.7 % for the truth alone).
    //
    // Identifiability (observed posterior SD / prior SD at these settings; 10x the ABC draws
    // changes the ratios by at most 0.18):
    //   maintenance_hazard_ratio 0.32 -> identified; nonrelapse_mortality_rate 0.23 before its
    //   Weibull shape (issue 14), now traded off against the shape (0.84; shape 1.0): tested
    //   instead, the implied probability of death in remission by 12 months;
    //   relapse_scale 0.38 (only the long prior tail is cut), relapse_shape 0.95, cure_fraction
    //   0.72 -> NOT identified one by one: with one KM landmark (12 months) and relapse counts
    //   by a cut at <= 17 months, a larger cure fraction trades off against a shorter relapse
    //   latency and a different shape (with 10x the draws the point's relapse_shape lands 2.7
    //   SDs from the truth: it goes wherever the point search lands). Tested instead: the implied
    //   probability of relapse by 12 months, without and with maintenance (ratios 0.24 and 0.21).
    //   death_after_relapse_rate 0.87, death_after_nonresponse_rate 1.00 -> only weakly
    //   identified by these figures under rejection ABC: the disease-death count mixes the two
    //   rates, and the KM landmarks move little with them; for these two the 3-SD check is
    //   nearly what the prior alone would pass (no function of them tried had a ratio < 0.58).
    const std::vector<car_t::CarTParameters> prior = prior_draws(study, 20000);
    const auto check_recovered = [&](const std::string& what,
                                     const std::function<double(const car_t::CarTParameters&)>& f,
                                     double max_sd_ratio) {
      const double posterior_sd = sd_over(fit.draws, f);
      const double prior_sd = sd_over(prior, f);
      INFO(what << ": truth " << f(truth) << ", point " << f(fit.point) << ", posterior SD "
                << posterior_sd << ", prior SD " << prior_sd << ", z "
                << (f(fit.point) - f(truth)) / posterior_sd);
      CHECK(std::abs(f(fit.point) - f(truth)) <= 3.0 * posterior_sd);
      CHECK(posterior_sd <= max_sd_ratio * prior_sd);
    };
    // Every ABC parameter, as the acceptance criterion asks. Sharpness: only that the ABC does
    // not widen the prior, 1.15 = 1 + 3 x the relative Monte Carlo error of an SD of 200 draws,
    // 1 / sqrt(2 x 200) = 5 % (observed up to 1.00, death_after_nonresponse_rate).
    for (const auto& a : study.assumptions) {
      if (a.parameter == "binomial_prior" || a.prior.kind == car_t::Prior::Kind::fixed) continue;
      CHECK(summary_of(fit, a.parameter).source.rfind("ABC", 0) == 0);
      check_recovered(
          a.parameter,
          [&](const car_t::CarTParameters& p) { return car_t::get_parameter(p, a.parameter); },
          1.15);
    }
    // Identified parameters and functions: the data, not the prior, must also have narrowed
    // them, to at most 0.45 of the prior SD (observed 0.21-0.32; a posterior not sharper than
    // that would make the 3-SD check nearly vacuous).
    // Non-relapse mortality since its Weibull shape (issue 14): rate and shape trade off (the
    // figures see deaths in remission over about a year), so the identified quantity is the
    // probability of death in remission within 11 months of response (12 from infusion) without
    // maintenance, ignoring relapse: 1 - exp(-mu_NRM 11^k_NRM). It is narrowed less than the
    // others (observed 0.51 of the prior SD: deaths in remission are rare, a few dozen of 1200,
    // and compete with relapse), so its bound is 0.6 — still well below the prior's spread.
    check_recovered(
        "P(death in remission by 12 months | responder, no maintenance, no relapse)",
        [](const car_t::CarTParameters& p) {
          return 1.0 - std::exp(-p.nonrelapse_mortality_rate *
                                std::pow(12.0 - p.response_time, p.nonrelapse_mortality_shape));
        },
        0.6);
    // The maintenance hazard ratio shares the relapse hazard with the EMD hazard ratio (issue 14:
    // EMD may act on relapse; a maintained responder with EMD relapses at HR_maint x HR_EMD), so
    // it is narrowed a little less than before that parameter (observed 0.32 -> 0.50 of its
    // prior SD); 0.6 still asks the data to have cut its spread well below the prior's.
    check_recovered(
        "maintenance_hazard_ratio",
        [](const car_t::CarTParameters& p) { return p.maintenance_hazard_ratio; }, 0.6);
    check_recovered(
        "P(relapse by 12 months | responder, no maintenance)",
        [](const car_t::CarTParameters& p) { return relapse_by_12_months(p, 1.0); }, 0.45);
    check_recovered(
        "P(relapse by 12 months | responder, maintenance)",
        [](const car_t::CarTParameters& p) {
          return relapse_by_12_months(p, p.maintenance_hazard_ratio);
        },
        0.45);
  }
}

// 5. Editing the evidence.
TEST_CASE("editing a number in the evidence changes the fit in the expected direction",
          "[calibration]") {
  // Three fits with identical settings (so identical streams): the seed evidence, the ORR edited
  // from 26 to 20 of 31, and the ORR and the 12-month OS (0.645 -> 0.45) edited. The middle one
  // separates what the OS edit does to the time-to-event parameters from what fewer responders
  // do by themselves.
  car_t::FitSettings settings;
  settings.threads = 2;
  settings.abc_draws = 50000;
  settings.accepted = 250;
  settings.point_truth_patients = 5000;
  settings.point_replicas = 1000;
  const car_t::Evidence original = seed_evidence();
  car_t::Evidence orr_edited = original;
  car_t::Figure& orr = figure_of(orr_edited, "orr");
  orr.count = 20;
  orr.value = 0.645;  // 20/31
  car_t::Evidence both_edited = orr_edited;
  figure_of(both_edited, "os_12m").value = 0.45;
  const car_t::FitResult before = car_t::fit_car_t_model(original, settings);
  const car_t::FitResult orr_only = car_t::fit_car_t_model(orr_edited, settings);
  const car_t::FitResult after = car_t::fit_car_t_model(both_edited, settings);

  // Response: non-EMD responders 18 of 20 -> 12 of 20 (EMD unchanged at 8 of 11), so the
  // intercept (the logit of the Jeffreys posterior median, no Monte Carlo) falls from
  // logit(median Beta(18.5, 2.5)) to logit(median Beta(12.5, 8.5)), and the EMD log-odds ratio
  // (relative to the intercept) rises by the same amount.
  const double median_before = boost::math::ibeta_inv(18.5, 2.5, 0.5);
  const double median_after = boost::math::ibeta_inv(12.5, 8.5, 0.5);
  CHECK(before.point.response_logit_intercept == Approx(logit(median_before)).epsilon(1e-12));
  CHECK(after.point.response_logit_intercept == Approx(logit(median_after)).epsilon(1e-12));
  CHECK(after.point.response_logit_emd ==
        Approx(before.point.response_logit_emd + (logit(median_before) - logit(median_after)))
            .epsilon(1e-12));
  // The ORR point replicas follow: their median lies within one lattice step 1/31 of 20/31.
  CHECK(std::abs(row_of(after, "orr").point_median - 20.0 / 31.0) <= 1.0 / 31.0);

  // Survival. Tolerance for "lower": the point replicas' os_12m median has a Monte Carlo SE of
  // about 1.25 x 0.12 / sqrt(1000) = 0.005 (0.12: SD of a 12-month KM at n = 31), so a
  // difference of two has SE 0.007; a fall of more than 0.02 (3 SEs) is a real move.
  // How far it falls is not the edit's 0.195: os_12m is one of 10 ABC targets, a KM landmark at
  // n = 31 with only 6-10 patients still at risk (replica SD 0.12), and the unchanged counts (5
  // deaths by the cut) contradict 0.45; the posterior moves only part of the way (observed:
  // 0.717 -> 0.628 overall, of which 0.072 from the fewer responders of the ORR edit).
  const double os_before = row_of(before, "os_12m").point_median;
  const double os_orr_only = row_of(orr_only, "os_12m").point_median;
  const double os_after = row_of(after, "os_12m").point_median;
  const auto& p0 = orr_only.point;
  const auto& p1 = after.point;
  INFO("os_12m point replica median: seed "
       << os_before << ", ORR edited " << os_orr_only << ", ORR and OS edited " << os_after
       << "; point (ORR edited -> both): cure_fraction " << p0.cure_fraction << " -> "
       << p1.cure_fraction << ", death_after_relapse_rate " << p0.death_after_relapse_rate << " -> "
       << p1.death_after_relapse_rate << ", death_after_nonresponse_rate "
       << p0.death_after_nonresponse_rate << " -> " << p1.death_after_nonresponse_rate
       << ", nonrelapse_mortality_rate " << p0.nonrelapse_mortality_rate << " -> "
       << p1.nonrelapse_mortality_rate);
  CHECK(os_after < os_before - 0.02);
  // The OS edit itself (same conjugate posterior, ORR edited in both) lowers the posterior's
  // 12-month OS: the median over the draws of their true 12-month OS (point_checks, 5000
  // patients per draw; both fits accept from the same prior draws, so the difference is the
  // edit's). Tolerance: the median of 250 draws of a value with posterior SD about 0.07 has a
  // Monte Carlo SE of 1.25 x 0.07 / sqrt(250) = 0.0055, a difference of two at most 0.008 (less:
  // the accepted sets overlap); a fall of 0.02 is 2.5 such SEs. The point's own replica median is
  // not used here: the point is the posterior's centre, not a fit to the edited figure, and it
  // moves about as far as the posterior (observed in the INFO).
  REQUIRE(orr_only.point_checks.size() == 5);
  REQUIRE(after.point_checks[0].name == "os_12m_true");
  const double posterior_os_orr_only = orr_only.point_checks[0].draws_median;
  const double posterior_os_after = after.point_checks[0].draws_median;
  INFO("posterior median of the true 12-month OS: ORR edited "
       << posterior_os_orr_only << ", ORR and OS edited " << posterior_os_after);
  CHECK(posterior_os_after < posterior_os_orr_only - 0.02);
  // ...so the time-to-event point must have moved towards more death or fewer cures in some
  // parameter.
  CHECK((p1.cure_fraction < p0.cure_fraction ||
         p1.death_after_relapse_rate > p0.death_after_relapse_rate ||
         p1.death_after_nonresponse_rate > p0.death_after_nonresponse_rate ||
         p1.nonrelapse_mortality_rate > p0.nonrelapse_mortality_rate));
}

TEST_CASE(
    "trialsim fit writes the in-process fit, and an edited evidence file changes its calibration "
    "report",
    "[calibration]") {
  TempDir dir("calibration-edit");
  const std::string text = read_text(source_path(SEED_EVIDENCE));
  const std::string line =
      "value: 0.839, count: 26, denominator: 31, derived: \"83.9 % of 31 = 26.0\"";
  const std::string edited_line =
      "value: 0.645, count: 20, denominator: 31, derived: \"64.5 % of 31 = 20.0\"";
  {
    std::ofstream(dir / "original.yaml") << text;
    std::ofstream(dir / "edited.yaml") << replace_once(text, line, edited_line);
  }
  const std::vector<std::string> reduced = {
      "--draws", "20000", "--accepted", "100", "--point-replicas", "400", "-t", "2", "-q"};
  // Runs the binary on NAME.yaml; returns the calibration report's path.
  const auto fit = [&](const std::string& name) {
    std::filesystem::create_directories(dir / name);
    std::vector<std::string> arguments = {"fit", (dir / (name + ".yaml")).string(), "-o",
                                          (dir / name / "fitted.yaml").string()};
    arguments.insert(arguments.end(), reduced.begin(), reduced.end());
    const auto result = run_trialsim(arguments, dir);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return printed_path(result.out, "calibration");
  };
  const std::filesystem::path original_report = fit("original");
  const double before = csv_point_median(read_text(original_report), "orr");
  const double after = csv_point_median(read_text(fit("edited")), "orr");
  INFO("orr point replica median " << before << " -> " << after);
  // The conjugate point is the Jeffreys posterior median, within about 1/(6 x 31) of k/31, so
  // each ORR replica median sits within one lattice step (1/31) of k/31.
  CHECK(std::abs(before - 26.0 / 31.0) <= 1.0 / 31.0);
  CHECK(std::abs(after - 20.0 / 31.0) <= 1.0 / 31.0);
  CHECK(after < before);

  // The binary's files hold exactly the in-process fit at the same settings, here on one thread
  // where the binary used two (results do not depend on the thread count; format_number writes
  // the shortest text that round-trips a double): every parameter of the point and of every
  // draw, and every figure row of the report.
  car_t::FitSettings settings;
  settings.abc_draws = 20000;
  settings.accepted = 100;
  settings.point_replicas = 400;
  settings.threads = 1;
  const car_t::FitResult in_process = car_t::fit_car_t_model(seed_evidence(), settings);
  const FittedModel model = load_fitted_model(dir / "original" / "fitted.yaml");
  REQUIRE(model.draws.size() == 100);
  REQUIRE(model.draws.size() == in_process.draws.size());
  for (const auto& p : car_t::parameter_table()) {
    INFO(p.name);
    CHECK(model.point.*p.member == in_process.point.*p.member);
    for (std::size_t d = 0; d < model.draws.size(); ++d) {
      INFO("draw " << d);
      REQUIRE(model.draws[d].*p.member == in_process.draws[d].*p.member);
    }
  }
  const std::vector<CsvFigure> figures = csv_figures(read_text(original_report));
  REQUIRE(figures.size() == in_process.figures.size());
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const CsvFigure& written = figures[i];
    const car_t::CalibrationRow& row = in_process.figures[i];
    INFO(row.figure_id);
    CHECK(written.id == row.figure_id);
    CHECK(written.reported == row.reported);
    CHECK(written.point_median == row.point_median);
    CHECK(written.predictive_lower == row.predictive_lower);
    CHECK(written.predictive_upper == row.predictive_upper);
    CHECK(written.inside == row.inside);
    CHECK(written.replicas == row.replicas);
  }
}

// Regression for a defect found while writing these tests: the evidence reader left `value` at 0
// for median_not_reached figures while evaluate_figure scores 1 for "not reached", so the
// calibration row compared 0 with replicas of 1.
TEST_CASE("median-not-reached figures are reported as not reached", "[calibration]") {
  for (const auto& f : seed_evidence().figures) {
    if (f.statistic != car_t::Statistic::median_not_reached) continue;
    INFO(f.id);
    CHECK(f.value == 1.0);
  }
}
