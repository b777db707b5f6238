// single_arm_sequential's keys are declared once (config/key_table.h) and read by those tables:
// the tables are consistent, dependent bounds and defaults come out as the reader computes them,
// keys valid under one rule only are refused by the reader and by the schema alike.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "config/json_schema.h"
#include "config/key_table.h"
#include "designs/design.h"
#include "edges/config/study_config.h"
#include "tests/support.h"

using namespace trialsim;
using nlohmann::json;

namespace {

const std::string HEADER =
    "schema_version: 1\nsimulation: {replicates: 1000}\ndesign:\n"
    "  type: single_arm_sequential\n";

std::string load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    load_study_config_text(yaml, "seq.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "valid";
}

std::vector<std::string> paths_of(const std::vector<const KeyTable*>& tables) {
  std::vector<std::string> paths;
  for (const KeyTable* table : tables) paths.emplace_back(table->mapping_path);
  return paths;
}

}  // namespace

TEST_CASE("the sequential and single-arm CAR-T key tables are consistent", "[config][key_table]") {
  const DesignPlugin* sequential = find_design("single_arm_sequential");
  const DesignPlugin* car_t = find_design("single_arm_car_t");
  REQUIRE(sequential != nullptr);
  REQUIRE(car_t != nullptr);
  REQUIRE(sequential->key_tables != nullptr);
  REQUIRE(car_t->key_tables != nullptr);
  for (const DesignPlugin* design : {sequential, car_t}) {
    for (const KeyTable* table : design->key_tables()) {
      INFO(table->mapping_path);
      CHECK_NOTHROW(check_key_table(*table));
    }
  }
  CHECK(paths_of(sequential->key_tables()) ==
        std::vector<std::string>{
            "design", "design.efficacy", "design.efficacy.prior", "design.efficacy.stages",
            "design.safety", "design.safety.prior", "design.conduct", "design.conduct.accrual",
            "design.conduct.accrual.rates[]", "model", "scenarios[]", "model.os_at", "model.rfs_at",
            "model.maintenance_rfs_at", "scenarios[].os_at", "scenarios[].rfs_at",
            "scenarios[].maintenance_rfs_at"});
  CHECK(paths_of(car_t->key_tables()) ==
        std::vector<std::string>{"design", "design.accrual", "design.accrual.rates[]",
                                 "design.analysis", "model", "scenarios[]", "model.os_at",
                                 "model.rfs_at", "model.maintenance_rfs_at", "scenarios[].os_at",
                                 "scenarios[].rfs_at", "scenarios[].maintenance_rfs_at"});
}

TEST_CASE("single_arm_sequential reads by its tables: dependent bounds and defaults",
          "[config][key_table]") {
  const std::string bayesian =
      HEADER +
      "  efficacy: {rule: bayesian, prior: {a: 1, b: 1}, max_patients: 40,\n"
      "             null_response_rate: 0.6, final_threshold: 0.95}\n"
      "scenarios:\n  - {name: a, response_rate: 0.6}\n";
  const StudyConfig config = load_study_config_text(bayesian, "seq.yaml", {});
  const json design = config.resolved()["design"];
  // first_look and every default to max_patients (a single look); the cutoffs to "never".
  CHECK(design["first_look"] == 40);
  CHECK(design["every"] == 40);
  CHECK(design["efficacy_cutoff"] == 1.0);
  CHECK(design["futility_cutoff"] == 0.0);
  CHECK(config.resolved()["scenarios"][0]["toxicity_rate"] == 0.0);

  // A bound known only while reading: first_look <= max_patients, r1 <= n1, n > n1.
  CHECK(
      load_error(bayesian, {"design.efficacy.first_look=41"})
          .find("design.efficacy.first_look: value 41 is out of range, expected an integer from 1 "
                "to 40") != std::string::npos);
  const std::string given =
      HEADER +
      "  efficacy:\n    rule: simon\n    null_response_rate: 0.1\n"
      "    alternative_response_rate: 0.3\n    stages: {n1: 10, r1: 11, n: 29, r: 5}\n"
      "scenarios:\n  - {name: a, response_rate: 0.1}\n";
  CHECK(load_error(given) ==
        "seq.yaml:9:26: design.efficacy.stages.r1: value 11 is out of range, expected an integer "
        "from 0 to 10");
  // Given stages need no search parameters.
  CHECK(load_error(given.substr(0, given.find("r1: 11")) + "r1: 1, n: 29, r: 5}\n" +
                   "scenarios:\n  - {name: a, response_rate: 0.1}\n") == "valid");
}

TEST_CASE("keys of one rule only: the reader and the JSON Schema both refuse them",
          "[config][key_table]") {
  const DesignPlugin* sequential = find_design("single_arm_sequential");
  REQUIRE(sequential != nullptr);
  const json efficacy = mapping_json_schema("design.efficacy", sequential->key_tables());
  const json safety = mapping_json_schema("design.safety", sequential->key_tables());
  // Simon forbids the Bayesian keys and requires p1; Bayesian the reverse.
  REQUIRE(efficacy["allOf"].size() == 2);
  CHECK(efficacy["allOf"][0]["if"]["properties"]["rule"]["enum"] == json::array({"simon"}));
  CHECK(efficacy["allOf"][0]["then"]["required"] == json::array({"alternative_response_rate"}));
  CHECK(efficacy["allOf"][0]["then"]["properties"]["prior"] == false);
  CHECK(efficacy["allOf"][1]["then"]["properties"]["stages"] == false);
  CHECK(safety["allOf"][1]["if"]["properties"]["rule"]["enum"] == json::array({"pocock"}));
  CHECK(safety["allOf"][1]["then"]["properties"]["threshold"] == false);

  const std::string pocock_with_threshold =
      HEADER +
      "  efficacy: {rule: simon, null_response_rate: 0.1, alternative_response_rate: 0.3,\n"
      "             alpha: 0.05, beta: 0.2}\n"
      "  safety: {rule: pocock, acceptable_rate: 0.1, alpha: 0.1, threshold: 0.2}\n"
      "scenarios:\n  - {name: a, response_rate: 0.1}\n";
  CHECK(load_error(pocock_with_threshold) ==
        "seq.yaml:7:60: design.safety.threshold: unknown key, expected one of acceptable_rate, "
        "alpha, every, rule");
  // safety.event names a model's adverse event: without `model` it is not a key.
  const std::string event_without_model =
      HEADER +
      "  efficacy: {rule: simon, null_response_rate: 0.1, alternative_response_rate: 0.3,\n"
      "             alpha: 0.05, beta: 0.2}\n"
      "  safety: {rule: pocock, acceptable_rate: 0.1, alpha: 0.1, event: crs_grade3plus}\n"
      "scenarios:\n  - {name: a, response_rate: 0.1}\n";
  CHECK(load_error(event_without_model).find("design.safety.event: unknown key") !=
        std::string::npos);
}
