#include "edges/report/report.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "core/output.h"
#include "core/text_escape.h"
#include "edges/cli/cli.h"
#include "edges/output/output_directory.h"
#include "edges/report/memo.h"
#include "edges/report/report_data.h"
#include "edges/report/report_figures.h"
#include "edges/report/report_gnuplot.h"
#include "edges/report/report_html.h"

namespace po = boost::program_options;

namespace trialsim {

void check_report_tools() { report::find_gnuplot(); }

ReportOutcome write_report(const std::filesystem::path& results_dir,
                           const std::filesystem::path& into,
                           const std::filesystem::path& final_dir) {
  const std::filesystem::path gnuplot = report::find_gnuplot();
  report::ResultsDirectory results = report::load_results(results_dir);
  results.dir = final_dir;  // the page names where it will live, not the staging directory
  const std::vector<report::RenderedFigure> figures =
      report::render_figures(report::figure_specs(results), gnuplot);
  const std::filesystem::path figure_dir = into / "figures";
  std::filesystem::create_directories(figure_dir);
  ReportOutcome outcome{into / "report.html", {}};
  for (const report::RenderedFigure& f : figures) {
    write_file_atomically(figure_dir / (f.spec.id + ".svg"), f.svg);
    write_file_atomically(figure_dir / (f.spec.id + ".png"), f.png);
    write_file_atomically(figure_dir / (f.spec.id + ".gp"), f.script);
    outcome.figures.push_back(f.spec.id);
  }
  write_file_atomically(outcome.html, report::report_html(results, figures));
  // The memo that opens report.html, as Markdown beside it (issue 17, item 1).
  write_file_atomically(into / "memo.md", report::design_memo(results).markdown);
  return outcome;
}

int command_report(const std::vector<std::string>& arguments) {
  po::options_description visible("trialsim report RESULTS_DIR");
  visible.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(visible).add_options()("results", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("results", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(arguments).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (values.count("help")) {
    std::cout
        << visible
        << "\nWrites RESULTS_DIR/report.html (self-contained: opens offline) and each figure as\n"
           "RESULTS_DIR/figures/<name>.{svg,png,gp}. Needs gnuplot on PATH (Debian: "
           "gnuplot-nox).\n";
    return EXIT_OK;
  }
  if (!values.count("results"))
    throw UsageError("missing RESULTS_DIR: usage: trialsim report RESULTS_DIR");
  const std::filesystem::path dir = values["results"].as<std::string>();
  if (dir.empty() || !std::filesystem::is_directory(dir)) {
    throw UsageError(dir.string() +
                     ": no such results directory, expected the output directory of a trialsim run "
                     "or merge");
  }
  if (!std::filesystem::is_regular_file(dir / "manifest.json")) {
    throw UsageError(dir.string() +
                     ": not a trialsim results directory (no manifest.json), expected the output "
                     "directory of a trialsim run or merge");
  }
  check_report_tools();
  // The report replaces report.html, memo.md and figures/ of the directory as a unit, owned like a
  // run's output: the results stay (hard links), a report of an earlier run does not.
  OwnedOutputDirectory owned(dir);
  const ReportOutcome outcome = write_report(dir, owned.staged(""), dir);
  owned.commit([](const std::string& name) {
    return name != "report.html" && name != "memo.md" && name != "figures";
  });
  std::string list;
  for (const auto& id : outcome.figures) list += (list.empty() ? "" : ", ") + id;
  std::printf("report: %s (%zu figures: %s)\n",
              terminal_safe((dir / "report.html").string()).c_str(), outcome.figures.size(),
              list.c_str());
  return EXIT_OK;
}

}  // namespace trialsim
