#pragma once
// The key path of a `--set key.path=value` assignment (ConfigDocument::apply_override): split
// into steps, then walked in the YAML tree to set or remove what it names.
//
// A step is a key ("design"), a list index ("scenarios.1" or "scenarios[1]") or, in brackets, a
// list item named by its `name` key ("scenarios[fitted]"; a bracketed number is an index). A
// bracketed name runs to the first `]` followed by `.`, `[` or `=`, so a name may hold any other
// text, dots and spaces included; a name holding "].", "][" or "]=" is addressed by index.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config_error.h"

namespace trialsim {

struct OverridePathStep {
  std::string text;        // a key, an index, or a list item's name
  bool bracketed = false;  // written [text]
  int column = 1;          // of `text` in the assignment (1-based)
};

struct ParsedOverride {
  std::vector<OverridePathStep> steps;
  std::size_t equals = 0;  // where the '=' that ends the key path is
};

// Splits `assignment`; ConfigError (located in `where`, the assignment) when it is not of the
// form key.path=value or has an empty step or an unclosed `[`.
ParsedOverride parse_override(const std::string& assignment, const SourceLocation& where);

// Walks `steps` from `root` and sets what the last names to `*value`, creating missing mappings
// on the way, or removes it when `value` is null (it must exist then). Returns the key path as
// the readers name it (list items by index: "scenarios.1.response_rate"), or nullopt when a
// list item was removed (the items after it have moved up, so no reader path names it).
// ConfigError (in `file`, the --set text) for a step the tree does not have.
std::optional<std::string> write_at_override_path(YAML::Node root,
                                                  const std::vector<OverridePathStep>& steps,
                                                  const YAML::Node* value, const std::string& file);

}  // namespace trialsim
