#pragma once
// Reads an evidence file (configs/evidence/*.yaml; every section and key is documented in
// docs/evidence.md) into the typed car_t::Evidence. Every figure is checked on the way in: enum
// names, ranges, the keys each statistic takes (others are errors, with the reason when another
// statistic takes them), count/denominator against the rounded percentage, confidence intervals
// around their value, digitised curves and their numbers at risk in order, subgroup names
// well formed (an open vocabulary), unique ids. And the figures must be able to be true of one
// study: counts at most their denominators, denominators, event counts and numbers at risk at
// most the study's patients (and, among responders, its responders), a subgroup's proportion
// inside the whole study's, remission at a landmark at most the best responses, deaths by cause
// at most the deaths, Kaplan-Meier survival non-increasing in time and on the right side of one
// half around a reported median (at or above it while the median is not reached), no landmark,
// median or curve point beyond the longest follow-up when it is reported, and no quantity
// reported twice. Proportions in [0, 1] (a percentage is named as such), medians and ranges
// never negative. Errors are ConfigError: FILE:LINE:COL: key.path: problem, expected X.
#include <filesystem>

#include "config/config_reader.h"
#include "models/car_t/evidence.h"

namespace trialsim {

inline constexpr int EVIDENCE_SCHEMA_VERSION = 1;

// Largest |count/denominator - value| accepted: percentages are reported to 0.1 %, so a value
// rounded to three decimals is within 0.0005 of the ratio; 0.0051 also admits whole percents.
inline constexpr double EVIDENCE_ROUNDING_TOLERANCE = 0.0051;

// Throws ConfigError on any invalid input. With `registry`, every key path is declared.
car_t::Evidence load_evidence(const std::filesystem::path& file, KeyRegistry* registry = nullptr);

}  // namespace trialsim
