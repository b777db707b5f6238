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

// Reads the results in `dir` and writes dir/report.html and dir/figures/<id>.{svg,png,gp}, each
// file atomically. Throws report::GnuplotMissing or std::runtime_error (exit code 1).
ReportOutcome write_report(const std::filesystem::path& dir);

// Throws report::GnuplotMissing if the report could not be drawn (checked before a long run).
void check_report_tools();

int command_report(const std::vector<std::string>& arguments);

}  // namespace trialsim
