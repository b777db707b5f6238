// Config parsing (config/config_reader.h, edges/config/study_config.h): typed values, defaults,
// overrides, and errors that carry FILE:LINE:COL and the key path.
#include <catch2/catch.hpp>
#include <fstream>

#include "config_test_support.h"
#include "edges/config/study_config.h"
#include "support.h"

using namespace trialsim;
using trialsim::testing::error_of;
using trialsim::testing::replace;
using trialsim::testing::TempDir;
using trialsim::testing::write;

namespace {

const std::string& VALID = trialsim::testing::SINGLE_ARM_BINARY_YAML;

}  // namespace

TEST_CASE("a minimal config gets the documented defaults", "[config]") {
  TempDir dir("config-defaults");
  const StudyConfig config = load_study_config(write(dir, "minimal.yaml", VALID), {});
  // The design's view of itself is its resolved echo (designs/design.h: Study is opaque).
  const nlohmann::json study = config.resolved();
  REQUIRE(config.design_type == "single_arm_binary");
  REQUIRE(config.name == "minimal");
  REQUIRE(config.simulation.replicates == DEFAULT_REPLICATES);
  REQUIRE(config.simulation.seed == DEFAULT_SEED);
  REQUIRE(config.simulation.mode == EvaluationMode::simulate);
  REQUIRE(study["design"]["alpha"] == 0.025);
  REQUIRE(study["design"]["confidence_level"] == 0.95);
  REQUIRE(study["design"]["intervals"].size() == 3);
  REQUIRE(study["scenarios"].size() == 2);
  REQUIRE(study["scenarios"][1]["response_rate"] == 0.8);
}

TEST_CASE("overrides (--set) change values by key path, including list items", "[config]") {
  TempDir dir("config-set");
  const auto path = write(dir, "s.yaml", VALID);
  const StudyConfig config =
      load_study_config(path, {"design.sample_size=50", "scenarios.1.response_rate=0.75",
                               "simulation.seed=3", "design.intervals=[wilson]"});
  const nlohmann::json study = config.resolved();
  REQUIRE(study["design"]["sample_size"] == 50);
  REQUIRE(study["scenarios"][1]["response_rate"] == 0.75);
  REQUIRE(config.simulation.seed == 3);
  REQUIRE(study["design"]["intervals"] == nlohmann::json::array({"wilson"}));
  // The hash follows the resolved config, not the file bytes.
  REQUIRE(config.sha256() != load_study_config(path, {}).sha256());
  REQUIRE(load_study_config(path, {"simulation.seed=3"}).sha256() ==
          load_study_config(path, {}).sha256());
}

TEST_CASE("errors name file, line, column, key and what was expected", "[config]") {
  TempDir dir("config-errors");
  SECTION("invalid YAML") {
    const auto p = write(dir, "bad.yaml", "schema_version: 1\ndesign: [unclosed\n");
    REQUIRE_THAT(error_of(p), Catch::StartsWith(p.string() + ":3:1: (document): invalid YAML"));
  }
  SECTION("unknown key") {
    const auto p =
        write(dir, "unknown.yaml",
              replace(VALID, "  sample_size: 40", "  sample_size: 40\n  sampel_size: 41"));
    REQUIRE(error_of(p) == p.string() +
                               ":5:3: design.sampel_size: unknown key, expected one of alpha, "
                               "confidence_level, endpoint, intervals, null_response_rate, "
                               "sample_size, test, type (did you mean `sample_size`?)");
  }
  SECTION("string where a number belongs") {
    const auto p = write(dir, "string.yaml",
                         replace(VALID, "null_response_rate: 0.6", "null_response_rate: sixty"));
    REQUIRE(error_of(p) ==
            p.string() + ":5:23: design.null_response_rate: found \"sixty\", expected a number");
  }
  SECTION("quoted number is a string") {
    const auto p =
        write(dir, "quoted.yaml", replace(VALID, "sample_size: 40", "sample_size: \"40\""));
    REQUIRE_THAT(error_of(p),
                 Catch::Contains(":4:16: design.sample_size: found the string \"40\""));
  }
  SECTION("alpha out of range") {
    const auto p = write(dir, "alpha.yaml",
                         replace(VALID, "  sample_size: 40", "  sample_size: 40\n  alpha: 1.5"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":5:10: design.alpha: value 1.5 is out of range, expected a number in (0, 1)");
  }
  SECTION("n = 0") {
    const auto p = write(dir, "n0.yaml", replace(VALID, "sample_size: 40", "sample_size: 0"));
    REQUIRE(error_of(p) == p.string() +
                               ":4:16: design.sample_size: value 0 is out of range, expected an "
                               "integer from 1 to 100000");
  }
  SECTION("missing required key") {
    const auto p = write(dir, "missing.yaml", replace(VALID, "  null_response_rate: 0.6\n", ""));
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":3:3: design.null_response_rate: missing required key, expected a number in (0, 1)");
  }
  SECTION("missing file") {
    const auto p = dir / "does-not-exist.yaml";
    REQUIRE(error_of(p) == p.string() +
                               ":0:0: (document): file not found or not a regular file, expected a "
                               "readable YAML config file");
  }
  SECTION("unsupported schema version") {
    const auto p = write(dir, "v2.yaml", replace(VALID, "schema_version: 1", "schema_version: 2"));
    REQUIRE(error_of(p) ==
            p.string() + ":1:17: schema_version: unsupported schema version 2, expected 1");
  }
  SECTION("bare null as a scenario name") {
    const auto p = write(dir, "nullname.yaml", replace(VALID, "name: a", "name: null"));
    REQUIRE_THAT(error_of(p), Catch::Contains(":7:11: scenarios.0.name: found null"));
  }
  SECTION("duplicate scenario names") {
    const auto p = write(dir, "dup.yaml", replace(VALID, "name: b", "name: a"));
    REQUIRE_THAT(error_of(p),
                 Catch::Contains(":9:11: scenarios.1.name: duplicate scenario name \"a\""));
  }
  SECTION("unknown interval method") {
    const auto p =
        write(dir, "iv.yaml",
              replace(VALID, "  sample_size: 40", "  sample_size: 40\n  intervals: [wald]"));
    REQUIRE(error_of(p) == p.string() +
                               ":5:15: design.intervals.0: found \"wald\", expected a non-empty "
                               "list of distinct values from clopper_pearson, wilson, jeffreys");
  }
  SECTION("bad --set values point at the override") {
    const auto p = write(dir, "ok.yaml", VALID);
    REQUIRE(error_of(p, {"design.alpha=1.5"}) ==
            "--set design.alpha=1.5:1:14: design.alpha: value 1.5 is out of range, expected a "
            "number in (0, 1)");
    REQUIRE(
        error_of(p, {"design.smaple_size=3"}) ==
        "--set design.smaple_size=3:1:20: design.smaple_size: unknown key, expected one of alpha, "
        "confidence_level, endpoint, intervals, null_response_rate, sample_size, test, type (did "
        "you mean `sample_size`?)");
    REQUIRE_THAT(error_of(p, {"scenarios.5.response_rate=0.1"}), Catch::Contains("no list item 5"));
    REQUIRE_THAT(error_of(p, {"no_equals_sign"}), Catch::Contains("expected --set key.path=value"));
  }
}

TEST_CASE("the parser records every key it accepts", "[config]") {
  TempDir dir("config-keys");
  KeyRegistry registry;
  load_study_config(write(dir, "k.yaml", VALID), {}, &registry);
  const auto& keys = registry.keys();
  for (const char* key :
       {"schema_version", "name", "description", "simulation", "design.type", "design.sample_size",
        "design.intervals", "scenarios[].name", "scenarios[].response_rate"}) {
    INFO(key);
    REQUIRE(keys.count(key) == 1);
  }
}
