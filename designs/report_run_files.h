#pragma once
// Files a run writes for `trialsim report` beyond oc.csv: the data of figures that operating
// characteristics alone cannot draw. Deterministic: built from merged tallies only.
//
// curves.csv        scenario,endpoint,time,cohorts,estimable_probability,q025,q50,q975
//                   Kaplan–Meier bands: per endpoint (os, rfs, dor) and time (months from
//                   infusion; dor: from response), the 2.5/50/97.5 % quantiles of the cohorts'
//                   KM estimates S(t) over the cohorts where S(t) is estimable (t within their
//                   follow-up); estimable_probability = those cohorts / all cohorts.
// distributions.csv scenario,quantity,value,cohorts
//                   histograms: `responders` (count), `orr_<interval>_lower_bound` (proportion)
//                   and `study_duration` (months, bins of 0.1): cohorts with that value (each
//                   design writes the quantities it has).
#include <string>
#include <utility>
#include <vector>

#include "core/accumulator.h"
#include "statistics/binomial.h"
#include "designs/single_arm_car_t/single_arm_study.h"
#include "designs/single_arm_binary/single_arm_binary.h"
#include "designs/two_arm_survival/two_arm_survival.h"

namespace trialsim {

using NamedFile = std::pair<std::string, std::string>;  // file name, contents

// distributions.csv rows "SCENARIO,study_duration,VALUE,COHORTS" of a duration distribution in
// bins of 0.1 month (`scenario_field` already CSV-quoted). Any value is safe: non-finite values
// are left out and huge ones keep their own bin (no integer overflow).
std::string duration_histogram_rows(const std::string& scenario_field,
                                    const DiscreteDistribution& durations);

// distributions.csv of the two-arm designs: `study_duration` (months, bins of 0.1).
std::vector<NamedFile> two_arm_report_files(const std::vector<TwoArmSurvivalTally>& totals,
                                            const std::vector<std::string>& scenario_names);

// distributions.csv of the single-arm binary design: `responders` and
// `orr_<interval>_lower_bound` (the same quantities as the CAR-T design's).
std::vector<NamedFile> binary_report_files(const std::vector<SingleArmBinaryTally>& totals,
                                           const std::vector<std::string>& scenario_names,
                                           const SingleArmBinaryDesign& design,
                                           const SingleArmBinaryTable& table);

std::vector<NamedFile> car_t_report_files(const std::vector<car_t::SingleArmCarTTally>& totals,
                                          const std::vector<std::string>& scenario_names,
                                          const car_t::SingleArmCarTDesign& design,
                                          const SingleArmBinaryTable& table);

}  // namespace trialsim
