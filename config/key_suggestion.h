#pragma once
// "did you mean `accrual`?": the valid key nearest to a mistyped one, for the unknown-key and
// missing-key errors of the config reader (config/config_reader.h) and `--set` paths.
//
// Nearness is the optimal-string-alignment distance (Levenshtein plus the transposition of two
// adjacent characters, Damerau 1964; the restricted form of Boytsov 2011, section 2), counted
// on ASCII-lowercased text, so `Accrual`, `acrual`, `accural` and `accruall` all suggest
// `accrual`. A key is suggested only when the distance is at most max(1, length / 3), the
// length being the valid key's: one slip in a short key (`n1` for `n2`), two in `accrual`,
// three in `sample_size`; anything further is a different word, not a typo.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trialsim {

// The optimal-string-alignment distance between `a` and `b`, case-insensitive (ASCII).
std::size_t key_distance(std::string_view a, std::string_view b);

// Whether `typed` is near enough to `valid` to suggest it (see above).
bool is_near_key(std::string_view typed, std::string_view valid);

// The candidate nearest to `typed` among those near enough; ties go to the first in `candidates`.
// nullopt when none is near enough.
std::optional<std::string> nearest_key(std::string_view typed,
                                       const std::vector<std::string>& candidates);

// " (did you mean `key`?)" for the nearest candidate, or "" when none is near enough: appended
// to an error's `expected` text.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace trialsim
