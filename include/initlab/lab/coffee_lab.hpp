// The coffee-roasting lab, reproduced: why are the weights random, and what
// happens if they are not?
#pragma once

#include <iosfwd>
#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct CoffeeLabOptions {
  uint64_t seed = 1234;  ///< set_seed, as tf.random.set_seed(1234) in the lab
  int epochs = 10;
  int64_t tile = 1000;   ///< the 200 roasts are repeated this many times
  bool progress = false; ///< a progress display on stderr while training
};

struct CoffeeLabResult {
  Tensor w1, b1, w2, b2;          ///< trained weights
  Tensor probabilities;           ///< for the roasts (200 °C, 13.9 min) and (200 °C, 17 min)
  double final_loss = 0;
  double accuracy = 0;            ///< on the 200 roasts
};

/// Prints the lab to `out` (nothing that depends on time or threads) and returns its numbers.
CoffeeLabResult run_coffee_lab(std::ostream& out, const CoffeeLabOptions& options = {});

struct SymmetryOptions {
  uint64_t seed = 1234;
  int iterations = 100;                 ///< passes over the 200 roasts
  std::string constant_init = "zeros";  ///< any non-random initializer
  double learning_rate = 0.1;           ///< Adam
  int64_t batch_size = 32;   ///< 200 roasts: 7 steps per iteration
};

struct SymmetryResult {
  Tensor constant_w1, constant_b1, constant_w2, random_w1, random_w2;
  bool constant_columns_identical = false;  ///< every column of W1 and entry of b1 bit-equal
  bool constant_w2_identical = false;       ///< every entry of W2 bit-equal
  bool random_columns_distinct = false;
  double constant_accuracy = 0, random_accuracy = 0;
};

/// Trains the same 2-3-1 sigmoid network from a constant and from
/// glorot_uniform and prints both, with the verdict.
SymmetryResult run_symmetry_demo(std::ostream& out, const SymmetryOptions& options = {});

}  // namespace initlab
