#pragma once
// `trialsim report RESULTS_DIR`: a self-contained HTML report of a run (report.html) with every
// figure also as SVG, PNG and the gnuplot script that drew it (figures/). Figures are drawn by
// gnuplot, run as an external program found on PATH (Debian: gnuplot-nox).
#include <filesystem>
#include <string>
#include <vector>

namespace trialsim {

struct ReportOutcome {
  std::filesystem::path html;
  std::vector<std::string> figures;  // ids, in page order
};

// Reads the results in `results` and writes into/report.html and into/figures/<id>.{svg,png,gp}
// (`into` is the staging directory of an OwnedOutputDirectory: the report is committed together
// with the results it shows). Throws report::GnuplotMissing or std::runtime_error (exit code 1),
// UsageError for a results directory that is not one (exit code 2).
// `final_dir` is where the results will live after the commit (named in the page).
ReportOutcome write_report(const std::filesystem::path& results, const std::filesystem::path& into,
                           const std::filesystem::path& final_dir);

// Throws report::GnuplotMissing if the report could not be drawn (checked before a long run).
void check_report_tools();

int command_report(const std::vector<std::string>& arguments);

}  // namespace trialsim
