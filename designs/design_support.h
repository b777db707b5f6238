#pragma once
// Pieces several designs share: conduct keys (accrual, analysis timing) and their echo, interval
// method names, scenario names, OC rows in scenario order, replicates.csv fields, duration
// histograms. Design-neutral: nothing here names a design.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "core/accumulator.h"
#include "core/output.h"
#include "models/conduct.h"
#include "statistics/binomial.h"
#include "statistics/interval.h"
#include "statistics/survival/kaplan_meier.h"

namespace trialsim {

// The OC rows of every scenario, in scenario order: rows_of_scenario(s) for s = 0..count-1.
template <class RowsOfScenario>
std::vector<OcRow> rows_in_scenario_order(std::size_t count, RowsOfScenario rows_of_scenario) {
  std::vector<OcRow> out;
  for (std::size_t s = 0; s < count; ++s) {
    auto rows = rows_of_scenario(s);
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

// The names of a design's scenarios (anything with a `name`), in order: Study::scenario_names.
template <class Scenarios>
std::vector<std::string> names_of(const Scenarios& scenarios) {
  std::vector<std::string> names;
  names.reserve(scenarios.size());
  for (const auto& scenario : scenarios) names.push_back(scenario.name);
  return names;
}

// replicates.csv: "REPLICATE,SCENARIO" (the scenario CSV-quoted).
void append_fields(std::string& out, std::uint64_t replicate, const std::string& scenario);

// `name` of a scenario: valid UTF-8, 1 to MAX_SCENARIO_NAME_LENGTH characters, not in `seen`.
std::string read_unique_scenario_name(MappingReader& item, std::set<std::string>& seen);

// A design's own echo (Study::resolved from what its reader read): the mapping, or each mapping of
// the list, at `spec` of `root`, recording every value read by spec into `sink` (the list: an
// array of objects), whether or not `root` echoes. `sink` must outlive the readers.
MappingReader echoed_mapping(MappingReader& root, const KeySpec& spec, nlohmann::json& sink);
std::vector<MappingReader> echoed_mapping_list(MappingReader& root, const KeySpec& spec,
                                               nlohmann::json& sink);

std::vector<std::string> interval_method_names();
IntervalMethod interval_method_from(const std::string& name);
std::vector<std::string> interval_names_of(const std::vector<IntervalMethod>& methods);
const char* ci_type_name(CiType type);

// The conduct keys, declared once (config/key_table.h): `design.accrual` (type uniform with a
// duration, or piecewise with rates), each item of `design.accrual.rates`, and `design.analysis`
// (trigger: events, calendar or after_last_enrolment). conduct_key_tables() lists the three in
// reference order, for a design's key_tables.
const KeyTable& accrual_keys();
const KeyTable& accrual_rate_keys();
const KeyTable& analysis_timing_keys();
std::vector<const KeyTable*> conduct_key_tables();
// The `accrual` and `analysis` keys of a design's `design` table (mappings, required): what
// read_accrual and read_timing open.
const KeySpec& accrual_mapping_key();
const KeySpec& analysis_mapping_key();

// `design.accrual` and `design.analysis`, read by the tables above. When `design` echoes
// (MappingReader::echo_into), the echo of each is accrual_json / timing_json of what was read:
// the keys that matter (an unused trigger's keys, validated, are left out).
AccrualModel read_accrual(MappingReader& design, int sample_size);
AnalysisTiming read_timing(MappingReader& design, int sample_size);
nlohmann::json accrual_json(const AccrualModel& model);
nlohmann::json timing_json(const AnalysisTiming& timing);

// A value held as bin * resolution, printed as its shortest decimal.
double tidy(double value, double resolution);

// distributions.csv rows "SCENARIO,study_duration,VALUE,COHORTS" of a duration distribution in
// bins of 0.1 month (`scenario_field` already CSV-quoted). Any value is safe: non-finite values
// are left out and huge ones keep their own bin (no integer overflow).
inline constexpr double DURATION_HISTOGRAM_BIN = 0.1;  // months
std::string duration_histogram_rows(const std::string& scenario_field,
                                    const DiscreteDistribution& durations);

using NamedFile = std::pair<std::string, std::string>;  // file name, contents

}  // namespace trialsim
