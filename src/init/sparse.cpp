// PyTorch sparse_(sparsity, std=0.01) (Martens 2010, as PyTorch implements it):
// a 2-D tensor filled with N(0, std²), then in every column ceil(sparsity·rows)
// entries, at positions drawn uniformly without replacement, are set to 0.
//
// On initlab's (in, out) layout a column is one output unit: every unit gets
// exactly ceil(sparsity·in) zero incoming weights. (PyTorch applies the same
// code to its (out, in) weight, so there a column is one input.)
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "builtin_initializers.hpp"
#include "config_reader.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab::detail {
namespace {

using nlohmann::json;

class SparseInit final : public InitializerImpl {
 public:
  SparseInit(double sparsity, double stddev) : sparsity_(sparsity), stddev_(stddev) {
    if (!(sparsity >= 0 && sparsity <= 1)) {
      throw ConfigError(fmt::format("Sparse: config.sparsity: expected a fraction in [0, 1], got {}", sparsity));
    }
    if (!(stddev >= 0)) throw ConfigError(fmt::format("Sparse: config.std: expected >= 0, got {}", stddev));
  }
  std::string id() const override { return "sparse"; }
  std::string class_name() const override { return "Sparse"; }
  json params() const override { return json{{"seed", seed_json()}, {"sparsity", sparsity_}, {"std", stddev_}}; }

  /// Zeros per column for `rows` rows.
  int64_t zeros_per_column(int64_t rows) const {
    return static_cast<int64_t>(std::ceil(sparsity_ * static_cast<double>(rows)));
  }

  void fill(Tensor& t, const InitContext& ctx) const override {
    check(t.shape(), ctx.name);
    const int64_t rows = t.dim(0), cols = t.dim(1);
    const RandomStream stream = stream_for(ctx);
    stream.fill_normal(t.values(), 0.0f, static_cast<float>(stddev_));
    const int64_t nz = zeros_per_column(rows);
    float* w = t.data();
    // Column c's zero positions come from its own substream: thread-count independent.
    parallel_for(0, cols, 16, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        const auto perm = stream.substream(static_cast<uint64_t>(c)).permutation(rows);
        for (int64_t k = 0; k < nz; ++k) w[perm[static_cast<size_t>(k)] * cols + c] = 0.0f;
      }
    });
  }

  Theory theory(const Shape& shape, const Fans&) const override {
    check(shape, "");
    const int64_t rows = shape[0];
    const double keep = rows ? 1.0 - static_cast<double>(zeros_per_column(rows)) / static_cast<double>(rows) : 0.0;
    Theory th;
    th.distribution = fmt::format("normal σ={} with {} of {} entries per column set to 0", pretty_number(stddev_),
                                  zeros_per_column(rows), rows);
    th.mean = 0;
    th.stddev = stddev_ * std::sqrt(keep);
    return th;
  }

 private:
  static void check(const Shape& s, const std::string& name) {
    if (s.rank() != 2) {
      throw ShapeError(fmt::format("sparse: expected a 2-D tensor, got shape {}{}", s.str(),
                                   name.empty() ? "" : " for '" + name + "'"));
    }
  }
  double sparsity_, stddev_;
};

}  // namespace

std::vector<InitializerInfo> sparse_initializers() {
  std::vector<InitializerInfo> v;
  v.push_back({"sparse", "Sparse", {"sparse_"}, "pytorch",
               "N(0, std²) with ceil(sparsity·rows) zeros in every column; sparsity required, std 0.01",
               [](const json& c) {
                 ConfigReader r(c, "Sparse");
                 const auto seed = r.seed();
                 const double sparsity = r.required_number("sparsity", "the fraction of each column set to zero, e.g. 0.1");
                 const double stddev = r.number("std", 0.01);
                 r.finish();
                 return seeded(std::make_shared<SparseInit>(sparsity, stddev), seed);
               }});
  return v;
}

}  // namespace initlab::detail
