#include "config/json_schema.h"

#include <cmath>
#include <limits>
#include <set>

namespace trialsim {
namespace {

using nlohmann::json;

const KeyTable* table_at(std::string_view mapping_path,
                         const std::vector<const KeyTable*>& tables) {
  for (const KeyTable* table : tables) {
    if (table->mapping_path == mapping_path) return table;
  }
  return nullptr;
}

// What a key of type string accepts: any scalar (the reader takes the scalar's text).
json scalar_types() { return json::array({"string", "number", "boolean"}); }

json number_schema(const NumberRange& range) {
  json out = {{"type", "number"}};
  if (std::isfinite(range.min))
    out[range.min_inclusive ? "minimum" : "exclusiveMinimum"] = range.min;
  if (std::isfinite(range.max))
    out[range.max_inclusive ? "maximum" : "exclusiveMaximum"] = range.max;
  return out;
}

json integer_schema(const IntegerRange& range) {
  json out = {{"type", "integer"}};
  if (range.min != std::numeric_limits<std::int64_t>::min()) out["minimum"] = range.min;
  if (range.max != std::numeric_limits<std::int64_t>::max()) out["maximum"] = range.max;
  return out;
}

json list_bounds(json out, const KeySpec& spec) {
  out["minItems"] = spec.min_items;
  out["maxItems"] = spec.max_items;
  return out;
}

std::string description_of(const KeySpec& spec) {
  std::string text(spec.meaning);
  if (!spec.unit.empty()) text += " [" + std::string(spec.unit) + "]";
  if (spec.type == KeyType::number_list && spec.increasing) text += " (increasing)";
  if (spec.fallback.kind == KeyDefault::Kind::none ||
      spec.fallback.kind == KeyDefault::Kind::computed)
    text += "; default: " + spec.fallback.text;
  return text;
}

// An optional key may also be null (the reader reads null as absent).
void allow_null(json& schema) {
  if (schema.is_boolean()) return;
  if (schema.contains("enum")) {
    schema["enum"].push_back(nullptr);
  } else if (schema.contains("type")) {
    json& type = schema["type"];
    if (type.is_string())
      type = json::array({type, "null"});
    else
      type.push_back("null");
  }
}

json condition_schema(const KeyCondition& condition) {
  json if_part = {{"properties", {{std::string(condition.key), {{"enum", condition.equals}}}}},
                  {"required", json::array({std::string(condition.key)})}};
  json then_part = json::object();
  if (!condition.required.empty()) {
    json required = json::array();
    for (const auto key : condition.required) required.push_back(std::string(key));
    then_part["required"] = required;
  }
  if (!condition.forbidden.empty()) {
    json properties = json::object();
    for (const auto key : condition.forbidden) properties[std::string(key)] = false;
    then_part["properties"] = properties;
  }
  return {{"if", if_part}, {"then", then_part}};
}

// The Markdown of a default value: strings bare, everything else as JSON.
std::string markdown_value(const json& value) {
  if (value.is_string())
    return value.get<std::string>().empty() ? "\"\"" : value.get<std::string>();
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i)
      out += (i ? ", " : "") + markdown_value(value[i]);
    return out + "]";
  }
  return value.dump();
}

// A table cell: no line breaks, and `|` escaped so the row keeps its columns.
std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string backquoted_list(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + "`" + items[i] + "`";
  return out;
}

}  // namespace

nlohmann::json key_json_schema(const KeySpec& spec, std::string_view mapping_path,
                               const std::vector<const KeyTable*>& tables) {
  const std::string child_path = full_key_path(mapping_path, spec.path);
  json out;
  switch (spec.type) {
    case KeyType::number:
      out = number_schema(spec.range);
      break;
    case KeyType::integer:
      out = integer_schema(spec.integers);
      break;
    case KeyType::string:
      out = {{"type", scalar_types()}};
      if (!spec.pattern.empty()) out["pattern"] = spec.pattern;
      break;
    case KeyType::boolean:
      out = {{"type", "boolean"}};
      break;
    case KeyType::choice:
      out = {{"enum", spec.choices}};
      break;
    case KeyType::number_list:
      out = list_bounds({{"type", "array"}, {"items", number_schema(spec.range)}}, spec);
      break;
    case KeyType::choice_list:
      out = list_bounds(
          {{"type", "array"}, {"items", {{"enum", spec.choices}}}, {"uniqueItems", true}}, spec);
      out.erase("maxItems");  // distinct choices: never more than there are
      break;
    case KeyType::mapping:
      out = table_at(child_path, tables) ? mapping_json_schema(child_path, tables)
                                         : json{{"type", "object"}};
      break;
    case KeyType::mapping_list: {
      const std::string item_path = child_path + "[]";
      const json item = table_at(item_path, tables) ? mapping_json_schema(item_path, tables)
                                                    : json{{"type", "object"}};
      out = list_bounds({{"type", "array"}, {"items", item}}, spec);
      break;
    }
    case KeyType::number_map:
      out = {{"type", "object"}, {"additionalProperties", {{"type", "number"}}}};
      if (!spec.choices.empty()) out["propertyNames"] = {{"enum", spec.choices}};
      break;
    case KeyType::list_map: {
      // A grid value may be null: the key removed in that cell (as --set key=null).
      const json item_types = json::array({"string", "number", "boolean", "null"});
      const json values = {{"type", "array"}, {"minItems", 1}, {"items", {{"type", item_types}}}};
      out = {
          {"type", "object"}, {"maxProperties", MAX_LIST_ITEMS}, {"additionalProperties", values}};
      break;
    }
  }
  out["description"] = description_of(spec);
  if (spec.fallback.kind == KeyDefault::Kind::value) out["default"] = spec.fallback.value;
  if (!spec.required()) allow_null(out);
  return out;
}

nlohmann::json mapping_json_schema(std::string_view mapping_path,
                                   const std::vector<const KeyTable*>& tables) {
  json out = {{"type", "object"}, {"additionalProperties", false}};
  const KeyTable* table = table_at(mapping_path, tables);
  if (!table) return out;
  json properties = json::object();
  json required = json::array();
  for (const KeySpec& spec : table->keys) {
    properties[std::string(spec.path)] = key_json_schema(spec, mapping_path, tables);
    if (spec.required()) required.push_back(std::string(spec.path));
  }
  out["properties"] = properties;
  if (!required.empty()) out["required"] = required;
  if (!table->exactly_one_of.empty()) {
    json all = json::array();
    for (const auto& group : table->exactly_one_of) {
      json one_of = json::array();
      for (const auto key : group)
        one_of.push_back({{"required", json::array({std::string(key)})}});
      all.push_back({{"oneOf", one_of}});
    }
    out["allOf"] = all;
  }
  for (const KeyCondition& condition : table->conditions) {
    out["allOf"].push_back(condition_schema(condition));
  }
  return out;
}

nlohmann::json study_json_schema(const std::vector<const KeyTable*>& common,
                                 const std::vector<DesignKeyTables>& designs,
                                 const std::string& title) {
  json root = mapping_json_schema("", common);
  root["$schema"] = "http://json-schema.org/draft-07/schema#";
  root["title"] = title;
  const KeyTable* top = table_at("", common);
  if (!top) return root;

  // The top-level keys the designs fill: mappings and lists of mappings with no common table.
  std::vector<const KeySpec*> design_owned;
  for (const KeySpec& spec : top->keys) {
    const std::string path(spec.path);
    if ((spec.type == KeyType::mapping && !table_at(path, common)) ||
        (spec.type == KeyType::mapping_list && !table_at(path + "[]", common))) {
      design_owned.push_back(&spec);
    }
  }
  std::vector<std::string> types;
  for (const DesignKeyTables& design : designs) types.push_back(design.type);
  json& design_property = root["properties"]["design"];
  design_property["required"] = json::array({"type"});
  design_property["properties"] = {
      {"type", {{"enum", types}, {"description", "the design; it decides the other keys"}}}};

  json dispatch = json::array();
  for (const DesignKeyTables& design : designs) {
    if (design.tables.empty()) continue;  // not converted yet: design.type only
    std::vector<const KeyTable*> tables = common;
    tables.insert(tables.end(), design.tables.begin(), design.tables.end());
    json properties = json::object();
    for (const KeySpec* spec : design_owned) {
      const std::string path(spec->path);
      const bool described = table_at(path, design.tables) || table_at(path + "[]", design.tables);
      properties[path] = described ? key_json_schema(*spec, "", tables) : json(false);
    }
    if (properties.contains("design") && properties["design"].is_object()) {
      properties["design"]["properties"]["type"] = {{"const", design.type},
                                                    {"description", design.summary}};
    }
    dispatch.push_back({{"if",
                         {{"properties",
                           {{"design",
                             {{"properties", {{"type", {{"const", design.type}}}}},
                              {"required", json::array({"type"})}}}}},
                          {"required", json::array({"design"})}}},
                        {"then", {{"properties", properties}}}});
  }
  if (!dispatch.empty()) {
    for (auto& rule : dispatch) root["allOf"].push_back(rule);
  }
  return root;
}

std::string markdown_type(const KeySpec& spec) {
  const auto without_article = [](const std::string& text) {
    return text.substr(text.find(' ') + 1);  // "a number > 0" -> "number > 0"
  };
  switch (spec.type) {
    case KeyType::number:
      return without_article(spec.range.describe());
    case KeyType::integer:
      if (spec.integers.min == spec.integers.max)
        return "integer `" + std::to_string(spec.integers.min) + "`";
      return without_article(spec.integers.describe());
    case KeyType::string:
      return "string";
    case KeyType::boolean:
      return "boolean";
    case KeyType::choice:
      return backquoted_list(spec.choices, " | ");
    case KeyType::number_list: {
      std::string each = without_article(spec.range.describe());
      each.replace(0, 6, "numbers");  // "number ..." -> "numbers ..."
      return std::string(spec.increasing ? "increasing " : "") + "list of " + each;
    }
    case KeyType::choice_list:
      return "list of " + backquoted_list(spec.choices, ", ");
    case KeyType::mapping:
      return "mapping";
    case KeyType::mapping_list:
      return "list of " + std::to_string(spec.min_items) + "-" + std::to_string(spec.max_items) +
             " mappings";
    case KeyType::number_map:
      return "mapping name -> number";
    case KeyType::list_map:
      return "mapping key path -> list of values";
  }
  return "";
}

std::string markdown_default(const KeySpec& spec) {
  switch (spec.fallback.kind) {
    case KeyDefault::Kind::required:
      return "required";
    case KeyDefault::Kind::value: {
      // Appended, not "`" + text + "`": GCC 12 warns falsely (-Wrestrict) on that form.
      std::string out = "`";
      out += markdown_value(spec.fallback.value);
      out += '`';
      return out;
    }
    case KeyDefault::Kind::none:
    case KeyDefault::Kind::computed:
      return spec.fallback.text;
  }
  return "";
}

std::string markdown_key_table(const std::vector<const KeyTable*>& tables) {
  std::string out = "| key | type | unit | default | meaning |\n|---|---|---|---|---|\n";
  for (const KeyTable* table : tables) {
    for (const KeySpec& spec : table->keys) {
      out += "| `" + full_key_path(table->mapping_path, spec.path) + "` | " +
             cell(markdown_type(spec)) + " | " + (spec.unit.empty() ? "–" : cell(spec.unit)) +
             " | " + cell(markdown_default(spec)) + " | " + cell(spec.meaning) + " |\n";
    }
  }
  return out;
}

std::string config_reference_markdown(const std::vector<const KeyTable*>& common,
                                      const std::vector<DesignKeyTables>& designs,
                                      const std::string& title) {
  std::string out = "<!-- Generated from the key tables (config/key_table.h); do not edit. -->\n";
  out += "# " + title + "\n\n## Keys of every study\n\n" + markdown_key_table(common);
  for (const DesignKeyTables& design : designs) {
    out += "\n## `design.type: " + design.type + "`\n\n";
    if (!design.summary.empty()) out += design.summary + "\n\n";
    if (!design.tables.empty()) out += markdown_key_table(design.tables);
  }
  return out;
}

}  // namespace trialsim
