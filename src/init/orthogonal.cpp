// Orthogonal initializers.
//
// orthogonal(gain=1) — Saxe et al. 2014, as Keras's Orthogonal: view the tensor
// as a (rows, cols) matrix with rows = ∏ shape[:-1], cols = shape[-1]; QR-factor
// a max×min standard normal matrix, fix the signs of Q's columns by R's
// diagonal, transpose when rows < cols, multiply by gain. The result has
// orthonormal columns (rows >= cols) or rows (rows < cols).
//
// delta_orthogonal(gain=1) — Xiao et al. 2018, as JAX's delta_orthogonal: a
// conv kernel (k..., in, out), in <= out, zero except the centre tap
// (index (k−1)//2 in every spatial axis), which holds an orthogonal (in, out) matrix.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "builtin_initializers.hpp"
#include "config_reader.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/linalg.hpp"
#include "initlab/core/number_format.hpp"

namespace initlab::detail {
namespace {

using nlohmann::json;

// out (rows, cols, row-major) = gain · a matrix with orthonormal columns or rows.
void orthogonal_matrix(const RandomStream& stream, int64_t rows, int64_t cols, double gain, float* out) {
  if (rows == 0 || cols == 0) return;
  const int64_t m = std::max(rows, cols), n = std::min(rows, cols);
  Tensor a(Shape{n, m});  // column-major m×n: column j is row j of this tensor
  stream.fill_normal(a.values());
  orthonormalize_columns(a.data(), m, n);
  const auto g = static_cast<float>(gain);
  const float* q = a.data();
  if (rows < cols) {
    // out = Qᵀ: out(r, c) = Q(c, r) = q[r·m + c], the column-major buffer read in order.
    for (int64_t i = 0; i < rows * cols; ++i) out[i] = g * q[i];
  } else {
    // out = Q: out(r, c) = q[c·m + r].
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = g * q[c * m + r];
    }
  }
}

class OrthogonalInit final : public InitializerImpl {
 public:
  explicit OrthogonalInit(double gain) : gain_(gain) {}
  std::string id() const override { return "orthogonal"; }
  std::string class_name() const override { return "Orthogonal"; }
  json params() const override { return json{{"seed", seed_json()}, {"gain", gain_}}; }
  void fill(Tensor& t, const InitContext& ctx) const override {
    const auto [rows, cols] = matrix_shape(t.shape(), ctx.name);
    orthogonal_matrix(stream_for(ctx), rows, cols, gain_, t.data());
  }
  Theory theory(const Shape& shape, const Fans&) const override {
    const auto [rows, cols] = matrix_shape(shape, "");
    Theory th;
    th.distribution = fmt::format("orthonormal {} of a {}×{} matrix (QR of a Gaussian){}",
                                  rows >= cols ? "columns" : "rows", rows, cols,
                                  gain_ == 1 ? std::string() : fmt::format(", gain {}", pretty_number(gain_)));
    // Each unit vector has squared norm 1 spread over max(rows, cols) entries.
    const double big = static_cast<double>(std::max<int64_t>(1, std::max(rows, cols)));
    th.mean = 0;
    th.stddev = std::fabs(gain_) / std::sqrt(big);
    th.lo = -std::fabs(gain_);
    th.hi = std::fabs(gain_);
    th.variance = fmt::format("{}/{}", pretty_number(gain_ * gain_), pretty_number(big));
    return th;
  }

 private:
  std::pair<int64_t, int64_t> matrix_shape(const Shape& s, const std::string& name) const {
    if (s.rank() < 2) {
      throw ShapeError(fmt::format("orthogonal: expected a tensor of rank >= 2, got shape {}{}", s.str(),
                                   name.empty() ? "" : " for '" + name + "'"));
    }
    const int64_t cols = s[-1];
    return {cols == 0 ? 0 : s.numel() / cols, cols};
  }
  double gain_;
};

class DeltaOrthogonalInit final : public InitializerImpl {
 public:
  explicit DeltaOrthogonalInit(double gain) : gain_(gain) {}
  std::string id() const override { return "delta_orthogonal"; }
  std::string class_name() const override { return "DeltaOrthogonal"; }
  json params() const override { return json{{"seed", seed_json()}, {"gain", gain_}}; }
  void fill(Tensor& t, const InitContext& ctx) const override {
    const Shape& s = t.shape();
    check(s, ctx.name);
    t.fill(0.0f);
    const int64_t in = s[-2], out = s[-1];
    int64_t centre = 0;
    for (int i = 0; i < s.rank() - 2; ++i) centre = centre * s[i] + (s[i] - 1) / 2;
    orthogonal_matrix(stream_for(ctx), in, out, gain_, t.data() + centre * in * out);
  }
  Theory theory(const Shape& s, const Fans&) const override {
    check(s, "");
    Theory th;
    th.distribution = fmt::format("orthogonal {}×{} matrix at the centre tap, zeros elsewhere{}", s[-2], s[-1],
                                  gain_ == 1 ? std::string() : fmt::format(", gain {}", pretty_number(gain_)));
    // in orthonormal rows: squared norm gain²·in over all numel entries.
    th.mean = 0;
    th.stddev = s.numel() ? std::fabs(gain_) * std::sqrt(static_cast<double>(s[-2]) / static_cast<double>(s.numel())) : 0;
    th.lo = -std::fabs(gain_);
    th.hi = std::fabs(gain_);
    return th;
  }

 private:
  static void check(const Shape& s, const std::string& name) {
    if (s.rank() < 3 || s.rank() > 5) {
      throw ShapeError(fmt::format("delta_orthogonal: expected a 3-, 4- or 5-D conv kernel (k..., in, out), got {}{}",
                                   s.str(), name.empty() ? "" : " for '" + name + "'"));
    }
    if (s[-2] > s[-1]) {
      throw ShapeError(fmt::format(
          "delta_orthogonal: needs in_channels <= out_channels for orthonormal rows, got in {} > out {} in {}", s[-2],
          s[-1], s.str()));
    }
  }
  double gain_;
};

}  // namespace

std::vector<InitializerInfo> orthogonal_initializers() {
  std::vector<InitializerInfo> v;
  v.push_back({"orthogonal", "Orthogonal", {"OrthogonalInitializer", "orthogonal_"}, "keras",
               "gain · Q, Q with orthonormal columns (or rows) from the QR of a Gaussian matrix; gain 1",
               [](const json& c) {
                 ConfigReader r(c, "Orthogonal");
                 const auto seed = r.seed();
                 const double gain = r.number("gain", 1.0);
                 r.finish();
                 return seeded(std::make_shared<OrthogonalInit>(gain), seed);
               }});
  v.push_back({"delta_orthogonal", "DeltaOrthogonal", {}, "initlab",
               "conv kernel: gain · orthogonal (in, out) matrix at the centre tap, zeros elsewhere (Xiao et al. 2018)",
               [](const json& c) {
                 ConfigReader r(c, "DeltaOrthogonal");
                 const auto seed = r.seed();
                 const double gain = r.number("gain", 1.0);
                 r.finish();
                 return seeded(std::make_shared<DeltaOrthogonalInit>(gain), seed);
               }});
  return v;
}

}  // namespace initlab::detail
