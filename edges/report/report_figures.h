#pragma once
// The report's figures as gnuplot scripts, from what a results directory holds:
//   power       power (and assurance) by scenario, or along the swept parameter of a grid or
//               search, with +/-2 MCSE bars, the target power and the one-sided alpha;
//   km_os, km_rfs, km_dor
//               bands of the simulated Kaplan–Meier curves (2.5-97.5 % and median of the virtual
//               cohorts) with the evidence's reported landmarks (curves.csv);
//   power_by_test
//               per scenario the rejection probability of every test (+/-2 MCSE) beside its
//               analytic power (summary.json design.analytic_power), with alpha (two-arm designs);
//   km_arms     per scenario each arm's simulated Kaplan–Meier band and median (curves.csv,
//               km_control / km_experimental) and true survival (true_curves.csv);
//   hazard_ratio
//               the true hazard ratio experimental/control over time per scenario (log axis);
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
