#pragma once
// Reading YAML configs into typed structs, with errors that point at the file, line, column and
// key path. A document is loaded once, `--set key.path=value` overrides are applied to the tree,
// and then typed readers walk it. Each MappingReader knows which keys it consumed, so `finish()`
// rejects unknown keys (a typo is an error, never silently ignored). The full list of keys ever
// declared is recorded in a KeyRegistry so documentation can be checked against the parser.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/key_table.h"

namespace trialsim {

// Schema key paths as the parser declares them, with list items written as `[]`
// (e.g. `scenarios[].response_rate`). Filled as a side effect of parsing.
class KeyRegistry {
 public:
  void declare(const std::string& schema_path) { keys_.insert(schema_path); }
  const std::set<std::string>& keys() const noexcept { return keys_; }

 private:
  std::set<std::string> keys_;
};

// The keys valid at each mapping, by its schema path ("" for the top level, "design.accrual",
// "scenarios[]"), sorted: what the key tables declare (known_keys_of). A reader that knows them
// can tell, when a required key is missing, that a near key in the same mapping is a misspelling
// of it rather than a key it will read later.
using KnownKeys = std::map<std::string, std::vector<std::string>, std::less<>>;
// The union of the tables' keys per mapping path (tables of one path, e.g. two variants of a
// model, add up: a key of either is known).
KnownKeys known_keys_of(const std::vector<const KeyTable*>& tables);

class ConfigDocument {
 public:
  // Throws ConfigError when the file is missing or unreadable or is not valid YAML.
  static ConfigDocument load_file(const std::string& path);
  static ConfigDocument load_string(const std::string& text, const std::string& display_name);

  // `assignment` is "key.path=value". A list item is addressed by index ("scenarios.1.x" or
  // "scenarios[1].x") or, in brackets, by the value of its `name` key ("scenarios[fitted].x"; a
  // bracketed number is an index). The value is parsed as YAML, so numbers, strings and lists
  // all work; the bare value null (or ~) removes the key or list item instead, so that its
  // default applies (removing a key the document does not have is an error).
  void apply_override(const std::string& assignment);

  // A deep copy: copies of a ConfigDocument otherwise share one YAML tree, so an override
  // applied to the copy would change the original.
  ConfigDocument clone() const;

  // Removes a top-level key (e.g. the grid, from the copies that check each grid value).
  void erase_top_level_key(const std::string& key) { root_.remove(key); }

  const YAML::Node& root() const noexcept { return root_; }
  const std::string& file_name() const noexcept { return file_name_; }

  // Location of `node`, reported against the --set assignment when key_path was overridden.
  SourceLocation locate(const YAML::Node& node, const std::string& key_path) const;

  // The resolved document (after overrides) in a canonical block-YAML form; hashed for the
  // manifest so that two runs with the same resolved config have the same hash.
  std::string canonical_text() const;

  // Key paths (e.g. "design.sample_size") that a MappingReader read as integers, present or
  // defaulted: a search may sweep only those.
  bool read_as_integer(const std::string& key_path) const {
    return integer_keys_.count(key_path) > 0;
  }
  void note_integer_key(const std::string& key_path) const { integer_keys_.insert(key_path); }

 private:
  struct Override {
    std::string key_path;  // as the readers name it: list items by index ("scenarios.1.x")
    std::string assignment;
    int value_column;  // of the value in the assignment (1-based)
    bool removes;      // `=null`: the key is absent now; errors about it point at the null
  };
  std::string file_name_;
  YAML::Node root_;
  std::vector<Override> overrides_;
  mutable std::set<std::string> integer_keys_;  // what the readers found, not document content
};

class MappingReader {
 public:
  MappingReader(const ConfigDocument& document, YAML::Node node, std::string key_path,
                std::string schema_path, KeyRegistry* registry);

  double required_number(const std::string& key, const NumberRange& range);
  double optional_number(const std::string& key, double default_value, const NumberRange& range);
  std::int64_t required_integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::int64_t optional_integer(const std::string& key, std::int64_t default_value,
                                std::int64_t min, std::int64_t max);
  std::string required_string(const std::string& key);
  std::string optional_string(const std::string& key, const std::string& default_value);
  // One of `choices`; the error lists them.
  std::string required_choice(const std::string& key, const std::vector<std::string>& choices);
  std::string optional_choice(const std::string& key, const std::string& default_value,
                              const std::vector<std::string>& choices);
  // A list of choices (e.g. interval methods); duplicates are an error.
  std::vector<std::string> optional_choice_list(const std::string& key,
                                                const std::vector<std::string>& default_value,
                                                const std::vector<std::string>& choices);
  // A non-empty list of at most MAX_LIST_ITEMS numbers, each in `range`, strictly increasing
  // when `increasing`.
  std::vector<double> optional_number_list(const std::string& key,
                                           const std::vector<double>& default_value,
                                           const NumberRange& range, bool increasing);
  bool optional_bool(const std::string& key, bool default_value);

  MappingReader mapping(const std::string& key);
  std::optional<MappingReader> optional_mapping(const std::string& key);
  // Items of a list of min_items to max_items mappings.
  std::vector<MappingReader> mapping_list(const std::string& key, std::size_t min_items,
                                          std::size_t max_items = MAX_LIST_ITEMS);

  // ---- Reading by spec (config/key_table.h): the key, its range and its default are the
  // spec's; messages are those of the calls above. Each checks that the spec's type is the one
  // it reads (a mismatch is a std::logic_error: a programming error, not a config error), and
  // records the value (the default too) when the reader has an echo sink.
  double number(const KeySpec& spec);
  std::int64_t integer(const KeySpec& spec);
  std::string string(const KeySpec& spec);
  bool boolean(const KeySpec& spec);
  std::string choice(const KeySpec& spec);
  std::vector<double> number_list(const KeySpec& spec);
  std::vector<std::string> choice_list(const KeySpec& spec);
  // A mapping the spec requires (a spec with a default or absent_means is a logic_error here:
  // use optional_mapping or mapping_or_empty).
  MappingReader mapping(const KeySpec& spec);
  // mapping, number_map or list_map: nullopt when absent (or null).
  std::optional<MappingReader> optional_mapping(const KeySpec& spec);
  // A mapping whose keys all have defaults: absent reads as empty, so that its defaults are
  // read, and echoed, all the same (e.g. `simulation`).
  MappingReader mapping_or_empty(const KeySpec& spec);
  // The spec's min_items..max_items mappings; empty when absent and the spec is not required.
  std::vector<MappingReader> mapping_list(const KeySpec& spec);
  bool has(const KeySpec& spec) const { return has(std::string(spec.path)); }

  // ---- The resolved echo. With a sink, every value read by spec is recorded in it under its
  // key (defaults included), and mappings opened by spec record into a child object (a list of
  // mappings into an array of objects), so a design's echo is what its reader read. Readers made
  // by the string-keyed calls record nothing. `sink` must outlive the reader and its children.
  void echo_into(nlohmann::json& sink);
  nlohmann::json* echo() const noexcept { return echo_; }
  // A value the reader derived (e.g. hazard_per_month), added to this mapping's echo.
  void record(const std::string& key, nlohmann::json value);

  bool has(const std::string& key) const;
  // The raw node of `key`, marked consumed, for structures the typed readers do not cover (the
  // caller validates it and reports errors with `fail`/`locate`).
  YAML::Node raw(const std::string& key) { return child(key); }
  // Keys present in the mapping, in file order (for mappings whose keys are names, such as
  // parameter overrides). Reading them with the typed readers marks them consumed.
  std::vector<std::string> keys() const;
  const std::string& key_path() const noexcept { return key_path_; }
  const ConfigDocument& document() const noexcept { return *document_; }
  // Where the value of `key` is (the mapping itself when the key is absent), for checks made
  // after the whole config has been read.
  SourceLocation location_of(const std::string& key) const;

  // Throws ConfigError for the first key present in the mapping but never read; the message
  // suggests the nearest key this reader read (config/key_suggestion.h), present or not: a
  // `--set design.alpah=0.1` meant the alpha the file has.
  void finish() const;

  // The valid keys of each mapping (e.g. from the design's key tables): this reader and the
  // readers it opens then report a missing required key that has a near unknown key beside it
  // as that unknown key ("did you mean"). `known` must outlive the readers.
  void know_keys(const KnownKeys& known) noexcept { known_keys_ = &known; }

  // An error about `key` (or the mapping itself when key is empty), located in the source.
  [[noreturn]] void fail(const std::string& key, const std::string& problem,
                         const std::string& expected) const;

 private:
  YAML::Node child(const std::string& key);
  std::string child_path(const std::string& key) const;
  [[noreturn]] void fail_at(const YAML::Node& node, const std::string& path,
                            const std::string& problem, const std::string& expected) const;
  double to_number(const YAML::Node& node, const std::string& path) const;
  // The spec's type is `expected`, else std::logic_error.
  void expect_type(const KeySpec& spec, KeyType expected, const char* reader) const;
  // A required spec's key is present, else the located "missing required key" error.
  void require_present(const KeySpec& spec, const std::string& expected);
  // The spec's default; std::logic_error for one the reader must supply (computed, none).
  const nlohmann::json& default_of(const KeySpec& spec) const;
  // A reader for the child mapping `key`, recording into (*echo_)[key] when this one records.
  MappingReader echoing_child(MappingReader child, const std::string& key);
  // A reader of `node` (a child mapping or list item) that knows the keys this one knows.
  MappingReader child_reader(YAML::Node node, std::string key_path, std::string schema_path) const;
  // The "missing required key" error for `key`; when an unknown key of this mapping is near it,
  // the error is about that key instead (it is most likely `key` misspelt).
  [[noreturn]] void fail_missing(const std::string& key, const std::string& expected) const;
  // The present key, never read, nearest to the missing `key` (when one is near enough).
  std::optional<std::string> misspelling_of(const std::string& key) const;

  const ConfigDocument* document_;
  YAML::Node node_;
  std::string key_path_;
  std::string schema_path_;
  KeyRegistry* registry_;
  std::set<std::string> consumed_;
  nlohmann::json* echo_ = nullptr;
  const KnownKeys* known_keys_ = nullptr;
};

}  // namespace trialsim
