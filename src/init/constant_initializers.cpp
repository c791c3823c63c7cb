// Deterministic initializers: zeros, ones, constant, identity (Keras), eye and
// dirac (PyTorch).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "builtin_initializers.hpp"
#include "config_reader.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"

namespace initlab::detail {
namespace {

using nlohmann::json;

/// Every element equal to `value`: Zeros (0), Ones (1), Constant(value).
class ConstantInit final : public InitializerImpl {
 public:
  ConstantInit(std::string id, std::string cls, double value, bool has_param)
      : id_(std::move(id)), cls_(std::move(cls)), value_(value), has_param_(has_param) {}
  std::string id() const override { return id_; }
  std::string class_name() const override { return cls_; }
  json params() const override { return has_param_ ? json{{"value", value_}} : json::object(); }
  void fill(Tensor& t, const InitContext&) const override { t.fill(static_cast<float>(value_)); }
  Theory theory(const Shape& shape, const Fans&) const override {
    return sparse_constant_theory(value_, shape.numel(), shape.numel(),
                                  fmt::format("constant {}", pretty_number(value_)));
  }

 private:
  std::string id_, cls_;
  double value_;
  bool has_param_;
};

/// gain · I for a 2-D (rows, cols) tensor: ones at (i, i) for i < min(rows, cols).
/// Keras Identity(gain) and PyTorch eye_ (gain 1) share it.
class IdentityInit final : public InitializerImpl {
 public:
  IdentityInit(bool keras, double gain) : keras_(keras), gain_(gain) {}
  std::string id() const override { return keras_ ? "identity" : "eye"; }
  std::string class_name() const override { return keras_ ? "Identity" : "Eye"; }
  json params() const override { return keras_ ? json{{"gain", gain_}} : json::object(); }
  void fill(Tensor& t, const InitContext& ctx) const override {
    check(t.shape(), ctx.name);
    t.fill(0.0f);
    const int64_t rows = t.dim(0), cols = t.dim(1);
    for (int64_t i = 0; i < std::min(rows, cols); ++i) t[i * cols + i] = static_cast<float>(gain_);
  }
  Theory theory(const Shape& shape, const Fans&) const override {
    check(shape, "");
    return sparse_constant_theory(gain_, std::min(shape[0], shape[1]), shape.numel(),
                                  gain_ == 1 ? std::string("identity matrix")
                                             : fmt::format("{} × identity matrix", pretty_number(gain_)));
  }

 private:
  void check(const Shape& shape, const std::string& name) const {
    if (shape.rank() != 2) {
      throw ShapeError(fmt::format("{}: expected a 2-D tensor (rows, cols), got shape {}{}", id(), shape.str(),
                                   name.empty() ? "" : " for '" + name + "'"));
    }
  }
  bool keras_;
  double gain_;
};

/// PyTorch dirac_(groups) on initlab's (k..., in, out) layout: for each group g
/// and d < min(out/groups, in), w[centre…, d, g·out/groups + d] = 1, with the
/// centre tap at k // 2 in every spatial axis (PyTorch's index).
class DiracInit final : public InitializerImpl {
 public:
  explicit DiracInit(int64_t groups) : groups_(groups) {
    if (groups < 1) throw ConfigError(fmt::format("Dirac: config.groups: expected >= 1, got {}", groups));
  }
  std::string id() const override { return "dirac"; }
  std::string class_name() const override { return "Dirac"; }
  json params() const override { return json{{"groups", groups_}}; }
  void fill(Tensor& t, const InitContext& ctx) const override {
    const Shape& s = t.shape();
    check(s, ctx.name);
    t.fill(0.0f);
    const int64_t in = s[-2], out = s[-1], per_group = out / groups_;
    int64_t centre = 0;  // flat index of the centre tap over the spatial axes
    for (int i = 0; i < s.rank() - 2; ++i) centre = centre * s[i] + s[i] / 2;
    float* tap = t.data() + centre * in * out;
    for (int64_t g = 0; g < groups_; ++g) {
      for (int64_t d = 0; d < std::min(per_group, in); ++d) tap[d * out + g * per_group + d] = 1.0f;
    }
  }
  Theory theory(const Shape& shape, const Fans&) const override {
    check(shape, "");
    const int64_t count = groups_ * std::min(shape[-1] / groups_, shape[-2]);
    return sparse_constant_theory(1.0, count, shape.numel(), "Dirac delta at the centre tap");
  }

 private:
  void check(const Shape& s, const std::string& name) const {
    if (s.rank() < 3 || s.rank() > 5) {
      throw ShapeError(fmt::format("dirac: expected a 3-, 4- or 5-D conv kernel (k..., in, out), got {}{}", s.str(),
                                   name.empty() ? "" : " for '" + name + "'"));
    }
    if (s[-1] % groups_ != 0) {
      throw ShapeError(fmt::format("dirac: output channels {} of {} are not divisible by groups {}", s[-1],
                                   s.str(), groups_));
    }
  }
  int64_t groups_;
};

}  // namespace

std::vector<InitializerInfo> constant_initializers() {
  std::vector<InitializerInfo> v;
  v.push_back({"zeros", "Zeros", {"zero", "zeros_"}, "keras", "w = 0",
               [](const json& c) {
                 ConfigReader r(c, "Zeros");
                 r.finish();
                 return std::make_shared<ConstantInit>("zeros", "Zeros", 0.0, false);
               }});
  v.push_back({"ones", "Ones", {"one", "ones_"}, "keras", "w = 1",
               [](const json& c) {
                 ConfigReader r(c, "Ones");
                 r.finish();
                 return std::make_shared<ConstantInit>("ones", "Ones", 1.0, false);
               }});
  v.push_back({"constant", "Constant", {"constant_"}, "keras", "w = value (default 0)",
               [](const json& c) {
                 ConfigReader r(c, "Constant");
                 const double value = r.number("value", 0.0);
                 r.finish();
                 return std::make_shared<ConstantInit>("constant", "Constant", value, true);
               }});
  v.push_back({"identity", "Identity", {"IdentityInitializer"}, "keras",
               "w = gain · I (2-D, rectangular allowed; gain 1)",
               [](const json& c) {
                 ConfigReader r(c, "Identity");
                 const double gain = r.number("gain", 1.0);
                 r.finish();
                 return std::make_shared<IdentityInit>(true, gain);
               }});
  v.push_back({"eye", "Eye", {"eye_"}, "pytorch", "w = I (2-D, rectangular allowed), torch.nn.init.eye_",
               [](const json& c) {
                 ConfigReader r(c, "Eye");
                 r.finish();
                 return std::make_shared<IdentityInit>(false, 1.0);
               }});
  v.push_back({"dirac", "Dirac", {"dirac_"}, "pytorch",
               "conv kernel passing input channel d to output g·out/groups + d at the centre tap k//2",
               [](const json& c) {
                 ConfigReader r(c, "Dirac");
                 const int64_t groups = r.integer("groups", 1);
                 r.finish();
                 return std::make_shared<DiracInit>(groups);
               }});
  return v;
}

}  // namespace initlab::detail
