// Scenarios in clinical terms (issue 15, item 4; designs/clinical_targets.h,
// docs/clinical-scenarios.md): each solver on its own (exact where the maths gives it), the
// located errors of unreachable or contradictory targets, the solve at read time (echoed, with the
// assurance draws re-solved), and the acceptance: a scenario `orr: 0.70` has a true ORR of 0.70 in
// summary.json under the committed fitted model and under a hand-made one whose EMD effect is
// very different.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "config/config_error.h"
#include "config/config_reader.h"
#include "designs/car_t_model.h"
#include "designs/clinical_targets.h"
#include "edges/config/design_services.h"
#include "models/car_t/patient_model.h"
#include "support.h"

using namespace trialsim;
using namespace trialsim::testing;

namespace {

const std::string FITTED = source_path("configs/fitted/inati-cel-post-hsct.yaml").string();

double logit(double q) { return std::log(q / (1.0 - q)); }

// Parameters with EMD in half the patients and an EMD log-odds ratio of -50: whatever the
// intercept in [-50, 50], EMD patients respond with probability at most logistic(0) = 1/2, so
// the population ORR cannot pass 1/2 x 1/2 + 1/2 x logistic(50) = 0.75.
car_t::CarTParameters emd_blocks_response() {
  car_t::CarTParameters p;
  p.p_extramedullary = 0.5;
  p.response_logit_emd = -50.0;
  return p;
}

// The TargetError a call throws ("" when none).
template <class Call>
std::string target_error(Call call) {
  try {
    call();
  } catch (const TargetError& e) {
    return e.what();
  }
  return "";
}

// The committed fitted file with its point's EMD log-odds ratio and EMD prevalence replaced:
// a second, very different fitted model (EMD helping response instead of hurting it).
std::string hand_made_fitted(const TempDir& dir) {
  std::string text = read_text(FITTED);
  text = std::regex_replace(text, std::regex("\n  response_logit_emd: [^ ]+"),
                            "\n  response_logit_emd: 2.5", std::regex_constants::format_first_only);
  text = std::regex_replace(text, std::regex("\n  p_extramedullary: [^ ]+"),
                            "\n  p_extramedullary: 0.7", std::regex_constants::format_first_only);
  const auto path = dir / "hand-made.fitted.yaml";
  std::ofstream(path) << text;
  return path.string();
}

std::string single_arm_config(const std::string& fitted, const std::string& uncertainty,
                              const std::string& scenarios) {
  return "schema_version: 1\nname: clinical\nsimulation: {replicates: 40, seed: 3}\n"
         "design:\n  type: single_arm_car_t\n  sample_size: 20\n"
         "  accrual: {type: uniform, duration: 6}\n"
         "  analysis: {trigger: after_last_enrolment, follow_up: 6}\n"
         "  null_response_rate: 0.5\n  landmarks: [6]\n"
         "model:\n  fitted: " +
         fitted + "\n  uncertainty: " + uncertainty + "\nscenarios:\n" + scenarios;
}

std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// read_fitted_scenarios on config text, as a design reads it.
FittedScenarios read_text_scenarios(const TempDir& dir, const std::string& text) {
  const auto path = dir / "c.yaml";
  std::ofstream(path) << text;
  ConfigDocument document = ConfigDocument::load_file(path.string());
  MappingReader root(document, document.root(), "", "", nullptr);
  const DesignContext context{path, {}, &design_services()};
  return read_fitted_scenarios(root, context, true);
}

// The ConfigError text of validating `text` through the binary (exit code 2 checked).
std::string validate_error(const TempDir& dir, const std::string& text) {
  std::ofstream(dir / "bad.yaml") << text;
  const CommandResult result = run_trialsim({"validate", (dir / "bad.yaml").string()}, dir);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 2);
  return result.err;
}

}  // namespace

TEST_CASE("orr: the intercept solve reaches the population ORR to 1e-12, EMD effect kept",
          "[clinical_targets]") {
  car_t::CarTParameters p;  // the seed defaults: EMD 0.355, log-odds ratio -1.216
  for (const double orr : {0.05, 0.6, 0.7, 0.8, 0.97}) {
    car_t::CarTParameters q = p;
    q.response_logit_intercept = solve_response_intercept(p, orr);
    CHECK(std::abs(car_t::population_response_probability(q) - orr) <= 1e-12);
    CHECK(q.response_logit_emd == p.response_logit_emd);
  }
  // No EMD effect: the population ORR is logistic(intercept), so the intercept is logit(orr).
  p.response_logit_emd = 0.0;
  CHECK(solve_response_intercept(p, 0.7) == Approx(logit(0.7)).margin(1e-12));
  // All patients with EMD: logistic(intercept + b) = orr exactly.
  p.p_extramedullary = 1.0;
  p.response_logit_emd = -2.0;
  CHECK(solve_response_intercept(p, 0.7) == Approx(logit(0.7) + 2.0).margin(1e-12));
}

TEST_CASE("orr: unreachable with the EMD effect kept, refused with the reachable range",
          "[clinical_targets][errors]") {
  const car_t::CarTParameters p = emd_blocks_response();
  const std::string error = target_error([&] { (void)solve_response_intercept(p, 0.99); });
  CHECK_THAT(error, Catch::Contains("orr: orr 0.99 is out of reach"));
  CHECK_THAT(error, Catch::Contains("reaches ORR in [") && Catch::Contains(", 0.75]"));
  CHECK(target_error([&] { (void)solve_response_intercept(p, 0.74); }).empty());
}

TEST_CASE("subgroup ORRs: intercept and EMD effect in closed form", "[clinical_targets]") {
  const car_t::CarTParameters base;
  const double w = base.p_extramedullary;
  SECTION("both subgroups: logits of each") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.orr_extramedullary = 0.5, t.orr_non_extramedullary = 0.9;
    SolvedTargets solved;
    solve_response_targets(p, t, solved);
    CHECK(p.response_logit_intercept == Approx(logit(0.9)).margin(1e-14));
    CHECK(p.response_logit_emd == Approx(logit(0.5) - logit(0.9)).margin(1e-14));
    CHECK(solved.true_values["orr"].get<double>() == Approx(w * 0.5 + (1 - w) * 0.9).margin(1e-14));
  }
  SECTION("orr with one subgroup: the other subgroup follows") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.orr = 0.7, t.orr_non_extramedullary = 0.8;
    SolvedTargets solved;
    solve_response_targets(p, t, solved);
    CHECK(std::abs(car_t::population_response_probability(p) - 0.7) <= 1e-14);
    CHECK(car_t::response_probability(p, false) == Approx(0.8).margin(1e-14));
    CHECK(car_t::response_probability(p, true) == Approx((0.7 - (1 - w) * 0.8) / w).margin(1e-13));
    car_t::CarTParameters q = base;
    ClinicalTargets u;
    u.orr = 0.7, u.orr_extramedullary = 0.4;
    solve_response_targets(q, u, solved);
    CHECK(std::abs(car_t::population_response_probability(q) - 0.7) <= 1e-14);
    CHECK(car_t::response_probability(q, true) == Approx(0.4).margin(1e-14));
  }
  SECTION("one subgroup alone: the EMD log-odds ratio kept") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.orr_extramedullary = 0.6;
    SolvedTargets solved;
    solve_response_targets(p, t, solved);
    CHECK(p.response_logit_emd == base.response_logit_emd);
    CHECK(car_t::response_probability(p, true) == Approx(0.6).margin(1e-14));
  }
  SECTION("contradictions and unreachable combinations are refused") {
    car_t::CarTParameters p = base;
    SolvedTargets solved;
    ClinicalTargets all;
    all.orr = 0.7, all.orr_extramedullary = 0.6, all.orr_non_extramedullary = 0.75;
    CHECK_THAT(target_error([&] { solve_response_targets(p, all, solved); }),
               Catch::Contains("at most two of orr, orr_extramedullary"));
    ClinicalTargets high;  // non-EMD 0.5 with 64.5 % non-EMD: ORR below 0.3225 + 0.355 only
    high.orr = 0.9, high.orr_non_extramedullary = 0.5;
    CHECK_THAT(target_error([&] { solve_response_targets(p, high, solved); }),
               Catch::Contains("orr: orr 0.9 with orr_non_extramedullary 0.5") &&
                   Catch::Contains("expected an orr in (0.3225, 0.6775)"));
    p.p_extramedullary = 0.0;
    ClinicalTargets emd;
    emd.orr_extramedullary = 0.5;
    CHECK_THAT(target_error([&] { solve_response_targets(p, emd, solved); }),
               Catch::Contains("no patient has EMD"));
  }
}

TEST_CASE("CRS and ICANS rates: set, or shifted on the log-odds scale with the odds ratio kept",
          "[clinical_targets]") {
  car_t::CarTParameters p;
  p.p_crs_grade3plus_emd = 0.02, p.p_crs_grade3plus_non_emd = 0.06;
  p.p_icans_emd = 0.03, p.p_icans_non_emd = 0.09;
  const double w = p.p_extramedullary;
  const auto odds_ratio = [](double a, double b) { return (a / (1 - a)) / (b / (1 - b)); };
  const double crs_odds_ratio = odds_ratio(p.p_crs_grade3plus_emd, p.p_crs_grade3plus_non_emd);
  const double icans_odds_ratio = odds_ratio(p.p_icans_emd, p.p_icans_non_emd);
  ClinicalTargets t;
  t.crs_rate = 0.6, t.crs_grade3plus_rate = 0.1, t.icans_rate = 0.2;
  SolvedTargets solved;
  solve_adverse_event_targets(p, t, solved);
  CHECK(p.p_crs_any == 0.6);
  CHECK(w * p.p_crs_grade3plus_emd + (1 - w) * p.p_crs_grade3plus_non_emd ==
        Approx(0.1).margin(1e-15));
  CHECK(odds_ratio(p.p_crs_grade3plus_emd, p.p_crs_grade3plus_non_emd) ==
        Approx(crs_odds_ratio).epsilon(1e-12));
  CHECK(car_t::population_icans_probability(p) == Approx(0.2).margin(1e-15));
  CHECK(odds_ratio(p.p_icans_emd, p.p_icans_non_emd) == Approx(icans_odds_ratio).epsilon(1e-12));
  CHECK(solved.true_values["crs_any_grade"].get<double>() == 0.6);
  CHECK(solved.true_values["icans_any_grade"].get<double>() == Approx(0.2).margin(1e-15));

  SECTION("a pair with an extreme odds ratio still reaches the target") {
    car_t::CarTParameters q;
    q.p_extramedullary = 0.17, q.p_icans_emd = 0.35, q.p_icans_non_emd = 0.0085;
    ClinicalTargets u;
    u.icans_rate = 0.2;
    solve_adverse_event_targets(q, u, solved);
    CHECK(car_t::population_icans_probability(q) == Approx(0.2).margin(1e-15));
  }
  SECTION("a zero pair is set to the target in both subgroups") {
    car_t::CarTParameters q;
    q.p_icans_emd = q.p_icans_non_emd = 0.0;
    ClinicalTargets u;
    u.icans_rate = 0.1;
    solve_adverse_event_targets(q, u, solved);
    CHECK(q.p_icans_emd == 0.1);
    CHECK(q.p_icans_non_emd == 0.1);
  }
  SECTION("any grade below grade >= 3, and a zero subgroup's share, are refused") {
    car_t::CarTParameters q;
    q.p_crs_grade3plus_non_emd = 0.05;
    ClinicalTargets low;
    low.crs_rate = 0.03;
    CHECK_THAT(target_error([&] { solve_adverse_event_targets(q, low, solved); }),
               Catch::Contains("crs_rate: the any-grade CRS rate 0.03 is below the grade >= 3 "
                               "CRS rate 0.05"));
    car_t::CarTParameters r;
    r.p_icans_emd = 0.0, r.p_icans_non_emd = 0.1;  // EMD stays at 0: at most 1 - 0.355
    ClinicalTargets high;
    high.icans_rate = 0.7;
    CHECK_THAT(target_error([&] { solve_adverse_event_targets(r, high, solved); }),
               Catch::Contains("icans_rate: 0.7 is out of reach") && Catch::Contains(", 0.645]"));
  }
}

TEST_CASE("landmark targets: a bracketed solve on common random numbers",
          "[clinical_targets][landmark]") {
  // 20 000 patients: the estimate moves in steps of 1/20000 (OS) or 1/(responders) (RFS).
  const LandmarkSolveSettings settings{7, 20000};
  const car_t::CarTParameters base;
  const double responders = car_t::population_response_probability(base) * settings.patients;
  const double rfs_step = 1.0 / responders;
  SECTION("rfs_at solves cure_fraction; the solver's estimate is within one patient step") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.rfs_at = LandmarkTarget{12.0, 0.75};
    SolvedTargets solved;
    solve_landmark_targets(p, t, settings, solved);
    CHECK(std::abs(estimated_rfs_at(p, 12.0, settings) - 0.75) <= rfs_step);
    CHECK(solved.parameters.at(0).first == "cure_fraction");
    CHECK(p.cure_fraction != base.cure_fraction);
    // The model's own value (other streams, 100 000 patients) agrees within 4 binomial SE of the
    // two estimates.
    const double independent = estimated_rfs_at(p, 12.0, {99, 100000});
    CHECK(std::abs(independent - 0.75) <= 4.0 * std::sqrt(0.75 * 0.25 / responders * 1.2));
  }
  SECTION("os_at alone solves cure_fraction; with rfs_at, death_after_relapse_rate") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.os_at = LandmarkTarget{12.0, 0.72};
    SolvedTargets solved;
    solve_landmark_targets(p, t, settings, solved);
    CHECK(solved.parameters.at(0).first == "cure_fraction");
    CHECK(std::abs(estimated_os_at(p, 12.0, settings) - 0.72) <= 1.0 / settings.patients);
    car_t::CarTParameters q = base;
    t.rfs_at = LandmarkTarget{12.0, 0.7};
    SolvedTargets both;
    solve_landmark_targets(q, t, settings, both);
    CHECK(both.parameters.at(1).first == "death_after_relapse_rate");
    CHECK(std::abs(estimated_os_at(q, 12.0, settings) - 0.72) <= 1.0 / settings.patients);
    // Survival after relapse does not move RFS: the RFS target still holds exactly.
    CHECK(std::abs(estimated_rfs_at(q, 12.0, settings) - 0.7) <= rfs_step);
  }
  SECTION("maintenance_rfs_at solves the hazard ratio (and cure_fraction from observation)") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.maintenance_rfs_at = MaintenanceRfsTarget{12.0, 0.85, std::nullopt, 0.6};
    SolvedTargets solved;
    solve_landmark_targets(p, t, settings, solved);
    const auto [observed, maintained] = estimated_maintenance_rfs_at(p, 12.0, settings);
    CHECK(std::abs(observed - 0.6) <= rfs_step);
    CHECK(std::abs(maintained - 0.85) <= rfs_step);
    CHECK(p.maintenance_hazard_ratio < 1.0);
    car_t::CarTParameters q = base;
    ClinicalTargets d;
    d.maintenance_rfs_at = MaintenanceRfsTarget{12.0, std::nullopt, 0.1, std::nullopt};
    solve_landmark_targets(q, d, settings, solved);
    const auto [o, m] = estimated_maintenance_rfs_at(q, 12.0, settings);
    CHECK(std::abs(m - o - 0.1) <= rfs_step);
    CHECK(q.cure_fraction == base.cure_fraction);
  }
  SECTION("unreachable landmarks and RFS targets that fight are refused") {
    car_t::CarTParameters p = base;
    ClinicalTargets t;
    t.os_at = LandmarkTarget{12.0, 0.99};  // non-responders die: OS < 1 whatever the cure
    SolvedTargets solved;
    CHECK_THAT(target_error([&] { solve_landmark_targets(p, t, settings, solved); }),
               Catch::Contains("os_at.value: OS at 12 months 0.99 is out of reach by "
                               "cure_fraction in [0, 1], expected a value in ["));
    ClinicalTargets both;
    both.rfs_at = LandmarkTarget{12.0, 0.7};
    both.maintenance_rfs_at = MaintenanceRfsTarget{12.0, 0.85, std::nullopt, std::nullopt};
    CHECK_THAT(target_error([&] { solve_landmark_targets(p, both, settings, solved); }),
               Catch::Contains("maintenance_rfs_at: rfs_at and maintenance_rfs_at"));
  }
}

// Issue 15 acceptance 3: the two committed fitted models (the seed, Inati-cel after transplant;
// the second publication, ZUMA-3: fitted ORR 0.71, no EMD effect) and a hand-made one.
TEST_CASE("scenario orr: 0.70 has a true ORR of 0.70 in summary.json under the fitted models",
          "[clinical_targets][cli][acceptance]") {
  TempDir dir("clinical-orr");
  const std::string second = source_path("configs/fitted/zuma-3-brexu-cel.yaml").string();
  for (const std::string& fitted : {FITTED, second, hand_made_fitted(dir)}) {
    INFO(fitted);
    const auto config = dir / "orr.yaml";
    std::ofstream(config) << single_arm_config(fitted, "point",
                                               "  - name: orr-0.70\n    orr: 0.70\n"
                                               "  - name: fitted\n");
    const auto out = dir / "out";
    const CommandResult result =
        run_trialsim({"run", config.string(), "-o", out.string(), "-q"}, dir);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const nlohmann::json summary = nlohmann::json::parse(read_text(out / "summary.json"));
    const double orr = summary["design"]["true_values"]["orr-0.70"]["orr"].get<double>();
    CHECK(std::abs(orr - 0.70) <= 1e-9);
    const nlohmann::json& echo = summary["config"]["scenarios"][0];
    CHECK(echo["orr"].get<double>() == 0.70);
    CHECK(std::abs(echo["solved"]["true_values"]["orr"].get<double>() - 0.70) <= 1e-12);
    CHECK(echo["solved"]["parameters"].contains("response_logit_intercept"));
    CHECK_FALSE(summary["config"]["scenarios"][1].contains("solved"));  // no target: as before
  }
}

TEST_CASE(
    "assurance draws are re-solved to the scenario's ORR; landmark values kept from the point",
    "[clinical_targets][assurance]") {
  TempDir dir("clinical-assurance");
  const FittedScenarios fitted = read_text_scenarios(
      dir, single_arm_config(FITTED, "posterior",
                             "  - name: orr-0.70\n    orr: 0.70\n"
                             "  - name: cured\n    rfs_at: {time: 12, value: 0.8}\n"
                             "  - name: fitted\n"));
  REQUIRE(fitted.assurance_draws.size() == 3);
  REQUIRE(fitted.assurance_draws[0].size() == fitted.posterior_draws.size());
  for (std::size_t j = 0; j < fitted.posterior_draws.size(); ++j) {
    const car_t::CarTParameters& draw = fitted.assurance_draws[0][j];
    REQUIRE(std::abs(car_t::population_response_probability(draw) - 0.70) <= 1e-12);
    REQUIRE(draw.response_logit_emd == fitted.posterior_draws[j].response_logit_emd);
    REQUIRE(draw.cure_fraction == fitted.posterior_draws[j].cure_fraction);
    REQUIRE(fitted.assurance_draws[1][j].cure_fraction ==
            fitted.scenarios[1].parameters.cure_fraction);
    REQUIRE(fitted.assurance_draws[2][j].response_logit_intercept ==
            fitted.posterior_draws[j].response_logit_intercept);
  }
  // The overrides a design re-applies to a draw carry the point's solution.
  CHECK(fitted.scenario_overrides[0].second.at(0).first == "response_logit_intercept");
  CHECK(fitted.scenario_overrides[0].second.at(0).second ==
        fitted.scenarios[0].parameters.response_logit_intercept);
}

TEST_CASE("targets_on_draws: shift moves every draw by the point's solve, spread kept",
          "[clinical_targets][assurance]") {
  TempDir dir("clinical-shift");
  const std::string text = single_arm_config(FITTED, "posterior",
                                             "  - name: orr-0.60\n    orr: 0.60\n"
                                             "    icans_rate: 0.1\n");
  const FittedScenarios fitted =
      read_text_scenarios(dir, replace_first(text, "  uncertainty: posterior\n",
                                             "  uncertainty: posterior\n"
                                             "  targets_on_draws: shift\n"));
  const car_t::CarTParameters& point = fitted.scenarios[0].parameters;
  REQUIRE(std::abs(car_t::population_response_probability(point) - 0.60) <= 1e-12);
  const SolvedTargets& solved = fitted.scenario_solved[0];
  const double shift = point.response_logit_intercept - solved.previous.at(0);
  const auto logit_of = [](double q) { return std::log(q / (1 - q)); };
  double mean_orr = 0.0;
  for (std::size_t j = 0; j < fitted.posterior_draws.size(); ++j) {
    const car_t::CarTParameters& draw = fitted.assurance_draws[0][j];
    const car_t::CarTParameters& original = fitted.posterior_draws[j];
    REQUIRE(draw.response_logit_intercept ==
            Approx(original.response_logit_intercept + shift).margin(1e-12));
    REQUIRE(logit_of(draw.p_icans_emd) - logit_of(original.p_icans_emd) ==
            Approx(logit_of(point.p_icans_emd) - logit_of(solved.previous.at(1))).margin(1e-9));
    mean_orr += car_t::population_response_probability(draw) / 1000.0;
  }
  // The draws keep their spread: the mean ORR is near, not at, 0.60.
  CHECK(std::abs(mean_orr - 0.60) < 0.05);
  CHECK(std::abs(mean_orr - 0.60) > 1e-6);
}

TEST_CASE("clinical targets: config errors are located, exit code 2",
          "[clinical_targets][errors]") {
  TempDir dir("clinical-errors");
  const auto config = [&](const std::string& scenarios) {
    return single_arm_config(FITTED, "point", scenarios);
  };
  CHECK_THAT(validate_error(dir, config("  - name: a\n    orr: 1.0\n")),
             Catch::Contains("scenarios.0.orr: value 1.0 is out of range"));
  {
    // The committed model with emd_blocks_response()'s EMD: ORR at most 0.75.
    std::string text = read_text(FITTED);
    text =
        std::regex_replace(text, std::regex("\n  response_logit_emd: [^ ]+"),
                           "\n  response_logit_emd: -50", std::regex_constants::format_first_only);
    text = std::regex_replace(text, std::regex("\n  p_extramedullary: [^ ]+"),
                              "\n  p_extramedullary: 0.5", std::regex_constants::format_first_only);
    std::ofstream(dir / "blocked.yaml") << text;
    const std::string error =
        validate_error(dir, single_arm_config((dir / "blocked.yaml").string(), "point",
                                              "  - name: fitted\n  - name: high\n    orr: 0.99\n"));
    CHECK_THAT(error, Catch::Contains("bad.yaml:") &&
                          Catch::Contains("scenarios.1.orr: orr 0.99 is out of reach") &&
                          Catch::Contains("0.75]"));
  }
  CHECK_THAT(
      validate_error(dir, config("  - name: a\n    orr: 0.7\n"
                                 "    overrides: {response_logit_intercept: 1}\n")),
      Catch::Contains("scenarios.0.overrides: overrides.response_logit_intercept is also solved"));
  CHECK_THAT(validate_error(dir, config("  - name: a\n    os_at: {time: 12, value: 0.995}\n")),
             Catch::Contains("scenarios.0.os_at.value: OS at 12 months 0.995 is out of reach"));
  CHECK_THAT(validate_error(dir, config("  - name: a\n    maintenance_rfs_at: "
                                        "{time: 12, maintained: 0.8, difference: 0.1}\n")),
             Catch::Contains("scenarios.0.maintenance_rfs_at.difference: both maintained and "
                             "difference given"));
  CHECK_THAT(validate_error(dir, config("  - name: a\n    rfs_at: {time: 12}\n")),
             Catch::Contains("scenarios.0.rfs_at.value"));
}
