// initlab — a neural-network engine in which weight initialization comes first.
// One include for the whole public API.
#pragma once

#include "initlab/core/error.hpp"
#include "initlab/core/normal_math.hpp"
#include "initlab/core/parallel.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/shape.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/init/fans.hpp"
#include "initlab/init/gain.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/init/registry.hpp"
#include "initlab/io/npy.hpp"
