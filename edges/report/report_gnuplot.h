#pragma once
// Drawing with gnuplot (Debian: gnuplot-nox), run as an external program: a figure is gnuplot
// data blocks plus drawing commands, rendered once as SVG (dynamic size, for the HTML page) and
// once as PNG (pngcairo). The script that drew it is kept so a figure can be re-drawn or edited.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trialsim::report {

// gnuplot is not installed (or not on PATH): a runtime failure, exit code 1.
class GnuplotMissing : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FigureSpec {
  std::string id;       // file stem: figures/<id>.svg, .png, .gp
  std::string section;  // where the page shows it: "power", "survival", "distributions"
  std::string title;
  std::string caption;  // what is drawn and how to read it (HTML-escaped by the page)
  int width = 960;      // SVG user units / PNG pixels
  int height = 540;
  std::string
      data;  // gnuplot data blocks ($name << EOD ... EOD): numbers only, never text from input
  std::string body;  // drawing commands; no terminal or output; text from input only via gp_string
};

struct RenderedFigure {
  FigureSpec spec;
  std::string svg, png, script;
};

// The gnuplot executable on PATH; throws GnuplotMissing with what to install.
std::filesystem::path find_gnuplot();

// Renders every figure in a scratch directory; throws std::runtime_error with gnuplot's message
// if a script fails or produces an empty image, std::logic_error if a script holds a control
// character or a shell line (`!...`): text from input was spliced in without gp_string.
std::vector<RenderedFigure> render_figures(const std::vector<FigureSpec>& specs,
                                           const std::filesystem::path& gnuplot);

// The one way text reaches a gnuplot script: a single-quoted gnuplot string, a quote in the text
// as the separate piece "'" joined by gnuplot's concatenation ('it' . "'" . 's').
// Inside single quotes gnuplot does no backquote command substitution, no @macro expansion and
// no backslash escapes (double quotes do the first two: "`cmd`" runs cmd). The text is made valid
// UTF-8 and every control character is shown as its visible escape (terminal_safe: a newline as
// \n), so no text can end the string, the line or the command and start a `!shell` line.
std::string gp_string(std::string_view text);

// A comment line "# text\n", likewise free of control characters and never ending in a
// backslash (gnuplot continues a comment that ends in one onto the next line).
std::string gp_comment(std::string_view text);

}  // namespace trialsim::report
