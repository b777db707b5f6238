#pragma once
// The headline of a run (issue 17, items 6 and 7): the few numbers a designer asked for, per
// scenario, as the console summary and summary.json's "headline" show them, and the warnings a
// statistician would raise about them.
//
// A headline quantity (`headline:` in the config, config/study_keys.h) stands for the metrics
// that measure it in every design:
//   power, type_i_error  rejection_probability (any analysis): power at a scenario the design
//                        does not declare null, type I error at one it does (design facts
//                        "null_hypothesis", below). A design that declares nothing shows every
//                        rejection probability under power, labelled "rejection probability".
//   expected_n           patients_analysed_mean, expected_patients, patients_enrolled_mean
//   duration             study_duration_mean, duration_mean (months)
//   events               events_mean, deaths_mean
//   ci_width             mean_ci_width, mean_width, mean_difference_ci_width
//   coverage             coverage, ci_coverage, hr_ci_coverage
//   bias                 bias, log_hr_bias
//   early_stop           early_termination_probability, stop_probability
// A design declares its null scenarios in its facts (summary.json "design"):
//   "null_hypothesis": {"one_sided_alpha": 0.025, "scenarios": ["hr-1.0", ...]}
// Scenario "NAME (assurance)" (a rejection probability averaged over the prior) is labelled
// "assurance" when NAME is an alternative and "P(false positive), prior-averaged" when
// NAME is null: never "assurance" for a null.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/output.h"

namespace trialsim {

struct HeadlineRow {
  std::string scenario, analysis, metric;
  std::string label;  // "power", "type I error", "expected N", ...
  double estimate = 0.0, mcse = 0.0;
};

// The rows of `rows` that `headline` asks for, in the order of `rows` (scenario by scenario),
// each with its label: every rejection probability, and of each other quantity the first
// analysis that reports it in the scenario (the design's primary one). NaN estimates are left
// out.
std::vector<HeadlineRow> headline_rows(const std::vector<OcRow>& rows,
                                       const std::vector<std::string>& headline,
                                       const nlohmann::json& design_facts);

struct StatisticalWarning {
  std::string scenario, analysis, metric;
  double estimate = 0.0, mcse = 0.0, reference = 0.0;
  std::string text;  // one line, for the console and the memo
};

// Every rejection probability at a null scenario (design facts "null_hypothesis") that exceeds
// the one-sided alpha by more than 4 MCSE: a type I error the design does not control at this
// sample size (e.g. the log-rank test at 2:1 allocation with 120 events: 0.0295 at alpha 0.025),
// with the analytic figure beside it when the facts have one ("analytic_power" or
// "schoenfeld_power" of the scenario). Exact rows (MCSE 0) warn at any excess.
std::vector<StatisticalWarning> type_i_error_warnings(const std::vector<OcRow>& rows,
                                                      const nlohmann::json& design_facts);

// The per-look table of a sequential design (issue 17, item 2), from the design facts'
// "group_sequential.looks" (per look: planned events, information fraction, boundaries on the z,
// nominal p-value and hazard-ratio scales, the analytic expected calendar time per scenario) and
// the simulated rows of each look (analysis "look<k>": calendar_time_mean, events_at_look_mean,
// enrolled_at_look_mean over the trials that made the look; "group_sequential":
// efficacy/futility_stop_probability_look<k>). An empty array when the facts have no looks.
// Each look: {look, events, information_fraction, efficacy_z, efficacy_p, efficacy_hr,
// [futility_z, futility_hr], scenarios: [{name, expected_time, time_mean, time_mcse,
// events_mean, enrolled_mean, enrolled_mcse, efficacy_stop, [futility_stop], reached}]} (in the
// rows' order).
nlohmann::json per_look_table(const std::vector<OcRow>& rows, const nlohmann::json& design_facts);

// The table as console lines (no trailing newline on the last); empty for an empty table.
std::vector<std::string> per_look_lines(const nlohmann::json& table);

nlohmann::json to_json(const std::vector<HeadlineRow>& rows);
nlohmann::json to_json(const std::vector<StatisticalWarning>& warnings);

}  // namespace trialsim
