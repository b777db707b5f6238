// Friendlier config errors and overrides (issue 17, item 5): an unknown key suggests the nearest
// valid one, a misspelt required key is reported as the unknown key it is, and `--set` removes a
// key with `null` and addresses list items by name (`scenarios[fitted].response_rate`).
#include <catch2/catch.hpp>
#include <fstream>

#include "config/key_suggestion.h"
#include "config_test_support.h"
#include "edges/config/study_config.h"
#include "edges/fit/evidence_reader.h"
#include "support.h"

using namespace trialsim;
using trialsim::testing::located_error_of;
using trialsim::testing::read_text;
using trialsim::testing::replace;
using trialsim::testing::SMALL_EVIDENCE_YAML;
using trialsim::testing::source_path;

namespace {

// The single-arm binary config of the config tests, with scenarios named as in a fitted study
// (a function: `replace` asserts, which Catch allows only inside a test).
std::string binary_config() {
  return replace(replace(trialsim::testing::SINGLE_ARM_BINARY_YAML, "name: a", "name: prior-mean"),
                 "name: b", "name: fitted");
}

std::string study_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return located_error_of(
      text, [&](const std::filesystem::path& path) { load_study_config(path, overrides); });
}

// configs/examples/simon-calendar-time.yaml (single_arm_sequential, with design.conduct) edited.
std::string simon_calendar(const std::string& from, const std::string& to) {
  return replace(read_text(source_path("configs/examples/simon-calendar-time.yaml")), from, to);
}

// The small evidence file of support.h (test_evidence_reader.cpp edits it too).
const std::string& EVIDENCE = SMALL_EVIDENCE_YAML;

std::string evidence_error(const std::string& from, const std::string& to) {
  return located_error_of(replace(EVIDENCE, from, to),
                          [](const std::filesystem::path& path) { load_evidence(path); });
}

StudyConfig load_binary(const std::vector<std::string>& overrides,
                        const std::string& text = binary_config()) {
  trialsim::testing::TempDir dir("friendly");
  const auto path = trialsim::testing::write(dir, "friendly.yaml", text);
  return load_study_config(path, overrides);
}

}  // namespace

TEST_CASE("key distance: optimal string alignment, case-insensitive", "[friendly]") {
  CHECK(key_distance("accrual", "accrual") == 0);
  CHECK(key_distance("Accrual", "accrual") == 0);
  CHECK(key_distance("acrual", "accrual") == 1);   // a deletion
  CHECK(key_distance("accural", "accrual") == 1);  // a transposition counts once
  CHECK(key_distance("sampel_size", "sample_size") == 1);
  CHECK(key_distance("kitten", "sitting") == 3);  // the textbook Levenshtein example
  CHECK(key_distance("", "abc") == 3);
  // Near enough: at most max(1, length / 3) of the valid key.
  CHECK(is_near_key("acrual", "accrual"));     // 1 <= 2
  CHECK(is_near_key("acrul", "accrual"));      // 2 <= 2
  CHECK_FALSE(is_near_key("arl", "accrual"));  // 4 > 2
  CHECK(is_near_key("n2", "n1"));              // 1 <= max(1, 0)
  CHECK_FALSE(is_near_key("sd", "sdlog"));     // 3 > 1
  CHECK(nearest_key("alpah", {"alpha", "beta", "alphas"}) == std::optional<std::string>("alpha"));
  CHECK(did_you_mean("sedd", {"seed", "mode"}) == " (did you mean `seed`?)");
  CHECK(did_you_mean("replicates_count", {"seed", "mode"}).empty());
  // A long (hostile) key is dismissed by its length alone.
  CHECK(did_you_mean(std::string(1'000'000, 'x'), {"seed"}).empty());
}

TEST_CASE("an unknown key suggests the nearest valid key", "[friendly]") {
  const std::string BINARY = binary_config();
  SECTION("a design key") {
    CHECK(study_error(replace(BINARY, "  sample_size: 40", "  sample_size: 40\n  alpah: 0.05")) ==
          "F:5:3: design.alpah: unknown key, expected one of alpha, confidence_level, endpoint, "
          "intervals, null_response_rate, sample_size, test, type (did you mean `alpha`?)");
  }
  SECTION("a scenario key") {
    CHECK(study_error(BINARY + "    nmae: x\n") ==
          "F:11:5: scenarios.1.nmae: unknown key, expected one of name, response_rate (did you "
          "mean `name`?)");
  }
  SECTION("a key near one already given: suggested all the same") {
    CHECK(
        study_error(replace(BINARY, "  sample_size: 40", "  sample_size: 40\n  sampel_size: 41")) ==
        "F:5:3: design.sampel_size: unknown key, expected one of alpha, confidence_level, "
        "endpoint, intervals, null_response_rate, sample_size, test, type (did you mean "
        "`sample_size`?)");
  }
  SECTION("a --set key") {
    CHECK(study_error(BINARY, {"simulation.sedd=3"}) ==
          "--set simulation.sedd=3:1:17: simulation.sedd: unknown key, expected one of mode, "
          "precision, replicates, seed (did you mean `seed`?)");
  }
  SECTION("an evidence key (the evidence reader shares the config reader)") {
    CHECK(evidence_error("time: 12,", "time: 12, noet: x,") ==
          "F:12:80: figures.1.noet: unknown key, expected one of assumed, ci, derived, endpoint, "
          "id, note, statistic, subgroup, time, value (did you mean `note`?)");
  }
}

TEST_CASE("a misspelt required key is reported as the unknown key", "[friendly]") {
  const std::string BINARY = binary_config();
  SECTION("design.conduct.accrual") {
    CHECK(study_error(simon_calendar("    accrual: {type", "    acrual: {type")) ==
          "F:36:5: design.conduct.acrual: unknown key, expected one of accrual, "
          "pause_for_interim, response_assessment_months, safety_window_days (did you mean "
          "`accrual`?)");
  }
  SECTION("a scenario's response_rate") {
    CHECK(study_error(replace(BINARY, "    response_rate: 0.8", "    respons_rate: 0.8")) ==
          "F:10:5: scenarios.1.respons_rate: unknown key, expected one of name, response_rate "
          "(did you mean `response_rate`?)");
  }
  SECTION("the top-level design") {
    CHECK(study_error(replace(BINARY, "design:", "desing:")) ==
          "F:2:1: desing: unknown key, expected one of comparisons, description, design, grid, "
          "headline, model, "
          "name, scenarios, schema_version, search, simulation (did you mean `design`?)");
  }
  SECTION("a near key that is valid (read later) leaves the missing key the error") {
    CHECK(study_error(simon_calendar("prior: {a: 1, b: 4}", "prior: {b: 4}")) ==
          "F:31:12: design.safety.prior.a: missing required key, expected a number > 0");
  }
  SECTION("without key tables (evidence) the near key is named as a question") {
    CHECK(evidence_error("endpoint: overall_survival", "endpont: overall_survival") ==
          "F:12:5: figures.1.endpoint: missing required key (is `endpont` at line 12 a "
          "misspelling of it?), expected one of overall_survival, relapse_free_survival, "
          "duration_of_response, event_free_survival");
  }
}

TEST_CASE("an override --set key=null removes the key: its default applies", "[friendly]") {
  const std::string BINARY = binary_config();
  const std::string with_settings =
      replace(BINARY, "  sample_size: 40", "  sample_size: 40\n  alpha: 0.05") +
      "simulation: {replicates: 500, seed: 7}\n";
  const StudyConfig as_written = load_binary({}, with_settings);
  REQUIRE(as_written.resolved()["design"]["alpha"] == 0.05);
  REQUIRE(as_written.simulation.replicates == 500);

  const StudyConfig removed = load_binary({"design.alpha=null", "simulation=~"}, with_settings);
  CHECK(removed.resolved()["design"]["alpha"] == 0.025);  // the documented default
  CHECK(removed.simulation.replicates == DEFAULT_REPLICATES);
  CHECK(removed.simulation.seed == DEFAULT_SEED);
  // The same config as one that never had them.
  CHECK(removed.sha256() == load_binary({}).sha256());

  SECTION("an optional design block (design.conduct)") {
    const auto removed_conduct = located_error_of(
        read_text(source_path("configs/examples/simon-calendar-time.yaml")),
        [](const std::filesystem::path& path) {
          const StudyConfig config = load_study_config(path, {"design.conduct=null"});
          CHECK_FALSE(config.resolved()["design"].contains("conduct"));
        });
    CHECK(removed_conduct == "no error");
  }
  SECTION("a list item, by name") {
    CHECK(load_binary({"scenarios[prior-mean]=null"}).scenario_names() ==
          std::vector<std::string>{"fitted"});
  }
  SECTION("a required key: the missing-key error, at the null") {
    CHECK(study_error(BINARY, {"design.sample_size=null"}) ==
          "--set design.sample_size=null:1:20: design.sample_size: missing required key, "
          "expected an integer from 1 to 100000");
  }
  SECTION("a key the config does not have: an error, with a suggestion") {
    CHECK(study_error(BINARY, {"design.sampel_size=null"}) ==
          "--set design.sampel_size=null:1:8: design.sampel_size: nothing to remove (no such key "
          "here), expected one of type, sample_size, null_response_rate (did you mean "
          "`sample_size`?)");
  }
  SECTION("only the bare null removes: a quoted one is a string, nothing is an error") {
    CHECK(study_error(BINARY, {"description='null'"}) == "no error");
    CHECK(study_error(BINARY, {"design.alpha="}) ==
          "--set design.alpha=:1:14: design.alpha: empty value, expected a value after '=' (or "
          "null to remove the key)");
  }
}

TEST_CASE("an override --set addresses a list item by name or by index", "[friendly]") {
  const std::string BINARY = binary_config();
  const StudyConfig by_name = load_binary({"scenarios[fitted].response_rate=0.75"});
  const StudyConfig by_index = load_binary({"scenarios.1.response_rate=0.75"});
  const StudyConfig by_bracketed_index = load_binary({"scenarios[1].response_rate=0.75"});
  CHECK(by_name.resolved()["scenarios"][1]["response_rate"] == 0.75);
  CHECK(by_name.resolved()["scenarios"][0]["response_rate"] == 0.6);
  CHECK(by_name.resolved() == by_index.resolved());
  CHECK(by_name.sha256() == by_index.sha256());
  CHECK(by_bracketed_index.sha256() == by_index.sha256());
  CHECK(by_name.sha256() != load_binary({}).sha256());

  SECTION("errors in the value point at it, as for an index") {
    CHECK(study_error(BINARY, {"scenarios[fitted].response_rate=1.5"}) ==
          "--set scenarios[fitted].response_rate=1.5:1:33: scenarios.1.response_rate: value 1.5 "
          "is out of range, expected a number in [0, 1]");
  }
  SECTION("a name holding dots and spaces") {
    const StudyConfig config =
        load_binary({"scenarios[fitted]={name: \"p 0.8. [high]\", response_rate: 0.8}",
                     "scenarios[p 0.8. [high]].response_rate=0.7"});
    CHECK(config.resolved()["scenarios"][1]["name"] == "p 0.8. [high]");
    CHECK(config.resolved()["scenarios"][1]["response_rate"] == 0.7);
  }
  SECTION("an unknown name: exit-2 error listing the names") {
    CHECK(study_error(BINARY, {"scenarios[fited].response_rate=0.7"}) ==
          "--set scenarios[fited].response_rate=0.7:1:11: scenarios[fited]: no list item named "
          "\"fited\", expected one of \"prior-mean\", \"fitted\", or an index from 0 to 1 (did "
          "you mean `fitted`?)");
    CHECK(study_error(BINARY, {"scenarios[2].response_rate=0.7"}) ==
          "--set scenarios[2].response_rate=0.7:1:11: scenarios[2]: no list item 2, expected an "
          "index from 0 to 1");
  }
  SECTION("brackets after a key that is not a list, and unclosed brackets") {
    CHECK(study_error(BINARY, {"design[0].alpha=0.1"}) ==
          "--set design[0].alpha=0.1:1:8: design[0]: [0] after a key that is not a list, "
          "expected [index] or [NAME] after a list, e.g. scenarios[0] or scenarios[NAME]");
    CHECK(study_error(BINARY, {"scenarios[fitted.response_rate=0.7"}) ==
          "--set scenarios[fitted.response_rate=0.7:1:1: scenarios: unclosed [ in the key path, "
          "expected key[index or name] followed by '.', '[' or '='");
  }
}
