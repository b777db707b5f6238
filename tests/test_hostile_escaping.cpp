// Issue 12, item 1: text from input is data. Scenario names (and other text) that reach gnuplot,
// HTML, CSV or the terminal are escaped, never executed: the escape functions exactly, then the
// three injection routes end to end (a config file, --set, a crafted results directory given to
// `trialsim report`), and `trialsim report` on malformed results directories (exit 2, one line).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/accumulator.h"
#include "core/output.h"
#include "core/text_escape.h"
#include "designs/design_support.h"
#include "edges/report/report_data.h"
#include "edges/report/report_gnuplot.h"
#include "support.h"

using namespace trialsim::testing;
using trialsim::csv_field;
using trialsim::html_escape;
using trialsim::terminal_safe;
using trialsim::valid_utf8;
using trialsim::report::gp_comment;
using trialsim::report::gp_string;

namespace {

const std::string REPLACEMENT = "\xEF\xBF\xBD";  // U+FFFD
const std::string BINARY_EXAMPLE = source_path("configs/examples/single-arm-binary.yaml").string();

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The hostile names: a newline followed by a gnuplot shell line, quotes of both kinds, shell
// and gnuplot substitutions, HTML, ANSI colour, a NUL-free mix of C0/C1 controls and a backslash.
struct HostileNames {
  std::string newline_shell, substitutions;
};

// Each at most 200 characters, the longest scenario name a config may give.
HostileNames hostile_names(const std::filesystem::path& dir) {
  return {
      "n\n!touch " + (dir / "pwned").string() + "\n'quote' \"double\" <b>bold</b> $(touch " +
          (dir / "pwned2").string() + ")",
      "`touch " + (dir / "pwned3").string() + "` @macro '; system(\"touch " +
          (dir / "pwned4").string() +
          "\") \x1b[31mred\x1b[0m \x01\x07\x08\t\x0b\x0c\r\x7f\xC2\x85\xC2\x9B <i> back\\slash"};
}

// The same text as a YAML double-quoted scalar (escapes for every control character).
std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  // C1 controls as \u escapes: a raw NEL (U+0085) is a line break to a YAML reader.
  return replace_all(replace_all(out, "\xC2\x85", "\\u0085"), "\xC2\x9B", "\\u009b") + "\"";
}

bool any_pwned(const std::filesystem::path& dir) {
  for (const char* name : {"pwned", "pwned2", "pwned3", "pwned4", "pwned5"}) {
    if (std::filesystem::exists(dir / name)) return true;
  }
  return false;
}

// Every .gp script: no line gnuplot would hand to the shell, no control byte but line feeds.
void check_gnuplot_scripts(const std::filesystem::path& figures) {
  std::size_t scripts = 0;
  for (const auto& entry : std::filesystem::directory_iterator(figures)) {
    if (entry.path().extension() != ".gp") continue;
    ++scripts;
    const std::string script = read_text(entry.path());
    INFO(entry.path().string());
    REQUIRE(valid_utf8(script) == script);
    std::istringstream lines(script);
    for (std::string line; std::getline(lines, line);) {
      const auto first = line.find_first_not_of(" \t");
      REQUIRE((first == std::string::npos || line[first] != '!'));
      for (const char c : line) REQUIRE(static_cast<unsigned char>(c) >= 0x20);
      REQUIRE(line.find('\x7f') == std::string::npos);
    }
  }
  REQUIRE(scripts >= 1);
}

void check_report(const std::filesystem::path& out) {
  const std::string html = read_text(out / "report.html");
  REQUIRE(html.find("<b>") == std::string::npos);
  REQUIRE(html.find("<i>") == std::string::npos);
  REQUIRE(html.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
  REQUIRE(html.find('\x1b') == std::string::npos);
  REQUIRE(valid_utf8(html) == html);
  check_gnuplot_scripts(out / "figures");
}

void check_terminal(const CommandResult& result) {
  // Terminal output of `run` is printed by edges/cli/cli.cpp, which routes names through
  // terminal_safe.
  REQUIRE(result.out.find('\x1b') == std::string::npos);
  REQUIRE(result.err.find('\x1b') == std::string::npos);
}

// A results directory of the binary example (plain names), for the report-route tests.
void run_example(const std::filesystem::path& out, const TempDir& scratch) {
  const auto result =
      run_trialsim({"run", BINARY_EXAMPLE, "-r", "200", "-o", out.string(), "-q"}, scratch);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
}

// `trialsim report` on a malformed directory: exit 2, one line naming the file, no internal text.
void check_refused(const std::filesystem::path& dir, const std::string& mention,
                   const TempDir& scratch) {
  const auto result = run_trialsim({"report", dir.string()}, scratch);
  INFO(result.err);
  REQUIRE(result.exit_code == 2);
  REQUIRE(result.err.rfind("trialsim: ", 0) == 0);
  REQUIRE(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  REQUIRE(result.err.find(mention) != std::string::npos);
  REQUIRE(result.err.find("expected") != std::string::npos);
  REQUIRE(result.err.find("json.exception") == std::string::npos);
  REQUIRE(result.err.find("type_error") == std::string::npos);
  REQUIRE(result.err.find("parse_error") == std::string::npos);
  REQUIRE_FALSE(std::filesystem::exists(dir / "report.html"));
}

}  // namespace

TEST_CASE("valid_utf8 replaces each byte that starts no well-formed sequence with U+FFFD",
          "[hostile]") {
  REQUIRE(valid_utf8("plain ASCII") == "plain ASCII");
  REQUIRE(valid_utf8("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
          "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // é € 😀
  REQUIRE(valid_utf8("a\xFF"
                     "b") == "a" + REPLACEMENT + "b");
  REQUIRE(valid_utf8("\xC0\xAF") == REPLACEMENT + REPLACEMENT);                    // overlong '/'
  REQUIRE(valid_utf8("\xED\xA0\x80") == REPLACEMENT + REPLACEMENT + REPLACEMENT);  // surrogate D800
  REQUIRE(valid_utf8("\xF4\x90\x80\x80").size() == 4 * REPLACEMENT.size());        // above U+10FFFF
  REQUIRE(valid_utf8("\xE2\x82") == REPLACEMENT + REPLACEMENT);                    // truncated
  REQUIRE(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));  // NUL is valid UTF-8
}

TEST_CASE("terminal_safe shows every control character escaped and doubles the backslash",
          "[hostile]") {
  REQUIRE(terminal_safe("response-0.60") == "response-0.60");
  REQUIRE(terminal_safe("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  REQUIRE(terminal_safe("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  REQUIRE(terminal_safe(std::string("a\0b", 3)) == "a\\0b");
  REQUIRE(terminal_safe("back\\slash") == "back\\\\slash");
  REQUIRE(terminal_safe("\x01\x07\x7f") == "\\x01\\x07\\x7f");
  REQUIRE(terminal_safe("\xC2\x85\xC2\x9B") == "\\u0085\\u009b");  // C1: NEL and CSI
  REQUIRE(terminal_safe("\xC3\xA9t\xC3\xA9") == "\xC3\xA9t\xC3\xA9");
  REQUIRE(terminal_safe("\xFF") == REPLACEMENT);
  REQUIRE(terminal_safe("\x9B"
                        "31m") == REPLACEMENT + "31m");  // a raw C1 byte is not UTF-8
}

TEST_CASE("html_escape escapes markup and quotes and shows control characters", "[hostile]") {
  REQUIRE(html_escape("<script>alert('x') & \"y\"</script>") ==
          "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  REQUIRE(html_escape("a\nb\x1b[31m") == "a\\nb\\x1b[31m");
  REQUIRE(html_escape("back\\slash \xC3\xA9") == "back\\slash \xC3\xA9");
  REQUIRE(html_escape("\xFE<") == REPLACEMENT + "&lt;");
}

TEST_CASE("gp_string is a single-quoted gnuplot string without control characters", "[hostile]") {
  REQUIRE(gp_string("it's") == "'it' . \"'\" . 's'");
  REQUIRE(gp_string("'''a") == "\"'\" . \"'\" . \"'\" . 'a'");
  REQUIRE(gp_string("") == "''");
  REQUIRE(gp_string("a\n!touch /tmp/x") == "'a\\n!touch /tmp/x'");
  REQUIRE(gp_string("`touch x` $(touch y) @m \"q\"") == "'`touch x` $(touch y) @m \"q\"'");
  REQUIRE(gp_string("\x1b[31m\r\xFF") == "'\\x1b[31m\\r" + REPLACEMENT + "'");
  REQUIRE(gp_comment("title\n!touch x") == "# title\\n!touch x\n");
  // A comment ending in a backslash would swallow the next line of the script.
  REQUIRE(gp_comment("ends in \\") == "# ends in \\\\.\n");
}

TEST_CASE("gnuplot runs no command from a single-quoted title", "[hostile][report]") {
  TempDir dir("hostile-gnuplot");
  const std::filesystem::path gnuplot = trialsim::report::find_gnuplot();
  const std::string p = dir.path().string();
  std::string script =
      "set terminal svg noenhanced\nset output " + gp_string((dir / "t.svg").string()) + "\n";
  for (const std::string& title : std::vector<std::string>{
           "`touch " + p + "/pwned`", "$(touch " + p + "/pwned2)", "@x",
           "'; system(\"touch " + p + "/pwned3\")", "\n!touch " + p + "/pwned4"}) {
    script += "x = 'touch " + p + "/pwned5'\nset title " + gp_string(title) + "\nset xtics (" +
              gp_string(title) + " 0)\nplot x title " + gp_string(title) + "\n";
  }
  write_text(dir / "t.gp", script);
  const int status =
      std::system((shell_quote(gnuplot.string()) + " " + shell_quote((dir / "t.gp").string()) +
                   " >" + shell_quote((dir / "log").string()) + " 2>&1")
                      .c_str());
  INFO(read_text(dir / "log"));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(read_text(dir / "t.svg").find("touch") != std::string::npos);  // drawn as text
  REQUIRE_FALSE(any_pwned(dir.path()));
}

TEST_CASE("csv_field quotes by RFC 4180 and leaves plain names and formulas as they are",
          "[hostile]") {
  REQUIRE(csv_field("response-0.60") == "response-0.60");
  REQUIRE(csv_field("a,b") == "\"a,b\"");
  REQUIRE(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  REQUIRE(csv_field("line\nbreak") == "\"line\nbreak\"");
  REQUIRE(csv_field("carriage\rreturn") == "\"carriage\rreturn\"");
  REQUIRE(csv_field(" padded") == "\" padded\"");
  REQUIRE(csv_field("padded ") == "\"padded \"");
  REQUIRE(csv_field("-0.5") == "-0.5");  // grid values: formula prefixes are data (see csv_field)
  REQUIRE(csv_field("=1+2") == "=1+2");
  REQUIRE(csv_field("bad\xFF") == "bad" + REPLACEMENT);
  REQUIRE(csv_field("") == "");
  // Round trip through the report's reader.
  TempDir dir("hostile-csv");
  const std::string name = "n\n!x, \"q\" \r\n ";
  write_text(dir / "t.csv", "scenario,value\n" + csv_field(name) + ",1\n");
  const auto table = trialsim::report::read_csv(dir / "t.csv");
  REQUIRE(table.rows.size() == 1);
  REQUIRE(table.rows[0][0] == name);
}

TEST_CASE("study-duration histogram rows stay finite and ordered for huge and non-finite durations",
          "[hostile]") {
  trialsim::DiscreteDistribution durations;
  durations.add(12.34, 2);
  durations.add(12.36);
  durations.add(1e18);  // 1e19 bins: std::llround overflowed here
  durations.add(-1e300);
  durations.add(1e300);
  durations.add(INFINITY);  // (not NaN: a NaN key breaks DiscreteDistribution's std::map order)
  const std::string rows = trialsim::duration_histogram_rows("s", durations);
  REQUIRE(rows ==
          "s,study_duration,-1e+300,1\n"
          "s,study_duration,12.3,2\n"
          "s,study_duration,12.4,1\n"
          "s,study_duration,1e+18,1\n"
          "s,study_duration,1e+300,1\n");
}

TEST_CASE("a hostile scenario name in a config runs nothing and is escaped in every output",
          "[hostile][report]") {
  TempDir dir("hostile-config");
  const HostileNames names = hostile_names(dir.path());
  std::string config = read_text(BINARY_EXAMPLE);
  config = replace_all(config, "name: response-0.60", "name: " + yaml_quoted(names.newline_shell));
  config = replace_all(config, "name: response-0.80", "name: " + yaml_quoted(names.substitutions));
  REQUIRE(config.find("response-0.") == std::string::npos);
  write_text(dir / "hostile.yaml", config);
  const auto out = dir / "out";
  const auto result = run_trialsim(
      {"run", (dir / "hostile.yaml").string(), "-r", "200", "-o", out.string(), "--report"}, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE_FALSE(any_pwned(dir.path()));
  check_report(out);
  check_terminal(result);
  // The names are data: oc.csv reads back exactly what the config said.
  const auto oc = trialsim::report::read_csv(out / "oc.csv");
  REQUIRE(oc.rows.front()[0] == names.newline_shell);
  REQUIRE(oc.rows.back()[0] == names.substitutions);
}

TEST_CASE("a hostile scenario name from --set runs nothing and is escaped in every output",
          "[hostile][report]") {
  TempDir dir("hostile-set");
  const HostileNames names = hostile_names(dir.path());
  const auto out = dir / "out";
  const auto result =
      run_trialsim({"run", BINARY_EXAMPLE, "-r", "200", "-o", out.string(), "--report", "--set",
                    "scenarios.0.name=" + yaml_quoted(names.newline_shell), "--set",
                    "scenarios.1.name=" + yaml_quoted(names.substitutions)},
                   dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE_FALSE(any_pwned(dir.path()));
  check_report(out);
  check_terminal(result);
}

TEST_CASE("report on a results directory with planted names runs nothing and escapes them",
          "[hostile][report]") {
  TempDir dir("hostile-report");
  const HostileNames names = hostile_names(dir.path());
  const auto out = dir / "out";
  run_example(out, dir);
  // oc.csv and distributions.csv: the names CSV-quoted; distributions.csv with an invalid UTF-8
  // byte too (raw bytes, quoted by hand: csv_field would repair them, a crafted file need not).
  // An oc.csv with invalid UTF-8 is refused outright (exit 2: the corpus checks it), so there
  // the second name is valid text. summary.json lists the same names, as a real run's does.
  // (Built by append: operator+ chains trip GCC 12's false -Wrestrict, GCC bug 105329.)
  std::string invalid_field = "\"";
  invalid_field.append(replace_all(names.substitutions, "\"", "\"\"")).append(" \xFF\xC0\",");
  for (const char* file : {"oc.csv", "distributions.csv"}) {
    std::string text = read_text(out / file);
    text = replace_all(text, "response-0.60,", csv_field(names.newline_shell).append(","));
    text = replace_all(
        text, "response-0.80,",
        std::string(file) == "oc.csv" ? csv_field(names.substitutions).append(",") : invalid_field);
    write_text(out / file, text);
  }
  auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
  summary["scenarios"][0]["name"] = names.newline_shell;
  summary["scenarios"][1]["name"] = names.substitutions;
  summary["config"]["scenarios"][0]["name"] = names.newline_shell;
  summary["config"]["name"] = "<b>study</b>\n!touch " + (dir / "pwned5").string();
  summary["config"]["description"] = names.substitutions;
  summary["design"]["decision_rule"] = names.newline_shell;
  write_text(out / "summary.json", summary.dump(2));
  const auto result = run_trialsim({"report", out.string()}, dir);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE_FALSE(any_pwned(dir.path()));
  check_report(out);
  check_terminal(result);
  const std::string html = read_text(out / "report.html");
  REQUIRE(html.find("<title>trialsim report: &lt;b&gt;study&lt;/b&gt;\\n!touch ") !=
          std::string::npos);
  REQUIRE(html.find("\\x1b[31mred") != std::string::npos);  // shown, not interpreted
  REQUIRE(read_text(out / "figures" / "power.gp").find("'n\\n!touch ") != std::string::npos);
}

TEST_CASE(
    "report refuses a missing, foreign or malformed results directory with exit 2 and one line",
    "[hostile][report]") {
  TempDir dir("hostile-malformed");
  const auto good = dir / "good";
  run_example(good, dir);
  const auto copy = [&](const std::string& name) {
    const auto to = dir / name;
    std::filesystem::copy(good, to, std::filesystem::copy_options::recursive);
    return to;
  };
  const auto missing = run_trialsim({"report", (dir / "nowhere").string()}, dir);
  REQUIRE(missing.exit_code == 2);
  REQUIRE(missing.err.find("nowhere") != std::string::npos);
  std::filesystem::create_directories(dir / "empty");
  const auto empty = run_trialsim({"report", (dir / "empty").string()}, dir);
  REQUIRE(empty.exit_code == 2);
  REQUIRE(empty.err.find("manifest.json") != std::string::npos);

  SECTION("JSON") {
    auto d = copy("bad-json");
    write_text(d / "manifest.json", "{\"seed\": ");
    check_refused(d, "manifest.json: not valid JSON (at byte", dir);
    write_text(d / "manifest.json", "[1, 2]");
    check_refused(d, "manifest.json: a JSON array, expected a JSON object", dir);
    write_text(d / "manifest.json", std::string(200, '[') + std::string(200, ']'));
    check_refused(d, "nested deeper than 64 levels", dir);
    write_text(d / "manifest.json", "{\"replicates\": \"x\"}");
    check_refused(d, "manifest.json: replicates is a string, expected a whole number >= 0", dir);
    write_text(d / "manifest.json", "{\"replicates\": -1}");
    check_refused(d, "manifest.json: replicates is a number, expected a whole number >= 0", dir);
  }
  SECTION("summary types") {
    auto d = copy("bad-summary");
    auto summary = nlohmann::json::parse(read_text(d / "summary.json"));
    summary["config"]["scenarios"] = "not a list";
    write_text(d / "summary.json", summary.dump());
    check_refused(d, "summary.json: config.scenarios is a string, expected a list of objects", dir);
    summary["config"]["scenarios"] = nlohmann::json::array({{{"name", 7}}});
    write_text(d / "summary.json", summary.dump());
    check_refused(d, "summary.json: config.scenarios.0.name is not a string", dir);
    summary["config"]["scenarios"] = nlohmann::json::array();
    summary["config"]["design"]["intervals"] = {1, 2};
    write_text(d / "summary.json", summary.dump());
    check_refused(d, "summary.json: config.design.intervals is a list, expected a list of strings",
                  dir);
  }
  SECTION("oc.csv") {
    auto d = copy("bad-oc");
    const std::string oc = read_text(good / "oc.csv");
    write_text(d / "oc.csv", replace_all(oc, "scenario,analysis", "name,analysis"));
    check_refused(d, "oc.csv: the header is 'name,analysis,metric,estimate,mcse,replicates'", dir);
    write_text(d / "oc.csv", oc + "x,y,z,1,2\n");
    check_refused(d, "oc.csv:44: 5 fields, expected 6 as in the header", dir);
    write_text(d / "oc.csv", oc + "x,y,z,abc,2,200\n");
    check_refused(d, "oc.csv:44: estimate is not a number", dir);
    write_text(d / "oc.csv", oc + "x,y,z,1,2,2.5\n");
    check_refused(d, "oc.csv:44: replicates is '2.5', expected a whole number", dir);
    write_text(d / "oc.csv", oc + "\"x,y,z,1,2,3\n");
    check_refused(d, "oc.csv: the quoted field opened on line 44 never closes", dir);
    write_text(d / "oc.csv", "");
    check_refused(d, "oc.csv: empty file, expected a CSV header", dir);
    // A sparse file over the size bound: refused before a byte is read.
    std::filesystem::resize_file(d / "oc.csv", trialsim::report::MAX_RESULTS_FILE_BYTES + 1);
    check_refused(d, "oc.csv: 268435457 bytes, expected at most 268435456 bytes", dir);
  }
  SECTION("optional tables") {
    auto d = copy("bad-distributions");
    write_text(d / "distributions.csv",
               "scenario,quantity,value,cohorts\nresponse-0.60,responders,abc,1\n");
    check_refused(d, "distributions.csv:2: value is not a number", dir);
    write_text(d / "distributions.csv", "scenario,quantity,cohorts\n");
    check_refused(d, "distributions.csv: no column 'value'", dir);
  }
}
