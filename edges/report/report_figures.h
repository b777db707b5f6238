#pragma once
// The report's figures as gnuplot scripts, from what a results directory holds:
//   power       power (and assurance) by scenario, or along the swept parameter of a grid or
//               search, with +/-2 MCSE bars, the target power and the one-sided alpha;
//   km_os, km_rfs, km_dor
//               bands of the simulated Kaplan–Meier curves (2.5-97.5 % and median of the virtual
//               cohorts) with the evidence's reported landmarks (curves.csv);
//   lower_bound, study_duration
//               histograms of the ORR interval's lower bound and of the study duration
//               (distributions.csv).
// A figure whose data the run did not write is left out (the page says so).
#include <vector>

#include "edges/report/report_data.h"
#include "edges/report/report_gnuplot.h"

namespace trialsim::report {

std::vector<FigureSpec> figure_specs(const ResultsDirectory& results);

// Human label of a config key path with its unit, e.g. design.sample_size -> "Sample size
// (patients)".
std::string parameter_label(const std::string& key_path);

// printf-style fixed decimals ("%.3f"); "NA" for NaN.
std::string fixed(double value, int decimals);

}  // namespace trialsim::report
