#include "config/config_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "config/key_suggestion.h"
#include "config/override_path.h"

namespace trialsim {
namespace {

// ---------------------------------------------------------------- strict YAML

// Why strict: yaml-cpp keeps one of two equal keys silently, reads only the first document of a
// file, and accepts tags that change a value's type. Each of these lets a config say something
// other than what it seems to say, so each is an error at its FILE:LINE:COL.

// The first byte of `text` that is not well-formed UTF-8 (RFC 3629: no overlongs, surrogates or
// code points above U+10FFFF) or that is a control character YAML does not allow unescaped (C0
// except TAB, LF and CR; DEL; C1). Returns text.size() when there is none, and the code point
// (or 0xFFFFFFFF for a bad byte) in `found`.
std::size_t first_disallowed_character(std::string_view text, std::uint32_t& found) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t at = 0;
  while (at < text.size()) {
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    unsigned char second_low = 0x80, second_high = 0xBF;
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0Fu;
      if (lead == 0xE0) second_low = 0xA0;   // overlong
      if (lead == 0xED) second_high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07u;
      if (lead == 0xF0) second_low = 0x90;   // overlong
      if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
    }
    bool well_formed = length > 0 && at + length <= text.size();
    for (std::size_t i = 1; well_formed && i < length; ++i) {
      const unsigned char next = byte(at + i);
      const unsigned char low = i == 1 ? second_low : 0x80, high = i == 1 ? second_high : 0xBF;
      well_formed = next >= low && next <= high;
      code_point = (code_point << 6) | (next & 0x3Fu);
    }
    if (!well_formed) {
      found = 0xFFFFFFFFu;
      return at;
    }
    const bool control =
        (code_point < 0x20 && code_point != '\t' && code_point != '\n' && code_point != '\r') ||
        code_point == 0x7F || (code_point >= 0x80 && code_point <= 0x9F);
    if (control) {
      found = code_point;
      return at;
    }
    at += length;
  }
  return text.size();
}

std::string hex(std::uint32_t value, int digits) {
  static const char* const DIGITS = "0123456789ABCDEF";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4)
    out[static_cast<std::size_t>(i)] = DIGITS[value & 0xF];
  return out;
}

// Refuses bytes that are not UTF-8 text; the location is the line and column (in characters,
// as YAML marks count them) of the first offending byte.
void check_characters(std::string_view text, const SourceLocation& origin,
                      const std::string& key_path) {
  std::uint32_t found = 0;
  const std::size_t at = first_disallowed_character(text, found);
  if (at == text.size()) return;
  int line = 1, column = 1;
  for (std::size_t i = 0; i < at; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;  // count characters, not continuation bytes
    }
  }
  const SourceLocation where{origin.file, origin.line + line - 1,
                             line == 1 ? origin.column + column - 1 : column};
  if (found == 0xFFFFFFFFu) {
    throw ConfigError(
        where, key_path,
        "byte 0x" + hex(static_cast<unsigned char>(text[at]), 2) + " is not valid UTF-8",
        key_path.empty() ? "a file in UTF-8" : "UTF-8 text");
  }
  throw ConfigError(
      where, key_path, "control character U+" + hex(found, 4) + " in the text",
      "printable UTF-8 text (write control characters as escapes in a double-quoted string)");
}

// A tag as written: yaml-cpp reports `!!str` as its full name.
std::string tag_as_written(const std::string& tag) {
  const std::string core = "tag:yaml.org,2002:";
  return tag.compare(0, core.size(), core) == 0 ? "!!" + tag.substr(core.size()) : tag;
}

// Walks the parser's events (no tree is built, aliases are not expanded, so this is linear in
// the text): duplicate keys per mapping, keys that are not scalars, explicit tags, and any
// document after the first.
class StrictYamlChecker : public YAML::EventHandler {
 public:
  // `base_path`: the key path the text is the value of (a --set value), or empty for a file.
  StrictYamlChecker(SourceLocation origin, std::string base_path)
      : origin_(std::move(origin)), base_path_(std::move(base_path)) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw ConfigError(where(mark), "", "a second YAML document (after ---)",
                        "one document per file");
    }
  }
  void OnDocumentEnd() override {}
  // The parser reports a plain null (nothing, ~, null) here, never as a scalar.
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor != YAML::NullAnchor) null_anchors_.insert(anchor);
    begin_node(mark, "?", nullptr, true);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = scalar_anchors_.find(anchor);
    if (it != scalar_anchors_.end()) {
      scalar(mark, "?", it->second);
    } else if (null_anchors_.count(anchor) != 0) {
      begin_node(mark, "?", nullptr, true);
    } else {
      begin_node(mark, "?", nullptr);  // an alias of a collection: a value, or a complex key
    }
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (anchor != YAML::NullAnchor) scalar_anchors_[anchor] = value;
    scalar(mark, tag, value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    const std::string path = begin_node(mark, tag, nullptr);
    frames_.push_back({false, path, 0, true, {}, {}});
  }
  void OnSequenceEnd() override { frames_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    const std::string path = begin_node(mark, tag, nullptr);
    frames_.push_back({true, path, 0, true, {}, {}});
  }
  void OnMapEnd() override { frames_.pop_back(); }

 private:
  struct Frame {
    bool is_map;
    std::string path;
    std::size_t next_index;
    bool expecting_key;
    std::string pending_key;
    std::map<std::string, int> key_lines;  // key -> 1-based line where it first appeared
  };

  SourceLocation where(const YAML::Mark& mark) const {
    if (mark.line < 0) return origin_;
    return {origin_.file, origin_.line + mark.line,
            mark.line == 0 ? origin_.column + mark.column : mark.column + 1};
  }

  static std::string join_path(const std::string& parent, const std::string& child) {
    return parent.empty() ? child : parent + "." + child;
  }

  void scalar(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
    begin_node(mark, tag, &value);
  }

  // Registers a node in its parent; returns its key path. `key_text` is the scalar text, or null
  // for a collection or a null.
  std::string begin_node(const YAML::Mark& mark, const std::string& tag,
                         const std::string* key_text, bool is_null = false) {
    std::string path = base_path_;
    bool is_key = false;
    if (!frames_.empty()) {
      Frame& parent = frames_.back();
      if (!parent.is_map) {
        path = join_path(parent.path, std::to_string(parent.next_index++));
      } else if (parent.expecting_key) {
        is_key = true;
        // A null key has no name: the tree would hold it, but no key path can reach it.
        if (is_null) {
          throw ConfigError(where(mark), parent.path, "an empty or null mapping key",
                            "plain keys (names; quote \"null\" or \"~\" to use it as a name)");
        }
        if (!key_text) {
          throw ConfigError(where(mark), parent.path, "a mapping key that is a list or mapping",
                            "plain keys (names)");
        }
        path = join_path(parent.path, *key_text);
        const auto [it, inserted] = parent.key_lines.emplace(*key_text, origin_.line + mark.line);
        if (!inserted) {
          throw ConfigError(where(mark), path,
                            "duplicate key (first at line " + std::to_string(it->second) + ")",
                            "each key once in a mapping");
        }
        parent.pending_key = *key_text;
        parent.expecting_key = false;
      } else {
        path = join_path(parent.path, parent.pending_key);
        parent.expecting_key = true;
      }
    }
    // Only YAML's own "no tag" (?) and "non-specific" (!, what quoting gives) pass. Every
    // explicit tag (!!str, !!int, !!map, a local !tag, a verbatim !<...>) is refused rather than
    // judged case by case: a config never needs one, and a tag can turn a number into a string
    // or a string into a number behind the reader's back.
    if (tag != "?" && tag != "!" && !tag.empty()) {
      throw ConfigError(
          where(mark), path,
          std::string("explicit tag ") + tag_as_written(tag) + (is_key ? " on a key" : ""),
          "a value without a tag (quote it to make a string)");
    }
    return path;
  }

  SourceLocation origin_;
  std::string base_path_;
  int documents_ = 0;
  std::vector<Frame> frames_;
  std::map<YAML::anchor_t, std::string> scalar_anchors_;
  std::set<YAML::anchor_t> null_anchors_;
};

// Raises ConfigError for anything strict YAML refuses in `text`, located relative to `origin`
// (line 1, column 1 of a file; or the value's column in a --set assignment). Syntax errors are
// reported as `invalid YAML` here too.
void check_strict_yaml(const std::string& text, const SourceLocation& origin,
                       const std::string& key_path) {
  check_characters(text, origin, key_path);
  std::istringstream in(text);
  StrictYamlChecker checker(origin, key_path);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(checker)) {
    }
  } catch (const YAML::ParserException& e) {
    const SourceLocation where{
        origin.file, origin.line + e.mark.line,
        e.mark.line == 0 ? origin.column + e.mark.column : e.mark.column + 1};
    throw ConfigError(where, key_path, "invalid YAML (" + e.msg + ")",
                      "a well-formed YAML document");
  }
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  if (node.IsNull()) return "null (an empty value, ~ or the bare word null; quote it for a string)";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.Tag() == "!") return "the string \"" + node.Scalar() + "\"";
  return "\"" + node.Scalar() + "\"";
}

bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

}  // namespace

// ---------------------------------------------------------------- ConfigDocument

ConfigDocument ConfigDocument::load_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError({path, 0, 0}, "", "file not found or not a regular file",
                      "a readable YAML config file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path, 0, 0}, "", "cannot open file", "a readable YAML config file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_string(buffer.str(), path);
}

ConfigDocument ConfigDocument::load_string(const std::string& text,
                                           const std::string& display_name) {
  ConfigDocument document;
  document.file_name_ = display_name;
  check_strict_yaml(text, {display_name, 1, 1}, "");
  try {
    document.root_ = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError({display_name, e.mark.line + 1, e.mark.column + 1}, "",
                      "invalid YAML (" + e.msg + ")", "a well-formed YAML document");
  }
  if (!document.root_.IsMap()) {
    throw ConfigError({display_name, 1, 1}, "", "the document is " + describe_node(document.root_),
                      "a mapping of config keys");
  }
  return document;
}

namespace {

// `--set key=null` (or ~) removes the key; every other value that YAML reads as null (nothing,
// a comment) is an empty value, as it always was: most likely a slip, not a request to remove.
bool is_null_word(const std::string& text) {
  return text == "null" || text == "Null" || text == "NULL" || text == "~";
}

// The value of an assignment, parsed as YAML as strictly as a config file.
YAML::Node parse_override_value(const std::string& value_text, const std::string& file,
                                const std::string& key_path, int value_column) {
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError({file, 1, value_column + e.mark.column}, key_path,
                      "value is not valid YAML (" + e.msg + ")", "a YAML scalar, list or mapping");
  }
  if (!value.IsDefined() || value.IsNull()) {
    throw ConfigError({file, 1, value_column}, key_path, "empty value",
                      "a value after '=' (or null to remove the key)");
  }
  // The value is YAML like a config file, and as strict: no duplicate keys, tags or second
  // document (e.g. `--set 'design.sample_size=!!str 40'`).
  check_strict_yaml(value_text, {file, 1, value_column}, key_path);
  return value;
}

}  // namespace

void ConfigDocument::apply_override(const std::string& assignment) {
  const std::string file = "--set " + assignment;
  const ParsedOverride parsed = parse_override(assignment, {file, 1, 1});
  const std::string key_path = assignment.substr(0, parsed.equals);
  const std::string value_text = assignment.substr(parsed.equals + 1);
  const int value_column = static_cast<int>(parsed.equals) + 2;
  const bool removes = is_null_word(value_text);
  YAML::Node value;
  if (!removes) value = parse_override_value(value_text, file, key_path, value_column);
  const std::optional<std::string> reader_path =
      write_at_override_path(root_, parsed.steps, removes ? nullptr : &value, file);
  if (reader_path) overrides_.push_back({*reader_path, assignment, value_column, removes});
}

SourceLocation ConfigDocument::locate(const YAML::Node& node, const std::string& key_path) const {
  // Latest override wins, as in the tree.
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    const std::string& overridden = it->key_path;
    const bool covers =
        key_path == overridden || (key_path.size() > overridden.size() &&
                                   key_path.compare(0, overridden.size(), overridden) == 0 &&
                                   key_path[overridden.size()] == '.');
    if (covers) {
      // A removed key has no node of its own: the error (missing, found in the mapping) points
      // at the null that removed it.
      const int offset = node.IsDefined() && !it->removes ? node.Mark().column : 0;
      return {"--set " + it->assignment, 1, it->value_column + std::max(0, offset)};
    }
  }
  if (!node.IsDefined() || node.Mark().line < 0) return {file_name_, 1, 1};
  return {file_name_, node.Mark().line + 1, node.Mark().column + 1};
}

ConfigDocument ConfigDocument::clone() const {
  ConfigDocument copy(*this);
  copy.root_.reset(YAML::Clone(root_));  // rebind: assigning would write into the shared tree
  copy.integer_keys_.clear();
  return copy;
}

std::string ConfigDocument::canonical_text() const {
  YAML::Emitter emitter;
  emitter << root_;
  return std::string(emitter.c_str()) + "\n";
}

// ---------------------------------------------------------------- MappingReader

MappingReader::MappingReader(const ConfigDocument& document, YAML::Node node, std::string key_path,
                             std::string schema_path, KeyRegistry* registry)
    : document_(&document),
      node_(std::move(node)),
      key_path_(std::move(key_path)),
      schema_path_(std::move(schema_path)),
      registry_(registry) {
  if (!node_.IsMap()) fail_at(node_, key_path_, "found " + describe_node(node_), "a mapping");
}

std::string MappingReader::child_path(const std::string& key) const {
  return key_path_.empty() ? key : key_path_ + "." + key;
}

YAML::Node MappingReader::child(const std::string& key) {
  consumed_.insert(key);
  if (registry_) registry_->declare(schema_path_.empty() ? key : schema_path_ + "." + key);
  return std::as_const(node_)[key];
}

std::vector<std::string> MappingReader::keys() const {
  std::vector<std::string> out;
  for (const auto& entry : node_) out.push_back(entry.first.Scalar());
  return out;
}

bool MappingReader::has(const std::string& key) const {
  const YAML::Node value = std::as_const(node_)[key];
  return value.IsDefined() && !value.IsNull();
}

SourceLocation MappingReader::location_of(const std::string& key) const {
  const YAML::Node value = std::as_const(node_)[key];
  return document_->locate(value.IsDefined() ? value : node_, child_path(key));
}

void MappingReader::fail_at(const YAML::Node& node, const std::string& path,
                            const std::string& problem, const std::string& expected) const {
  throw ConfigError(document_->locate(node, path), path, problem, expected);
}

void MappingReader::fail(const std::string& key, const std::string& problem,
                         const std::string& expected) const {
  const YAML::Node value = key.empty() ? node_ : std::as_const(node_)[key];
  fail_at(value.IsDefined() ? value : node_, key.empty() ? key_path_ : child_path(key), problem,
          expected);
}

double MappingReader::to_number(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar() || is_quoted(node))
    fail_at(node, path, "found " + describe_node(node), "a number");
  const std::string& text = node.Scalar();
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    fail_at(node, path, "found " + describe_node(node), "a number");
  }
  return value;
}

double MappingReader::required_number(const std::string& key, const NumberRange& range) {
  const YAML::Node value = child(key);
  if (!value.IsDefined()) fail_missing(key, range.describe());
  const double number = to_number(value, child_path(key));
  if (!range.contains(number)) {
    fail_at(value, child_path(key), "value " + value.Scalar() + " is out of range",
            range.describe());
  }
  return number;
}

double MappingReader::optional_number(const std::string& key, double default_value,
                                      const NumberRange& range) {
  const YAML::Node value = std::as_const(node_)[key];
  if (!value.IsDefined() || value.IsNull()) {
    child(key);
    return default_value;
  }
  return required_number(key, range);
}

std::int64_t MappingReader::required_integer(const std::string& key, std::int64_t min,
                                             std::int64_t max) {
  const YAML::Node value = child(key);
  document_->note_integer_key(child_path(key));
  const std::string expected =
      "an integer" + (max == std::numeric_limits<std::int64_t>::max()
                          ? " >= " + std::to_string(min)
                          : " from " + std::to_string(min) + " to " + std::to_string(max));
  if (!value.IsDefined()) fail_missing(key, expected);
  if (!value.IsScalar() || is_quoted(value)) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  const std::string& text = value.Scalar();
  std::int64_t number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  if (number < min || number > max) {
    fail_at(value, child_path(key), "value " + text + " is out of range", expected);
  }
  return number;
}

std::int64_t MappingReader::optional_integer(const std::string& key, std::int64_t default_value,
                                             std::int64_t min, std::int64_t max) {
  if (!has(key)) {
    child(key);
    document_->note_integer_key(child_path(key));
    return default_value;
  }
  return required_integer(key, min, max);
}

std::string MappingReader::required_string(const std::string& key) {
  const YAML::Node value = child(key);
  if (!value.IsDefined()) fail_missing(key, "a string");
  if (!value.IsScalar())
    fail_at(value, child_path(key), "found " + describe_node(value), "a string");
  return value.Scalar();
}

std::string MappingReader::optional_string(const std::string& key,
                                           const std::string& default_value) {
  if (!has(key)) {
    child(key);
    return default_value;
  }
  return required_string(key);
}

std::string MappingReader::required_choice(const std::string& key,
                                           const std::vector<std::string>& choices) {
  const std::string expected = "one of " + join(choices, ", ");
  const YAML::Node value = child(key);
  if (!value.IsDefined()) fail_missing(key, expected);
  if (!value.IsScalar()) fail_at(value, child_path(key), "found " + describe_node(value), expected);
  if (std::find(choices.begin(), choices.end(), value.Scalar()) == choices.end()) {
    fail_at(value, child_path(key), "unknown value \"" + value.Scalar() + "\"", expected);
  }
  return value.Scalar();
}

std::string MappingReader::optional_choice(const std::string& key, const std::string& default_value,
                                           const std::vector<std::string>& choices) {
  if (!has(key)) {
    child(key);
    return default_value;
  }
  return required_choice(key, choices);
}

std::vector<std::string> MappingReader::optional_choice_list(
    const std::string& key, const std::vector<std::string>& default_value,
    const std::vector<std::string>& choices) {
  const YAML::Node value = child(key);
  if (!value.IsDefined() || value.IsNull()) return default_value;
  const std::string expected = "a non-empty list of distinct values from " + join(choices, ", ");
  if (!value.IsSequence() || value.size() == 0) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const YAML::Node item = value[i];
    const std::string item_path = child_path(key) + "." + std::to_string(i);
    if (!item.IsScalar() ||
        std::find(choices.begin(), choices.end(), item.Scalar()) == choices.end()) {
      fail_at(item, item_path, "found " + describe_node(item), expected);
    }
    if (std::find(out.begin(), out.end(), item.Scalar()) != out.end()) {
      fail_at(item, item_path, "duplicate value \"" + item.Scalar() + "\"", expected);
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<double> MappingReader::optional_number_list(const std::string& key,
                                                        const std::vector<double>& default_value,
                                                        const NumberRange& range, bool increasing) {
  const YAML::Node value = child(key);
  if (!value.IsDefined() || value.IsNull()) return default_value;
  const std::string expected = std::string("a non-empty list of numbers") +
                               (increasing ? " in increasing order" : "") + ", each " +
                               range.describe();
  if (!value.IsSequence() || value.size() == 0) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  if (value.size() > MAX_LIST_ITEMS) {
    fail_at(value, child_path(key), "a list of " + std::to_string(value.size()) + " numbers",
            "at most " + std::to_string(MAX_LIST_ITEMS) + " numbers");
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = child_path(key) + "." + std::to_string(i);
    const double number = to_number(value[i], item_path);
    if (!range.contains(number) || (increasing && !out.empty() && number <= out.back())) {
      fail_at(value[i], item_path, "value " + value[i].Scalar() + " is out of range or order",
              expected);
    }
    out.push_back(number);
  }
  return out;
}

bool MappingReader::optional_bool(const std::string& key, bool default_value) {
  const YAML::Node value = child(key);
  if (!value.IsDefined() || value.IsNull()) return default_value;
  bool result = false;
  if (!value.IsScalar() || is_quoted(value) || !YAML::convert<bool>::decode(value, result)) {
    fail_at(value, child_path(key), "found " + describe_node(value), "true or false");
  }
  return result;
}

MappingReader MappingReader::mapping(const std::string& key) {
  const YAML::Node value = child(key);
  if (!value.IsDefined() || value.IsNull()) fail_missing(key, "a mapping");
  return child_reader(value, child_path(key),
                      schema_path_.empty() ? key : schema_path_ + "." + key);
}

std::optional<MappingReader> MappingReader::optional_mapping(const std::string& key) {
  if (!has(key)) {
    child(key);
    return std::nullopt;
  }
  return mapping(key);
}

std::vector<MappingReader> MappingReader::mapping_list(const std::string& key,
                                                       std::size_t min_items,
                                                       std::size_t max_items) {
  const YAML::Node value = child(key);
  const std::string expected =
      "a list of at least " + std::to_string(min_items) + " mapping" + (min_items == 1 ? "" : "s");
  if (!value.IsDefined() || value.IsNull()) fail_missing(key, expected);
  if (!value.IsSequence() || value.size() < min_items) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  if (value.size() > max_items) {
    fail_at(value, child_path(key), "a list of " + std::to_string(value.size()) + " items",
            "at most " + std::to_string(max_items) + " items");
  }
  std::vector<MappingReader> items;
  const std::string schema = (schema_path_.empty() ? key : schema_path_ + "." + key) + "[]";
  for (std::size_t i = 0; i < value.size(); ++i) {
    items.push_back(child_reader(value[i], child_path(key) + "." + std::to_string(i), schema));
  }
  return items;
}

void MappingReader::finish() const {
  std::vector<std::string> allowed(consumed_.begin(), consumed_.end());
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (consumed_.count(key) == 0) {
      fail_at(entry.first, child_path(key), "unknown key",
              (allowed.empty() ? "no keys here" : "one of " + join(allowed, ", ")) +
                  did_you_mean(key, allowed));
    }
  }
}

MappingReader MappingReader::child_reader(YAML::Node node, std::string key_path,
                                          std::string schema_path) const {
  MappingReader child(*document_, std::move(node), std::move(key_path), std::move(schema_path),
                      registry_);
  child.known_keys_ = known_keys_;
  return child;
}

std::optional<std::string> MappingReader::misspelling_of(const std::string& key) const {
  std::vector<std::string> unread;
  for (const auto& entry : node_) {
    const std::string present = entry.first.Scalar();
    if (consumed_.count(present) == 0 && present != key) unread.push_back(present);
  }
  return nearest_key(key, unread);
}

void MappingReader::fail_missing(const std::string& key, const std::string& expected) const {
  const std::optional<std::string> near = misspelling_of(key);
  if (!near) fail(key, "missing required key", expected);
  const auto known = known_keys_ ? known_keys_->find(schema_path_) : KnownKeys::const_iterator{};
  if (known_keys_ && known != known_keys_->end()) {
    // A key the tables declare may be one read later: then the error is the missing key.
    const std::vector<std::string>& valid = known->second;
    if (std::binary_search(valid.begin(), valid.end(), *near)) {
      fail(key, "missing required key", expected);
    }
    for (const auto& entry : node_) {
      if (entry.first.Scalar() == *near) {
        fail_at(entry.first, child_path(*near), "unknown key",
                "one of " + join(valid, ", ") + " (did you mean `" + key + "`?)");
      }
    }
  }
  // No table says which keys this mapping has: the near key may be one read later, so the
  // error stays the missing key and names the near one as a question.
  const YAML::Node near_node = std::as_const(node_)[*near];
  const SourceLocation where = document_->locate(near_node, child_path(*near));
  const std::string at =
      where.file == document_->file_name() ? "line " + std::to_string(where.line) : "the --set";
  fail(key, "missing required key (is `" + *near + "` at " + at + " a misspelling of it?)",
       expected);
}

KnownKeys known_keys_of(const std::vector<const KeyTable*>& tables) {
  std::map<std::string, std::set<std::string>, std::less<>> keys;
  for (const KeyTable* table : tables) {
    std::set<std::string>& at = keys[std::string(table->mapping_path)];
    for (const KeySpec& spec : table->keys) at.insert(std::string(spec.path));
  }
  KnownKeys known;
  for (const auto& [path, set] : keys) known[path].assign(set.begin(), set.end());
  return known;
}

// ---------------------------------------------------------------- reading by spec

void MappingReader::expect_type(const KeySpec& spec, KeyType expected, const char* reader) const {
  if (spec.type != expected) {
    throw std::logic_error("key " + child_path(std::string(spec.path)) + " is declared " +
                           std::string(to_string(spec.type)) + " but read with " + reader);
  }
}

void MappingReader::require_present(const KeySpec& spec, const std::string& expected) {
  const std::string key(spec.path);
  child(key);
  if (!has(key)) fail_missing(key, expected);
}

const nlohmann::json& MappingReader::default_of(const KeySpec& spec) const {
  if (spec.fallback.kind != KeyDefault::Kind::value) {
    throw std::logic_error("key " + child_path(std::string(spec.path)) +
                           " has no default in its table: read it with has(), as_required() or "
                           "with_default()");
  }
  return spec.fallback.value;
}

void MappingReader::echo_into(nlohmann::json& sink) {
  if (!sink.is_object()) sink = nlohmann::json::object();
  echo_ = &sink;
}

void MappingReader::record(const std::string& key, nlohmann::json value) {
  if (echo_) (*echo_)[key] = std::move(value);
}

MappingReader MappingReader::echoing_child(MappingReader child, const std::string& key) {
  if (echo_) child.echo_into((*echo_)[key]);
  return child;
}

double MappingReader::number(const KeySpec& spec) {
  expect_type(spec, KeyType::number, "number()");
  const std::string key(spec.path);
  const double value = spec.required()
                           ? required_number(key, spec.range)
                           : optional_number(key, default_of(spec).get<double>(), spec.range);
  record(key, value);
  return value;
}

std::int64_t MappingReader::integer(const KeySpec& spec) {
  expect_type(spec, KeyType::integer, "integer()");
  const std::string key(spec.path);
  const std::int64_t value = spec.required()
                                 ? required_integer(key, spec.integers.min, spec.integers.max)
                                 : optional_integer(key, default_of(spec).get<std::int64_t>(),
                                                    spec.integers.min, spec.integers.max);
  record(key, value);
  return value;
}

std::string MappingReader::string(const KeySpec& spec) {
  expect_type(spec, KeyType::string, "string()");
  const std::string key(spec.path);
  std::string value = spec.required() ? required_string(key)
                                      : optional_string(key, default_of(spec).get<std::string>());
  record(key, value);
  return value;
}

bool MappingReader::boolean(const KeySpec& spec) {
  expect_type(spec, KeyType::boolean, "boolean()");
  const std::string key(spec.path);
  if (spec.required()) require_present(spec, "true or false");
  // A required key is present here, so its (unused) default is any value.
  const bool value = optional_bool(key, spec.required() ? false : default_of(spec).get<bool>());
  record(key, value);
  return value;
}

std::string MappingReader::choice(const KeySpec& spec) {
  expect_type(spec, KeyType::choice, "choice()");
  const std::string key(spec.path);
  std::string value = spec.required()
                          ? required_choice(key, spec.choices)
                          : optional_choice(key, default_of(spec).get<std::string>(), spec.choices);
  record(key, value);
  return value;
}

std::vector<std::string> MappingReader::choice_list(const KeySpec& spec) {
  expect_type(spec, KeyType::choice_list, "choice_list()");
  const std::string key(spec.path);
  if (spec.required()) {
    require_present(spec, "a non-empty list of distinct values from " + join(spec.choices, ", "));
  }
  std::vector<std::string> value =
      optional_choice_list(key,
                           spec.required() ? std::vector<std::string>{}
                                           : default_of(spec).get<std::vector<std::string>>(),
                           spec.choices);
  record(key, value);
  return value;
}

std::vector<double> MappingReader::number_list(const KeySpec& spec) {
  expect_type(spec, KeyType::number_list, "number_list()");
  const std::string key(spec.path);
  const std::string expected = std::string("a non-empty list of numbers") +
                               (spec.increasing ? " in increasing order" : "") + ", each " +
                               spec.range.describe();
  if (spec.required()) require_present(spec, expected);
  std::vector<double> value = optional_number_list(
      key, spec.required() ? std::vector<double>{} : default_of(spec).get<std::vector<double>>(),
      spec.range, spec.increasing);
  // The general reader allows 1 to MAX_LIST_ITEMS numbers; a spec may allow fewer.
  if (has(key) && (value.size() < spec.min_items || value.size() > spec.max_items)) {
    fail(key, "a list of " + std::to_string(value.size()) + " numbers",
         std::to_string(spec.min_items) + " to " + std::to_string(spec.max_items) + " numbers");
  }
  record(key, value);
  return value;
}

MappingReader MappingReader::mapping(const KeySpec& spec) {
  expect_type(spec, KeyType::mapping, "mapping()");
  if (!spec.required()) {
    throw std::logic_error("key " + child_path(std::string(spec.path)) +
                           " is optional in its table: read it with optional_mapping() or "
                           "mapping_or_empty()");
  }
  const std::string key(spec.path);
  return echoing_child(mapping(key), key);
}

std::optional<MappingReader> MappingReader::optional_mapping(const KeySpec& spec) {
  if (spec.type != KeyType::mapping && spec.type != KeyType::number_map &&
      spec.type != KeyType::list_map) {
    expect_type(spec, KeyType::mapping, "optional_mapping()");
  }
  const std::string key(spec.path);
  if (!has(key)) {
    child(key);
    return std::nullopt;
  }
  return echoing_child(mapping(key), key);
}

MappingReader MappingReader::mapping_or_empty(const KeySpec& spec) {
  expect_type(spec, KeyType::mapping, "mapping_or_empty()");
  const std::string key(spec.path);
  if (has(key)) return echoing_child(mapping(key), key);
  child(key);
  MappingReader empty = child_reader(YAML::Node(YAML::NodeType::Map), child_path(key),
                                     schema_path_.empty() ? key : schema_path_ + "." + key);
  return echoing_child(std::move(empty), key);
}

std::vector<MappingReader> MappingReader::mapping_list(const KeySpec& spec) {
  expect_type(spec, KeyType::mapping_list, "mapping_list()");
  const std::string key(spec.path);
  if (!spec.required() && !has(key)) {
    child(key);
    return {};
  }
  std::vector<MappingReader> items = mapping_list(key, spec.min_items, spec.max_items);
  if (echo_) {
    // Sized before any item's sink is taken: growing the array would move the items.
    nlohmann::json& list = (*echo_)[key];
    list = nlohmann::json::array();
    for (std::size_t i = 0; i < items.size(); ++i) list.push_back(nlohmann::json::object());
    for (std::size_t i = 0; i < items.size(); ++i) items[i].echo_into(list[i]);
  }
  return items;
}

}  // namespace trialsim
