// Fixed-scale random initializers: Keras RandomNormal, RandomUniform,
// TruncatedNormal, and PyTorch trunc_normal_ (absolute bounds).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cfloat>
#include <cmath>

#include "builtin_initializers.hpp"
#include "config_reader.hpp"
#include "initlab/core/error.hpp"

namespace initlab::detail {
namespace {

using nlohmann::json;

// The largest |z| a standard normal draw can take here is below 7 (Box-Muller on
// 32-bit uniforms gives at most sqrt(-2 ln 2^-32) ≈ 6.66); 10 leaves room.
constexpr double kNormalReach = 10.0;

// mean ± reach·stddev must stay within float32, or some draws become infinite.
void check_reach(const char* cls, const char* std_key, double mean, double stddev, double reach) {
  if (std::abs(mean) + reach * stddev > FLT_MAX) {
    throw ConfigError(fmt::format("{}: config.{}: mean {:g} and {} {:g} draw values beyond float32's range "
                                  "(|mean| + {:g}·{} must stay below 3.4e38)",
                                  cls, std_key, mean, std_key, stddev, reach, std_key));
  }
}

/// Keras RandomNormal(mean=0, stddev=0.05): w ~ N(mean, stddev²).
class RandomNormalInit final : public InitializerImpl {
 public:
  RandomNormalInit(double mean, double stddev) : mean_(mean), stddev_(stddev) {
    if (stddev < 0) throw ConfigError(fmt::format("RandomNormal: config.stddev: expected >= 0, got {}", stddev));
    check_reach("RandomNormal", "stddev", mean, stddev, kNormalReach);
  }
  std::string id() const override { return "random_normal"; }
  std::string class_name() const override { return "RandomNormal"; }
  json params() const override { return json{{"seed", seed_json()}, {"mean", mean_}, {"stddev", stddev_}}; }
  void fill(Tensor& t, const InitContext& ctx) const override {
    stream_for(ctx).fill_normal(t.values(), static_cast<float>(mean_), static_cast<float>(stddev_));
  }
  Theory theory(const Shape&, const Fans&) const override { return normal_theory(mean_, stddev_); }

 private:
  double mean_, stddev_;
};

/// Keras RandomUniform(minval=-0.05, maxval=0.05): w ~ U[minval, maxval).
class RandomUniformInit final : public InitializerImpl {
 public:
  RandomUniformInit(double lo, double hi) : lo_(lo), hi_(hi) {
    if (!(lo < hi)) {
      throw ConfigError(fmt::format("RandomUniform: expected minval < maxval, got minval {} and maxval {}", lo, hi));
    }
    // The draws are float32: lo + (hi - lo)·u, with the bounds and their difference in float.
    const float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
    if (!(flo < fhi)) {
      throw ConfigError(fmt::format("RandomUniform: minval {} and maxval {} are the same float32 value; expected "
                                    "a wider interval",
                                    lo, hi));
    }
    if (!std::isfinite(fhi - flo)) {
      throw ConfigError(fmt::format("RandomUniform: config.maxval - config.minval = {:g} exceeds float32's range "
                                    "(3.4e38); expected a narrower interval",
                                    hi - lo));
    }
  }
  std::string id() const override { return "random_uniform"; }
  std::string class_name() const override { return "RandomUniform"; }
  json params() const override { return json{{"seed", seed_json()}, {"minval", lo_}, {"maxval", hi_}}; }
  void fill(Tensor& t, const InitContext& ctx) const override {
    stream_for(ctx).fill_uniform(t.values(), static_cast<float>(lo_), static_cast<float>(hi_));
  }
  Theory theory(const Shape&, const Fans&) const override { return uniform_theory(lo_, hi_); }

 private:
  double lo_, hi_;
};

/// Keras TruncatedNormal(mean=0, stddev=0.05): N(mean, stddev²) cut at
/// mean ± 2·stddev, no variance correction (realised std ≈ 0.8796·stddev).
/// PyTorch trunc_normal_(mean=0, std=1, a=-2, b=2): cut at the ABSOLUTE
/// bounds [a, b], also without correction.
class TruncatedInit final : public InitializerImpl {
 public:
  // Keras flavour.
  TruncatedInit(double mean, double stddev) : keras_(true), mean_(mean), stddev_(stddev), a_(-2), b_(2) {
    if (stddev < 0) throw ConfigError(fmt::format("TruncatedNormal: config.stddev: expected >= 0, got {}", stddev));
    check_reach("TruncatedNormal", "stddev", mean, stddev, 2.0);  // cut at mean ± 2·stddev
  }
  // PyTorch flavour, absolute bounds.
  TruncatedInit(double mean, double stddev, double a, double b)
      : keras_(false), mean_(mean), stddev_(stddev), a_(a), b_(b) {
    if (!(stddev > 0)) throw ConfigError(fmt::format("TruncNormal: config.std: expected > 0, got {}", stddev));
    if (!(a < b)) throw ConfigError(fmt::format("TruncNormal: expected a < b, got a {} and b {}", a, b));
    if (!(static_cast<float>(a) < static_cast<float>(b))) {
      throw ConfigError(fmt::format("TruncNormal: a {} and b {} are the same float32 value; expected a wider interval", a, b));
    }
  }
  std::string id() const override { return keras_ ? "truncated_normal" : "trunc_normal"; }
  std::string class_name() const override { return keras_ ? "TruncatedNormal" : "TruncNormal"; }
  json params() const override {
    if (keras_) return json{{"seed", seed_json()}, {"mean", mean_}, {"stddev", stddev_}};
    return json{{"seed", seed_json()}, {"mean", mean_}, {"std", stddev_}, {"a", a_}, {"b", b_}};
  }
  void fill(Tensor& t, const InitContext& ctx) const override {
    if (stddev_ == 0) {
      t.fill(static_cast<float>(mean_));
      return;
    }
    const auto [za, zb] = cuts();
    stream_for(ctx).fill_truncated_normal(t.values(), static_cast<float>(mean_), static_cast<float>(stddev_), za, zb);
  }
  Theory theory(const Shape&, const Fans&) const override {
    if (stddev_ == 0) return normal_theory(mean_, 0);
    const auto [za, zb] = cuts();
    return truncated_theory(mean_, stddev_, za, zb);
  }

 private:
  // Cut points in units of stddev from the mean.
  std::pair<double, double> cuts() const {
    if (keras_) return {a_, b_};
    return {(a_ - mean_) / stddev_, (b_ - mean_) / stddev_};
  }
  bool keras_;
  double mean_, stddev_, a_, b_;
};

}  // namespace

std::vector<InitializerInfo> random_initializers() {
  std::vector<InitializerInfo> v;
  v.push_back({"random_normal", "RandomNormal", {"normal"}, "keras",
               "w ~ N(mean, stddev²); mean 0, stddev 0.05",
               [](const json& c) {
                 ConfigReader r(c, "RandomNormal");
                 const auto seed = r.seed();
                 const double mean = r.number("mean", 0.0), stddev = r.number("stddev", 0.05);
                 r.finish();
                 return seeded(std::make_shared<RandomNormalInit>(mean, stddev), seed);
               }});
  v.push_back({"random_uniform", "RandomUniform", {"uniform"}, "keras",
               "w ~ U[minval, maxval); minval -0.05, maxval 0.05",
               [](const json& c) {
                 ConfigReader r(c, "RandomUniform");
                 const auto seed = r.seed();
                 const double lo = r.number("minval", -0.05), hi = r.number("maxval", 0.05);
                 r.finish();
                 return seeded(std::make_shared<RandomUniformInit>(lo, hi), seed);
               }});
  v.push_back({"truncated_normal", "TruncatedNormal", {}, "keras",
               "w ~ N(mean, stddev²) cut at mean ± 2·stddev (std ≈ 0.8796·stddev); stddev 0.05",
               [](const json& c) {
                 ConfigReader r(c, "TruncatedNormal");
                 const auto seed = r.seed();
                 const double mean = r.number("mean", 0.0), stddev = r.number("stddev", 0.05);
                 r.finish();
                 return seeded(std::make_shared<TruncatedInit>(mean, stddev), seed);
               }});
  v.push_back({"trunc_normal", "TruncNormal", {"trunc_normal_"}, "pytorch",
               "w ~ N(mean, std²) cut to the absolute interval [a, b]; mean 0, std 1, a -2, b 2",
               [](const json& c) {
                 ConfigReader r(c, "TruncNormal");
                 const auto seed = r.seed();
                 const double mean = r.number("mean", 0.0), stddev = r.number("std", 1.0);
                 const double a = r.number("a", -2.0), b = r.number("b", 2.0);
                 r.finish();
                 return seeded(std::make_shared<TruncatedInit>(mean, stddev, a, b), seed);
               }});
  return v;
}

}  // namespace initlab::detail
