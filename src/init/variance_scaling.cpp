// Fan-scaled initializers: Var(w) = scale / n.
//
// Keras VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal")
// and its six named forms (Glorot & Bengio 2010; He et al. 2015; LeCun et al.
// 1998); PyTorch kaiming_*, xavier_* and the nn.Linear / nn.Conv default.
//
//   uniform             U[−√(3v), √(3v))
//   truncated_normal    N(0, σ²) cut at ±2σ with σ = √v / 0.87962566103423978,
//                       so the realised std is exactly √v (Keras's correction)
//   untruncated_normal  N(0, v)
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "builtin_initializers.hpp"
#include "config_reader.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/normal_math.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/init/gain.hpp"

namespace initlab::detail {
namespace {

using nlohmann::json;

enum class Distribution { kUniform, kTruncatedNormal, kUntruncatedNormal };

Distribution parse_distribution(std::string text, const std::string& cls) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text == "uniform") return Distribution::kUniform;
  // "normal" is Keras's legacy name for the truncated draw.
  if (text == "truncated_normal" || text == "normal") return Distribution::kTruncatedNormal;
  if (text == "untruncated_normal") return Distribution::kUntruncatedNormal;
  throw ConfigError(fmt::format(
      "{}: config.distribution: expected one of uniform, truncated_normal, untruncated_normal (or the legacy "
      "\"normal\"), got \"{}\"",
      cls, text_excerpt(text)));
}

std::string to_string(Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kTruncatedNormal:
      return "truncated_normal";
    case Distribution::kUntruncatedNormal:
      return "untruncated_normal";
  }
  return "?";
}

/// The variance of one draw for given fans, and how to print it ("2/784").
struct ScaledVariance {
  double variance;
  std::string text;
};

/// Common machinery: a distribution with variance v(fans).
class ScaledInit : public InitializerImpl {
 public:
  explicit ScaledInit(Distribution d) : dist_(d) {}

  void fill(Tensor& t, const InitContext& ctx) const override {
    const double v = variance(fans_of(t.shape(), ctx)).variance;
    const RandomStream stream = stream_for(ctx);
    if (v == 0) {
      t.fill(0.0f);
      return;
    }
    switch (dist_) {
      case Distribution::kUniform: {
        const auto limit = static_cast<float>(std::sqrt(3.0 * v));
        stream.fill_uniform(t.values(), -limit, limit);
        break;
      }
      case Distribution::kTruncatedNormal:
        stream.fill_truncated_normal(t.values(), 0.0f, static_cast<float>(std::sqrt(v) / kTruncatedStd2), -2.0, 2.0);
        break;
      case Distribution::kUntruncatedNormal:
        stream.fill_normal(t.values(), 0.0f, static_cast<float>(std::sqrt(v)));
        break;
    }
  }

  Theory theory(const Shape&, const Fans& fans) const override {
    const auto sv = variance(fans);
    Theory th;
    switch (dist_) {
      case Distribution::kUniform: {
        const double limit = std::sqrt(3.0 * sv.variance);
        th = uniform_theory(-limit, limit);
        break;
      }
      case Distribution::kTruncatedNormal:
        th = truncated_theory(0.0, std::sqrt(sv.variance) / kTruncatedStd2, -2.0, 2.0);
        break;
      case Distribution::kUntruncatedNormal:
        th = normal_theory(0.0, std::sqrt(sv.variance));
        break;
    }
    th.variance = sv.text;
    return th;
  }

  virtual ScaledVariance variance(const Fans& fans) const = 0;

 protected:
  Distribution dist_;
};

std::string fan_text(double n) { return pretty_number(n); }

/// Keras VarianceScaling and its named forms.
class VarianceScalingInit final : public ScaledInit {
 public:
  VarianceScalingInit(std::string id, std::string cls, double scale, FanMode mode, Distribution d, bool named,
                      std::optional<std::vector<int>> in_axes, std::optional<std::vector<int>> out_axes)
      : ScaledInit(d), id_(std::move(id)), cls_(std::move(cls)), scale_(scale), mode_(mode), named_(named),
        in_axes_(std::move(in_axes)), out_axes_(std::move(out_axes)) {
    if (!(scale > 0)) {
      throw ConfigError(fmt::format("{}: config.scale: expected a positive number, got {}", cls_, scale));
    }
    if (in_axes_.has_value() != out_axes_.has_value()) {
      throw ConfigError(fmt::format("{}: config.input_axes and config.output_axes must be given together", cls_));
    }
  }
  std::string id() const override { return id_; }
  std::string class_name() const override { return cls_; }
  json params() const override {
    json p{{"seed", seed_json()}};
    if (!named_) {
      p["scale"] = scale_;
      p["mode"] = to_string(mode_);
      p["distribution"] = to_string(dist_);
    }
    if (in_axes_) {
      p["input_axes"] = *in_axes_;
      p["output_axes"] = *out_axes_;
    }
    return p;
  }
  Fans fans_for(const Shape& shape) const override {
    if (in_axes_) return compute_fans(shape, *in_axes_, *out_axes_);
    return compute_fans(shape);
  }
  ScaledVariance variance(const Fans& fans) const override {
    const double n = fan_for_mode(fans, mode_);
    return {scale_ / n, fmt::format("{}/{}", pretty_number(scale_), fan_text(n))};
  }

 private:
  std::string id_, cls_;
  double scale_;
  FanMode mode_;
  bool named_;
  std::optional<std::vector<int>> in_axes_, out_axes_;
};

/// PyTorch kaiming_uniform_ / kaiming_normal_ (untruncated):
/// std = gain / √fan, gain = calculate_gain(nonlinearity, a).
class KaimingInit final : public ScaledInit {
 public:
  KaimingInit(bool uniform, double a, FanMode mode, std::string nonlinearity)
      : ScaledInit(uniform ? Distribution::kUniform : Distribution::kUntruncatedNormal), a_(a), mode_(mode),
        nonlinearity_(std::move(nonlinearity)) {
    if (mode == FanMode::kFanAvg) {
      throw ConfigError(fmt::format("{}: config.mode: PyTorch's kaiming takes fan_in or fan_out, got fan_avg",
                                    class_name()));
    }
    gain_ = calculate_gain(nonlinearity_, a_);
  }
  std::string id() const override { return dist_ == Distribution::kUniform ? "kaiming_uniform" : "kaiming_normal"; }
  std::string class_name() const override {
    return dist_ == Distribution::kUniform ? "KaimingUniform" : "KaimingNormal";
  }
  json params() const override {
    return json{{"seed", seed_json()}, {"a", a_}, {"mode", to_string(mode_)}, {"nonlinearity", nonlinearity_}};
  }
  ScaledVariance variance(const Fans& fans) const override {
    const double n = fan_for_mode(fans, mode_);
    return {gain_ * gain_ / n, fmt::format("{}/{}", pretty_number(gain_ * gain_), fan_text(n))};
  }

 private:
  double a_;
  FanMode mode_;
  std::string nonlinearity_;
  double gain_ = 1;
};

/// PyTorch xavier_uniform_ / xavier_normal_ (untruncated):
/// std = gain · √(2 / (fan_in + fan_out)).
class XavierInit final : public ScaledInit {
 public:
  XavierInit(bool uniform, double gain)
      : ScaledInit(uniform ? Distribution::kUniform : Distribution::kUntruncatedNormal), gain_(gain) {
    // std ≤ gain·√2 (fan_in + fan_out ≥ 1); normal draws reach 10σ at most: all of it within float32.
    if (std::abs(gain) * std::sqrt(2.0) * 10.0 > 3.4e38) {
      throw ConfigError(fmt::format("{}: config.gain: {:g} draws values beyond float32's range (expected |gain| "
                                    "below 2.4e37)",
                                    class_name(), gain));
    }
  }
  std::string id() const override { return dist_ == Distribution::kUniform ? "xavier_uniform" : "xavier_normal"; }
  std::string class_name() const override {
    return dist_ == Distribution::kUniform ? "XavierUniform" : "XavierNormal";
  }
  json params() const override { return json{{"seed", seed_json()}, {"gain", gain_}}; }
  ScaledVariance variance(const Fans& fans) const override {
    const double sum = std::max(1.0, static_cast<double>(fans.fan_in + fans.fan_out));
    return {2.0 * gain_ * gain_ / sum, fmt::format("{}/{}", pretty_number(2.0 * gain_ * gain_), fan_text(sum))};
  }

 private:
  double gain_;
};

/// What nn.Linear and nn.Conv2d do in reset_parameters(): kaiming_uniform_(a=√5)
/// for the weight, i.e. U(±1/√fan_in), Var = 1/(3·fan_in); the bias uses the same
/// bound with the layer's fan_in (pass it through InitContext::fans).
class TorchDefaultInit final : public ScaledInit {
 public:
  TorchDefaultInit() : ScaledInit(Distribution::kUniform) {}
  std::string id() const override { return "torch_default"; }
  std::string class_name() const override { return "TorchDefault"; }
  json params() const override { return json{{"seed", seed_json()}}; }
  ScaledVariance variance(const Fans& fans) const override {
    if (fans.fan_in <= 0) return {0.0, "0"};
    const double n = static_cast<double>(fans.fan_in);
    return {1.0 / (3.0 * n), fmt::format("1/(3·{})", fan_text(n))};
  }
};

// One of Keras's six named forms: config {seed[, input_axes, output_axes]}.
InitializerInfo named_vs(std::string id, std::string cls, double scale, FanMode mode, Distribution d,
                         std::string formula) {
  InitializerInfo info{id, cls, {}, "keras", std::move(formula), nullptr};
  info.make = [=](const json& c) {
    ConfigReader r(c, cls);
    const auto seed = r.seed();
    auto in_axes = r.axes("input_axes");
    auto out_axes = r.axes("output_axes");
    r.finish();
    return seeded(std::make_shared<VarianceScalingInit>(id, cls, scale, mode, d, true, in_axes, out_axes), seed);
  };
  return info;
}

InitializerInfo kaiming(bool uniform) {
  const std::string cls = uniform ? "KaimingUniform" : "KaimingNormal";
  InitializerInfo info{uniform ? "kaiming_uniform" : "kaiming_normal",
                       cls,
                       {uniform ? "kaiming_uniform_" : "kaiming_normal_"},
                       "pytorch",
                       uniform ? "U[−b, b), b = gain·√(3/fan), gain = calculate_gain(nonlinearity, a); a 0, "
                                 "fan_in, leaky_relu (gain √2)"
                               : "N(0, gain²/fan) untruncated, gain = calculate_gain(nonlinearity, a); a 0, fan_in, "
                                 "leaky_relu (gain √2)",
                       nullptr};
  info.make = [=](const json& c) {
    ConfigReader r(c, cls);
    const auto seed = r.seed();
    const double a = r.number("a", 0.0);
    const FanMode mode = parse_fan_mode(r.text("mode", "fan_in"));
    const std::string nl = r.text("nonlinearity", "leaky_relu");
    r.finish();
    return seeded(std::make_shared<KaimingInit>(uniform, a, mode, nl), seed);
  };
  return info;
}

InitializerInfo xavier(bool uniform) {
  const std::string cls = uniform ? "XavierUniform" : "XavierNormal";
  InitializerInfo info{uniform ? "xavier_uniform" : "xavier_normal",
                       cls,
                       {uniform ? "xavier_uniform_" : "xavier_normal_"},
                       "pytorch",
                       uniform ? "U[−b, b), b = gain·√(6/(fan_in+fan_out)); gain 1"
                               : "N(0, gain²·2/(fan_in+fan_out)) untruncated; gain 1",
                       nullptr};
  info.make = [=](const json& c) {
    ConfigReader r(c, cls);
    const auto seed = r.seed();
    const double gain = r.number("gain", 1.0);
    r.finish();
    return seeded(std::make_shared<XavierInit>(uniform, gain), seed);
  };
  return info;
}

}  // namespace

std::vector<InitializerInfo> variance_scaling_initializers() {
  std::vector<InitializerInfo> v;
  v.push_back({"variance_scaling", "VarianceScaling", {}, "keras",
               "Var = scale/n, n = fan_in | fan_out | (fan_in+fan_out)/2; uniform, truncated_normal (σ corrected "
               "by 0.8796) or untruncated_normal; scale 1, fan_in, truncated_normal",
               [](const json& c) {
                 ConfigReader r(c, "VarianceScaling");
                 const auto seed = r.seed();
                 const double scale = r.number("scale", 1.0);
                 const FanMode mode = parse_fan_mode(r.text("mode", "fan_in"));
                 const Distribution d = parse_distribution(r.text("distribution", "truncated_normal"), "VarianceScaling");
                 auto in_axes = r.axes("input_axes");
                 auto out_axes = r.axes("output_axes");
                 r.finish();
                 return seeded(std::make_shared<VarianceScalingInit>("variance_scaling", "VarianceScaling", scale,
                                                                     mode, d, false, in_axes, out_axes),
                               seed);
               }});
  v.push_back(named_vs("glorot_uniform", "GlorotUniform", 1.0, FanMode::kFanAvg, Distribution::kUniform,
                       "U[−L, L), L = √(6/(fan_in+fan_out)); Var = 2/(fan_in+fan_out)"));
  v.push_back(named_vs("glorot_normal", "GlorotNormal", 1.0, FanMode::kFanAvg, Distribution::kTruncatedNormal,
                       "truncated normal, std √(2/(fan_in+fan_out)) after the ±2σ cut"));
  v.push_back(named_vs("he_uniform", "HeUniform", 2.0, FanMode::kFanIn, Distribution::kUniform,
                       "U[−L, L), L = √(6/fan_in); Var = 2/fan_in"));
  v.push_back(named_vs("he_normal", "HeNormal", 2.0, FanMode::kFanIn, Distribution::kTruncatedNormal,
                       "truncated normal, std √(2/fan_in) after the ±2σ cut"));
  v.push_back(named_vs("lecun_uniform", "LecunUniform", 1.0, FanMode::kFanIn, Distribution::kUniform,
                       "U[−L, L), L = √(3/fan_in); Var = 1/fan_in"));
  v.push_back(named_vs("lecun_normal", "LecunNormal", 1.0, FanMode::kFanIn, Distribution::kTruncatedNormal,
                       "truncated normal, std √(1/fan_in) after the ±2σ cut"));
  v.push_back(kaiming(true));
  v.push_back(kaiming(false));
  v.push_back(xavier(true));
  v.push_back(xavier(false));
  v.push_back({"torch_default", "TorchDefault", {"pytorch_default", "linear_default"}, "pytorch",
               "nn.Linear / nn.Conv default: U[−1/√fan_in, 1/√fan_in) for kernel and bias; Var = 1/(3·fan_in)",
               [](const json& c) {
                 ConfigReader r(c, "TorchDefault");
                 const auto seed = r.seed();
                 r.finish();
                 return seeded(std::make_shared<TorchDefaultInit>(), seed);
               }});
  return v;
}

}  // namespace initlab::detail
