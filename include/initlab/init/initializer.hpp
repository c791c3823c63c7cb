// Initializers are values: built from a Keras string id ("he_normal"), from a
// Keras JSON config ({"class_name": "HeNormal", "config": {"seed": 7}}), or
// from any callable; copied freely; serialized back with to_config().
//
// Seeding (initlab's rule, everywhere):
//   * with an explicit seed, an initializer draws from the stream
//     (seed, stream 0): like Keras, the same seeded initializer gives the same
//     values for the same shape, whatever the tensor is called;
//   * without one, it draws from the stream (global seed, stream_id(name)) of
//     the tensor it fills (`layer1/kernel`), so every variable gets its own
//     numbers, independent of creation order and thread count.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initlab/core/random_stream.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/init/fans.hpp"

namespace initlab {

/// What the initializer is filling.
struct InitContext {
  /// Full name of the tensor (`layer1/kernel`); keys the unseeded stream.
  std::string name;
  /// Fans to use instead of the shape's own: a layer passes its kernel's fans
  /// when filling the bias, as PyTorch's default init needs.
  std::optional<Fans> fans;
  /// The global seed to key the unseeded stream by instead of current_seed():
  /// replays a fill made under another seed without touching the global one
  /// (weight forensics searches seeds this way).
  std::optional<uint64_t> global_seed = std::nullopt;
};

/// The theoretical distribution an initializer produces on a given shape.
struct Theory {
  std::string distribution;  ///< "truncated normal σ=0.0574 cut at ±0.1148"
  double mean = 0;           ///< of all elements
  double stddev = 0;         ///< of all elements
  std::optional<double> lo;  ///< support, when bounded
  std::optional<double> hi;
  std::string variance;      ///< "2/784"; empty when not a fan rule
  bool random = true;
};

/// Interface every initializer implements (one class per family).
class InitializerImpl {
 public:
  virtual ~InitializerImpl() = default;
  /// Canonical string id ("he_normal").
  virtual std::string id() const = 0;
  /// Keras class name ("HeNormal"), or initlab's for the PyTorch families.
  virtual std::string class_name() const = 0;
  /// The "config" object (Keras argument names), seed included.
  virtual nlohmann::json params() const = 0;
  /// Fills `t` (any contents) in place.
  virtual void fill(Tensor& t, const InitContext& ctx) const = 0;
  virtual Theory theory(const Shape& shape, const Fans& fans) const = 0;
  /// Fans this initializer uses for `shape` (explicit axes where it has them).
  virtual Fans fans_for(const Shape& shape) const { return compute_fans(shape); }

  std::optional<uint64_t> seed;

 protected:
  /// The stream for this fill, per the seeding rule above.
  RandomStream stream_for(const InitContext& ctx) const;
  Fans fans_of(const Shape& shape, const InitContext& ctx) const {
    return ctx.fans ? *ctx.fans : fans_for(shape);
  }
  nlohmann::json seed_json() const;
};

/// Signature of a callable initializer: fill `t`, drawing from `stream`.
using InitFunction = std::function<void(Tensor& t, const RandomStream& stream)>;

class Initializer {
 public:
  /// zeros.
  Initializer();
  /// By string id, class name or alias (as keras.initializers.get). Throws
  /// ConfigError listing the valid ids and the closest one.
  Initializer(const char* id);         // NOLINT(google-explicit-constructor): Keras-style
  Initializer(const std::string& id);  // NOLINT(google-explicit-constructor)
  explicit Initializer(std::shared_ptr<const InitializerImpl> impl);

  /// From a Keras config: {"class_name": ..., "config": {...}} (module and
  /// registered_name are accepted and ignored), or a bare string id.
  static Initializer from_config(const nlohmann::json& config);
  /// From a JSON text (or a bare id when the text is not JSON).
  static Initializer parse(const std::string& text);
  /// Any callable; `name` is what to_config() reports.
  static Initializer from_callable(std::string name, InitFunction fn);

  /// A fresh tensor of `shape`, filled for the tensor called `name`.
  Tensor operator()(const Shape& shape, std::string_view name = "") const;
  void fill(Tensor& t, const InitContext& ctx) const;
  void fill(Tensor& t, std::string_view name = "") const;

  std::string id() const { return impl_->id(); }
  std::string class_name() const { return impl_->class_name(); }
  std::optional<uint64_t> seed() const { return impl_->seed; }
  /// A copy with an explicit seed.
  Initializer with_seed(std::optional<uint64_t> seed) const;
  /// {"module": ..., "class_name": ..., "config": {...}, "registered_name": null}
  nlohmann::json to_config() const;

  Theory theory(const Shape& shape) const;
  Theory theory(const Shape& shape, const Fans& fans) const;
  /// One readable line, e.g.
  /// `he_normal (784, 64): truncated normal σ=0.0574 cut at ±0.1148 → std 0.0505 (Var = 2/784)`.
  std::string describe(const Shape& shape) const;

  const InitializerImpl& impl() const { return *impl_; }
  std::shared_ptr<const InitializerImpl> shared_impl() const { return impl_; }

 private:
  std::shared_ptr<const InitializerImpl> impl_;
};

}  // namespace initlab
