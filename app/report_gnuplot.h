#pragma once
// Drawing with gnuplot (Debian: gnuplot-nox), run as an external program: a figure is gnuplot
// data blocks plus drawing commands, rendered once as SVG (dynamic size, for the HTML page) and
// once as PNG (pngcairo). The script that drew it is kept so a figure can be re-drawn or edited.
#include <filesystem>
#include <stdexcept>
#include <string>
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
  std::string data;     // gnuplot data blocks ($name << EOD ... EOD)
  std::string body;     // drawing commands; no terminal or output
};

struct RenderedFigure {
  FigureSpec spec;
  std::string svg, png, script;
};

// The gnuplot executable on PATH; throws GnuplotMissing with what to install.
std::filesystem::path find_gnuplot();

// Renders every figure in a scratch directory; throws std::runtime_error with gnuplot's message
// if a script fails or produces an empty image.
std::vector<RenderedFigure> render_figures(const std::vector<FigureSpec>& specs, const std::filesystem::path& gnuplot);

// Quoting for gnuplot scripts: 'single' (literal; '' for a quote) and "double" (escapes: \n).
std::string gp_single(const std::string& text);
std::string gp_double(const std::string& text);

}  // namespace trialsim::report
