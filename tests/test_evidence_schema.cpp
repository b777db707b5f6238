// The evidence schema for real publications (docs/evidence.md, issue 15): medians (reached or
// not), hazard ratios, digitised Kaplan-Meier curves with numbers at risk, confidence intervals,
// assumed numbers, the response at a landmark, the DOR definition per figure, open subgroup
// names, optional conduct fields. Each field is parsed to its exact value from the fixtures in
// tests/fixtures/evidence/, and each mistake is a located exit-2 error (FILE:LINE:COL: key.path).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>

#include "edges/fit/evidence_reader.h"
#include "support.h"

using namespace trialsim;
using namespace trialsim::car_t;
using trialsim::testing::located_error_of;
using trialsim::testing::source_path;
using trialsim::testing::TempDir;

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

Evidence fixture(const std::string& name) {
  return load_evidence(source_path("tests/fixtures/evidence/" + name));
}

// A small file with a follow-up range (for the checks against the longest follow-up); the error
// cases replace its line 8.
const char* RANGED = R"(schema_version: 1
kind: evidence
study: {id: S2, title: T, patients: 40}
conduct:
  follow_up_months: {median: 9, min: 1, max: 24}
figures:
  - {id: orr, statistic: proportion, endpoint: best_overall_response, value: 0.8, count: 32, denominator: 40}
  - {id: os_median, statistic: median, endpoint: overall_survival, value: 14}
assumptions:
  - {parameter: cure_fraction, prior: {distribution: beta, a: 2, b: 2}, why: w}
)";
const std::string LINE_8 =
    "  - {id: os_median, statistic: median, endpoint: overall_survival, value: 14}";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The error message for `text`, with the temp path cut to "F" ("no error" when it reads).
std::string error_of(const std::string& text) {
  return located_error_of(text, [](const std::filesystem::path& path) { load_evidence(path); });
}

// RANGED with its line 8 replaced by `figures` (one or more lines).
std::string ranged_error(const std::string& figures) {
  return error_of(replaced(RANGED, LINE_8, figures));
}

}  // namespace

TEST_CASE("every new evidence field parses to its exact value", "[evidence][evidence_schema]") {
  const Evidence e = fixture("all-fields.yaml");
  REQUIRE(e.patients == 60);
  REQUIRE(e.figures.size() == 11);
  REQUIRE(e.assumptions.size() == 2);

  SECTION("conduct: a follow-up median alone, one enrolment date") {
    REQUIRE(e.enrolment_start == "2020-01-15");
    REQUIRE(e.enrolment_end.empty());
    REQUIRE(e.follow_up.median == 12.5);
    REQUIRE(std::isnan(e.follow_up.min));
    REQUIRE(std::isnan(e.follow_up.max));
    REQUIRE(!e.follow_up.has_range());
    REQUIRE(e.follow_up.method == FollowUp::Method::reverse_km);  // the default
  }
  SECTION("baseline rows, one assumed") {
    REQUIRE(e.baseline.size() == 2);
    REQUIRE(!e.find_baseline("ph_positive")->assumed);
    REQUIRE(e.find_baseline("prior_hsct")->assumed);
    REQUIRE(e.find_baseline("prior_hsct")->count == 24);
  }
  SECTION("confidence intervals, as a list and as a mapping with its level") {
    const Figure& orr = *e.find("orr");
    REQUIRE(orr.ci);
    REQUIRE(orr.ci->lower == 0.57);
    REQUIRE(orr.ci->upper == 0.81);
    REQUIRE(orr.ci->level == 0.95);
    REQUIRE(!orr.assumed);
    REQUIRE(orr.subgroup_name == "all");
    const Figure& remission = *e.find("remission_3m");
    REQUIRE(remission.statistic == Statistic::proportion);
    REQUIRE(remission.endpoint == FigureEndpoint::response_at_landmark);
    REQUIRE(remission.time == 3.0);
    REQUIRE(remission.value == 0.55);
    REQUIRE(remission.count == 33);
    REQUIRE(remission.ci->lower == 0.42);
    REQUIRE(remission.ci->upper == 0.68);
    REQUIRE(remission.ci->level == 0.9);
    REQUIRE(!e.find("orr_post_hsct")->ci);
  }
  SECTION("open subgroup names: known ones map to the enum, others to other, names kept") {
    const Figure& post = *e.find("orr_post_hsct");
    REQUIRE(post.subgroup == Subgroup::other);
    REQUIRE(post.subgroup_name == "post_hsct");
    REQUIRE(post.comparison_subgroup_name.empty());
    const Figure& dor = *e.find("dor_median");
    REQUIRE(dor.subgroup == Subgroup::responders);
    REQUIRE(dor.subgroup_name == "responders");
    const Figure& p = *e.find("rfs_mrd_p");
    REQUIRE(p.statistic == Statistic::subgroup_comparison);
    REQUIRE(p.subgroup == Subgroup::other);
    REQUIRE(p.subgroup_name == "mrd_negative_cr");
    REQUIRE(p.comparison_subgroup == Subgroup::other);
    REQUIRE(p.comparison_subgroup_name == "mrd_positive_cr");
    REQUIRE(p.value == 0.04);
  }
  SECTION("medians: reached with an open upper bound, not reached, and the old spelling") {
    const Figure& dor = *e.find("dor_median");
    REQUIRE(dor.statistic == Statistic::median);
    REQUIRE(dor.endpoint == FigureEndpoint::duration_of_response);
    REQUIRE(dor.value == 20.7);
    REQUIRE(!dor.not_reached);
    REQUIRE(dor.ci->lower == 9.4);
    REQUIRE(dor.ci->upper == INF);
    REQUIRE(dor.dor_deaths == DeathsInDor::events);
    const Figure& os = *e.find("os_median");
    REQUIRE(os.statistic == Statistic::median);
    REQUIRE(os.not_reached);
    REQUIRE(os.value == INF);
    REQUIRE(os.ci->lower == 16.2);
    REQUIRE(os.ci->upper == INF);
    const Figure& rfs = *e.find("rfs_median");
    REQUIRE(rfs.statistic == Statistic::median_not_reached);
    REQUIRE(rfs.not_reached);
    REQUIRE(rfs.value == 1.0);  // unchanged: the calibration scores "not reached" as 1
    REQUIRE(rfs.subgroup == Subgroup::responders);
  }
  SECTION("a hazard ratio between two subgroups, with its interval") {
    const Figure& hr = *e.find("os_hr_post_hsct");
    REQUIRE(hr.statistic == Statistic::hazard_ratio);
    REQUIRE(hr.endpoint == FigureEndpoint::overall_survival);
    REQUIRE(hr.subgroup_name == "post_hsct");
    REQUIRE(hr.comparison_subgroup_name == "no_prior_hsct");
    REQUIRE(hr.value == 0.62);
    REQUIRE(hr.ci->lower == 0.35);
    REQUIRE(hr.ci->upper == 1.1);
  }
  SECTION("an assumed landmark, DOR deaths censored by default") {
    const Figure& dor = *e.find("dor_12m");
    REQUIRE(dor.assumed);
    REQUIRE(dor.dor_deaths == DeathsInDor::censored);
    REQUIRE(dor.note == "read off the curve");
    REQUIRE(dor.ci->lower == 0.45);
  }
  SECTION("a digitised curve with numbers at risk") {
    const Figure& curve = *e.find("os_curve");
    REQUIRE(curve.statistic == Statistic::km_curve);
    REQUIRE(curve.endpoint == FigureEndpoint::overall_survival);
    REQUIRE(curve.subgroup_name == "all");
    REQUIRE(std::isnan(curve.value));
    REQUIRE(curve.curve.size() == 6);
    REQUIRE(curve.curve[0].time == 0.0);
    REQUIRE(curve.curve[0].survival == 1.0);
    REQUIRE(curve.curve[3].time == 6.0);
    REQUIRE(curve.curve[3].survival == 0.75);
    REQUIRE(curve.curve[5].time == 18.0);
    REQUIRE(curve.curve[5].survival == 0.52);
    REQUIRE(curve.at_risk.size() == 4);
    REQUIRE(curve.at_risk[0].time == 0.0);
    REQUIRE(curve.at_risk[0].number == 60);
    REQUIRE(curve.at_risk[2].time == 12.0);
    REQUIRE(curve.at_risk[2].number == 30);
    REQUIRE(curve.at_risk[3].number == 12);
  }
  SECTION("where each figure and assumption is (the mapping's first character)") {
    REQUIRE(e.find("orr")->where.line == 13);
    REQUIRE(e.find("orr")->where.column == 5);
    REQUIRE(e.find("os_curve")->where.line == 29);  // a block mapping: its first key
    REQUIRE(e.find("os_curve")->where.column == 5);
    REQUIRE(e.find("rfs_mrd_p")->where.line == 35);
    REQUIRE(e.assumptions[0].where.line == 38);
    REQUIRE(e.assumptions[0].where.column == 5);
    REQUIRE(e.assumptions[1].where.line == 40);
  }
  SECTION("a normal prior and not_fitted_to") {
    const Assumption& normal = e.assumptions[0];
    REQUIRE(normal.prior.kind == Prior::Kind::normal);
    REQUIRE(normal.prior.mean == 0.2);
    REQUIRE(normal.prior.sd == 0.5);
    REQUIRE(e.assumptions[1].not_fitted_to == std::vector<std::string>{"os_hr_post_hsct"});
  }
}

TEST_CASE("a follow-up median alone: no range, no dates, no baseline",
          "[evidence][evidence_schema]") {
  const Evidence e = fixture("median-follow-up-only.yaml");
  REQUIRE(e.follow_up.median == 9.0);
  REQUIRE(!e.follow_up.has_range());
  REQUIRE(e.follow_up.method == FollowUp::Method::simple);
  REQUIRE(e.enrolment_start.empty());
  REQUIRE(e.enrolment_end.empty());
  REQUIRE(e.baseline.empty());
  // Without the longest follow-up a landmark cannot be checked against it (docs/evidence.md).
  REQUIRE(e.find("os_30m")->time == 30.0);
}

TEST_CASE("the seed evidence still parses identically", "[evidence][evidence_schema]") {
  KeyRegistry registry;
  const Evidence e =
      load_evidence(source_path("configs/evidence/inati-cel-post-hsct.yaml"), &registry);
  REQUIRE(e.figures.size() == 34);
  REQUIRE(e.assumptions.size() == 21);
  REQUIRE(e.baseline.size() == 13);
  REQUIRE(e.follow_up.median == 7.33);
  REQUIRE(e.follow_up.min == 0.85);
  REQUIRE(e.follow_up.max == 16.93);
  REQUIRE(e.follow_up.method == FollowUp::Method::simple);
  REQUIRE(e.enrolment_start == "2024-01-08");
  double value_sum = 0.0;
  for (const Figure& f : e.figures) {
    CHECK(!f.assumed);
    CHECK(!f.ci);
    CHECK(f.dor_deaths == DeathsInDor::censored);
    CHECK(f.where.line > 0);
    CHECK(!f.subgroup_name.empty());
    const bool pair = f.statistic == Statistic::subgroup_comparison;
    CHECK(f.comparison_subgroup_name.empty() == !pair);
    CHECK(f.subgroup != Subgroup::other);
    value_sum += f.value;
  }
  // The sum of all 34 values as before the schema grew (proportions, landmarks, counts, p-values
  // and the two medians not reached scored 1).
  REQUIRE(value_sum == Approx(39.06).margin(1e-9));
  const Figure& os = *e.find("os_12m");
  REQUIRE(os.where.line == 69);
  REQUIRE(os.where.column == 5);
  REQUIRE(e.find("os_median")->statistic == Statistic::median_not_reached);
  REQUIRE(e.find("os_maintenance_p")->subgroup_name == "maintenance");
  REQUIRE(e.find("os_maintenance_p")->comparison_subgroup_name == "no_maintenance");
  REQUIRE(e.find("rfs_12m")->subgroup_name == "responders");
  for (const Assumption& a : e.assumptions) CHECK(a.where.line > 0);
  for (const char* key :
       {"figures[].ci", "figures[].ci.lower", "figures[].ci.upper", "figures[].ci.level",
        "figures[].assumed", "figures[].not_reached", "figures[].deaths", "figures[].points",
        "figures[].at_risk", "baseline[].assumed", "conduct.follow_up_months.method",
        "conduct.follow_up_months.min", "conduct.enrolment_start"}) {
    CHECK(registry.keys().count(key) == 1);
  }
}

TEST_CASE("a file with no baseline declares the baseline keys all the same",
          "[evidence][evidence_schema]") {
  KeyRegistry registry;
  load_evidence(source_path("tests/fixtures/evidence/median-follow-up-only.yaml"), &registry);
  for (const char* key : {"baseline", "baseline[].range", "baseline[].assumed",
                          "conduct.follow_up_months.max", "conduct.enrolment_end"}) {
    CHECK(registry.keys().count(key) == 1);
  }
}

// Each mistake in a figure, at its file:line:col with its key path (line 8 of RANGED replaced;
// the expected locations were computed from the token each error points at).
TEST_CASE("evidence schema errors are located exit-2 errors", "[evidence][evidence_schema]") {
  SECTION("a median with both value and not_reached") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "not_reached: true, value: 14}") ==
            "F:8:94: figures.1.value: a median not reached has no value, expected either value or "
            "not_reached: true");
  }
  SECTION("a median without a value") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival}") ==
            "F:8:5: figures.1.value: missing required key, expected a median in months, or "
            "not_reached: true");
  }
  SECTION("a median beyond the longest follow-up") {
    REQUIRE(ranged_error(
                "  - {id: os_median, statistic: median, endpoint: overall_survival, value: 30}") ==
            "F:8:75: figures.1.value: median at 30 months is beyond the longest follow-up (24 "
            "months), expected a time <= conduct.follow_up_months.max");
  }
  SECTION("a median not reached with a finite upper bound") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "not_reached: true, ci: [10, 20]}") ==
            "F:8:91: figures.1.ci: value not_reached lies outside its interval [10, 20], expected "
            "lower <= value <= upper");
  }
  SECTION("an interval that misses its median") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, ci: [15, 20]}") ==
            "F:8:83: figures.1.ci: value 14 lies outside its interval [15, 20], expected lower <= "
            "value <= upper");
  }
  SECTION("an interval upside down") {
    REQUIRE(
        ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, value: "
                     "14, ci: [20, 10]}") ==
        "F:8:88: figures.1.ci.1: upper bound 10 is below lower bound 20, expected lower <= upper");
  }
  SECTION("a level written as a percentage") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, ci: {lower: 10, upper: 20, level: 95}}") ==
            "F:8:113: figures.1.ci.level: level 95 is not in (0, 1) (a percentage? 95 % is 0.95), "
            "expected a confidence level in (0, 1), e.g. 0.95");
  }
  SECTION("three bounds") {
    REQUIRE(
        ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, value: "
                     "14, ci: [10, 14, 20]}") ==
        "F:8:83: figures.1.ci: found 3 bounds, expected [lower, upper] or {lower, upper, level}");
  }
  SECTION("an interval mapping without its upper bound") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, ci: {lower: 10}}") ==
            "F:8:83: figures.1.ci.upper: missing required key, expected a number of months >= 0");
  }
  SECTION("an unknown key in an interval mapping") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, ci: {lower: 10, upper: 20, confidence: 0.9}}") ==
            "F:8:106: figures.1.ci.confidence: unknown key, expected one of level, lower, upper");
  }
  SECTION("a bound given as a string") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, ci: [\"10\", 20]}") ==
            "F:8:84: figures.1.ci.0: found the string \"10\", expected a number of months >= 0 or "
            "not_reached");
  }
  SECTION("the median's interval may be open at both ends when not reached") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "not_reached: true, ci: [not_reached, not_reached]}") == "no error");
  }
  SECTION("not_reached as a survival's bound") {
    REQUIRE(ranged_error("  - {id: os_12m, statistic: km_landmark, endpoint: overall_survival, "
                         "time: 12, value: 0.6, ci: [0.5, not_reached]}") ==
            "F:8:102: figures.1.ci.1: not_reached is a bound of medians only, expected a "
            "proportion in [0, 1]");
  }
  SECTION("a percentage as a survival's bound") {
    REQUIRE(ranged_error("  - {id: os_12m, statistic: km_landmark, endpoint: overall_survival, "
                         "time: 12, value: 0.6, ci: [45, 72]}") ==
            "F:8:97: figures.1.ci.0: bound 45 is out of range (a percentage? 45 % is 0.45), "
            "expected a proportion in [0, 1]");
  }
  SECTION("an interval on a count") {
    REQUIRE(
        ranged_error("  - {id: deaths, statistic: count, event: death, value: 5, ci: [3, 8]}") ==
        "F:8:64: figures.1.ci: a count has no confidence interval, expected a ci only on "
        "proportion, conditional_proportion, km_landmark, median, median_not_reached and "
        "hazard_ratio figures");
  }
  SECTION("an interval on a p-value") {
    REQUIRE(ranged_error("  - {id: p, statistic: subgroup_comparison, endpoint: overall_survival, "
                         "subgroups: [a, b], value: 0.2, ci: [0.1, 0.3]}") ==
            "F:8:108: figures.1.ci: a p-value has no confidence interval, expected a ci only on "
            "proportion, conditional_proportion, km_landmark, median, median_not_reached and "
            "hazard_ratio figures");
  }
  SECTION("a median_not_reached may carry its interval") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median_not_reached, endpoint: "
                         "overall_survival, ci: [16, not_reached]}") == "no error");
  }
  SECTION("a hazard ratio of zero") {
    REQUIRE(ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, "
                         "subgroups: [post_hsct, other_relapse], value: 0}") ==
            "F:8:113: figures.1.value: value 0 is out of range, expected a number > 0");
  }
  SECTION("the same subgroup twice") {
    REQUIRE(ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, "
                         "subgroups: [post_hsct, post_hsct], value: 0.7}") ==
            "F:8:90: figures.1.subgroups.1: the same subgroup \"post_hsct\" twice, expected two "
            "distinct subgroups [a, b], each a subgroup name matching [a-z][a-z0-9_]* of at most "
            "64 characters (the model knows all, responders, extramedullary, non_extramedullary, "
            "maintenance, no_maintenance, prior_blinatumomab, no_prior_blinatumomab, "
            "prior_inotuzumab, no_prior_inotuzumab)");
  }
  SECTION("a subgroup name with capitals") {
    REQUIRE(ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, "
                         "subgroups: [Post-HSCT, other], value: 0.7}") ==
            "F:8:79: figures.1.subgroups.0: found \"Post-HSCT\", expected a subgroup name matching "
            "[a-z][a-z0-9_]* of at most 64 characters (the model knows all, responders, "
            "extramedullary, non_extramedullary, maintenance, no_maintenance, prior_blinatumomab, "
            "no_prior_blinatumomab, prior_inotuzumab, no_prior_inotuzumab)");
  }
  SECTION("a hazard ratio's bound of zero") {
    REQUIRE(ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, "
                         "subgroups: [a, b], value: 0.7, ci: [0, 1.1]}") ==
            "F:8:103: figures.1.ci.0: bound 0 is out of range, expected a hazard ratio > 0");
  }
  SECTION("a single subgroup on a hazard ratio") {
    REQUIRE(ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, "
                         "subgroup: post_hsct, subgroups: [a, b], value: 0.7}") ==
            "F:8:67: figures.1.subgroup: unknown key, expected one of assumed, ci, derived, "
            "endpoint, id, note, statistic, subgroups, value (did you mean `subgroups`?)");
  }
  SECTION("a subgroup name too long") {
    REQUIRE(
        ranged_error(
            "  - {id: os_12m, statistic: km_landmark, endpoint: overall_survival, time: 12, value: "
            "0.6, subgroup: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}") ==
        "F:8:102: figures.1.subgroup: "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not a subgroup "
        "name, expected a subgroup name matching [a-z][a-z0-9_]* of at most 64 characters (the "
        "model knows all, responders, extramedullary, non_extramedullary, maintenance, "
        "no_maintenance, prior_blinatumomab, no_prior_blinatumomab, prior_inotuzumab, "
        "no_prior_inotuzumab)");
  }
  SECTION("a 64-character subgroup name") {
    REQUIRE(
        ranged_error(
            "  - {id: os_12m, statistic: km_landmark, endpoint: overall_survival, time: 12, value: "
            "0.6, subgroup: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}") ==
        "no error");
  }
  SECTION("a valid curve") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
            "no error");
  }
  SECTION("a curve without numbers at risk") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]]}") == "no error");
  }
  SECTION("curve times not increasing") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [6, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
            "F:8:90: figures.1.points.2.0: time 6 does not come after 6, expected times strictly "
            "increasing");
  }
  SECTION("a curve rising") {
    REQUIRE(
        ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[0, "
                     "1], [6, 0.8], [12, 0.85]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
        "F:8:94: figures.1.points.2.1: survival 0.85 rises above 0.8 at 6 months, expected a "
        "Kaplan-Meier survival that does not increase with time");
  }
  SECTION("a curve in percent") {
    REQUIRE(
        ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[0, "
                     "100], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
        "F:8:75: figures.1.points.0.1: survival 100 is out of range (a percentage? 100 % is 1), "
        "expected a survival in [0, 1]");
  }
  SECTION("a curve beyond the longest follow-up") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [30, 0.6]]}") ==
            "F:8:90: figures.1.points.2.0: curve point at 30 months is beyond the longest "
            "follow-up (24 months), expected a time <= conduct.follow_up_months.max");
  }
  SECTION("a curve of one point") {
    REQUIRE(ranged_error(
                "  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[0, 1]]}") ==
            "F:8:70: figures.1.points: found 1 pairs, expected a list of at least 2 pairs [months, "
            "survival] (at most 5000)");
  }
  SECTION("a curve point that is not a pair") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6], [12, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
            "F:8:79: figures.1.points.1: found a list of 1, expected a pair [months, survival]");
  }
  SECTION("a negative curve time") {
    REQUIRE(
        ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[-1, "
                     "1], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]]}") ==
        "F:8:72: figures.1.points.0.0: time -1 is negative, expected a time in months >= 0");
  }
  SECTION("numbers at risk rising") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 41], [12, 20]]}") ==
            "F:8:124: figures.1.at_risk.1.1: number at risk 41 is out of range, expected a whole "
            "number, at most the 40 at risk before");
  }
  SECTION("more at risk than patients") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]], at_risk: [[0, 41], [6, 30], [12, 20]]}") ==
            "F:8:115: figures.1.at_risk.0.1: number at risk 41 is out of range, expected a whole "
            "number from 0 to study.patients (40)");
  }
  SECTION("a fractional number at risk") {
    REQUIRE(
        ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[0, "
                     "1], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30.5], [12, 20]]}") ==
        "F:8:124: figures.1.at_risk.1.1: found \"30.5\", expected a whole number, at most the 40 "
        "at risk before");
  }
  SECTION("numbers at risk from after the curve's start") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]], at_risk: [[1, 40], [6, 30], [12, 20]]}") ==
            "F:8:112: figures.1.at_risk.0.0: the first number at risk is at 1 months, the curve "
            "starts at 0, expected the first at-risk time equal to the first point's time");
  }
  SECTION("numbers at risk beyond the curve") {
    REQUIRE(ranged_error("  - {id: c, statistic: km_curve, endpoint: overall_survival, points: "
                         "[[0, 1], [6, 0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30], [15, 20]]}") ==
            "F:8:130: figures.1.at_risk.2.0: time 15 is out of order or outside the curve, "
            "expected a time within the curve's points [0, 12], strictly increasing");
  }
  SECTION("a value on a curve") {
    REQUIRE(ranged_error(
                "  - {id: c, statistic: km_curve, endpoint: overall_survival, points: [[0, 1], [6, "
                "0.8], [12, 0.6]], at_risk: [[0, 40], [6, 30], [12, 20]], value: 0.6}") ==
            "F:8:140: figures.1.value: unknown key, expected one of assumed, at_risk, derived, "
            "endpoint, id, note, points, statistic, subgroup");
  }
  SECTION("a response at a landmark without its time") {
    REQUIRE(ranged_error("  - {id: r3, statistic: proportion, endpoint: response_at_landmark, "
                         "value: 0.5, count: 20, denominator: 40}") ==
            "F:8:5: figures.1.time: missing required key, expected a number > 0");
  }
  SECTION("a response landmark beyond the longest follow-up") {
    REQUIRE(ranged_error("  - {id: r3, statistic: proportion, endpoint: response_at_landmark, "
                         "time: 30, value: 0.5, count: 20, denominator: 40}") ==
            "F:8:75: figures.1.time: landmark at 30 months is beyond the longest follow-up (24 "
            "months), expected a time <= conduct.follow_up_months.max");
  }
  SECTION("more in remission at a landmark than responded") {
    REQUIRE(ranged_error("  - {id: r3, statistic: proportion, endpoint: response_at_landmark, "
                         "time: 3, value: 0.85, count: 34, denominator: 40}") ==
            "F:8:98: figures.1.count: in remission at 3 months: 34 patients, more than the 32 best "
            "responses of figure \"orr\", expected at most the patients who responded");
  }
  SECTION("a time on the best response") {
    REQUIRE(ranged_error("  - {id: orr3, statistic: proportion, endpoint: best_overall_response, "
                         "subgroup: x, time: 3, value: 0.5, count: 20, denominator: 40}") ==
            "F:8:85: figures.1.time: unknown key, expected one of assumed, ci, count, denominator, "
            "derived, endpoint, id, note, statistic, subgroup, value");
  }
  SECTION("deaths on an overall survival figure") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, deaths: events}") ==
            "F:8:87: figures.1.deaths: deaths defines duration_of_response only, expected deaths "
            "only on figures with endpoint duration_of_response");
  }
  SECTION("deaths on a count") {
    REQUIRE(ranged_error("  - {id: d, statistic: count, event: death, value: 5, deaths: events}") ==
            "F:8:63: figures.1.deaths: deaths defines duration_of_response only, expected deaths "
            "only on figures with endpoint duration_of_response");
  }
  SECTION("an unknown DOR definition") {
    REQUIRE(
        ranged_error("  - {id: dor, statistic: median, endpoint: duration_of_response, subgroup: "
                     "responders, value: 14, deaths: excluded}") ==
        "F:8:107: figures.1.deaths: unknown value \"excluded\", expected one of censored, events");
  }
  SECTION("assumed that is not a boolean") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14, assumed: maybe}") ==
            "F:8:88: figures.1.assumed: found \"maybe\", expected true or false");
  }
  SECTION("one median twice") {
    REQUIRE(ranged_error(
                "  - {id: os_median, statistic: median, endpoint: overall_survival, value: 14}\n  "
                "- {id: os_median_2, statistic: median, endpoint: overall_survival, value: 15}") ==
            "F:9:5: figures.2: figure \"os_median_2\" reports the same quantity as figure "
            "\"os_median\" (line 8), expected each statistic of an endpoint, event, subgroup, time "
            "and DOR definition once");
  }
  SECTION("a median and a median not reached of one endpoint") {
    REQUIRE(ranged_error(
                "  - {id: os_median, statistic: median, endpoint: overall_survival, value: 14}\n  "
                "- {id: os_nr, statistic: median_not_reached, endpoint: overall_survival}") ==
            "F:9:5: figures.2: figure \"os_nr\" reports the same quantity as figure \"os_median\" "
            "(line 8), expected each statistic of an endpoint, event, subgroup, time and DOR "
            "definition once");
  }
  SECTION("a hazard ratio and its reverse") {
    REQUIRE(
        ranged_error("  - {id: hr, statistic: hazard_ratio, endpoint: overall_survival, subgroups: "
                     "[a, b], value: 0.7}\n  - {id: hr_ba, statistic: hazard_ratio, endpoint: "
                     "overall_survival, subgroups: [b, a], value: 1.4}") ==
        "F:9:5: figures.2: figure \"hr_ba\" reports the same quantity as figure \"hr\" (line 8), "
        "expected each statistic of an endpoint, event, subgroup, time and DOR definition once");
  }
  SECTION("an assumed number beside a reported one") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14}\n  - {id: os_median_guess, statistic: median, endpoint: "
                         "overall_survival, value: 15, assumed: true}") ==
            "F:9:5: figures.2: figure \"os_median_guess\" reports the same quantity as figure "
            "\"os_median\" (line 8) (an assumed number beside a reported one: keep one), expected "
            "each statistic of an endpoint, event, subgroup, time and DOR definition once");
  }
  SECTION("a proportion and a conditional proportion of one quantity") {
    REQUIRE(ranged_error("  - {id: orr_again, statistic: conditional_proportion, endpoint: "
                         "best_overall_response, value: 0.8, count: 32, denominator: 40}") ==
            "F:8:5: figures.1: figure \"orr_again\" reports the same quantity as figure \"orr\" "
            "(line 7), expected each statistic of an endpoint, event, subgroup, time and DOR "
            "definition once");
  }
  SECTION("one DOR landmark under both definitions") {
    REQUIRE(ranged_error("  - {id: dor_12m_c, statistic: km_landmark, endpoint: "
                         "duration_of_response, subgroup: responders, time: 12, value: 0.6}\n  - "
                         "{id: dor_12m_e, statistic: km_landmark, endpoint: duration_of_response, "
                         "subgroup: responders, time: 12, value: 0.6, deaths: events}") ==
            "no error");
  }
  SECTION("one statistic of two unknown subgroups") {
    REQUIRE(ranged_error("  - {id: a, statistic: median, endpoint: overall_survival, subgroup: "
                         "post_hsct, value: 10}\n  - {id: b, statistic: median, endpoint: "
                         "overall_survival, subgroup: other_relapse, value: 12}") == "no error");
  }
  SECTION("a landmark below one half before the median") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14}\n  - {id: os_12m, statistic: km_landmark, endpoint: "
                         "overall_survival, time: 6, value: 0.4}") ==
            "F:9:86: figures.2.value: survival 0.4 at 6 months disagrees with the median of 14 "
            "months of figure \"os_median\", expected survival above one half before the median "
            "and at most one half after it");
  }
  SECTION("a landmark above one half after the median") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "value: 14}\n  - {id: os_12m, statistic: km_landmark, endpoint: "
                         "overall_survival, time: 18, value: 0.7}") ==
            "F:9:87: figures.2.value: survival 0.7 at 18 months disagrees with the median of 14 "
            "months of figure \"os_median\", expected survival above one half before the median "
            "and at most one half after it");
  }
  SECTION("a landmark below one half with the median not reached") {
    REQUIRE(ranged_error("  - {id: os_median, statistic: median, endpoint: overall_survival, "
                         "not_reached: true}\n  - {id: os_12m, statistic: km_landmark, endpoint: "
                         "overall_survival, time: 12, value: 0.4}") ==
            "F:9:87: figures.2.value: survival 0.4 at 12 months is below one half, yet figure "
            "\"os_median\" says the median was not reached, expected survival >= 0.5 at every "
            "landmark while the median is not reached");
  }
}

TEST_CASE("optional conduct and baseline fields, and their errors", "[evidence][evidence_schema]") {
  SECTION("follow-up min without max") {
    REQUIRE(error_of(replaced(RANGED, "  follow_up_months: {median: 9, min: 1, max: 24}",
                              "  follow_up_months: {median: 9, min: 1}")) ==
            "F:5:38: conduct.follow_up_months.min: min without max, expected both min and max (the "
            "range of follow-up), or neither");
  }
  SECTION("follow-up max without min") {
    REQUIRE(error_of(replaced(RANGED, "  follow_up_months: {median: 9, min: 1, max: 24}",
                              "  follow_up_months: {median: 9, max: 24}")) ==
            "F:5:38: conduct.follow_up_months.max: max without min, expected both min and max (the "
            "range of follow-up), or neither");
  }
  SECTION("an unknown follow-up method") {
    REQUIRE(error_of(replaced(
                RANGED, "  follow_up_months: {median: 9, min: 1, max: 24}",
                "  follow_up_months: {median: 9, min: 1, max: 24, method: kaplan_meier}")) ==
            "F:5:58: conduct.follow_up_months.method: unknown value \"kaplan_meier\", expected one "
            "of reverse_km, simple");
  }
  SECTION("an enrolment end without its start") {
    REQUIRE(error_of(replaced(
                RANGED, "  follow_up_months: {median: 9, min: 1, max: 24}",
                "  enrolment_end: 2021-03-01\n  follow_up_months: {median: 9, min: 1, max: 24}")) ==
            "no error");
  }
  SECTION("an empty baseline") {
    REQUIRE(error_of(replaced(RANGED, "figures:\n", "baseline: []\nfigures:\n")) == "no error");
  }
  SECTION("an assumed baseline row that is not a boolean") {
    REQUIRE(error_of(replaced(RANGED, "figures:\n",
                              "baseline:\n  - {id: ph, statistic: proportion, value: 0.5, count: "
                              "20, denominator: 40, assumed: 1}\nfigures:\n")) ==
            "F:7:86: baseline.0.assumed: found \"1\", expected true or false");
  }
}

TEST_CASE("a proportion with a confidence interval and no count reads without a count",
          "[evidence][evidence_schema]") {
  // "71 % (95 % CI 57-82)" without the count: the fit turns the interval into an effective count
  // (docs/evidence.md); without an interval a count and denominator stay required.
  const std::string ci_only =
      "  - {id: cr, statistic: proportion, endpoint: mrd_negative, value: 0.7, ci: [0.57, 0.82]}";
  CHECK(ranged_error(ci_only) == "no error");
  TempDir dir("evidence-ci-only");
  const auto path = dir / "e.yaml";
  std::ofstream(path) << replaced(RANGED, LINE_8, ci_only);
  const Evidence e = load_evidence(path);
  const Figure* cr = e.find("cr");
  REQUIRE(cr != nullptr);
  CHECK_FALSE(cr->count.has_value());
  CHECK_FALSE(cr->denominator.has_value());
  REQUIRE(cr->ci.has_value());
  CHECK(cr->ci->lower == 0.57);
  CHECK(cr->ci->upper == 0.82);
  CHECK(ranged_error("  - {id: cr, statistic: proportion, endpoint: mrd_negative, value: 0.7}")
            .find("denominator") != std::string::npos);
}
