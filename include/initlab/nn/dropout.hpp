// Dropout(rate): in training, each element is kept with probability 1 − rate and
// scaled by 1/(1 − rate); at inference it passes through. The mask of training
// step t comes from the stream (global seed, "<layer>/dropout") substream t, so
// a training run is bit-reproducible on any thread count.
#pragma once

#include "initlab/nn/layer.hpp"

namespace initlab {

class Dropout : public Layer {
 public:
  explicit Dropout(double rate, std::string name = "");
  std::string class_name() const override { return "Dropout"; }
  std::string default_name() const override { return "dropout"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  int64_t working_values(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  double rate() const { return rate_; }
  /// Training steps seen so far (keys the next mask).
  uint64_t step() const { return step_; }
  uint64_t random_position() const override { return step_; }
  void set_random_position(uint64_t position) override { step_ = position; }

 private:
  double rate_;
  uint64_t step_ = 0;
  Tensor mask_;  // scaled keep mask of the last training forward; empty at inference
};

}  // namespace initlab
