#pragma once
// Reads an evidence file (configs/evidence/*.yaml, schema documented in its header comment) into
// the typed car_t::Evidence. Every figure is checked on the way in: enum names, ranges, the
// keys each statistic takes (others are errors), count/denominator against the rounded
// percentage, unique ids. Errors are ConfigError: FILE:LINE:COL: key.path: problem, expected X.
#include <filesystem>

#include "engine/config_reader.h"
#include "models/car_t/evidence.h"

namespace trialsim {

inline constexpr int EVIDENCE_SCHEMA_VERSION = 1;

// Largest |count/denominator - value| accepted: percentages are reported to 0.1 %, so a value
// rounded to three decimals is within 0.0005 of the ratio; 0.0051 also admits whole percents.
inline constexpr double EVIDENCE_ROUNDING_TOLERANCE = 0.0051;

// Throws ConfigError on any invalid input. With `registry`, every key path is declared.
car_t::Evidence load_evidence(const std::filesystem::path& file, KeyRegistry* registry = nullptr);

}  // namespace trialsim
