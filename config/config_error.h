#pragma once
// User errors in configuration and input files. The message is one line:
//   FILE:LINE:COL: key.path: <what was wrong>, expected <what>
// and the CLI turns it into exit code 2 with no output written (STYLE lesson 11: user errors
// are messages, broken invariants are assertions).
//
// The parts may carry text from the input (a file name, a --set assignment, a key); whoever
// prints the message escapes it for its reader (the CLI shows control characters as "\n",
// "\x1b" with terminal_safe, core/text_escape.h). Messages that embed a name escape that
// name themselves, so they stay one line for any reader.
#include <stdexcept>
#include <string>

namespace trialsim {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the whole file
  int column = 0;  // 1-based
};

// what() is a C string: a NUL byte from input (a YAML "\0" escape in a name) would cut the message
// short. It is shown as U+2400 SYMBOL FOR NULL, which the terminal escaping leaves as it is.
inline std::string visible_nul(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\0')
      out += "\u2400";
    else
      out += c;
  }
  return out;
}

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const SourceLocation& where, const std::string& key_path, const std::string& problem,
              const std::string& expected)
      : std::runtime_error(visible_nul(where.file + ":" + std::to_string(where.line) + ":" +
                                       std::to_string(where.column) + ": " +
                                       (key_path.empty() ? std::string("(document)") : key_path) +
                                       ": " + problem + ", expected " + expected)),
        where_(where),
        key_path_(key_path),
        problem_(problem),
        expected_(expected) {}

  // The parts as given (unescaped), for callers that report an error again at another place
  // (e.g. a grid value whose cell config is invalid).
  const SourceLocation& where() const noexcept { return where_; }
  const std::string& key_path() const noexcept { return key_path_; }
  const std::string& problem() const noexcept { return problem_; }
  const std::string& expected() const noexcept { return expected_; }

 private:
  SourceLocation where_;
  std::string key_path_, problem_, expected_;
};

}  // namespace trialsim
