// Hostile and mistaken config input (issue 12 items 1, 3, 4, 5): strict YAML, safe names,
// everything a run would find checked at load, range-checked model parameters and resource caps.
// Each case loads a config in-process and asserts the exact one-line ConfigError (FILE:LINE:COL:
// key.path: problem, expected ...), so `validate` and `run` (both call load_study_config) refuse
// it with exit 2 before any replicate is drawn.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "config_test_support.h"
#include "core/accumulator.h"
#include "core/text_escape.h"
#include "edges/config/study_config.h"
#include "support.h"

using namespace trialsim;
using trialsim::testing::error_of;
using trialsim::testing::read_text;
using trialsim::testing::replace;
using trialsim::testing::source_path;
using trialsim::testing::TempDir;
using trialsim::testing::write;

namespace {

const std::string& BINARY = trialsim::testing::SINGLE_ARM_BINARY_YAML;

const std::string SURVIVAL = R"(schema_version: 1
design:
  type: two_arm_survival
  sample_size: 200
  accrual: {type: uniform, duration: 12}
  analysis: {trigger: events, events: 100}
model:
  type: exponential
  control_survival: {median: 12}
scenarios:
  - {name: hr-0.7, hazard_ratio: 0.7}
)";

// A CAR-T config simulated from `fitted` (an absolute path).
std::string car_t_config(const std::filesystem::path& fitted,
                         const std::string& scenarios_and_more) {
  return "schema_version: 1\n"
         "design:\n"
         "  type: single_arm_car_t\n"
         "  sample_size: 45\n"
         "  accrual: {type: uniform, duration: 18}\n"
         "  analysis: {trigger: after_last_enrolment, follow_up: 12}\n"
         "  null_response_rate: 0.6\n"
         "model:\n"
         "  fitted: " +
         fitted.string() + "\n" + scenarios_and_more;
}

std::filesystem::path repository_fitted() {
  return source_path("configs/fitted/inati-cel-post-hsct.yaml");
}

// The repository's fitted model cut to its first `rows` posterior draws (small and fast).
std::string small_fitted_text(std::size_t rows = 3) {
  const std::string full = read_text(repository_fitted());
  const auto values = full.find("  values:\n");
  REQUIRE(values != std::string::npos);
  std::size_t end = values + std::string("  values:\n").size();
  for (std::size_t r = 0; r < rows; ++r) end = full.find('\n', end) + 1;
  return full.substr(0, end);
}

// 1-based line and column of the first `needle` in `text`, as "LINE:COL".
std::string line_col(const std::string& text, const std::string& needle,
                     std::size_t offset_in_needle = 0) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  const std::size_t position = at + offset_in_needle;
  const auto line_start = text.rfind('\n', position == 0 ? 0 : position - 1);
  const std::size_t column = line_start == std::string::npos ? position + 1 : position - line_start;
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(position), '\n');
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

// ---------------------------------------------------------------- strict YAML (item 3)

TEST_CASE("duplicate keys at any level are errors at the second key", "[hostile]") {
  TempDir dir("strict-duplicates");
  SECTION("top level") {
    const auto p = write(dir, "top.yaml", BINARY + "design: {type: single_arm_binary}\n");
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":11:1: design: duplicate key (first at line 2), expected each key once in a mapping");
  }
  SECTION("nested mapping") {
    const auto p =
        write(dir, "nested.yaml",
              replace(BINARY, "  sample_size: 40\n", "  sample_size: 40\n  sample_size: 400\n"));
    REQUIRE(error_of(p) == p.string() +
                               ":5:3: design.sample_size: duplicate key (first at line 4), "
                               "expected each key once in a mapping");
  }
  SECTION("inside a list item") {
    const auto p = write(dir, "item.yaml",
                         replace(BINARY, "    response_rate: 0.6\n",
                                 "    response_rate: 0.6\n    response_rate: 0.9\n"));
    REQUIRE(error_of(p) == p.string() +
                               ":9:5: scenarios.0.response_rate: duplicate key (first at line 8), "
                               "expected each key once in a mapping");
  }
  SECTION("flow mapping") {
    const auto p = write(dir, "flow.yaml",
                         replace(BINARY, "  - name: b\n    response_rate: 0.8\n",
                                 "  - {name: b, response_rate: 0.8, name: c}\n"));
    REQUIRE(error_of(p) == p.string() +
                               ":9:35: scenarios.1.name: duplicate key (first at line 9), expected "
                               "each key once in a mapping");
  }
  SECTION("quoted and plain spellings of one key") {
    const auto p =
        write(dir, "quoted.yaml",
              replace(BINARY, "  sample_size: 40\n", "  sample_size: 40\n  \"sample_size\": 41\n"));
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() +
                                   ":5:3: design.sample_size: duplicate key (first at line 4)"));
  }
  SECTION("in a --set value") {
    const auto p = write(dir, "set.yaml", BINARY);
    REQUIRE(error_of(p, {"scenarios.0={name: x, name: y, response_rate: 0.5}"}) ==
            "--set scenarios.0={name: x, name: y, response_rate: 0.5}:1:23: scenarios.0.name: "
            "duplicate key (first at line 1), "
            "expected each key once in a mapping");
  }
  SECTION("a key that is a list") {
    const auto p = write(dir, "complex.yaml", BINARY + "? [a, b]\n: 1\n");
    REQUIRE(error_of(p) == p.string() +
                               ":11:3: (document): a mapping key that is a list or mapping, "
                               "expected plain keys (names)");
  }
}

// A null key has no key path: yaml-cpp keeps it in the tree, but a lookup by its (empty) name
// finds nothing, and the grid reader once ended in an uncaught YAML::InvalidNode on one.
TEST_CASE("empty and null mapping keys are errors where they are written", "[hostile]") {
  TempDir dir("strict-null-keys");
  const std::string expected =
      ": an empty or null mapping key, expected plain keys (names; quote \"null\" or \"~\" to "
      "use it as a name)";
  SECTION("an empty grid axis") {
    const auto p = write(dir, "grid.yaml", BINARY + "grid:\n  : [40, 60]\n");
    REQUIRE(error_of(p) == p.string() + ":12:3: grid" + expected);
  }
  SECTION("each spelling of null, nested") {
    for (const std::string key : {"~", "null", "Null", "NULL"}) {
      const auto p =
          write(dir, "nested.yaml",
                replace(BINARY, "  sample_size: 40\n", "  sample_size: 40\n  " + key + ": 41\n"));
      REQUIRE(error_of(p) == p.string() + ":5:3: design" + expected);
    }
  }
  SECTION("an alias of an anchored null") {
    const auto p = write(dir, "alias.yaml", BINARY + "extra: &n ~\n*n : 1\n");
    REQUIRE(error_of(p) == p.string() + ":12:1: (document)" + expected);
  }
  SECTION("in a --set value") {
    const auto p = write(dir, "set.yaml", BINARY);
    REQUIRE(error_of(p, {"design={~: 1}"}) == "--set design={~: 1}:1:9: design" + expected);
  }
  SECTION("a quoted null is a name, refused as an unknown key") {
    const auto p = write(dir, "quoted.yaml", BINARY + "\"null\": 1\n");
    REQUIRE_THAT(error_of(p), Catch::StartsWith(p.string() + ":11:1: null: unknown key"));
  }
}

TEST_CASE("a second document in a config is an error", "[hostile]") {
  TempDir dir("strict-documents");
  SECTION("with content") {
    const auto p = write(dir, "two.yaml", BINARY + "---\nschema_version: 1\n");
    REQUIRE(error_of(p) == p.string() +
                               ":11:1: (document): a second YAML document (after ---), expected "
                               "one document per file");
  }
  SECTION("empty after the separator") {
    const auto p = write(dir, "empty.yaml", BINARY + "---\n");
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() + ":11:1: (document): a second YAML document"));
  }
  SECTION("after an explicit document end") {
    const auto p = write(dir, "end.yaml", BINARY + "...\n---\nname: other\n");
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() + ":12:1: (document): a second YAML document"));
  }
  SECTION("a leading --- is one document") {
    const auto p = write(dir, "leading.yaml", "---\n" + BINARY);
    REQUIRE(error_of(p) == "no error");
  }
}

TEST_CASE("bytes that are not UTF-8 text are errors at the first bad byte", "[hostile]") {
  TempDir dir("strict-utf8");
  SECTION("a lone 0xFF in a comment") {
    const auto p = write(dir, "ff.yaml",
                         replace(BINARY, "  sample_size: 40\n", "  sample_size: 40  # n \xFF\n"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":4:24: (document): byte 0xFF is not valid UTF-8, expected a file in UTF-8");
  }
  SECTION("a truncated sequence, counted in characters") {
    const auto p = write(dir, "trunc.yaml", replace(BINARY, "name: b", "name: \xC3\xA9t\xC3"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":9:13: (document): byte 0xC3 is not valid UTF-8, expected a file in UTF-8");
  }
  SECTION("an overlong encoding of '/'") {
    const auto p = write(dir, "overlong.yaml",
                         replace(BINARY, "name: b",
                                 "name: a\xC0\xAF"
                                 "b"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":9:12: (document): byte 0xC0 is not valid UTF-8, expected a file in UTF-8");
  }
  SECTION("an encoded surrogate") {
    const auto p = write(dir, "surrogate.yaml", replace(BINARY, "name: b", "name: \xED\xA0\x80"));
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() + ":9:11: (document): byte 0xED is not valid UTF-8"));
  }
  SECTION("UTF-16 with a byte-order mark") {
    const auto p = write(dir, "utf16.yaml", std::string("\xFF\xFE", 2) + std::string("s\0", 2));
    REQUIRE(error_of(p) ==
            p.string() +
                ":1:1: (document): byte 0xFF is not valid UTF-8, expected a file in UTF-8");
  }
  SECTION("a raw escape character (ANSI) in a name") {
    const auto p = write(dir, "ansi.yaml", replace(BINARY, "name: b", "name: \x1b[31mred"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":9:11: (document): control character U+001B in the text, expected printable "
                "UTF-8 text (write control characters as escapes in a double-quoted string)");
  }
  SECTION("a NUL byte") {
    const auto p = write(dir, "nul.yaml", replace(BINARY, "name: b", std::string("name: b\0c", 9)));
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() + ":9:12: (document): control character U+0000"));
  }
  SECTION("in a --set value") {
    const auto p = write(dir, "set.yaml", BINARY);
    const std::string error = error_of(p, {"scenarios.0.name=a\xFF"});
    // The message carries the assignment as given; the CLI prints it through terminal_safe.
    REQUIRE(error ==
            "--set scenarios.0.name=a\xFF:1:19: scenarios.0.name: byte 0xFF is not valid UTF-8, "
            "expected UTF-8 text");
  }
}

TEST_CASE("explicit tags are refused where they are written", "[hostile]") {
  TempDir dir("strict-tags");
  const std::string expected = ", expected a value without a tag (quote it to make a string)";
  SECTION("!!str on a number") {
    const auto p =
        write(dir, "str.yaml", replace(BINARY, "sample_size: 40", "sample_size: !!str 40"));
    REQUIRE(error_of(p) == p.string() + ":4:16: design.sample_size: explicit tag !!str" + expected);
  }
  SECTION("!!int on a name") {
    const auto p = write(dir, "int.yaml", replace(BINARY, "name: a", "name: !!int 7"));
    REQUIRE(error_of(p) == p.string() + ":7:11: scenarios.0.name: explicit tag !!int" + expected);
  }
  SECTION("a local tag") {
    const auto p =
        write(dir, "local.yaml", replace(BINARY, "response_rate: 0.8", "response_rate: !pct 80"));
    REQUIRE(error_of(p) ==
            p.string() + ":10:20: scenarios.1.response_rate: explicit tag !pct" + expected);
  }
  SECTION("a verbatim tag") {
    const auto p = write(dir, "verbatim.yaml",
                         replace(BINARY, "null_response_rate: 0.6",
                                 "null_response_rate: !<tag:yaml.org,2002:float> 0.6"));
    REQUIRE(error_of(p) ==
            p.string() + ":5:23: design.null_response_rate: explicit tag !!float" + expected);
  }
  SECTION("a tag on a mapping") {
    const auto p = write(dir, "map.yaml", replace(BINARY, "design:\n", "design: !!map\n"));
    REQUIRE(error_of(p) == p.string() + ":2:9: design: explicit tag !!map" + expected);
  }
  SECTION("a tag on a key") {
    const auto p =
        write(dir, "key.yaml", replace(BINARY, "  sample_size: 40", "  !!str sample_size: 40"));
    REQUIRE(error_of(p) ==
            p.string() + ":4:3: design.sample_size: explicit tag !!str on a key" + expected);
  }
  SECTION("in a --set value") {
    const auto p = write(dir, "set.yaml", BINARY);
    REQUIRE(error_of(p, {"design.sample_size=!!str 40"}) ==
            "--set design.sample_size=!!str 40:1:20: design.sample_size: explicit tag !!str" +
                expected);
  }
}

TEST_CASE("the fitted model file is read as strictly as the config", "[hostile]") {
  TempDir dir("strict-fitted");
  const std::string fitted = small_fitted_text();
  SECTION("a duplicate key in the fitted file") {
    const std::string text = replace(fitted, "point:\n", "point:\n  p_tp53: 0.1\n");
    const auto f = write(dir, "dup-fitted.yaml", text);
    const auto p = write(dir, "c.yaml", car_t_config(f, "scenarios:\n  - name: fitted\n"));
    // The file's own p_tp53 line (whole, so that it is not the inserted one, whatever the value).
    const auto own = fitted.find("  p_tp53: ");
    const std::string own_line = fitted.substr(own, fitted.find('\n', own) - own);
    const std::string first_tp53 = line_col(text, own_line);
    REQUIRE(error_of(p) == f.string() + ":" + first_tp53.substr(0, first_tp53.find(':')) +
                               ":3: point.p_tp53: duplicate key (first at line 13), expected each "
                               "key once in a mapping");
  }
  SECTION("a tag in the fitted file") {
    const std::string text = replace(fitted, "p_kmt2a: ", "p_kmt2a: !!str ");
    const auto f = write(dir, "tag-fitted.yaml", text);
    const auto p = write(dir, "c.yaml", car_t_config(f, "scenarios:\n  - name: fitted\n"));
    REQUIRE(error_of(p) == f.string() + ":" + line_col(text, "!!str") +
                               ": point.p_kmt2a: explicit tag !!str, expected a value without a "
                               "tag (quote it to make a string)");
  }
}

// ---------------------------------------------------------------- names (item 1)

TEST_CASE("the top-level name is a safe file name", "[hostile]") {
  TempDir dir("names");
  const std::string expected =
      ", expected 1 to 100 characters from A-Z a-z 0-9 . _ - (no leading dot, no \"..\"; it names "
      "the output directory)";
  const auto named = [&](const std::string& file, const std::string& name) {
    return write(dir, file, "name: " + name + "\n" + BINARY);
  };
  SECTION("a path that climbs out") {
    const auto p = named("up.yaml", "../../etc");
    REQUIRE(error_of(p) ==
            p.string() + ":1:7: name: the name \"../../etc\" starts with a dot" + expected);
  }
  SECTION("a slash") {
    const auto p = named("slash.yaml", "results/x");
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":1:7: name: the name \"results/x\" contains a character other than letters, digits, "
            "'.', '_' and '-'" +
            expected);
  }
  SECTION("a hidden name") {
    const auto p = named("hidden.yaml", ".cache");
    REQUIRE(error_of(p) ==
            p.string() + ":1:7: name: the name \".cache\" starts with a dot" + expected);
  }
  SECTION("two dots inside") {
    const auto p = named("dots.yaml", "a..b");
    REQUIRE(error_of(p) == p.string() + ":1:7: name: the name \"a..b\" contains \"..\"" + expected);
  }
  SECTION("a space") {
    const auto p = named("space.yaml", "\"my study\"");
    REQUIRE_THAT(error_of(p),
                 Catch::StartsWith(p.string() +
                                   ":1:7: name: the name \"my study\" contains a character other"));
  }
  SECTION("101 characters") {
    const auto p = named("long.yaml", std::string(101, 'n'));
    REQUIRE(error_of(p) == p.string() + ":1:7: name: the name has 101 characters" + expected);
  }
  SECTION("empty") {
    const auto p = named("empty.yaml", "\"\"");
    REQUIRE(error_of(p) == p.string() + ":1:7: name: the name is empty" + expected);
  }
  SECTION("a newline from --set is data in the message, shown escaped on one line") {
    // The message carries the name as it is; the CLI prints every message through
    // terminal_safe (once), which the corpus and test_hostile_escaping check end to end.
    const auto p = write(dir, "ok.yaml", BINARY);
    const std::string error = error_of(p, {"name=\"x\\n!touch pwned\""});
    REQUIRE_THAT(error,
                 Catch::Contains("name: the name \"x\n!touch pwned\" contains a character other"));
    const std::string shown = terminal_safe(error);
    REQUIRE(shown.find('\n') == std::string::npos);
    REQUIRE_THAT(shown, Catch::Contains("the name \"x\\n!touch pwned\""));
  }
  SECTION("a file name that is not a safe name needs a name key") {
    const auto p = write(dir, "my study.yaml", BINARY);
    REQUIRE(error_of(p) ==
            p.string() +
                ":1:1: (document): the name \"my study\" contains a character other than letters, "
                "digits, '.', '_' and '-' (taken from the config file name), expected a `name:` "
                "key with " +
                expected.substr(std::string(", expected ").size()));
  }
  SECTION("100 safe characters are fine") {
    REQUIRE(error_of(named("fine.yaml", "Study_2024-v1." + std::string(86, 'x'))) == "no error");
  }
}

TEST_CASE("scenario names are free text, bounded and unique, and errors show them escaped",
          "[hostile]") {
  TempDir dir("scenario-names");
  SECTION("hostile text is accepted as data") {
    const std::string name = "x\n!touch pwned\n\"$(id)\" `id` \x1b[31m \\ '";
    const auto p = write(dir, "free.yaml",
                         replace(BINARY, "name: b",
                                 "name: \"x\\n!touch pwned\\n\\\"$(id)\\\" `id` \\e[31m \\\\ '\""));
    const StudyConfig config = load_study_config(p, {});
    REQUIRE(config.scenario_names()[1] == name);
  }
  SECTION("201 characters") {
    const std::string long_name(200, 'x');
    const auto p =
        write(dir, "long.yaml", replace(BINARY, "name: b", "name: \"\xC3\xA9" + long_name + "\""));
    REQUIRE(error_of(p) ==
            p.string() +
                ":9:11: scenarios.1.name: the scenario name has 201 characters, expected a unique, "
                "non-empty name of valid UTF-8 text, at most 200 characters");
  }
  SECTION("200 characters of two bytes each are fine") {
    std::string name;
    for (int i = 0; i < 200; ++i) name += "\xC3\xA9";
    REQUIRE(error_of(write(dir, "wide.yaml", replace(BINARY, "name: b", "name: " + name))) ==
            "no error");
  }
  SECTION("a duplicate with a newline is reported on one line") {
    const auto p =
        write(dir, "dup.yaml",
              replace(replace(BINARY, "name: a", "name: \"a\\nb\""), "name: b", "name: \"a\\nb\""));
    REQUIRE(error_of(p) ==
            p.string() +
                ":9:11: scenarios.1.name: duplicate scenario name \"a\nb\", expected a unique, "
                "non-empty name of valid UTF-8 text, at most 200 characters");
  }
}

// ---------------------------------------------------------------- grid, search, precision (item 4)

TEST_CASE("every grid value is applied and checked at load, located at the value", "[hostile]") {
  TempDir dir("grid");
  SECTION("a value out of range") {
    const auto p = write(dir, "range.yaml", BINARY + "grid:\n  design.sample_size: [20, 0, 40]\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:28: grid.design.sample_size.1: the value 0 makes design.sample_size invalid "
                "(value 0 is out of range), expected an integer from 1 to 100000");
  }
  SECTION("a value of the wrong type") {
    const auto p =
        write(dir, "type.yaml", BINARY + "grid:\n  scenarios.0.response_rate: [0.5, high]\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:36: grid.scenarios.0.response_rate.1: the value high makes "
                "scenarios.0.response_rate invalid (found \"high\"), expected a number");
  }
  SECTION("a key path that is no key of this design") {
    const auto p = write(dir, "key.yaml", BINARY + "grid:\n  design.sampel_size: [20, 30]\n");
    REQUIRE_THAT(
        error_of(p),
        Catch::StartsWith(p.string() +
                          ":12:24: grid.design.sampel_size.0: the value 20 makes "
                          "design.sampel_size invalid (unknown key), expected one of alpha,"));
  }
  SECTION("a list item that does not exist") {
    const auto p = write(dir, "item.yaml", BINARY + "grid:\n  scenarios.7.response_rate: [0.5]\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:31: grid.scenarios.7.response_rate.0: the value 0.5 makes scenarios.7 invalid "
                "(no list item 7), expected an index from 0 to 1");
  }
  SECTION("a value that breaks another key") {
    const auto p = write(dir, "other.yaml", SURVIVAL + "grid:\n  design.sample_size: [300, 50]\n");
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":13:29: grid.design.sample_size.1: the value 50 makes design.analysis.events invalid "
            "(value 100 is out of range), expected an integer from 1 to 50");
  }
  SECTION("the last of 10 000 values") {
    std::string values;
    for (int n = 1; n < 10000; ++n) values += std::to_string(n) + ", ";
    const auto p =
        write(dir, "last.yaml", BINARY + "grid:\n  design.sample_size: [" + values + "0]\n");
    REQUIRE(error_of(p) ==
            p.string() + ":12:" + std::to_string(24 + values.size()) +
                ": grid.design.sample_size.9999: the value 0 makes design.sample_size invalid "
                "(value 0 is out of range), expected an integer from 1 to 100000");
  }
  SECTION("more than 10 000 cells") {
    const auto p =
        write(dir, "cells.yaml",
              BINARY +
                  "grid:\n"
                  "  design.sample_size: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, "
                  "24, 25, 26, 27, 28, 29, 30]\n"
                  "  design.alpha: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, "
                  "0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.2, 0.21]\n"
                  "  scenarios.0.response_rate: [0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, "
                  "0.58, 0.59, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68, 0.69, 0.7, "
                  "0.71, 0.72, 0.73]\n");
    REQUIRE(error_of(p) == p.string() +
                               ":14:30: grid.scenarios.0.response_rate: the grid has more than "
                               "10000 cells, expected at "
                               "most 10000 cells (the product of the axes' value counts)");
  }
}

TEST_CASE("a search is checked at load: integer key, range, count and target", "[hostile]") {
  TempDir dir("search");
  const auto search = [&](const std::string& file, const std::string& body) {
    return write(dir, file, BINARY + "search:\n" + body);
  };
  const std::string target =
      "  target: {scenario: b, analysis: exact_binomial_test, metric: rejection_probability, "
      "at_least: 0.8}\n";
  SECTION("a parameter that is not an integer") {
    const auto p = search("real.yaml",
                          "  parameter: design.null_response_rate\n  from: 1\n  to: 3\n" + target);
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":12:14: search.parameter: \"design.null_response_rate\" is not an integer key of "
            "this design, expected the key path of an integer setting, e.g. design.sample_size");
  }
  SECTION("a parameter that is no key of this design") {
    const auto p =
        search("unknown.yaml", "  parameter: design.events\n  from: 10\n  to: 20\n" + target);
    REQUIRE_THAT(
        error_of(p),
        Catch::StartsWith(p.string() +
                          ":12:14: search.parameter: \"design.events\" is not an integer key"));
  }
  SECTION("an end of the range that breaks another key") {
    const auto p = write(dir, "events.yaml",
                         SURVIVAL +
                             "search:\n  parameter: design.sample_size\n  from: 90\n  to: 200\n"
                             "  target: {scenario: hr-0.7, analysis: logrank, metric: "
                             "rejection_probability, at_least: 0.8}\n");
    REQUIRE(
        error_of(p) ==
        p.string() +
            ":14:9: search.from: the value 90 makes design.analysis.events invalid (value 100 is "
            "out of range), expected an integer from 1 to 90");
  }
  SECTION("from above to") {
    const auto p =
        search("order.yaml", "  parameter: design.sample_size\n  from: 50\n  to: 30\n" + target);
    REQUIRE(error_of(p) ==
            p.string() + ":14:7: search.to: value 30 is out of range, expected an integer >= 50");
  }
  SECTION("step 0") {
    const auto p = search(
        "step.yaml", "  parameter: design.sample_size\n  from: 10\n  to: 30\n  step: 0\n" + target);
    REQUIRE_THAT(
        error_of(p),
        Catch::StartsWith(p.string() +
                          ":15:9: search.step: value 0 is out of range, expected an integer >= 1"));
  }
  SECTION("2001 values") {
    const auto p =
        search("count.yaml", "  parameter: design.sample_size\n  from: 1\n  to: 2001\n" + target);
    REQUIRE(error_of(p) ==
            p.string() +
                ":14:7: search.to: the range has 2001 values, expected at most 2000 values "
                "(a narrower range or a larger step)");
  }
  SECTION("an end of the range the design refuses") {
    const auto p = search(
        "end.yaml",
        "  parameter: design.sample_size\n  from: 99000\n  to: 101000\n  step: 1000\n" + target);
    REQUIRE(error_of(p) ==
            p.string() +
                ":14:7: search.to: the value 101000 makes design.sample_size invalid "
                "(value 101000 is out of range), expected an integer from 1 to 100000");
  }
  SECTION("an unknown target scenario") {
    const auto p = search("scenario.yaml",
                          "  parameter: design.sample_size\n  from: 10\n  to: 30\n"
                          "  target: {scenario: c, analysis: exact_binomial_test, metric: "
                          "rejection_probability, at_least: 0.8}\n");
    REQUIRE(error_of(p) == p.string() +
                               ":15:22: search.target.scenario: no scenario \"c\" in this config, "
                               "expected one of a, b");
  }
  SECTION("an analysis this design does not report") {
    const auto p = search("analysis.yaml",
                          "  parameter: design.sample_size\n  from: 10\n  to: 30\n"
                          "  target: {scenario: b, analysis: logrank, metric: "
                          "rejection_probability, at_least: 0.8}\n");
    REQUIRE(error_of(p) == p.string() +
                               ":15:35: search.target.analysis: no analysis \"logrank\" in the "
                               "results of this design, "
                               "expected one of exact_binomial_test, response_rate, "
                               "clopper_pearson, wilson, jeffreys");
  }
  SECTION("a metric the analysis does not report") {
    const auto p = search(
        "metric.yaml",
        "  parameter: design.sample_size\n  from: 10\n  to: 30\n"
        "  target: {scenario: b, analysis: exact_binomial_test, metric: power, at_least: 0.8}\n");
    REQUIRE(error_of(p) == p.string() +
                               ":15:64: search.target.metric: no metric \"power\" for analysis "
                               "\"exact_binomial_test\" "
                               "in this design, expected one of rejection_probability");
  }
}

TEST_CASE("a precision target must be a row this design reports", "[hostile]") {
  TempDir dir("precision");
  const auto precision = [&](const std::string& file, const std::string& target) {
    return write(dir, file,
                 SURVIVAL + "simulation:\n  precision: {" + target + ", target_mcse: 0.01}\n");
  };
  SECTION("unknown scenario") {
    const auto p =
        precision("s.yaml", "scenario: hr-0.5, analysis: logrank, metric: rejection_probability");
    REQUIRE(error_of(p) == p.string() +
                               ":13:25: simulation.precision.scenario: no scenario \"hr-0.5\" in "
                               "this config, expected one of hr-0.7");
  }
  SECTION("unknown metric") {
    const auto p = precision("m.yaml", "scenario: hr-0.7, analysis: logrank, metric: power");
    REQUIRE(error_of(p) == p.string() +
                               ":13:60: simulation.precision.metric: no metric \"power\" for "
                               "analysis \"logrank\" in this "
                               "design, expected one of rejection_probability, mean_z");
  }
  SECTION("a landmark analysis at a time the design does not use") {
    const auto p =
        precision("km.yaml", "scenario: hr-0.7, analysis: km_control_24, metric: ci_coverage");
    REQUIRE_THAT(
        error_of(p),
        Catch::StartsWith(p.string() +
                          ":13:43: simulation.precision.analysis: no analysis \"km_control_24\""));
  }
  SECTION("the assurance twin of a CAR-T scenario is a reported scenario") {
    const auto p = write(
        dir, "assurance.yaml",
        car_t_config(repository_fitted(),
                     "  uncertainty: posterior\n"
                     "scenarios:\n  - name: fitted\n"
                     "simulation:\n  precision: {scenario: fitted (assurance), analysis: "
                     "exact_binomial_test, metric: rejection_probability, target_mcse: 0.01}\n"));
    REQUIRE(error_of(p) == "no error");
    const auto point_only =
        write(dir, "point.yaml", replace(read_text(p), "  uncertainty: posterior\n", ""));
    REQUIRE_THAT(
        error_of(point_only),
        Catch::EndsWith("simulation.precision.scenario: no scenario \"fitted (assurance)\" in this "
                        "config, expected one of fitted"));
  }
  SECTION("a reported row is accepted") {
    REQUIRE(error_of(precision(
                "ok.yaml", "scenario: hr-0.7, analysis: conduct, metric: study_duration_q50")) ==
            "no error");
  }
}

// ---------------------------------------------------------------- model parameters (item 4)

TEST_CASE("model overrides are range-checked by the parameter's unit", "[hostile]") {
  TempDir dir("overrides");
  const auto fitted = repository_fitted();
  const auto config = [&](const std::string& file, const std::string& rest) {
    return write(dir, file, car_t_config(fitted, rest));
  };
  SECTION("a percentage given for a proportion") {
    const auto p =
        config("pct.yaml", "  overrides: {p_extramedullary: 35}\nscenarios:\n  - name: fitted\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":10:33: model.overrides.p_extramedullary: value 35 is out of range for "
                "p_extramedullary, expected a proportion in [0, 1]");
  }
  SECTION("a zero scale in a scenario") {
    const auto p =
        config("scale.yaml", "scenarios:\n  - name: fitted\n    overrides: {relapse_scale: 0}\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:32: scenarios.0.overrides.relapse_scale: value 0 is out of range for "
                "relapse_scale, expected a number in (0, 1e6] (months)");
  }
  SECTION("a negative rate") {
    const auto p =
        config("rate.yaml", "scenarios:\n  - name: fitted\n    overrides: {dropout_rate: -0.1}\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:31: scenarios.0.overrides.dropout_rate: value -0.1 is out of range for "
                "dropout_rate, expected a number in [0, 1e6] (per month)");
  }
  SECTION("a logit beyond any meaning") {
    const auto p =
        config("logit.yaml",
               "scenarios:\n  - name: fitted\n    overrides: {response_logit_intercept: 80}\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":12:43: scenarios.0.overrides.response_logit_intercept: value 80 is out of range "
                "for response_logit_intercept, expected a log-odds value in [-50, 50]");
  }
  SECTION("a correlation beyond 1") {
    const auto p = config(
        "rho.yaml", "scenarios:\n  - name: fitted\n    overrides: {ph_ikzf1_correlation: -2}\n");
    REQUIRE_THAT(error_of(p), Catch::EndsWith("expected a correlation in [-1, 1]"));
  }
  SECTION("a hazard ratio of 0 in the maintenance design") {
    const auto p = write(dir, "hr.yaml",
                         "schema_version: 1\n"
                         "design:\n"
                         "  type: maintenance_after_car_t\n"
                         "  sample_size: 160\n"
                         "  accrual: {type: uniform, duration: 24}\n"
                         "  analysis: {trigger: events, events: 60}\n"
                         "model:\n"
                         "  fitted: " +
                             fitted.string() +
                             "\n"
                             "scenarios:\n"
                             "  - {name: none, overrides: {maintenance_hazard_ratio: 0}}\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":10:56: scenarios.0.overrides.maintenance_hazard_ratio: value 0 is out of range "
                "for maintenance_hazard_ratio, expected a number in (0, 1e6]");
  }
  SECTION("an unknown parameter stays an error") {
    const auto p =
        config("name.yaml", "  overrides: {p_extramedulary: 0.3}\nscenarios:\n  - name: fitted\n");
    REQUIRE_THAT(error_of(p),
                 Catch::Contains("model.overrides.p_extramedulary: unknown model parameter"));
  }
}

TEST_CASE("the fitted model's numbers are checked at load, located in the fitted file",
          "[hostile]") {
  TempDir dir("fitted-values");
  const std::string fitted = small_fitted_text();
  const auto run_with = [&](const std::string& name, const std::string& text) {
    const auto f = write(dir, name, text);
    return std::pair{
        f, error_of(write(dir, "c-" + name, car_t_config(f, "scenarios:\n  - name: fitted\n")))};
  };
  SECTION("a point probability above 1") {
    const std::string text = replace(fitted, "p_crs_any: 0.", "p_crs_any: 1.");
    const auto [f, error] = run_with("point.yaml", text);
    REQUIRE_THAT(error, Catch::StartsWith(f.string() + ":" + line_col(text, "p_crs_any: 1.", 11) +
                                          ": point.p_crs_any: value 1."));
    REQUIRE_THAT(
        error, Catch::EndsWith(" is out of range for p_crs_any, expected a proportion in [0, 1]"));
  }
  SECTION("a NaN in the posterior draws") {
    const auto row = fitted.find("    - [") + 7;
    std::string text = fitted;
    text.replace(row, text.find(',', row) - row, ".nan");
    const auto [f, error] = run_with("nan.yaml", text);
    REQUIRE(error == f.string() + ":" + line_col(text, ".nan") +
                         ": draws.values.0.0: value NA is out of range for p_extramedullary, "
                         "expected a proportion in [0, 1]");
  }
  SECTION("a negative rate in the posterior draws") {
    const std::string columns_line = fitted.substr(fitted.find("columns: ["));
    // death_after_relapse_rate's column (0-based) among the file's columns, as written by `fit`.
    const auto name_at = columns_line.find("death_after_relapse_rate");
    REQUIRE(name_at != std::string::npos);
    const int column = static_cast<int>(std::count(
        columns_line.begin(), columns_line.begin() + static_cast<std::ptrdiff_t>(name_at), ','));
    std::string text = fitted;
    const auto row_start = text.find("    - [", text.find("    - [") + 1) + 7;  // second draw
    std::size_t at = row_start;
    for (int c = 0; c < column; ++c) at = text.find(", ", at) + 2;
    text.replace(at, text.find(',', at) - at, "-0.5");
    const auto [f, error] = run_with("neg.yaml", text);
    REQUIRE(error == f.string() + ":" +
                         std::to_string(
                             1 + std::count(text.begin(),
                                            text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) +
                         ":" + std::to_string(at - text.rfind('\n', at)) + ": draws.values.1." +
                         std::to_string(column) +
                         ": value -0.5 is out of range for "
                         "death_after_relapse_rate, expected a number in "
                         "[0, 1e6] (per month)");
  }
}

// ---------------------------------------------------------------- resource caps (item 5)

TEST_CASE("resource caps are exit-2 errors at the key that exceeds them", "[hostile]") {
  TempDir dir("caps");
  SECTION("replicates above 10^12") {
    const auto p = write(dir, "r.yaml", BINARY + "simulation: {replicates: 1000000000001}\n");
    REQUIRE(error_of(p) ==
            p.string() +
                ":11:26: simulation.replicates: value 1000000000001 is out of range, expected an "
                "integer from 1 to 1000000000000");
  }
  SECTION("replicates of 10^12 are allowed") {
    REQUIRE(error_of(write(dir, "ok.yaml", BINARY + "simulation: {replicates: 1000000000000}\n")) ==
            "no error");
  }
  SECTION("precision cap above 10^12") {
    const auto p =
        write(dir, "m.yaml",
              BINARY +
                  "simulation:\n  precision: {scenario: a, analysis: estimate, metric: bias, "
                  "target_mcse: 0.01, max_replicates: 99999999999999}\n");
    REQUIRE_THAT(error_of(p),
                 Catch::Contains(
                     ": simulation.precision.max_replicates: value 99999999999999 is out of range, "
                     "expected an integer from 1024 to 1000000000000"));
  }
  SECTION("more than 1 000 scenarios") {
    std::string text = replace(
        BINARY, "  - name: a\n    response_rate: 0.6\n  - name: b\n    response_rate: 0.8\n", "");
    for (int i = 0; i < 1001; ++i)
      text += "  - {name: s" + std::to_string(i) + ", response_rate: 0.5}\n";
    const auto p = write(dir, "s.yaml", text);
    REQUIRE(error_of(p) ==
            p.string() + ":7:3: scenarios: a list of 1001 items, expected at most 1000 items");
  }
  SECTION("more than 100 landmarks") {
    std::string landmarks;
    for (int i = 1; i <= 101; ++i) landmarks += (i > 1 ? ", " : "") + std::to_string(i);
    const auto p =
        write(dir, "l.yaml",
              replace(SURVIVAL, "  analysis:", "  landmarks: [" + landmarks + "]\n  analysis:"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":6:14: design.landmarks: a list of 101 numbers, expected at most 100 numbers");
  }
  SECTION("more than 100 accrual segments") {
    std::string segments;
    for (int i = 0; i < 101; ++i) segments += "{rate: 1, duration: 1}, ";
    const auto p = write(dir, "a.yaml",
                         replace(SURVIVAL, "{type: uniform, duration: 12}",
                                 "{type: piecewise, rates: [" + segments + "{rate: 5}]}"));
    REQUIRE(error_of(p) ==
            p.string() +
                ":5:37: design.accrual.rates: a list of 102 items, expected at most 100 items");
  }
}

TEST_CASE("duration and count histograms take huge and non-finite values without overflow",
          "[hostile]") {
  QuantisedDistribution durations(0.01);
  for (int i = 0; i < 10; ++i) durations.add(10.0 + i);  // 10..19 months
  durations.add(1e300);
  durations.add(-1e300);
  durations.add(9.2e16);
  durations.add(std::numeric_limits<double>::infinity());
  REQUIRE(durations.count() == 13);
  REQUIRE(durations.non_finite() == 1);
  const DiscreteDistribution d = durations.distribution();
  const double edge = static_cast<double>(QuantisedDistribution::MAX_BIN) * 0.01;
  REQUIRE(d.quantile(0.0) == -edge);         // -1e300 held at the lower edge
  REQUIRE(d.quantile(0.5) == Approx(15.0));  // the ordinary values are untouched
  REQUIRE(d.quantile(1.0) == edge);          // 1e300 and 9.2e16 at the upper edge, not -9.2e16
  REQUIRE(d.counts().at(edge) == 2);
  QuantisedDistribution merged(0.01);
  merged.merge(durations);
  REQUIRE(merged.distribution().counts() == d.counts());
}

TEST_CASE("every example and study config stays valid", "[hostile]") {
  for (const char* folder : {"configs/examples", "configs/studies"}) {
    for (const auto& entry : std::filesystem::directory_iterator(source_path(folder))) {
      if (entry.path().extension() != ".yaml") continue;
      INFO(entry.path().string());
      REQUIRE(error_of(entry.path()) == "no error");
    }
  }
}
