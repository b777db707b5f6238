#include "core/rng.h"

namespace trialsim {

std::uint64_t stream_key_hash(const StreamKey& key, std::uint64_t lane) noexcept {
  // Absorb each field through the mixer in turn (a sponge on SplitMix64), with distinct odd
  // constants per field so that permuted tuples do not collide.
  std::uint64_t h = splitmix64_mix(0x9e3779b97f4a7c15ULL ^ key.seed);
  h = splitmix64_mix(h ^ (key.replicate * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL));
  h = splitmix64_mix(h ^ (static_cast<std::uint64_t>(key.purpose) * 0xaef17502108ef2d9ULL));
  h = splitmix64_mix(h ^ (lane * 0xf1357aea2e62a9c5ULL + 0x2545f4914f6cdd1dULL));
  return h;
}

Rng make_stream(const StreamKey& key) noexcept {
  const auto word = [&](std::uint64_t lane) {
    return static_cast<pcg_extras::pcg128_t>(stream_key_hash(key, lane));
  };
  const pcg_extras::pcg128_t state = (word(0) << 64) | word(1);
  const pcg_extras::pcg128_t stream = (word(2) << 64) | word(3);
  return Rng(state, stream);
}

}  // namespace trialsim
