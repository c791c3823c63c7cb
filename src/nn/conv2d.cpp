#include "initlab/nn/conv2d.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "initlab/core/blas.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab {

Conv2D::Conv2D(int64_t filters, std::array<int64_t, 2> kernel_size, Conv2DOptions options)
    : Layer(options.name), filters_(filters), k_(kernel_size), opt_(std::move(options)) {
  if (filters < 1) throw ValueError(fmt::format("Conv2D: filters must be >= 1, got {}", filters));
  if (k_[0] < 1 || k_[1] < 1) throw ValueError(fmt::format("Conv2D: kernel_size must be positive, got ({}, {})", k_[0], k_[1]));
  if (opt_.strides[0] < 1 || opt_.strides[1] < 1) {
    throw ValueError(fmt::format("Conv2D: strides must be positive, got ({}, {})", opt_.strides[0], opt_.strides[1]));
  }
  if (opt_.padding != "valid" && opt_.padding != "same") {
    throw ValueError(fmt::format("Conv2D: padding must be \"valid\" or \"same\", got \"{}\"", opt_.padding));
  }
}

Conv2D::Geometry Conv2D::geometry(const Shape& s) const {
  if (s.rank() != 3) {
    throw ShapeError(fmt::format("layer '{}' (Conv2D): expected images (height, width, channels), got {}", name(), s.str()));
  }
  Geometry g{s[0], s[1], s[2], 0, 0, 0, 0};
  const int64_t sh = opt_.strides[0], sw = opt_.strides[1];
  if (opt_.padding == "valid") {
    g.oh = (g.h - k_[0]) / sh + 1;
    g.ow = (g.w - k_[1]) / sw + 1;
    if (g.h < k_[0] || g.w < k_[1]) {
      throw ShapeError(fmt::format("layer '{}' (Conv2D): a {}×{} kernel does not fit {}×{} images with valid padding",
                                   name(), k_[0], k_[1], g.h, g.w));
    }
  } else {
    g.oh = (g.h + sh - 1) / sh;
    g.ow = (g.w + sw - 1) / sw;
    g.pad_top = std::max<int64_t>((g.oh - 1) * sh + k_[0] - g.h, 0) / 2;
    g.pad_left = std::max<int64_t>((g.ow - 1) * sw + k_[1] - g.w, 0) / 2;
  }
  return g;
}

void Conv2D::build_variables(const Shape& input_shape) {
  const Geometry g = geometry(input_shape);
  const Fans fans{k_[0] * k_[1] * g.c, k_[0] * k_[1] * filters_};
  kernel_ = &add_weight("kernel", Shape{k_[0], k_[1], g.c, filters_}, opt_.kernel_initializer, true);
  if (opt_.use_bias) bias_ = &add_weight("bias", Shape{filters_}, opt_.bias_initializer, true, fans);
}

Shape Conv2D::output_shape(const Shape& input_shape) const {
  const Geometry g = geometry(input_shape);
  return Shape{g.oh, g.ow, filters_};
}

// x (N, H, W, C) → cols (N·OH·OW, kh·kw·C) → z = cols · K (kh·kw·C, F) + b → y (N, OH, OW, F)
Tensor Conv2D::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const Geometry g = geometry(input_shape());
  const int64_t n = x.dim(0), patch = k_[0] * k_[1] * g.c, rows = n * g.oh * g.ow;
  batch_ = n;
  cols_ = Tensor(Shape{rows, patch});
  const float* xs = x.data();
  float* cs = cols_.data();
  const int64_t sh = opt_.strides[0], sw = opt_.strides[1];
  parallel_for(0, n * g.oh, 8, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t img = r / g.oh, oy = r % g.oh;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        float* dst = cs + ((r * g.ow) + ox) * patch;
        for (int64_t ky = 0; ky < k_[0]; ++ky) {
          const int64_t iy = oy * sh + ky - g.pad_top;
          for (int64_t kx = 0; kx < k_[1]; ++kx) {
            const int64_t ix = ox * sw + kx - g.pad_left;
            float* d = dst + (ky * k_[1] + kx) * g.c;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
              std::fill(d, d + g.c, 0.0f);
            } else {
              const float* s = xs + ((img * g.h + iy) * g.w + ix) * g.c;
              std::copy(s, s + g.c, d);
            }
          }
        }
      }
    }
  });
  z_ = Tensor(Shape{n, g.oh, g.ow, filters_});
  float* z = z_.data();
  if (bias_ != nullptr) {
    const float* b = bias_->value().data();
    for (int64_t r = 0; r < rows; ++r) std::copy(b, b + filters_, z + r * filters_);
  }
  gemm(false, false, rows, filters_, patch, 1.0f, cs, patch, kernel_->value().data(), filters_, bias_ ? 1.0f : 0.0f,
       z, filters_);
  if (opt_.activation.kind() == Activation::Kind::kLinear) {
    y_ = z_;
  } else {
    y_ = Tensor(z_.shape());
    opt_.activation.forward(z_, y_);
  }
  return y_;
}

Tensor Conv2D::backward(const Tensor& dy) {
  Tensor dz = dy;
  if (opt_.activation.kind() != Activation::Kind::kLinear) {
    dz = Tensor(dy.shape());
    opt_.activation.backward(z_, y_, dy, dz);
  }
  const Geometry g = geometry(input_shape());
  const int64_t n = batch_, patch = k_[0] * k_[1] * g.c, rows = n * g.oh * g.ow;
  // dK (patch, F) = colsᵀ · dz
  gemm(true, false, patch, filters_, rows, 1.0f, cols_.data(), patch, dz.data(), filters_, 0.0f,
       gradient_slot(0).data(), filters_);
  if (bias_ != nullptr) {
    float* db = gradient_slot(1).data();
    std::fill(db, db + filters_, 0.0f);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t f = 0; f < filters_; ++f) db[f] += dz[r * filters_ + f];
  }
  if (!input_gradient_needed()) return Tensor();
  // dcols (rows, patch) = dz · Kᵀ, then col2im; each image is written by one thread.
  Tensor dcols(Shape{rows, patch});
  gemm(false, true, rows, patch, filters_, 1.0f, dz.data(), filters_, kernel_->value().data(), filters_, 0.0f,
       dcols.data(), patch);
  Tensor dx(Shape{n, g.h, g.w, g.c});
  const int64_t sh = opt_.strides[0], sw = opt_.strides[1];
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t img = lo; img < hi; ++img) {
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const float* src = dcols.data() + ((img * g.oh + oy) * g.ow + ox) * patch;
          for (int64_t ky = 0; ky < k_[0]; ++ky) {
            const int64_t iy = oy * sh + ky - g.pad_top;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t kx = 0; kx < k_[1]; ++kx) {
              const int64_t ix = ox * sw + kx - g.pad_left;
              if (ix < 0 || ix >= g.w) continue;
              float* d = dx.data() + ((img * g.h + iy) * g.w + ix) * g.c;
              const float* s = src + (ky * k_[1] + kx) * g.c;
              for (int64_t c = 0; c < g.c; ++c) d[c] += s[c];
            }
          }
        }
      }
    }
  });
  return dx;
}

}  // namespace initlab
