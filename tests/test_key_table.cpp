// Config keys declared once (config/key_table.h): reading by spec behaves exactly as the
// key-by-key calls it replaces (values and located messages), records the resolved echo, and the
// same tables give the JSON Schema and the Markdown reference.
#include <catch2/catch.hpp>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

#include "config/config_reader.h"
#include "config/json_schema.h"
#include "config/key_table.h"
#include "config/study_keys.h"

using namespace trialsim;
using nlohmann::json;

namespace {

// The value read (as JSON) or "error: " and the ConfigError's text.
std::string outcome(const std::function<json()>& read) {
  try {
    return read().dump();
  } catch (const ConfigError& e) {
    return std::string("error: ") + e.what();
  }
}

// Reads the mapping `design` of `yaml` once with `old_read` and once with `by_spec`, each with a
// fresh reader, and returns both outcomes.
std::pair<std::string, std::string> both(const std::string& yaml,
                                         const std::function<json(MappingReader&)>& old_read,
                                         const std::function<json(MappingReader&)>& by_spec) {
  const ConfigDocument document = ConfigDocument::load_string(yaml, "t.yaml");
  MappingReader first(document, document.root()["design"], "design", "design", nullptr);
  MappingReader second(document, document.root()["design"], "design", "design", nullptr);
  return {outcome([&] { return old_read(first); }), outcome([&] { return by_spec(second); })};
}

const KeyTable DESIGN{"design",
                      {
                          {.path = "sample_size",
                           .type = KeyType::integer,
                           .integers = {1, 100000},
                           .unit = "patients",
                           .meaning = "evaluable patients"},
                          {.path = "null_response_rate",
                           .type = KeyType::number,
                           .range = NumberRange::open_unit(),
                           .unit = "proportion",
                           .meaning = "p0"},
                          {.path = "alpha",
                           .type = KeyType::number,
                           .range = NumberRange::open_unit(),
                           .fallback = defaults_to(0.025),
                           .meaning = "one-sided level"},
                          {.path = "label", .fallback = defaults_to("none"), .meaning = "a label"},
                          {.path = "title", .meaning = "a title"},
                          {.path = "test",
                           .type = KeyType::choice,
                           .choices = {"exact_binomial", "normal"},
                           .fallback = defaults_to("exact_binomial"),
                           .meaning = "the test"},
                          {.path = "rule",
                           .type = KeyType::choice,
                           .choices = {"simon", "bayesian"},
                           .meaning = "the rule"},
                          {.path = "intervals",
                           .type = KeyType::choice_list,
                           .choices = {"clopper_pearson", "wilson", "jeffreys"},
                           .fallback = defaults_to({"clopper_pearson", "wilson", "jeffreys"}),
                           .meaning = "intervals"},
                          {.path = "landmarks",
                           .type = KeyType::number_list,
                           .range = NumberRange::positive(),
                           .fallback = defaults_to(std::vector<double>{12.0}),
                           .unit = "months",
                           .meaning = "landmark times",
                           .increasing = true},
                          {.path = "estimates",
                           .type = KeyType::boolean,
                           .fallback = defaults_to(true),
                           .meaning = "estimate"},
                          {.path = "seed",
                           .type = KeyType::integer,
                           .integers = {0, std::numeric_limits<std::int64_t>::max()},
                           .fallback = defaults_to(7),
                           .meaning = "seed"},
                          {.path = "rates",
                           .type = KeyType::mapping_list,
                           .fallback = absent_means("none"),
                           .meaning = "segments",
                           .min_items = 2,
                           .max_items = 3},
                      }};

}  // namespace

TEST_CASE("reading by spec gives the values and messages of the key-by-key calls", "[key_table]") {
  const auto number_old = [](MappingReader& r) {
    return json(r.required_number("null_response_rate", NumberRange::open_unit()));
  };
  const auto number_new = [](MappingReader& r) {
    return json(r.number(DESIGN["null_response_rate"]));
  };
  for (const std::string value : {"0.6", "1.5", "\"0.6\"", "[1]", "abc", "~"}) {
    INFO(value);
    const auto [old_way, by_spec] =
        both("design:\n  null_response_rate: " + value + "\n", number_old, number_new);
    CHECK(by_spec == old_way);
  }
  // The messages compared are real ones: a value, and one located error word for word.
  CHECK(both("design:\n  null_response_rate: 0.6\n", number_old, number_new).second == "0.6");
  CHECK(both("design:\n  null_response_rate: 1.5\n", number_old, number_new).second ==
        "error: t.yaml:2:23: design.null_response_rate: value 1.5 is out of range, expected a "
        "number in (0, 1)");
  CHECK(both("design:\n  x: 1\n", number_old, number_new).second ==
        "error: t.yaml:2:3: design.null_response_rate: missing required key, expected a number "
        "in (0, 1)");

  struct Case {
    std::string yaml;
    std::function<json(MappingReader&)> old_read, by_spec;
  };
  const std::vector<Case> cases = {
      {"design:\n  alpha: 0.05\n",
       [](MappingReader& r) {
         return json(r.optional_number("alpha", 0.025, NumberRange::open_unit()));
       },
       [](MappingReader& r) { return json(r.number(DESIGN["alpha"])); }},
      {"design:\n  alpha: ~\n",
       [](MappingReader& r) {
         return json(r.optional_number("alpha", 0.025, NumberRange::open_unit()));
       },
       [](MappingReader& r) { return json(r.number(DESIGN["alpha"])); }},
      {"design:\n  alpha: 0\n",
       [](MappingReader& r) {
         return json(r.optional_number("alpha", 0.025, NumberRange::open_unit()));
       },
       [](MappingReader& r) { return json(r.number(DESIGN["alpha"])); }},
      {"design:\n  sample_size: 40\n",
       [](MappingReader& r) { return json(r.required_integer("sample_size", 1, 100000)); },
       [](MappingReader& r) { return json(r.integer(DESIGN["sample_size"])); }},
      {"design:\n  sample_size: 40.5\n",
       [](MappingReader& r) { return json(r.required_integer("sample_size", 1, 100000)); },
       [](MappingReader& r) { return json(r.integer(DESIGN["sample_size"])); }},
      {"design:\n  sample_size: 0\n",
       [](MappingReader& r) { return json(r.required_integer("sample_size", 1, 100000)); },
       [](MappingReader& r) { return json(r.integer(DESIGN["sample_size"])); }},
      {"design:\n  other: 1\n",
       [](MappingReader& r) { return json(r.required_integer("sample_size", 1, 100000)); },
       [](MappingReader& r) { return json(r.integer(DESIGN["sample_size"])); }},
      {"design:\n  sample_size: 12\n",  // a bound known while reading
       [](MappingReader& r) { return json(r.required_integer("sample_size", 1, 10)); },
       [](MappingReader& r) { return json(r.integer(DESIGN["sample_size"].with_bounds(1, 10))); }},
      {"design:\n  seed: -1\n",
       [](MappingReader& r) {
         return json(r.optional_integer("seed", 7, 0, std::numeric_limits<std::int64_t>::max()));
       },
       [](MappingReader& r) { return json(r.integer(DESIGN["seed"])); }},
      {"design:\n  x: 1\n",
       [](MappingReader& r) {
         return json(r.optional_integer("seed", 7, 0, std::numeric_limits<std::int64_t>::max()));
       },
       [](MappingReader& r) { return json(r.integer(DESIGN["seed"])); }},
      {"design:\n  title: [a]\n", [](MappingReader& r) { return json(r.required_string("title")); },
       [](MappingReader& r) { return json(r.string(DESIGN["title"])); }},
      {"design:\n  x: 1\n", [](MappingReader& r) { return json(r.required_string("title")); },
       [](MappingReader& r) { return json(r.string(DESIGN["title"])); }},
      {"design:\n  label: 12\n",
       [](MappingReader& r) { return json(r.optional_string("label", "none")); },
       [](MappingReader& r) { return json(r.string(DESIGN["label"])); }},
      {"design:\n  x: 1\n",
       [](MappingReader& r) { return json(r.optional_string("label", "none")); },
       [](MappingReader& r) { return json(r.string(DESIGN["label"])); }},
      {"design:\n  test: normal\n",
       [](MappingReader& r) {
         return json(r.optional_choice("test", "exact_binomial", {"exact_binomial", "normal"}));
       },
       [](MappingReader& r) { return json(r.choice(DESIGN["test"])); }},
      {"design:\n  test: wald\n",
       [](MappingReader& r) {
         return json(r.optional_choice("test", "exact_binomial", {"exact_binomial", "normal"}));
       },
       [](MappingReader& r) { return json(r.choice(DESIGN["test"])); }},
      {"design:\n  rule: [simon]\n",
       [](MappingReader& r) {
         return json(r.required_choice("rule", {"simon", "bayesian"}));
       },
       [](MappingReader& r) { return json(r.choice(DESIGN["rule"])); }},
      {"design:\n  x: 1\n",
       [](MappingReader& r) {
         return json(r.required_choice("rule", {"simon", "bayesian"}));
       },
       [](MappingReader& r) { return json(r.choice(DESIGN["rule"])); }},
      {"design:\n  intervals: [wilson, wilson]\n",
       [](MappingReader& r) {
         return json(r.optional_choice_list("intervals", {"clopper_pearson", "wilson", "jeffreys"},
                                            {"clopper_pearson", "wilson", "jeffreys"}));
       },
       [](MappingReader& r) { return json(r.choice_list(DESIGN["intervals"])); }},
      {"design:\n  x: 1\n",
       [](MappingReader& r) {
         return json(r.optional_choice_list("intervals", {"clopper_pearson", "wilson", "jeffreys"},
                                            {"clopper_pearson", "wilson", "jeffreys"}));
       },
       [](MappingReader& r) { return json(r.choice_list(DESIGN["intervals"])); }},
      {"design:\n  landmarks: [12, 6]\n",
       [](MappingReader& r) {
         return json(r.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true));
       },
       [](MappingReader& r) { return json(r.number_list(DESIGN["landmarks"])); }},
      {"design:\n  landmarks: 6\n",
       [](MappingReader& r) {
         return json(r.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true));
       },
       [](MappingReader& r) { return json(r.number_list(DESIGN["landmarks"])); }},
      {"design:\n  landmarks: [6, 24]\n",
       [](MappingReader& r) {
         return json(r.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true));
       },
       [](MappingReader& r) { return json(r.number_list(DESIGN["landmarks"])); }},
      {"design:\n  estimates: maybe\n",
       [](MappingReader& r) { return json(r.optional_bool("estimates", true)); },
       [](MappingReader& r) { return json(r.boolean(DESIGN["estimates"])); }},
      {"design:\n  estimates: false\n",
       [](MappingReader& r) { return json(r.optional_bool("estimates", true)); },
       [](MappingReader& r) { return json(r.boolean(DESIGN["estimates"])); }},
      {"design:\n  rates: [{a: 1}]\n",
       [](MappingReader& r) { return json(r.mapping_list("rates", 2, 3).size()); },
       [](MappingReader& r) { return json(r.mapping_list(DESIGN["rates"]).size()); }},
      {"design:\n  rates: [{a: 1}, {a: 2}, {a: 3}, {a: 4}]\n",
       [](MappingReader& r) { return json(r.mapping_list("rates", 2, 3).size()); },
       [](MappingReader& r) { return json(r.mapping_list(DESIGN["rates"]).size()); }},
      {"design:\n  x: 1\n",  // required when the reader says so
       [](MappingReader& r) { return json(r.mapping_list("rates", 2, 3).size()); },
       [](MappingReader& r) { return json(r.mapping_list(DESIGN["rates"].as_required()).size()); }},
      // finish() lists the keys read, by either way, in its message.
      {"design:\n  alpha: 0.1\n  sample_size: 4\n  typo: 1\n",
       [](MappingReader& r) {
         r.optional_number("alpha", 0.025, NumberRange::open_unit());
         r.required_integer("sample_size", 1, 100000);
         r.finish();
         return json("finished");
       },
       [](MappingReader& r) {
         r.number(DESIGN["alpha"]);
         r.integer(DESIGN["sample_size"]);
         r.finish();
         return json("finished");
       }},
  };
  int errors = 0;
  for (const Case& c : cases) {
    INFO(c.yaml);
    const auto [old_way, by_spec] = both(c.yaml, c.old_read, c.by_spec);
    CHECK(by_spec == old_way);
    errors += old_way.rfind("error: ", 0) == 0 ? 1 : 0;
  }
  CHECK(errors == 19);  // both kinds of outcome are compared, not only one
  // A few outcomes word for word.
  CHECK(both(cases[1].yaml, cases[1].old_read, cases[1].by_spec).second == "0.025");
  CHECK(both(cases[7].yaml, cases[7].old_read, cases[7].by_spec).second ==
        "error: t.yaml:2:16: design.sample_size: value 12 is out of range, expected an integer "
        "from 1 to 10");
  CHECK(both(cases[19].yaml, cases[19].old_read, cases[19].by_spec).second ==
        R"(["clopper_pearson","wilson","jeffreys"])");
  CHECK(both(cases[28].yaml, cases[28].old_read, cases[28].by_spec).second ==
        "error: t.yaml:4:3: design.typo: unknown key, expected one of alpha, sample_size");
}

TEST_CASE("a spec read the wrong way, or with no default to give, is a programming error",
          "[key_table]") {
  const ConfigDocument document = ConfigDocument::load_string("design:\n  alpha: 0.1\n", "t.yaml");
  MappingReader design(document, document.root()["design"], "design", "design", nullptr);
  CHECK_THROWS_AS(design.integer(DESIGN["alpha"]), std::logic_error);
  CHECK_THROWS_AS(DESIGN["no_such_key"], std::logic_error);
  const KeySpec stem{.path = "name", .fallback = computed_default("the file stem"), .meaning = "m"};
  CHECK_THROWS_AS(design.string(stem), std::logic_error);
  CHECK(design.string(stem.with_default("from-file")) == "from-file");
  CHECK_THROWS_AS(design.mapping(DESIGN["rates"]), std::logic_error);  // a list, not a mapping
}

TEST_CASE("check_key_table refuses inconsistent tables and accepts the common ones",
          "[key_table]") {
  for (const KeyTable* table : common_key_tables()) CHECK_NOTHROW(check_key_table(*table));
  CHECK_NOTHROW(check_key_table(DESIGN));
  const auto message = [](const KeyTable& table) {
    try {
      check_key_table(table);
    } catch (const std::logic_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const KeySpec alpha{.path = "alpha",
                      .type = KeyType::number,
                      .range = NumberRange::open_unit(),
                      .fallback = defaults_to(0.025),
                      .meaning = "level"};
  CHECK(message({"design", {alpha, alpha}}) == "key table design.alpha: declared twice");
  CHECK(message({"design", {alpha.with_default(1.5)}}) ==
        "key table design.alpha: default 1.5 is not a number in (0, 1)");
  CHECK(message({"design", {alpha.with_default("0.1")}}) ==
        "key table design.alpha: default \"0.1\" is not a number in (0, 1)");
  KeySpec dotted = alpha;
  dotted.path = "interim.gamma";
  CHECK(message({"design", {dotted}}).find("a key is one name") != std::string::npos);
  const KeySpec type{.path = "type",
                     .type = KeyType::choice,
                     .choices = {"uniform", "piecewise"},
                     .meaning = "accrual"};
  CHECK(message({"design.accrual", {type}, {}, {{"type", {"uniform"}, {"duration"}}}}) ==
        "key table design.accrual.duration: a condition's required key names no key");
  CHECK(message({"design.accrual", {type}, {}, {{"type", {"linear"}, {}}}}) ==
        "key table design.accrual.type: a condition on \"linear\", not a choice");
}

TEST_CASE("a reader with an echo sink records every value read by spec, defaults included",
          "[key_table]") {
  const KeyTable ITEM{"design.rates[]",
                      {{.path = "rate",
                        .type = KeyType::number,
                        .range = NumberRange::non_negative(),
                        .meaning = "rate"}}};
  const ConfigDocument document = ConfigDocument::load_string(
      "design:\n  sample_size: 40\n  null_response_rate: 0.6\n  rates: [{rate: 1}, {rate: 2.5}]\n"
      "  hidden: 3\n",
      "t.yaml");
  json echo;
  MappingReader root(document, document.root(), "", "", nullptr);
  root.echo_into(echo);
  const KeySpec design_key{.path = "design", .type = KeyType::mapping, .meaning = "the design"};
  MappingReader design = root.mapping(design_key);
  design.integer(DESIGN["sample_size"]);
  design.number(DESIGN["null_response_rate"]);
  design.number(DESIGN["alpha"]);
  design.choice_list(DESIGN["intervals"]);
  design.number_list(DESIGN["landmarks"]);
  design.boolean(DESIGN["estimates"]);
  for (MappingReader& item : design.mapping_list(DESIGN["rates"])) item.number(ITEM["rate"]);
  design.required_integer("hidden", 0, 10);  // a string-keyed read records nothing
  design.record("derived", 1.5);
  design.finish();
  CHECK(echo.dump() ==
        R"({"design":{"alpha":0.025,"derived":1.5,"estimates":true,)"
        R"("intervals":["clopper_pearson","wilson","jeffreys"],"landmarks":[12.0],)"
        R"("null_response_rate":0.6,"rates":[{"rate":1.0},{"rate":2.5}],"sample_size":40}})");
}

TEST_CASE("read_common_keys reads the top-level keys and echoes the resolved simulation",
          "[key_table]") {
  const auto read = [](const std::string& yaml, json* echo = nullptr) {
    const ConfigDocument document = ConfigDocument::load_string(yaml, "study.yaml");
    MappingReader root(document, document.root(), "", "", nullptr);
    if (echo) root.echo_into(*echo);
    return read_common_keys(root, "study", true);
  };
  const auto error_of = [&](const std::string& yaml) {
    try {
      read(yaml);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  json echo;
  const CommonKeys defaults = read("schema_version: 1\n", &echo);
  CHECK(defaults.name == "study");
  CHECK(defaults.simulation.replicates == DEFAULT_REPLICATES);
  CHECK(defaults.simulation.seed == DEFAULT_SEED);
  CHECK(!defaults.simulation.precision);
  // What StudyConfig::resolved() wrote by hand before: the same JSON text.
  CHECK(echo.dump() == R"({"description":"","name":"study","schema_version":1,)"
                       R"("simulation":{"mode":"simulate","replicates":10000,"seed":20240108}})");

  json precise_echo;
  const CommonKeys precise = read(
      "schema_version: 1\nname: n1\nsimulation:\n  replicates: 2048\n  mode: exact\n  precision:\n"
      "    scenario: a\n    analysis: exact_test\n    metric: rejection_probability\n"
      "    target_mcse: 0.001\nsearch:\n  parameter: design.sample_size\n  from: 10\n  to: 20\n"
      "  target: {scenario: a, analysis: exact_test, metric: rejection_probability, at_least: "
      "0.8}\n",
      &precise_echo);
  CHECK(precise.simulation.mode == EvaluationMode::exact);
  REQUIRE(precise.simulation.precision);
  CHECK(precise.simulation.precision->max_replicates == 10000000);
  REQUIRE(precise.search);
  CHECK(precise.search->step == 1);
  CHECK(precise.search->at_least == 0.8);
  CHECK(precise.locations.search_to.line == 14);
  CHECK(precise_echo["simulation"]["precision"].dump() ==
        R"({"analysis":"exact_test","max_replicates":10000000,"metric":"rejection_probability",)"
        R"("scenario":"a","target_mcse":0.001})");
  CHECK(!precise_echo.contains("search"));  // the config hash adds grid and search itself

  CHECK(error_of("schema_version: 2\n") ==
        "study.yaml:1:17: schema_version: unsupported schema version 2, expected 1");
  CHECK(error_of("schema_version: 0\n") ==
        "study.yaml:1:17: schema_version: value 0 is out of range, expected an integer from 1 "
        "to 2147483647");
  CHECK(error_of("schema_version: 1\nname: ../x\n") ==
        "study.yaml:2:7: name: the name \"../x\" starts with a dot, expected 1 to 100 characters "
        "from A-Z a-z 0-9 . _ - (no leading dot, no \"..\"; it names the output directory)");
  CHECK(error_of("schema_version: 1\nsimulation:\n  replicates: 0\n") ==
        "study.yaml:3:15: simulation.replicates: value 0 is out of range, expected an integer "
        "from 1 to 1000000000000");
  CHECK(error_of("schema_version: 1\nsimulation:\n  seeds: 1\n") ==
        "study.yaml:3:3: simulation.seeds: unknown key, expected one of mode, precision, "
        "replicates, seed (did you mean `seed`?)");
  CHECK(error_of("schema_version: 1\nsearch:\n  parameter: p\n  from: 5\n  to: 3\n") ==
        "study.yaml:5:7: search.to: value 3 is out of range, expected an integer >= 5");
  CHECK(
      error_of("schema_version: 1\ngrid:\n  design.sample_size: [1]\nsearch:\n  parameter: p\n") ==
      "study.yaml:5:3: search: a config has both grid and search, expected one of them");
}

TEST_CASE("the JSON Schema of a small table", "[key_table]") {
  const KeyTable accrual{"design.accrual",
                         {
                             {.path = "type",
                              .type = KeyType::choice,
                              .choices = {"uniform", "piecewise"},
                              .meaning = "entry-time model"},
                             {.path = "duration",
                              .type = KeyType::number,
                              .range = NumberRange::positive(),
                              .fallback = absent_means("required for uniform"),
                              .unit = "months",
                              .meaning = "accrual period"},
                             {.path = "ramp",
                              .type = KeyType::number_list,
                              .range = NumberRange::closed_unit(),
                              .fallback = defaults_to(std::vector<double>{1.0}),
                              .meaning = "ramp",
                              .increasing = true,
                              .max_items = 4},
                             {.path = "size",
                              .type = KeyType::integer,
                              .integers = {2, 100000},
                              .fallback = defaults_to(2),
                              .meaning = "n"},
                         },
                         {},
                         {{"type", {"uniform"}, {"duration"}, {"ramp"}}}};
  CHECK(mapping_json_schema("design.accrual", {&accrual}) == json::parse(R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "type": {"enum": ["uniform", "piecewise"], "description": "entry-time model"},
      "duration": {"type": ["number", "null"], "exclusiveMinimum": 0.0,
                   "description": "accrual period [months]; default: required for uniform"},
      "ramp": {"type": ["array", "null"], "items": {"type": "number", "minimum": 0.0, "maximum": 1.0},
               "minItems": 1, "maxItems": 4, "default": [1.0], "description": "ramp (increasing)"
}
, "size" : {
  "type" : [ "integer", "null" ],
           "minimum" : 2,
           "maximum" : 100000,
           "default" : 2,
           "description" : "n"
}
}
, "required" : ["type"], "allOf" : [ {
  "if" : {"properties" : {"type" : {"enum" : ["uniform"]}}, "required" : ["type"]},
  "then" : {"required" : ["duration"], "properties" : {"ramp" : false}}
} ]
})json"));
}

TEST_CASE("the study schema dispatches on design.type", "[key_table]") {
  const KeyTable design{"design",
                        {{.path = "sample_size",
                          .type = KeyType::integer,
                          .integers = {1, 100000},
                          .meaning = "patients"}}};
  const KeyTable scenario{"scenarios[]", {scenario_name_key()}};
  const json schema = study_json_schema(
      common_key_tables(),
      {{"single_arm_binary", "exact binomial", {&design, &scenario}}, {"two_arm_survival", "", {}}},
      "trialsim study config");
  CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
  CHECK(schema["additionalProperties"] == false);
  CHECK(schema["required"] == json::parse(R"(["schema_version", "design", "scenarios"])"));
  CHECK(schema["properties"]["schema_version"] ==
        json::parse(R"({"type": "integer", "minimum": 1, "maximum": 1,
                        "description": "the version of this config format"})"));
  CHECK(schema["properties"]["design"]["properties"]["type"]["enum"] ==
        json::parse(R"(["single_arm_binary", "two_arm_survival"])"));
  CHECK(schema["properties"]["simulation"]["properties"]["replicates"]["maximum"] == 1000000000000);
  CHECK(schema["properties"]["simulation"]["properties"]["mode"]["enum"] ==
        json::parse(R"(["simulate", "exact", null])"));
  // One rule: the design with tables. It closes design and scenarios and forbids model.
  REQUIRE(schema["allOf"].size() == 1);
  const json& rule = schema["allOf"][0];
  CHECK(rule["if"]["properties"]["design"]["properties"]["type"]["const"] == "single_arm_binary");
  const json& then = rule["then"]["properties"];
  CHECK(then["model"] == false);
  CHECK(then["design"]["additionalProperties"] == false);
  CHECK(then["design"]["properties"]["type"]["const"] == "single_arm_binary");
  CHECK(then["design"]["required"] == json::parse(R"(["sample_size"])"));
  CHECK(then["scenarios"]["maxItems"] == MAX_SCENARIOS);
  CHECK(then["scenarios"]["items"]["properties"]["name"]["pattern"] == "^[\\s\\S]{1,200}$");
}

TEST_CASE("Markdown rows of the config reference", "[key_table]") {
  const std::string table = markdown_key_table({&simulation_keys()});
  CHECK(table ==
        "| key | type | unit | default | meaning |\n"
        "|---|---|---|---|---|\n"
        "| `simulation.replicates` | integer from 1 to 1000000000000 | virtual trials | `10000` | "
        "replicates per scenario |\n"
        "| `simulation.seed` | integer >= 0 | – | `20240108` | master "
        "seed; streams are keyed by (seed, replicate, purpose) |\n"
        "| `simulation.mode` | `simulate` \\| `exact` | – | `simulate` | `exact` sums the binomial "
        "distribution (no MCSE; single_arm_binary only) |\n"
        "| `simulation.precision` | mapping | – | none (a fixed replicate count) | precision mode: "
        "run until the MCSE of one metric is at most a target |\n");
  CHECK(markdown_type(DESIGN["landmarks"]) == "increasing list of numbers > 0");
  CHECK(markdown_default(DESIGN["landmarks"]) == "`[12.0]`");
  CHECK(markdown_type(DESIGN["intervals"]) == "list of `clopper_pearson`, `wilson`, `jeffreys`");
  CHECK(markdown_default(DESIGN["label"]) == "`none`");
  CHECK(markdown_type(top_level_keys()["schema_version"]) == "integer `1`");
  CHECK(markdown_default(top_level_keys()["description"]) == "`\"\"`");
  const std::string reference = config_reference_markdown(
      common_key_tables(), {{"single_arm_binary", "one arm", {}}}, "Config reference");
  CHECK(
      reference.find("| `search.target.at_least` | number in [0, 1] | probability | required |") !=
      std::string::npos);
  CHECK(reference.find("## `design.type: single_arm_binary`\n\none arm\n") != std::string::npos);
}
