// The global seed. Every unseeded random draw in initlab is keyed by it.
#pragma once

#include <cstdint>

namespace initlab {

/// Sets the global seed, as keras.utils.set_random_seed / torch.manual_seed.
void set_seed(uint64_t seed);

/// The global seed. When set_seed() was never called, one is drawn from
/// std::random_device the first time it is needed and kept for the whole
/// process, so printing it is enough to replay the run.
uint64_t current_seed();

/// True when the seed came from set_seed() (or INITLAB_SEED), false when drawn.
bool seed_was_set();

}  // namespace initlab
