#include "initlab/nn/conv2d.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "initlab/core/blas.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab {

namespace {

// a·b, saturating at INT64_MAX (sizes for memory estimates).
int64_t mul_sat(int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) return std::numeric_limits<int64_t>::max();
  return a * b;
}

}  // namespace

Conv2D::Conv2D(int64_t filters, std::array<int64_t, 2> kernel_size, Conv2DOptions options)
    : Layer(options.name), filters_(filters), k_(kernel_size), opt_(std::move(options)) {
  if (filters < 1) throw ValueError(fmt::format("{}: filters must be >= 1, got {}", label(), filters));
  if (k_[0] < 1 || k_[1] < 1) {
    throw ValueError(fmt::format("{}: kernel_size must be >= 1 on every axis, got {}", label(), pair_text(k_[0], k_[1])));
  }
  if (opt_.strides[0] < 1 || opt_.strides[1] < 1) {
    throw ValueError(fmt::format("{}: strides must be >= 1 on every axis, got {}", label(),
                                 pair_text(opt_.strides[0], opt_.strides[1])));
  }
  if (opt_.padding != "valid" && opt_.padding != "same") {
    throw ValueError(fmt::format("{}: padding must be 'valid' or 'same', got '{}'", label(), opt_.padding));
  }
}

Conv2D::Geometry Conv2D::geometry(const Shape& s) const {
  if (s.rank() != 3) {
    throw ShapeError(fmt::format("{}: expected images (height, width, channels), got {}", label(), s.str()));
  }
  check_input_not_empty(s);
  Geometry g{s[0], s[1], s[2], 0, 0, 0, 0};
  const int64_t sh = opt_.strides[0], sw = opt_.strides[1];
  if (opt_.padding == "valid") {
    if (g.h < k_[0] || g.w < k_[1]) {
      throw ShapeError(fmt::format("{}: kernel_size {} is larger than its input {} with padding 'valid'", label(),
                                   pair_text(k_[0], k_[1]), pair_text(g.h, g.w)));
    }
    g.oh = (g.h - k_[0]) / sh + 1;
    g.ow = (g.w - k_[1]) / sw + 1;
  } else {
    // TensorFlow's "same": ceil(in / stride) outputs, the padding that makes the
    // last window end at the input's end (written so that nothing overflows).
    g.oh = g.h / sh + (g.h % sh != 0);
    g.ow = g.w / sw + (g.w % sw != 0);
    g.pad_top = std::max<int64_t>(k_[0] - (g.h - (g.oh - 1) * sh), 0) / 2;
    g.pad_left = std::max<int64_t>(k_[1] - (g.w - (g.ow - 1) * sw), 0) / 2;
  }
  return g;
}

std::vector<WeightSpec> Conv2D::weight_specs(const Shape& input_shape) const {
  const Geometry g = geometry(input_shape);
  std::vector<WeightSpec> specs;
  specs.push_back({"kernel", layer_shape(*this, "kernel", {k_[0], k_[1], g.c, filters_}), opt_.kernel_initializer, true});
  if (opt_.use_bias) {
    const int64_t field = k_[0] * k_[1];  // the kernel's shape fits 64 bits, so its parts do
    specs.push_back({"bias", Shape{filters_}, opt_.bias_initializer, true, Fans{field * g.c, field * filters_}});
  }
  return specs;
}

void Conv2D::variables_created(const Shape& /*input_shape*/) {
  const auto v = variables();
  kernel_ = v[0];
  bias_ = opt_.use_bias ? v[1] : nullptr;
}

Shape Conv2D::output_shape(const Shape& input_shape) const {
  const Geometry g = geometry(input_shape);
  return layer_shape(*this, "output", {g.oh, g.ow, filters_});
}

int64_t Conv2D::working_values(const Shape& input_shape) const {
  const Geometry g = geometry(input_shape);
  // Patches (OH·OW, kh·kw·C) and their gradient, then pre-activation, output
  // and the gradients of both (OH, OW, F).
  const int64_t pixels = mul_sat(g.oh, g.ow);
  const int64_t patches = mul_sat(mul_sat(pixels, mul_sat(k_[0], k_[1])), g.c);
  const int64_t out = mul_sat(pixels, filters_);
  const int64_t a = mul_sat(patches, 2), b = mul_sat(out, 4);
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

namespace {

// The forward pass and the kernel gradient run over blocks of whole output
// lines (one output row of one image) holding about this many pixels: each
// block's patches, product, bias and activation stay in the caches, and one
// block is one single-threaded sgemm call. The grid depends on the shapes
// only, so results are the same on any number of threads.
constexpr int64_t kBlockPixels = 512;

struct Blocks {
  int64_t lines_per_block, count;
};

Blocks blocks_of(int64_t lines, int64_t line_pixels) {
  const int64_t per = std::max<int64_t>(1, kBlockPixels / std::max<int64_t>(1, line_pixels));
  return {per, (lines + per - 1) / per};
}

}  // namespace

// x (N, H, W, C) → cols (N·OH·OW, kh·kw·C) → z = cols · K (kh·kw·C, F) + b → y = f(z) (N, OH, OW, F)
Tensor Conv2D::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const Geometry g = geometry(input_shape());
  const int64_t n = x.dim(0), patch = k_[0] * k_[1] * g.c, rows = n * g.oh * g.ow, lines = n * g.oh;
  const int64_t kw = k_[1], span = kw * g.c;  // one kernel row of a patch: kw·C contiguous input values
  const int64_t f = filters_;
  batch_ = n;
  // cols_ and z_ are this layer's own buffers, reused from step to step.
  if (!(cols_.shape() == Shape{rows, patch})) cols_ = Tensor(Shape{rows, patch});
  const Shape out_shape{n, g.oh, g.ow, f};
  const Activation::Kind kind = opt_.activation.kind();
  const bool linear = kind == Activation::Kind::kLinear;
  if (linear || !(z_.shape() == out_shape) || z_.shares_storage_with(y_)) z_ = Tensor(out_shape);
  // The output buffer is reused when no one else holds the last one: a fresh
  // (N, OH, OW, F) map costs a zero fill and page faults at every step.
  if (linear) {
    y_ = z_;
  } else if (!(y_.shape() == out_shape) || !y_.sole_owner() || y_.shares_storage_with(z_)) {
    y_ = Tensor(out_shape);
  }
  const bool relu = kind == Activation::Kind::kRelu;
  const float* xs = x.data();
  float* cs = cols_.data();
  float* z = z_.data();
  float* y = y_.data();
  const float* kernel = kernel_->value().data();
  const float* bias = bias_ != nullptr ? bias_->value().data() : nullptr;
  const int64_t sh = opt_.strides[0], sw = opt_.strides[1];
  const Blocks blocks = blocks_of(lines, g.ow);
  parallel_for(0, blocks.count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      const int64_t line0 = b * blocks.lines_per_block, line1 = std::min(lines, line0 + blocks.lines_per_block);
      // im2col of lines [line0, line1): patch rows [line0·OW, line1·OW).
      for (int64_t r = line0; r < line1; ++r) {
        const int64_t img = r / g.oh, oy = r % g.oh;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          float* dst = cs + ((r * g.ow) + ox) * patch;
          const int64_t ix0 = ox * sw - g.pad_left;
          for (int64_t ky = 0; ky < k_[0]; ++ky) {
            const int64_t iy = oy * sh + ky - g.pad_top;
            float* d = dst + ky * span;
            if (iy < 0 || iy >= g.h) {
              for (int64_t j = 0; j < span; ++j) d[j] = 0.0f;
            } else if (ix0 >= 0 && ix0 + kw <= g.w) {
              const float* s = xs + ((img * g.h + iy) * g.w + ix0) * g.c;
              for (int64_t j = 0; j < span; ++j) d[j] = s[j];
            } else {
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ix = ix0 + kx;
                float* dc = d + kx * g.c;
                if (ix < 0 || ix >= g.w) {
                  for (int64_t c = 0; c < g.c; ++c) dc[c] = 0.0f;
                } else {
                  const float* s = xs + ((img * g.h + iy) * g.w + ix) * g.c;
                  for (int64_t c = 0; c < g.c; ++c) dc[c] = s[c];
                }
              }
            }
          }
        }
      }
      const int64_t r0 = line0 * g.ow, m = (line1 - line0) * g.ow;
      float* zb = z + r0 * f;
      if (bias != nullptr) {
        for (int64_t r = 0; r < m; ++r)
          for (int64_t j = 0; j < f; ++j) zb[r * f + j] = bias[j];
      }
      // z block (m, F) = cols block (m, patch) · K (patch, F) [+ b]
      gemm_serial(false, false, m, f, patch, 1.0f, cs + r0 * patch, patch, kernel, f, bias ? 1.0f : 0.0f, zb, f);
      if (relu) {
        float* yb = y + r0 * f;
        for (int64_t i = 0; i < m * f; ++i) {
          const float v = zb[i];  // loaded before the select, so the loop vectorizes
          yb[i] = v > 0 ? v : 0.0f;
        }
      }
    }
  });
  if (!linear && !relu) opt_.activation.forward(z_, y_);
  return y_;
}

// dy (N, OH, OW, F) → dz = dy ⊙ f'(z) → dK (patch, F) = colsᵀ · dz, db (F) = Σ_rows dz,
// and when needed dx (N, H, W, C) = col2im(dz · Kᵀ).
Tensor Conv2D::backward(const Tensor& dy) {
  const Geometry g = geometry(input_shape());
  const int64_t n = batch_, patch = k_[0] * k_[1] * g.c, rows = n * g.oh * g.ow, lines = n * g.oh;
  const int64_t f = filters_;
  const Activation::Kind kind = opt_.activation.kind();
  const bool relu = kind == Activation::Kind::kRelu, linear = kind == Activation::Kind::kLinear;
  const bool need_dx = input_gradient_needed();
  // The whole dz is needed for dx and for activations other than relu; for
  // relu alone, each block computes its own part of dz where it is used.
  const bool whole_dz = linear || need_dx || !relu;
  Tensor dz_all;
  if (linear) {
    dz_all = dy;
  } else if (whole_dz) {
    dz_all = Tensor(dy.shape());
    opt_.activation.backward(z_, y_, dy, dz_all);
  }
  // Each block sums its rows into its own partial dK and db; the partials
  // are then added in block order. The blocks are fixed by the shapes, so
  // every sum has the same order on any number of threads.
  const Blocks blocks = blocks_of(lines, g.ow);
  const int64_t part = patch * f + (bias_ ? f : 0);
  std::vector<float> partials(static_cast<size_t>(blocks.count * part));
  const float* cs = cols_.data();
  parallel_for(0, blocks.count, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> scratch;
    for (int64_t b = lo; b < hi; ++b) {
      const int64_t line0 = b * blocks.lines_per_block, line1 = std::min(lines, line0 + blocks.lines_per_block);
      const int64_t r0 = line0 * g.ow, m = (line1 - line0) * g.ow;
      const float* dzb = nullptr;
      if (whole_dz) {
        dzb = dz_all.data() + r0 * f;
      } else {  // relu: dz = dy where z > 0
        scratch.resize(static_cast<size_t>(m * f));
        const float* zb = z_.data() + r0 * f;
        const float* gb = dy.data() + r0 * f;
        for (int64_t i = 0; i < m * f; ++i) {
          const float gi = gb[i];
          scratch[static_cast<size_t>(i)] = zb[i] > 0 ? gi : 0.0f;
        }
        dzb = scratch.data();
      }
      float* pk = partials.data() + b * part;
      // partial dK (patch, F) = cols blockᵀ (patch, m) · dz block (m, F)
      gemm_serial(true, false, patch, f, m, 1.0f, cs + r0 * patch, patch, dzb, f, 0.0f, pk, f);
      if (bias_ != nullptr) {
        float* pb = pk + patch * f;
        for (int64_t j = 0; j < f; ++j) pb[j] = 0.0f;
        for (int64_t r = 0; r < m; ++r)
          for (int64_t j = 0; j < f; ++j) pb[j] += dzb[r * f + j];
      }
    }
  });
  float* dk = gradient_slot(0).data();
  float* db = bias_ != nullptr ? gradient_slot(1).data() : nullptr;
  std::copy(partials.begin(), partials.begin() + patch * f, dk);
  if (db != nullptr) std::copy(partials.begin() + patch * f, partials.begin() + part, db);
  for (int64_t b = 1; b < blocks.count; ++b) {
    const float* pk = partials.data() + b * part;
    for (int64_t i = 0; i < patch * f; ++i) dk[i] += pk[i];
    if (db != nullptr) {
      for (int64_t j = 0; j < f; ++j) db[j] += pk[patch * f + j];
    }
  }
  if (!need_dx) return Tensor();
  // dcols (rows, patch) = dz · Kᵀ, then col2im; each image is written by one thread.
  Tensor dcols(Shape{rows, patch});
  gemm(false, true, rows, patch, f, 1.0f, dz_all.data(), f, kernel_->value().data(), f, 0.0f, dcols.data(), patch);
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
