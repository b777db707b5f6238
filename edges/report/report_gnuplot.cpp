#include "edges/report/report_gnuplot.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/text_escape.h"

namespace trialsim::report {
namespace {

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A scratch directory removed on destruction.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "trialsim-report-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a scratch directory in " + pattern);
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A script is safe to run when text from input reached it only through gp_string/gp_comment:
// no control character but the line feeds, valid UTF-8, and no line that gnuplot would hand to
// the shell (`!cmd`, also after blanks) or that a data block could mistake for its end. Checked
// before every run as a last line of defence; a failure is a bug in the figure code.
void check_script_is_safe(const std::string& id, const std::string& script) {
  if (valid_utf8(script) != script)
    throw std::logic_error("gnuplot script " + id + " is not valid UTF-8");
  std::size_t line_start = 0;
  for (std::size_t i = 0; i <= script.size(); ++i) {
    if (i < script.size() && script[i] != '\n') {
      const auto byte = static_cast<unsigned char>(script[i]);
      if (byte < 0x20 || byte == 0x7F)
        throw std::logic_error("gnuplot script " + id + " holds a control character");
      continue;
    }
    const std::string_view line(script.data() + line_start, i - line_start);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line[first] == '!') {
      throw std::logic_error("gnuplot script " + id + " holds a shell line");
    }
    line_start = i + 1;
  }
}

// Runs `gnuplot SCRIPT` in `dir` with stdin from /dev/null and stdout+stderr into `log`; returns
// the exit status (-1 if it did not exit normally). Only async-signal-safe calls after fork(),
// since the caller may have worker threads.
int run_gnuplot(const std::filesystem::path& gnuplot, const std::filesystem::path& dir,
                const std::string& script, const std::filesystem::path& log) {
  const std::string program = gnuplot.string(), dir_text = dir.string(), log_text = log.string();
  const char* argv[] = {program.c_str(), script.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start gnuplot: fork failed");
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log_text.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || ::chdir(dir_text.c_str()) != 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waiting for gnuplot failed");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string terminal_block(const FigureSpec& spec, bool svg) {
  const std::string size = std::to_string(spec.width) + "," + std::to_string(spec.height);
  std::string out = svg ? "set terminal svg size " + size +
                              " dynamic noenhanced font 'Helvetica,12' background '#ffffff'\n"
                        : "set terminal pngcairo size " + size +
                              " noenhanced font 'Helvetica,10.5' background '#ffffff'\n";
  out += "set output " + gp_string(spec.id + (svg ? ".svg" : ".png")) + "\n";
  out += "reset\n" + spec.body;
  if (!spec.body.empty() && spec.body.back() != '\n') out += '\n';
  out += "unset output\n";
  return out;
}

}  // namespace

std::string gp_string(std::string_view text) {
  // A quote is its own piece, the double-quoted constant "'", joined by gnuplot's string
  // concatenation: gnuplot 5.4 reads '' inside single quotes as a quote only between other
  // characters (a string opening with three quotes, or with four in a row, is a syntax
  // error), so doubling quotes is not reliable.
  const std::string shown = terminal_safe(text);
  std::string out;
  std::size_t start = 0;
  while (start <= shown.size()) {
    const std::size_t quote = std::min(shown.find('\'', start), shown.size());
    if (quote > start)
      out.append(out.empty() ? "" : " . ")
          .append("'")
          .append(shown, start, quote - start)
          .append("'");
    if (quote == shown.size()) break;
    out.append(out.empty() ? "" : " . ").append("\"'\"");
    start = quote + 1;
  }
  return out.empty() ? "''" : out;
}

std::string gp_comment(std::string_view text) {
  std::string out = "# " + terminal_safe(text);
  if (out.back() == '\\') out += '.';
  return out + '\n';
}

std::filesystem::path find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::filesystem::path candidate =
        std::filesystem::path(std::string(dirs.substr(0, colon))) / "gnuplot";
    if (!candidate.parent_path().empty() && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw GnuplotMissing(
      "gnuplot not found on PATH; the report draws its figures with it (Debian: apt-get install "
      "gnuplot-nox, "
      "or `bash scripts/dev setup`)");
}

std::vector<RenderedFigure> render_figures(const std::vector<FigureSpec>& specs,
                                           const std::filesystem::path& gnuplot) {
  ScratchDirectory scratch;
  std::vector<RenderedFigure> out;
  for (const FigureSpec& spec : specs) {
    RenderedFigure figure{spec, "", "", ""};
    figure.script =
        gp_comment(spec.title + " (trialsim report; re-draw with: gnuplot " + spec.id + ".gp)") +
        "set encoding utf8\nset datafile missing 'NaN'\n" + spec.data + terminal_block(spec, true) +
        terminal_block(spec, false);
    check_script_is_safe(spec.id, figure.script);
    const std::string script_name = spec.id + ".gp";
    {
      std::ofstream file(scratch.path() / script_name, std::ios::binary);
      file << figure.script;
      if (!file)
        throw std::runtime_error("cannot write " + (scratch.path() / script_name).string());
    }
    const std::filesystem::path log = scratch.path() / (spec.id + ".log");
    const int status = run_gnuplot(gnuplot, scratch.path(), script_name, log);
    const std::string messages = read_bytes(log);
    if (status != 0) {
      throw std::runtime_error("gnuplot failed on figure " + spec.id + " (exit status " +
                               std::to_string(status) + "): " + messages.substr(0, 2000));
    }
    // gnuplot reports most script errors without failing; treat any message as a failure.
    if (messages.find("line ") != std::string::npos || messages.find("rror") != std::string::npos) {
      throw std::runtime_error("gnuplot complained on figure " + spec.id + ": " +
                               messages.substr(0, 2000));
    }
    figure.svg = read_bytes(scratch.path() / (spec.id + ".svg"));
    figure.png = read_bytes(scratch.path() / (spec.id + ".png"));
    if (figure.svg.find("<svg") == std::string::npos || figure.png.size() < 8 ||
        figure.png.compare(1, 3, "PNG") != 0) {
      throw std::runtime_error("gnuplot produced an empty image for figure " + spec.id);
    }
    out.push_back(std::move(figure));
  }
  return out;
}

}  // namespace trialsim::report
