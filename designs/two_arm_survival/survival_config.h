#pragma once
// Keys, echo, replicates.csv rows and report files of the two-arm survival analyses, shared by
// the designs that randomise two arms and analyse time to event (this folder's design and those
// that reuse its analysis with another patient model).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "config/key_table.h"
#include "designs/design_support.h"
#include "designs/two_arm_survival/two_arm_survival.h"

namespace trialsim {

// The keys of the two-arm survival analyses, declared once (config/key_table.h), for the designs
// that use them: `design.allocation` and `design.interim` (mappings of `design`: the keys below
// go into the design's own `design` table), and the analysis options, keys of `design` itself
// (survival_option_keys is a holder with mapping path "design", not a table of its own).
const KeySpec& allocation_mapping_key();
const KeySpec& interim_mapping_key();
const KeyTable& allocation_keys();
const KeyTable& interim_keys();
const KeyTable& survival_option_keys();
// `design.nph` (a key of `design`), its table and the table of each `fleming_harrington` item.
const KeySpec& nph_mapping_key();
const KeyTable& nph_keys();
const KeyTable& fleming_harrington_keys();

// `design.allocation: {control, experimental}` (ratio; permuted blocks of twice the sum).
void read_allocation(MappingReader& design, TwoArmSurvivalDesign& out);
// The analysis options: whether to estimate at all, interval level, KM landmarks and their
// interval type, Cox ties.
void read_survival_analysis_options(MappingReader& design, TwoArmSurvivalDesign& out);
// `design.estimates` in the resolved study only when false, so the config hash of every study
// that leaves it at its default stays what it was before the key existed.
void add_estimates_switch(const TwoArmSurvivalDesign& d, nlohmann::json& resolved);
// `design.interim`: group-sequential looks at event fractions of the final event count.
void read_interim(MappingReader& design, TwoArmSurvivalDesign& out);
nlohmann::json interim_json(const TwoArmSurvivalDesign& d);
// `design.nph`: the analyses for non-proportional hazards (nph_tally.h), after the landmarks
// (its defaults) and the interims (refused together) were read.
void read_nph(MappingReader& design, TwoArmSurvivalDesign& out);
nlohmann::json nph_json(const TwoArmSurvivalDesign& d);

// replicates.csv of the two-arm survival analyses: the header and one row.
inline constexpr const char* SURVIVAL_REPLICATE_HEADER =
    "replicate,scenario,patients_analysed,events,study_duration,logrank_z,reject_h0,cox_hr\n";
void append_survival_row(std::string& out, std::uint64_t replicate, const std::string& scenario,
                         const SurvivalReplicateSummary& summary);

// distributions.csv of the two-arm designs: `study_duration` (months, bins of 0.1).
std::vector<NamedFile> two_arm_report_files(const std::vector<TwoArmSurvivalTally>& totals,
                                            const std::vector<std::string>& scenario_names);

}  // namespace trialsim
