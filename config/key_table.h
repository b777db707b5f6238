#pragma once
// Each config key declared once. A KeySpec says everything about one key (name, type, range,
// default, unit, meaning, choices); a KeyTable lists the keys of one mapping (e.g. `design`,
// `scenarios[]`). The same table drives
//   - the reader: MappingReader::number(spec), integer(spec), choice(spec), ... check the type,
//     range and default written here, with the messages of the key-by-key calls;
//   - the resolved echo: a reader given a JSON sink records every value it read by spec,
//     defaults included (MappingReader::echo_into);
//   - the config reference (config_reference_markdown, config/json_schema.h) and the JSON
//     Schema that editors use (study_json_schema, config/json_schema.h).
// A value that depends on another (r1 <= n1, events <= sample_size, a default of N) is read with
// an adjusted copy of the spec: integer(SPEC.with_bounds(0, n1)); the table keeps the static
// bounds, which are what the schema can say, and its meaning says the rest.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace trialsim {

// The longest list a config may hold where no smaller cap is documented (landmarks, interim
// fractions and futility bounds, accrual segments, grid axes): 100 items. Why: every item costs
// work in each replicate or a run of its own, no design needs more, and a bound keeps a mistyped
// or hostile list from exhausting time or memory before anything useful happens.
inline constexpr std::size_t MAX_LIST_ITEMS = 100;

// Allowed closed/open numeric range, with its human description used in error messages.
struct NumberRange {
  double min;
  double max;
  bool min_inclusive;
  bool max_inclusive;
  std::string describe() const;
  bool contains(double value) const noexcept;

  static NumberRange open_unit() { return {0.0, 1.0, false, false}; }  // (0, 1)
  static NumberRange closed_unit() { return {0.0, 1.0, true, true}; }  // [0, 1]
  static NumberRange positive();                                       // (0, inf)
  static NumberRange non_negative();                                   // [0, inf)
  static NumberRange at_least(double min);                             // [min, inf)
  static NumberRange any();                                            // every finite number
};

// Allowed integers, both ends included.
struct IntegerRange {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  // "an integer >= 1" (no upper bound) or "an integer from 1 to 100000", as in error messages.
  std::string describe() const;
  bool contains(std::int64_t value) const noexcept { return value >= min && value <= max; }
};

enum class KeyType {
  number,        // a finite number in `range`
  integer,       // an integer in `integers`
  string,        // any scalar, read as text
  boolean,       // true or false
  choice,        // one of `choices`
  number_list,   // min_items..max_items numbers, each in `range` (strictly increasing if asked)
  choice_list,   // distinct values from `choices`
  mapping,       // a mapping whose keys are the KeyTable at this key's path
  mapping_list,  // min_items..max_items mappings, each the KeyTable at `<path>[]`
  number_map,    // names -> numbers (names from `choices`, any when empty): model overrides
  list_map,      // names -> non-empty lists of scalars: the grid (key path -> values)
};
std::string_view to_string(KeyType type);

// What an absent (or null) key means.
struct KeyDefault {
  enum class Kind {
    required,  // an error
    value,     // `value`
    none,      // nothing (an optional block or setting that is off); `text` says what that means
    computed,  // the reader supplies it (spec.with_default(...)); `text` says how
  };
  Kind kind = Kind::required;
  nlohmann::json value = nullptr;
  std::string text;  // what the reference shows for none/computed ("none (single analysis)")
};
// `.fallback = defaults_to(0.025)`, `defaults_to(std::vector<double>{12.0})`, ...
KeyDefault defaults_to(nlohmann::json value);
// `.fallback = absent_means("none (single analysis)")`.
KeyDefault absent_means(std::string text);
// `.fallback = computed_default("the config file's stem")`; read with spec.with_default(value).
KeyDefault computed_default(std::string text);

struct KeySpec {
  std::string_view path;  // one key, relative to its table's mapping: "sample_size"
  KeyType type = KeyType::string;
  NumberRange range = NumberRange::any();  // number and number_list items
  IntegerRange integers{};                 // integer
  std::vector<std::string> choices{};      // choice, choice_list; number_map names (empty: any)
  KeyDefault fallback{};                   // required unless given
  std::string_view unit{};                 // "patients", "months", "proportion"; empty: none
  std::string_view meaning{};              // one line for the reference and the editor's hover
  bool increasing = false;                 // number_list: strictly increasing
  std::size_t min_items = 1;               // lists, mapping_list
  std::size_t max_items = MAX_LIST_ITEMS;  // lists, mapping_list
  // string: an ECMA-262 pattern for the JSON Schema; the reader checks the rule itself, with a
  // message that says which part is wrong.
  std::string_view pattern{};

  bool required() const noexcept { return fallback.kind == KeyDefault::Kind::required; }
  // Copies adjusted to what is known while reading (see the note at the top).
  KeySpec as_required() const;
  KeySpec with_default(nlohmann::json value) const;
  KeySpec with_bounds(std::int64_t min, std::int64_t max) const;
  KeySpec with_range(const NumberRange& range) const;
};

// `type == this value` requires or forbids other keys of the same mapping (e.g. accrual.type:
// uniform requires duration). Drives the JSON Schema (if/then); the reader checks it by reading.
struct KeyCondition {
  std::string_view key;
  std::vector<std::string> equals;  // any of these values
  std::vector<std::string_view> required{};
  std::vector<std::string_view> forbidden{};
};

struct KeyTable {
  // The mapping the keys belong to: "" (top level), "simulation", "design.accrual",
  // "scenarios[]" (each item of the list `scenarios`).
  std::string_view mapping_path;
  std::vector<KeySpec> keys;
  std::vector<std::vector<std::string_view>>
      exactly_one_of{};  // e.g. {hazard, median, survival_at}
  std::vector<KeyCondition> conditions{};

  // The spec of `path`; throws std::logic_error when the table has none (a reader/table mismatch).
  const KeySpec& operator[](std::string_view path) const;
  bool contains(std::string_view path) const noexcept;
};

// "design.sample_size", "scenarios[].name", "schema_version".
std::string full_key_path(std::string_view mapping_path, std::string_view key);

// Throws std::logic_error naming the first inconsistency: an empty or dotted key, a key twice, a
// choice key without choices, a default of the wrong type or outside the range, a condition or
// exactly-one-of naming a key the table does not have. Tests call it on every table.
void check_key_table(const KeyTable& table);

}  // namespace trialsim
