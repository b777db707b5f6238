#include "core/rng.h"

namespace trialsim {

namespace {

// The sponge's state after the key's fields, shared by the four lanes of a stream.
std::uint64_t absorb_key(const StreamKey& key) noexcept {
  // Absorb each field through the mixer in turn (a sponge on SplitMix64), with distinct odd
  // constants per field so that permuted tuples do not collide.
  std::uint64_t h = splitmix64_mix(0x9e3779b97f4a7c15ULL ^ key.seed);
  h = splitmix64_mix(h ^ (key.replicate * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL));
  return splitmix64_mix(h ^ (static_cast<std::uint64_t>(key.purpose) * 0xaef17502108ef2d9ULL));
}

std::uint64_t absorb_lane(std::uint64_t key_state, std::uint64_t lane) noexcept {
  return splitmix64_mix(key_state ^ (lane * 0xf1357aea2e62a9c5ULL + 0x2545f4914f6cdd1dULL));
}

}  // namespace

std::uint64_t stream_key_hash(const StreamKey& key, std::uint64_t lane) noexcept {
  return absorb_lane(absorb_key(key), lane);
}

Rng make_stream(const StreamKey& key) noexcept {
  // The key is absorbed once for the four lanes (the same words as stream_key_hash's).
  const std::uint64_t key_state = absorb_key(key);
  const auto word = [&](std::uint64_t lane) {
    return static_cast<pcg_extras::pcg128_t>(absorb_lane(key_state, lane));
  };
  const pcg_extras::pcg128_t state = (word(0) << 64) | word(1);
  const pcg_extras::pcg128_t stream = (word(2) << 64) | word(3);
  return Rng(state, stream);
}

}  // namespace trialsim
