#include "engine/config_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

namespace trialsim {
namespace {

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

std::string format_bound(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << value;
  return out.str();
}

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

void ConfigDocument::apply_override(const std::string& assignment) {
  const SourceLocation where{"--set " + assignment, 1, 1};
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError(where, "", "override is not of the form key.path=value",
                      "--set key.path=value");
  }
  const std::string key_path = assignment.substr(0, equals);
  const std::string value_text = assignment.substr(equals + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError({where.file, 1, static_cast<int>(equals) + 2 + e.mark.column}, key_path,
                      "value is not valid YAML (" + e.msg + ")", "a YAML scalar, list or mapping");
  }
  if (!value.IsDefined() || value.IsNull()) {
    throw ConfigError({where.file, 1, static_cast<int>(equals) + 2}, key_path, "empty value",
                      "a value after '='");
  }

  std::vector<std::string> segments;
  std::stringstream stream(key_path);
  for (std::string segment; std::getline(stream, segment, '.');) {
    if (segment.empty()) {
      throw ConfigError(where, key_path, "empty segment in key path", "key.path.segments");
    }
    segments.push_back(segment);
  }

  YAML::Node current;
  current.reset(root_);  // rebind, never assign: assignment would overwrite the tree
  std::string walked;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    const bool last = i + 1 == segments.size();
    walked += (walked.empty() ? "" : ".") + segment;
    if (current.IsSequence()) {
      std::size_t index = 0;
      const auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (ec != std::errc() || ptr != segment.data() + segment.size() || index >= current.size()) {
        throw ConfigError(where, walked, "no list item " + segment,
                          "an index from 0 to " + std::to_string(current.size() - 1));
      }
      if (last) {
        current[index] = value;
      } else {
        YAML::Node next = current[index];
        current.reset(next);
      }
    } else if (current.IsMap() || current.IsNull()) {
      if (last) {
        current[segment] = value;
      } else {
        // A missing intermediate mapping (e.g. `simulation.seed` when the file has no
        // `simulation:` block) is created, as the file could have written it.
        if (!current[segment].IsDefined() || current[segment].IsNull()) {
          current[segment] = YAML::Node(YAML::NodeType::Map);
        }
        YAML::Node next = current[segment];
        current.reset(next);
      }
    } else {
      throw ConfigError(where, walked, "cannot descend into a scalar",
                        "a key path that names a mapping or list");
    }
  }
  overrides_.push_back({key_path, assignment});
}

SourceLocation ConfigDocument::locate(const YAML::Node& node, const std::string& key_path) const {
  // Latest override wins, as in the tree.
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    const std::string& overridden = it->key_path;
    const bool covers = key_path == overridden ||
                        (key_path.size() > overridden.size() &&
                         key_path.compare(0, overridden.size(), overridden) == 0 &&
                         key_path[overridden.size()] == '.');
    if (covers) {
      const int value_column = static_cast<int>(overridden.size()) + 2;
      const int offset = node.IsDefined() ? node.Mark().column : 0;
      return {"--set " + it->assignment, 1, value_column + std::max(0, offset)};
    }
  }
  if (!node.IsDefined() || node.Mark().line < 0) return {file_name_, 1, 1};
  return {file_name_, node.Mark().line + 1, node.Mark().column + 1};
}

std::string ConfigDocument::canonical_text() const {
  YAML::Emitter emitter;
  emitter << root_;
  return std::string(emitter.c_str()) + "\n";
}

// ---------------------------------------------------------------- NumberRange

std::string NumberRange::describe() const {
  if (std::isinf(max) && max > 0) {
    if (min == 0.0 && !min_inclusive) return "a number > 0";
    return "a number " + std::string(min_inclusive ? ">= " : "> ") + format_bound(min);
  }
  return "a number in " + std::string(min_inclusive ? "[" : "(") + format_bound(min) + ", " +
         format_bound(max) + (max_inclusive ? "]" : ")");
}

bool NumberRange::contains(double value) const noexcept {
  if (std::isnan(value)) return false;
  const bool above = min_inclusive ? value >= min : value > min;
  const bool below = max_inclusive ? value <= max : value < max;
  return above && below;
}

NumberRange NumberRange::positive() {
  return {0.0, std::numeric_limits<double>::infinity(), false, false};
}
NumberRange NumberRange::non_negative() {
  return {0.0, std::numeric_limits<double>::infinity(), true, false};
}
NumberRange NumberRange::at_least(double min) {
  return {min, std::numeric_limits<double>::infinity(), true, false};
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
  if (!node.IsScalar() || is_quoted(node)) fail_at(node, path, "found " + describe_node(node), "a number");
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
  if (!value.IsDefined()) fail(key, "missing required key", range.describe());
  const double number = to_number(value, child_path(key));
  if (!range.contains(number)) {
    fail_at(value, child_path(key), "value " + value.Scalar() + " is out of range", range.describe());
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
  const std::string expected =
      "an integer" + (max == std::numeric_limits<std::int64_t>::max()
                          ? " >= " + std::to_string(min)
                          : " from " + std::to_string(min) + " to " + std::to_string(max));
  if (!value.IsDefined()) fail(key, "missing required key", expected);
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
    return default_value;
  }
  return required_integer(key, min, max);
}

std::string MappingReader::required_string(const std::string& key) {
  const YAML::Node value = child(key);
  if (!value.IsDefined()) fail(key, "missing required key", "a string");
  if (!value.IsScalar()) fail_at(value, child_path(key), "found " + describe_node(value), "a string");
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
  if (!value.IsDefined()) fail(key, "missing required key", expected);
  if (!value.IsScalar()) fail_at(value, child_path(key), "found " + describe_node(value), expected);
  if (std::find(choices.begin(), choices.end(), value.Scalar()) == choices.end()) {
    fail_at(value, child_path(key), "unknown value \"" + value.Scalar() + "\"", expected);
  }
  return value.Scalar();
}

std::string MappingReader::optional_choice(const std::string& key,
                                           const std::string& default_value,
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
                               (increasing ? " in increasing order" : "") + ", each " + range.describe();
  if (!value.IsSequence() || value.size() == 0) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = child_path(key) + "." + std::to_string(i);
    const double number = to_number(value[i], item_path);
    if (!range.contains(number) || (increasing && !out.empty() && number <= out.back())) {
      fail_at(value[i], item_path, "value " + value[i].Scalar() + " is out of range or order", expected);
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
  if (!value.IsDefined() || value.IsNull()) fail(key, "missing required key", "a mapping");
  return MappingReader(*document_, value, child_path(key),
                       schema_path_.empty() ? key : schema_path_ + "." + key, registry_);
}

std::optional<MappingReader> MappingReader::optional_mapping(const std::string& key) {
  if (!has(key)) {
    child(key);
    return std::nullopt;
  }
  return mapping(key);
}

std::vector<MappingReader> MappingReader::mapping_list(const std::string& key,
                                                       std::size_t min_items) {
  const YAML::Node value = child(key);
  const std::string expected =
      "a list of at least " + std::to_string(min_items) + " mapping" + (min_items == 1 ? "" : "s");
  if (!value.IsDefined() || value.IsNull()) fail(key, "missing required key", expected);
  if (!value.IsSequence() || value.size() < min_items) {
    fail_at(value, child_path(key), "found " + describe_node(value), expected);
  }
  std::vector<MappingReader> items;
  const std::string schema = (schema_path_.empty() ? key : schema_path_ + "." + key) + "[]";
  for (std::size_t i = 0; i < value.size(); ++i) {
    items.emplace_back(*document_, value[i], child_path(key) + "." + std::to_string(i), schema,
                       registry_);
  }
  return items;
}

void MappingReader::finish() const {
  std::vector<std::string> allowed(consumed_.begin(), consumed_.end());
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (consumed_.count(key) == 0) {
      fail_at(entry.first, child_path(key), "unknown key",
              allowed.empty() ? "no keys here" : "one of " + join(allowed, ", "));
    }
  }
}

}  // namespace trialsim
