#include "config/override_path.h"

#include <charconv>
#include <utility>

#include "config/key_suggestion.h"

namespace trialsim {
namespace {

// Whether the ']' at `at` closes a selector: what follows it continues or ends the key path.
bool closes_selector(const std::string& text, std::size_t at) {
  return text[at] == ']' && at + 1 < text.size() &&
         (text[at + 1] == '.' || text[at + 1] == '[' || text[at + 1] == '=');
}

bool parse_index(const std::string& text, std::size_t& index) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Up to 12 names, quoted (they are free text, commas included), and how many more.
std::string quoted_names(const std::vector<std::string>& names) {
  constexpr std::size_t LIMIT = 12;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < LIMIT; ++i) {
    out += (i ? ", \"" : "\"") + names[i] + "\"";
  }
  if (names.size() > LIMIT) out += ", ... (" + std::to_string(names.size() - LIMIT) + " more)";
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// The item of `list` that `step` names: by index, or (bracketed) by its `name`.
std::size_t select_list_item(const YAML::Node& list, const OverridePathStep& step,
                             const std::string& walked, const std::string& file) {
  const SourceLocation where{file, 1, step.bracketed ? step.column : 1};
  const std::string indices = list.size() == 0
                                  ? "an item of a non-empty list (this list is empty)"
                                  : "an index from 0 to " + std::to_string(list.size() - 1);
  std::size_t index = 0;
  if (parse_index(step.text, index)) {
    if (index < list.size()) return index;
    throw ConfigError(where, walked, "no list item " + step.text, indices);
  }
  if (!step.bracketed) {
    throw ConfigError(where, walked, "no list item " + step.text,
                      indices + ", or a name in brackets (key[NAME])");
  }
  std::vector<std::string> names;
  std::vector<std::size_t> matches;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node name = list[i].IsMap() ? list[i]["name"] : YAML::Node();
    if (!name.IsDefined() || !name.IsScalar()) continue;
    names.push_back(name.Scalar());
    if (name.Scalar() == step.text) matches.push_back(i);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1) {
    throw ConfigError(where, walked,
                      "two list items are named \"" + step.text + "\" (items " +
                          std::to_string(matches[0]) + " and " + std::to_string(matches[1]) + ")",
                      "an index to tell them apart");
  }
  throw ConfigError(
      where, walked, "no list item named \"" + step.text + "\"",
      (names.empty() ? indices : "one of " + quoted_names(names) + ", or " + indices) +
          did_you_mean(step.text, names));
}

// The ConfigError for removing a key `current` does not have; the keys it has are the choice.
ConfigError nothing_to_remove(const YAML::Node& current, const OverridePathStep& step,
                              const std::string& walked, const std::string& file) {
  std::vector<std::string> keys;
  if (current.IsMap()) {
    for (const auto& entry : current) keys.push_back(entry.first.Scalar());
  }
  return ConfigError({file, 1, step.column}, walked, "nothing to remove (no such key here)",
                     (keys.empty() ? std::string("a key the config has (there is none here)")
                                   : "one of " + joined(keys)) +
                         did_you_mean(step.text, keys));
}

}  // namespace

ParsedOverride parse_override(const std::string& assignment, const SourceLocation& where) {
  const ConfigError not_of_the_form(where, "", "override is not of the form key.path=value",
                                    "--set key.path=value");
  ParsedOverride parsed;
  std::size_t at = 0;
  bool after_dot = false;
  while (true) {
    if (at >= assignment.size() || (at == 0 && assignment[0] == '=')) throw not_of_the_form;
    const std::string so_far = assignment.substr(0, at);
    if (assignment[at] == '[' && !after_dot) {
      std::size_t close = at + 1;
      while (close < assignment.size() && !closes_selector(assignment, close)) ++close;
      if (close >= assignment.size()) {
        throw ConfigError(where, so_far, "unclosed [ in the key path",
                          "key[index or name] followed by '.', '[' or '='");
      }
      parsed.steps.push_back(
          {assignment.substr(at + 1, close - at - 1), true, static_cast<int>(at) + 2});
      if (parsed.steps.back().text.empty()) {
        throw ConfigError(where, so_far, "empty [] in the key path", "an index or a name in [ ]");
      }
      at = close + 1;
    } else {
      const std::size_t end = std::min(assignment.find_first_of(".[=", at), assignment.size());
      if (end == at)
        throw ConfigError(where, so_far, "empty segment in key path", "key.path.segments");
      parsed.steps.push_back({assignment.substr(at, end - at), false, static_cast<int>(at) + 1});
      at = end;
    }
    if (at >= assignment.size()) throw not_of_the_form;
    if (assignment[at] == '=') {
      parsed.equals = at;
      return parsed;
    }
    after_dot = assignment[at] == '.';
    if (after_dot) ++at;
  }
}

std::optional<std::string> write_at_override_path(YAML::Node root,
                                                  const std::vector<OverridePathStep>& steps,
                                                  const YAML::Node* value,
                                                  const std::string& file) {
  YAML::Node current;
  current.reset(root);  // rebind, never assign: assignment would overwrite the tree
  std::string walked, canonical;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const OverridePathStep& step = steps[i];
    const bool last = i + 1 == steps.size();
    walked += step.bracketed ? "[" + step.text + "]" : (walked.empty() ? "" : ".") + step.text;
    if (current.IsSequence()) {
      const std::size_t index = select_list_item(current, step, walked, file);
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive, GCC bug 105329)
      // on "." + std::to_string(...) here.
      if (!canonical.empty()) canonical += '.';
      canonical += std::to_string(index);
      if (last && !value) {
        current.remove(index);
        return std::nullopt;
      }
      if (last) {
        current[index] = *value;
        return canonical;
      }
      YAML::Node next = current[index];
      current.reset(next);
      continue;
    }
    if (step.bracketed) {
      throw ConfigError({file, 1, step.column}, walked,
                        "[" + step.text + "] after a key that is not a list",
                        "[index] or [NAME] after a list, e.g. scenarios[0] or scenarios[NAME]");
    }
    if (!current.IsMap() && !current.IsNull()) {
      throw ConfigError({file, 1, 1}, walked, "cannot descend into a scalar",
                        "a key path that names a mapping or list");
    }
    canonical += (canonical.empty() ? "" : ".") + step.text;
    const YAML::Node existing = current.IsMap() ? std::as_const(current)[step.text] : YAML::Node();
    if (!value && !existing.IsDefined()) throw nothing_to_remove(current, step, walked, file);
    if (last) {
      if (value) {
        current[step.text] = *value;
      } else {
        current.remove(step.text);
      }
      return canonical;
    }
    // A missing intermediate mapping (e.g. `simulation.seed` when the file has no `simulation:`
    // block) is created, as the file could have written it.
    if (value && (!existing.IsDefined() || existing.IsNull())) {
      current[step.text] = YAML::Node(YAML::NodeType::Map);
    }
    YAML::Node next = current[step.text];
    current.reset(next);
  }
  return canonical;  // not reached: the parser gives at least one step
}

}  // namespace trialsim
