#include "initlab/nn/pooling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab {

Pooling2D::Pooling2D(bool max, std::array<int64_t, 2> pool_size, PoolingOptions o)
    : Layer(o.name), max_(max), pool_(pool_size), strides_(o.strides.value.value_or(pool_size)), padding_(o.padding) {
  if (pool_[0] < 1 || pool_[1] < 1) {
    throw ValueError(fmt::format("{}: pool_size must be >= 1 on every axis, got {}", label(), pair_text(pool_[0], pool_[1])));
  }
  if (pool_[0] > std::numeric_limits<int32_t>::max() / pool_[1]) {  // positions are kept as int32
    throw ValueError(fmt::format("{}: pool_size {} has more than {} positions per window", label(),
                                 pair_text(pool_[0], pool_[1]), std::numeric_limits<int32_t>::max()));
  }
  if (strides_[0] < 1 || strides_[1] < 1) {
    throw ValueError(fmt::format("{}: strides must be >= 1 on every axis, got {}", label(),
                                 pair_text(strides_[0], strides_[1])));
  }
  if (padding_ != "valid" && padding_ != "same") {
    throw ValueError(fmt::format("{}: padding must be 'valid' or 'same', got '{}'", label(), padding_));
  }
}

Pooling2D::Window Pooling2D::window(const Shape& s) const {
  if (s.rank() != 3) {
    throw ShapeError(fmt::format("{}: expected images (height, width, channels), got {}", label(), s.str()));
  }
  check_input_not_empty(s);
  Window w{s[0], s[1], s[2], 0, 0, 0, 0};
  if (padding_ == "valid") {
    if (w.h < pool_[0] || w.w < pool_[1]) {
      throw ShapeError(fmt::format("{}: pool_size {} is larger than its input {} with padding 'valid'", label(),
                                   pair_text(pool_[0], pool_[1]), pair_text(w.h, w.w)));
    }
    w.oh = (w.h - pool_[0]) / strides_[0] + 1;
    w.ow = (w.w - pool_[1]) / strides_[1] + 1;
  } else {
    // A window more than twice the input covers all of it from every position:
    // refused rather than walked through position by position.
    if (pool_[0] / 2 > w.h || pool_[1] / 2 > w.w) {
      throw ShapeError(fmt::format("{}: pool_size {} is more than twice its input {} with padding 'same' (every window "
                                   "would cover the whole input; use pool_size {} or GlobalAveragePooling2D)",
                                   label(), pair_text(pool_[0], pool_[1]), pair_text(w.h, w.w), pair_text(w.h, w.w)));
    }
    // TensorFlow's "same", written so that nothing overflows.
    w.oh = w.h / strides_[0] + (w.h % strides_[0] != 0);
    w.ow = w.w / strides_[1] + (w.w % strides_[1] != 0);
    w.pad_top = std::max<int64_t>(pool_[0] - (w.h - (w.oh - 1) * strides_[0]), 0) / 2;
    w.pad_left = std::max<int64_t>(pool_[1] - (w.w - (w.ow - 1) * strides_[1]), 0) / 2;
  }
  return w;
}

Shape Pooling2D::output_shape(const Shape& input_shape) const {
  const Window w = window(input_shape);
  return Shape{w.oh, w.ow, w.c};
}

namespace {

// best[c] = max(best[c], x[c]) over the channels, recording window position
// `pos` where x wins (NaN never wins). Written so that GCC vectorizes it even
// for baseline x86-64 (SSE2, no blend instruction): a max, and the position
// chosen with a mask; a branch on which value wins is mispredicted often.
void max_into(float* __restrict best, int32_t* __restrict arg, const float* __restrict x, int32_t pos,
              int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) {
    const float v = x[c], b = best[c];
    const int32_t take = -static_cast<int32_t>(v > b);  // all ones where x wins
    best[c] = v > b ? v : b;
    arg[c] = (pos & take) | (arg[c] & ~take);
  }
}

// d[c] = g[c] where window position `pos` holds the maximum of channel c, else 0
// (vectorized: the gradient is loaded before the select).
void route_max(float* __restrict d, const float* __restrict g, const int32_t* __restrict arg, int32_t pos,
               int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) {
    const float v = g[c];
    d[c] = arg[c] == pos ? v : 0.0f;
  }
}

}  // namespace

// x (N, H, W, C) → y (N, OH, OW, C); max also records, per output element,
// the window position of its maximum (the first one in window order on ties).
Tensor Pooling2D::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const Window w = window(input_shape());
  const int64_t n = x.dim(0);
  batch_ = n;
  // The output buffer is reused when no one else holds the last one (every
  // element is written below).
  const Shape out_shape{n, w.oh, w.ow, w.c};
  if (!(y_.shape() == out_shape) || !y_.sole_owner()) y_ = Tensor(out_shape);
  Tensor& y = y_;
  if (max_) argmax_.resize(static_cast<size_t>(y.size()));
  // Per output pixel, the window's positions in order, all channels at once
  // (contiguous in NHWC).
  parallel_for(0, n * w.oh, 4, [&](int64_t lo, int64_t hi) {
    std::vector<double> sum(max_ ? 0 : static_cast<size_t>(w.c));
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t img = r / w.oh, oy = r % w.oh;
      for (int64_t ox = 0; ox < w.ow; ++ox) {
        const int64_t out = ((img * w.oh + oy) * w.ow + ox) * w.c;
        float* yo = y.data() + out;
        int32_t* arg = max_ ? argmax_.data() + out : nullptr;
        int64_t count = 0;
        if (!max_) std::fill(sum.begin(), sum.end(), 0.0);
        for (int64_t py = 0; py < pool_[0]; ++py) {
          const int64_t iy = oy * strides_[0] + py - w.pad_top;
          if (iy < 0 || iy >= w.h) continue;
          for (int64_t px = 0; px < pool_[1]; ++px) {
            const int64_t ix = ox * strides_[1] + px - w.pad_left;
            if (ix < 0 || ix >= w.w) continue;
            const float* xi = x.data() + ((img * w.h + iy) * w.w + ix) * w.c;
            const auto pos = static_cast<int32_t>(py * pool_[1] + px);
            if (max_) {
              if (count == 0) {
                std::copy(xi, xi + w.c, yo);
                std::fill(arg, arg + w.c, pos);
              } else {
                max_into(yo, arg, xi, pos, w.c);
              }
            } else {
              for (int64_t c = 0; c < w.c; ++c) sum[static_cast<size_t>(c)] += xi[c];
            }
            ++count;
          }
        }
        if (!max_) {
          for (int64_t c = 0; c < w.c; ++c) yo[c] = static_cast<float>(sum[static_cast<size_t>(c)] / static_cast<double>(count));
        }
      }
    }
  });
  return y_;
}

// dy (N, OH, OW, C) → dx (N, H, W, C): max routes each dy to its window's
// maximum; average spreads it evenly over the window's in-bounds values.
Tensor Pooling2D::backward(const Tensor& dy) {
  const Window w = window(input_shape());
  const Shape in_shape{batch_, w.h, w.w, w.c};
  const bool reuse = dx_.shape() == in_shape && dx_.sole_owner();
  if (!reuse) dx_ = Tensor(in_shape);  // zero-filled
  Tensor& dx = dx_;
  if (max_ && padding_ == "valid" && strides_ == pool_) {
    // Windows side by side: each input element lies in at most one window,
    // so it is written once, with no sum and no zero fill first. What no
    // window covers (the last rows or columns when the size is not a
    // multiple of the pool) is zeroed when the buffer is reused: whoever
    // received the last gradient may have written into it.
    if (reuse && (w.oh * pool_[0] != w.h || w.ow * pool_[1] != w.w)) dx.fill(0.0f);
    parallel_for(0, batch_ * w.oh, 4, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const int64_t img = r / w.oh, oy = r % w.oh;
        for (int64_t ox = 0; ox < w.ow; ++ox) {
          const int64_t out0 = ((img * w.oh + oy) * w.ow + ox) * w.c;
          for (int64_t py = 0; py < pool_[0]; ++py) {
            for (int64_t px = 0; px < pool_[1]; ++px) {
              const int64_t in0 = ((img * w.h + oy * pool_[0] + py) * w.w + ox * pool_[1] + px) * w.c;
              route_max(dx.data() + in0, dy.data() + out0, argmax_.data() + out0,
                        static_cast<int32_t>(py * pool_[1] + px), w.c);
            }
          }
        }
      }
    });
    return dx_;
  }
  if (reuse) dx.fill(0.0f);
  // Input offset of each window position from the window's corner, (py·W + px)·C.
  std::vector<int64_t> offset(static_cast<size_t>(pool_[0] * pool_[1]));
  for (int64_t py = 0; py < pool_[0]; ++py)
    for (int64_t px = 0; px < pool_[1]; ++px) offset[static_cast<size_t>(py * pool_[1] + px)] = (py * w.w + px) * w.c;
  // One image per task: no two tasks write the same input element, and
  // within an image the outputs are added in order.
  parallel_for(0, batch_, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t img = lo; img < hi; ++img) {
      for (int64_t oy = 0; oy < w.oh; ++oy) {
        for (int64_t ox = 0; ox < w.ow; ++ox) {
          const int64_t out0 = ((img * w.oh + oy) * w.ow + ox) * w.c;
          if (max_) {
            // The window's corner, possibly outside the image with padding;
            // corner + offset of the recorded position is always inside.
            const int64_t corner =
                ((img * w.h + oy * strides_[0] - w.pad_top) * w.w + ox * strides_[1] - w.pad_left) * w.c;
            const int32_t* arg = argmax_.data() + out0;
            for (int64_t c = 0; c < w.c; ++c) {
              dx[corner + offset[static_cast<size_t>(arg[c])] + c] += dy[out0 + c];
            }
            continue;
          }
          for (int64_t c = 0; c < w.c; ++c) {
            const int64_t out = out0 + c;
            int64_t count = 0;
            for (int pass = 0; pass < 2; ++pass) {
              for (int64_t py = 0; py < pool_[0]; ++py) {
                const int64_t iy = oy * strides_[0] + py - w.pad_top;
                if (iy < 0 || iy >= w.h) continue;
                for (int64_t px = 0; px < pool_[1]; ++px) {
                  const int64_t ix = ox * strides_[1] + px - w.pad_left;
                  if (ix < 0 || ix >= w.w) continue;
                  if (pass == 0) {
                    ++count;
                  } else {
                    dx[((img * w.h + iy) * w.w + ix) * w.c + c] += dy[out] / static_cast<float>(count);
                  }
                }
              }
            }
          }
        }
      }
    }
  });
  return dx_;
}

Shape GlobalAveragePooling2D::output_shape(const Shape& s) const {
  if (s.rank() != 3) {
    throw ShapeError(fmt::format("{}: expected images (height, width, channels), got {}", label(), s.str()));
  }
  check_input_not_empty(s);
  return Shape{s[2]};
}

Shape Flatten::output_shape(const Shape& input_shape) const {
  check_input_not_empty(input_shape);
  return Shape{input_shape.numel()};
}

Tensor GlobalAveragePooling2D::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  batch_ = n;
  Tensor y(Shape{n, c});
  for (int64_t img = 0; img < n; ++img) {
    for (int64_t ch = 0; ch < c; ++ch) {
      double s = 0;
      for (int64_t p = 0; p < hw; ++p) s += x[(img * hw + p) * c + ch];
      y[img * c + ch] = static_cast<float>(s / static_cast<double>(hw));
    }
  }
  return y;
}

Tensor GlobalAveragePooling2D::backward(const Tensor& dy) {
  const Shape& s = input_shape();
  const int64_t hw = s[0] * s[1], c = s[2];
  Tensor dx(Shape{batch_, s[0], s[1], c});
  for (int64_t img = 0; img < batch_; ++img)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch) dx[(img * hw + p) * c + ch] = dy[img * c + ch] / static_cast<float>(hw);
  return dx;
}

Tensor Flatten::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  x_shape_ = x.shape();
  return x.reshape(Shape{x.dim(0), x.size() / std::max<int64_t>(1, x.dim(0))});
}

Tensor Flatten::backward(const Tensor& dy) { return dy.reshape(x_shape_); }

}  // namespace initlab
