#include "config/key_suggestion.h"

#include <algorithm>
#include <cctype>

namespace trialsim {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::size_t difference(std::size_t a, std::size_t b) { return a > b ? a - b : b - a; }

// max(1, length / 3) of the valid key.
std::size_t allowed_distance(std::string_view valid) {
  return std::max<std::size_t>(1, valid.size() / 3);
}

}  // namespace

std::size_t key_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: the one two back is what a transposition reads.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = lower(a[i - 1]) == lower(b[j - 1]);
      current[j] =
          std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

bool is_near_key(std::string_view typed, std::string_view valid) {
  const std::size_t allowed = allowed_distance(valid);
  // The distance is at least the difference in length: a long (or hostile) key costs nothing.
  if (difference(typed.size(), valid.size()) > allowed) return false;
  return key_distance(typed, valid) <= allowed;
}

std::optional<std::string> nearest_key(std::string_view typed,
                                       const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    if (!is_near_key(typed, candidate)) continue;
    const std::size_t distance = key_distance(typed, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  const std::optional<std::string> nearest = nearest_key(typed, candidates);
  return nearest ? " (did you mean `" + *nearest + "`?)" : "";
}

}  // namespace trialsim
