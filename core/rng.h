#pragma once
// Random streams keyed by (master seed, replicate index, purpose).
//
// Every stream is a PCG64 generator (O'Neill 2014, pcg-cpp) whose 128-bit state and 128-bit
// stream selector are both derived by hashing the *whole* key tuple with the SplitMix64
// finaliser (Steele, Lea & Flood 2014). Nothing depends on the thread that runs a replicate,
// so any thread count, MPI rank count or shard split draws the same numbers. We never use
// `seed + i`, and we do not rely on the PCG stream increment alone for independence.
//
// One purpose per sub-stream (enrolment, response, dropout, ...) means that changing how one
// process is modelled does not reshuffle the draws of another: designs and scenarios are
// compared on common random numbers.
#include <cstdint>
#include <pcg_random.hpp>

namespace trialsim {

using Rng = pcg64;

// Purposes are stable integers: they are part of every stream key, so renumbering one changes
// every result that used it. Append new purposes, never reorder.
enum class StreamPurpose : std::uint64_t {
  enrolment = 1,
  randomisation = 2,
  covariates = 3,
  response = 4,
  outcomes = 5,
  dropout = 6,
  adverse_events = 7,
  parameters = 8,
  analysis = 9,
};

struct StreamKey {
  std::uint64_t seed;
  std::uint64_t replicate;
  StreamPurpose purpose;
};

// SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Hash of the full key tuple into one 64-bit word; `lane` selects one of several independent
// words from the same key (used to fill PCG64's 128-bit state and 128-bit stream selector).
std::uint64_t stream_key_hash(const StreamKey& key, std::uint64_t lane) noexcept;

// The generator for a key. Equal keys give equal streams; distinct keys give distinct streams.
Rng make_stream(const StreamKey& key) noexcept;

inline Rng make_stream(std::uint64_t seed, std::uint64_t replicate,
                       StreamPurpose purpose) noexcept {
  return make_stream(StreamKey{seed, replicate, purpose});
}

}  // namespace trialsim
