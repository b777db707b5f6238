// Evidence files (edges/fit/evidence_reader.h): the real Inati-cel file parses into the typed
// figures, and each kind of mistake is reported at its file:line:col with the key path.
#include <catch2/catch.hpp>
#include <fstream>

#include "edges/fit/evidence_reader.h"
#include "support.h"

using namespace trialsim;
using trialsim::testing::located_error_of;
using trialsim::testing::SMALL_EVIDENCE_YAML;
using trialsim::testing::source_path;
using trialsim::testing::TempDir;

namespace {

// The small valid evidence file of support.h; the error cases below edit one line of it.
const std::string VALID = SMALL_EVIDENCE_YAML;

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The error message for VALID with `from` replaced by `to`, with the temp path cut to "F".
std::string error_after(const std::string& from, const std::string& to) {
  return located_error_of(replace(VALID, from, to),
                          [](const std::filesystem::path& path) { load_evidence(path); });
}

}  // namespace

TEST_CASE("the Inati-cel evidence file parses into typed figures", "[evidence]") {
  KeyRegistry registry;
  const auto evidence =
      load_evidence(source_path("configs/evidence/inati-cel-post-hsct.yaml"), &registry);
  using namespace car_t;
  REQUIRE(evidence.study_id == "NCT06450067");
  REQUIRE(evidence.patients == 31);
  REQUIRE(evidence.enrolment_start == "2024-01-08");
  REQUIRE(evidence.enrolment_end == "2025-07-20");
  REQUIRE(evidence.follow_up.median == 7.33);
  REQUIRE(evidence.follow_up.min == 0.85);
  REQUIRE(evidence.follow_up.max == 16.93);

  const Figure* orr = evidence.find("orr");
  REQUIRE(orr);
  REQUIRE(orr->statistic == Statistic::proportion);
  REQUIRE(orr->endpoint == FigureEndpoint::best_overall_response);
  REQUIRE(orr->subgroup == Subgroup::all);
  REQUIRE(orr->count == 26);
  REQUIRE(orr->denominator == 31);
  REQUIRE(orr->note == "83.9 % of 31 = 26.0");

  const Figure* os = evidence.find("os_12m");
  REQUIRE(os);
  REQUIRE(os->statistic == Statistic::km_landmark);
  REQUIRE(os->endpoint == FigureEndpoint::overall_survival);
  REQUIRE(os->time == 12.0);
  REQUIRE(os->value == 0.645);
  REQUIRE(!os->count);

  const Figure* p = evidence.find("rfs_maintenance_p");
  REQUIRE(p);
  REQUIRE(p->statistic == Statistic::subgroup_comparison);
  REQUIRE(p->endpoint == FigureEndpoint::relapse_free_survival);
  REQUIRE(p->subgroup == Subgroup::maintenance);
  REQUIRE(p->comparison_subgroup == Subgroup::no_maintenance);
  REQUIRE(p->value == 0.031);

  const Figure* chemo = evidence.find("maintenance_chemotherapy");
  REQUIRE(chemo);
  REQUIRE(chemo->event == EventKind::maintenance_low_dose_chemotherapy);
  REQUIRE(chemo->subgroup == Subgroup::responders);
  REQUIRE(chemo->value == 5.0);
  REQUIRE(evidence.find("rfs_median")->statistic == Statistic::median_not_reached);
  REQUIRE(evidence.find("mrd_negativity")->statistic == Statistic::conditional_proportion);

  const Assumption* shape = evidence.find_assumption("relapse_shape");
  REQUIRE(shape);
  REQUIRE(shape->prior.kind == Prior::Kind::lognormal);
  REQUIRE(shape->prior.median == 1.3);
  REQUIRE(shape->prior.sdlog == 0.25);
  const Assumption* onset = evidence.find_assumption("crs_onset_median_days");
  REQUIRE(onset->prior.kind == Prior::Kind::fixed);
  REQUIRE(onset->prior.value == 3.0);
  REQUIRE(onset->unit == "days");
  REQUIRE(evidence.find_assumption("binomial_prior")->prior.a == 0.5);

  const BaselineFigure* ph = evidence.find_baseline("ph_positive");
  REQUIRE(ph);
  REQUIRE(ph->count == 13);
  REQUIRE(ph->denominator == 31);
  REQUIRE(evidence.find_baseline("age")->range == std::vector<double>{20, 61});

  REQUIRE(evidence.figures.size() == 34);
  REQUIRE(evidence.assumptions.size() == 21);
  for (const char* key : {"conduct.follow_up_months.max", "figures[].subgroups", "figures[].time",
                          "assumptions[].prior.sdlog", "baseline[].range", "study.patients"}) {
    CHECK(registry.keys().count(key) == 1);
  }
}

TEST_CASE("the minimal evidence file is valid", "[evidence]") {
  REQUIRE(error_after("kind", "kind") == "no error");
}

TEST_CASE("evidence errors name file:line:col and the key path", "[evidence]") {
  SECTION("unknown figure key") {
    REQUIRE(
        error_after("time: 12,", "time: 12, months: 12,") ==
        "F:12:80: figures.1.months: unknown key, expected one of assumed, ci, derived, endpoint, "
        "id, note, statistic, subgroup, time, value");
  }
  SECTION("bad statistic name") {
    REQUIRE(error_after("statistic: km_landmark", "statistic: km") ==
            "F:12:29: figures.1.statistic: unknown value \"km\", expected one of proportion, "
            "conditional_proportion, km_landmark, median_not_reached, count, subgroup_comparison, "
            "median, hazard_ratio, km_curve");
  }
  SECTION("count inconsistent with value") {
    REQUIRE(error_after("count: 26", "count: 27") ==
            "F:11:92: figures.0.count: count/denominator = 27/31 = 0.870968 disagrees with value "
            "0.839, expected |count/denominator - value| <= 0.0051");
  }
  SECTION("duplicate figure id") {
    REQUIRE(error_after("id: os_12m", "id: orr") ==
            "F:12:10: figures.1.id: duplicate id \"orr\", expected a unique, non-empty id");
  }
  SECTION("time on a proportion") {
    REQUIRE(
        error_after("denominator: 31}\n  - {id: os", "denominator: 31, time: 12}\n  - {id: os") ==
        "F:11:113: figures.0.time: unknown key, expected one of assumed, ci, count, denominator, "
        "derived, endpoint, id, note, statistic, subgroup, value");
  }
  SECTION("missing why on an assumption") {
    REQUIRE(error_after(", why: few relapses", "") ==
            "F:14:5: assumptions.0.why: missing required key, expected a string");
  }
  SECTION("follow-up min greater than median") {
    REQUIRE(error_after("min: 0.85", "min: 8") ==
            "F:7:41: conduct.follow_up_months.min: min 8 is greater than median 7.33, expected "
            "0 <= min <= median <= max");
  }
  SECTION("bad date") {
    REQUIRE(error_after("2025-07-20", "2025-02-30") ==
            "F:6:18: conduct.enrolment_end: \"2025-02-30\" is not a valid date, expected a date "
            "YYYY-MM-DD");
  }
  SECTION("enrolment end before start") {
    REQUIRE(error_after("2025-07-20", "2023-12-31") ==
            "F:6:18: conduct.enrolment_end: enrolment ends (2023-12-31) before it starts "
            "(2024-01-08), expected enrolment_start <= enrolment_end");
  }
  SECTION("a subgroup comparison needs two distinct subgroups") {
    REQUIRE(error_after("{id: os_12m, statistic: km_landmark, endpoint: overall_survival, time: "
                        "12, value: 0.645}",
                        "{id: p, statistic: subgroup_comparison, endpoint: overall_survival, "
                        "subgroups: [maintenance], value: 0.2}")
                .rfind("F:12:84: figures.1.subgroups: found 1 subgroups, expected two distinct",
                       0) == 0);
  }
  SECTION("a fixed prior takes a value or a lognormal law, not both") {
    REQUIRE(
        error_after("distribution: beta, a: 2, b: 2",
                    "distribution: fixed, value: 1, median: 2, sdlog: 1") ==
        "F:14:39: assumptions.0.prior: found both value and median/sdlog, expected either value "
        "or median and sdlog");
  }
  SECTION("unsupported schema version") {
    REQUIRE(error_after("schema_version: 1", "schema_version: 2") ==
            "F:1:17: schema_version: unsupported schema version 2, expected 1");
  }
}
