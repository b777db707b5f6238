#include "config/key_table.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace trialsim {
namespace {

std::string format_bound(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << value;
  return out.str();
}

[[noreturn]] void table_error(std::string_view mapping_path, std::string_view key,
                              const std::string& problem) {
  throw std::logic_error("key table " + full_key_path(mapping_path, key) + ": " + problem);
}

bool is_list_type(KeyType type) {
  return type == KeyType::number_list || type == KeyType::choice_list ||
         type == KeyType::mapping_list;
}

// A default's JSON value has the key's type and lies in its range.
void check_default(std::string_view mapping_path, const KeySpec& spec) {
  const nlohmann::json& value = spec.fallback.value;
  const auto fail = [&](const std::string& problem) {
    table_error(mapping_path, spec.path, "default " + value.dump() + " " + problem);
  };
  const auto is_choice = [&](const nlohmann::json& item) {
    return item.is_string() && std::find(spec.choices.begin(), spec.choices.end(),
                                         item.get<std::string>()) != spec.choices.end();
  };
  switch (spec.type) {
    case KeyType::number:
      if (!value.is_number() || !spec.range.contains(value.get<double>()))
        fail("is not " + spec.range.describe());
      break;
    case KeyType::integer:
      if (!value.is_number_integer() || !spec.integers.contains(value.get<std::int64_t>()))
        fail("is not " + spec.integers.describe());
      break;
    case KeyType::string:
      if (!value.is_string()) fail("is not a string");
      break;
    case KeyType::boolean:
      if (!value.is_boolean()) fail("is not true or false");
      break;
    case KeyType::choice:
      if (!is_choice(value)) fail("is not one of the choices");
      break;
    case KeyType::number_list:
      if (!value.is_array()) fail("is not a list");
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_number() || !spec.range.contains(value[i].get<double>()) ||
            (spec.increasing && i > 0 && value[i].get<double>() <= value[i - 1].get<double>()))
          fail("has an item out of range or order");
      }
      break;
    case KeyType::choice_list:
      if (!value.is_array()) fail("is not a list");
      for (const auto& item : value) {
        if (!is_choice(item)) fail("has an item that is not one of the choices");
      }
      break;
    case KeyType::mapping:
    case KeyType::mapping_list:
    case KeyType::number_map:
    case KeyType::list_map:
      fail("is given to a mapping or list of mappings (write defaults on their keys)");
  }
}

}  // namespace

// ---------------------------------------------------------------- ranges

std::string NumberRange::describe() const {
  if (std::isinf(min) && min < 0 && std::isinf(max) && max > 0) return "a number";
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
NumberRange NumberRange::any() {
  return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), false,
          false};
}

std::string IntegerRange::describe() const {
  return "an integer" + (max == std::numeric_limits<std::int64_t>::max()
                             ? " >= " + std::to_string(min)
                             : " from " + std::to_string(min) + " to " + std::to_string(max));
}

std::string_view to_string(KeyType type) {
  switch (type) {
    case KeyType::number:
      return "number";
    case KeyType::integer:
      return "integer";
    case KeyType::string:
      return "string";
    case KeyType::boolean:
      return "boolean";
    case KeyType::choice:
      return "choice";
    case KeyType::number_list:
      return "number_list";
    case KeyType::choice_list:
      return "choice_list";
    case KeyType::mapping:
      return "mapping";
    case KeyType::mapping_list:
      return "mapping_list";
    case KeyType::number_map:
      return "number_map";
    case KeyType::list_map:
      return "list_map";
  }
  return "unknown";
}

// ---------------------------------------------------------------- defaults and specs

KeyDefault defaults_to(nlohmann::json value) {
  return {KeyDefault::Kind::value, std::move(value), ""};
}
KeyDefault absent_means(std::string text) {
  return {KeyDefault::Kind::none, nullptr, std::move(text)};
}
KeyDefault computed_default(std::string text) {
  return {KeyDefault::Kind::computed, nullptr, std::move(text)};
}

KeySpec KeySpec::as_required() const {
  KeySpec copy = *this;
  copy.fallback = {};
  return copy;
}

KeySpec KeySpec::with_default(nlohmann::json value) const {
  KeySpec copy = *this;
  copy.fallback = defaults_to(std::move(value));
  return copy;
}

KeySpec KeySpec::with_bounds(std::int64_t min, std::int64_t max) const {
  KeySpec copy = *this;
  copy.integers = {min, max};
  return copy;
}

KeySpec KeySpec::with_range(const NumberRange& range) const {
  KeySpec copy = *this;
  copy.range = range;
  return copy;
}

// ---------------------------------------------------------------- tables

bool KeyTable::contains(std::string_view path) const noexcept {
  return std::any_of(keys.begin(), keys.end(),
                     [&](const KeySpec& spec) { return spec.path == path; });
}

const KeySpec& KeyTable::operator[](std::string_view path) const {
  for (const KeySpec& spec : keys) {
    if (spec.path == path) return spec;
  }
  table_error(mapping_path, path, "no such key in the table");
}

std::string full_key_path(std::string_view mapping_path, std::string_view key) {
  if (mapping_path.empty()) return std::string(key);
  return std::string(mapping_path) + "." + std::string(key);
}

void check_key_table(const KeyTable& table) {
  std::set<std::string_view> seen;
  for (const KeySpec& spec : table.keys) {
    const auto fail = [&](const std::string& problem) {
      table_error(table.mapping_path, spec.path, problem);
    };
    if (spec.path.empty() || spec.path.find_first_of(".[]") != std::string_view::npos)
      fail("a key is one name (no dots or brackets; nested mappings have tables of their own)");
    if (!seen.insert(spec.path).second) fail("declared twice");
    if (spec.meaning.empty()) fail("no meaning");
    const bool takes_choices = spec.type == KeyType::choice || spec.type == KeyType::choice_list;
    if (takes_choices && spec.choices.empty()) fail("a choice without choices");
    if (!takes_choices && spec.type != KeyType::number_map && !spec.choices.empty())
      fail("choices on a " + std::string(to_string(spec.type)) + " key");
    if (is_list_type(spec.type) && (spec.min_items > spec.max_items || spec.max_items == 0))
      fail("min_items > max_items");
    if (spec.integers.min > spec.integers.max) fail("integer min > max");
    if (spec.range.min > spec.range.max) fail("range min > max");
    if (spec.fallback.kind == KeyDefault::Kind::value) check_default(table.mapping_path, spec);
  }
  const auto check_named = [&](std::string_view key, const std::string& where) {
    if (seen.count(key) == 0) table_error(table.mapping_path, key, where + " names no key");
  };
  for (const auto& group : table.exactly_one_of) {
    if (group.size() < 2) table_error(table.mapping_path, "", "an exactly-one-of of fewer than 2");
    for (const auto key : group) check_named(key, "exactly_one_of");
  }
  for (const KeyCondition& condition : table.conditions) {
    check_named(condition.key, "a condition");
    const KeySpec& on = table[condition.key];
    if (on.type != KeyType::choice)
      table_error(table.mapping_path, on.path, "a condition on a non-choice key");
    for (const std::string& value : condition.equals) {
      if (std::find(on.choices.begin(), on.choices.end(), value) == on.choices.end())
        table_error(table.mapping_path, on.path, "a condition on \"" + value + "\", not a choice");
    }
    for (const auto key : condition.required) check_named(key, "a condition's required key");
    for (const auto key : condition.forbidden) check_named(key, "a condition's forbidden key");
  }
}

}  // namespace trialsim
