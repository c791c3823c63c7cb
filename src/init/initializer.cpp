#include "initlab/init/initializer.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/init/registry.hpp"

namespace initlab {

RandomStream InitializerImpl::stream_for(const InitContext& ctx) const {
  if (seed) return RandomStream(*seed, 0);
  return RandomStream::named(ctx.global_seed ? *ctx.global_seed : current_seed(), ctx.name);
}

nlohmann::json InitializerImpl::seed_json() const {
  return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

namespace {

class CallableInit final : public InitializerImpl {
 public:
  CallableInit(std::string name, InitFunction fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string id() const override { return name_; }
  std::string class_name() const override { return name_; }
  nlohmann::json params() const override { return nlohmann::json::object(); }
  void fill(Tensor& t, const InitContext& ctx) const override { fn_(t, stream_for(ctx)); }
  Theory theory(const Shape&, const Fans&) const override {
    Theory th;
    th.distribution = "custom function";
    th.mean = std::nan("");
    th.stddev = std::nan("");
    return th;
  }

 private:
  std::string name_;
  InitFunction fn_;
};

}  // namespace

Initializer::Initializer() : Initializer("zeros") {}
Initializer::Initializer(const char* id) : Initializer(std::string(id)) {}
Initializer::Initializer(const std::string& id) : Initializer(from_config(nlohmann::json(id))) {}
Initializer::Initializer(std::shared_ptr<const InitializerImpl> impl) : impl_(std::move(impl)) {
  if (!impl_) throw ValueError("Initializer: null implementation");
}

Initializer Initializer::from_callable(std::string name, InitFunction fn) {
  if (!fn) throw ValueError(fmt::format("Initializer '{}': the callable is empty", name));
  return Initializer(std::make_shared<CallableInit>(std::move(name), std::move(fn)));
}

Initializer Initializer::from_config(const nlohmann::json& config) {
  std::string name;
  nlohmann::json params = nlohmann::json::object();
  if (json_nested_deeper_than(config)) {
    throw ConfigError(fmt::format("initializer config: nested deeper than {} levels (an initializer's config is "
                                  "flat: class_name and a config of numbers and strings); found {}",
                                  kMaxJsonDepth, json_excerpt(config)));
  }
  if (config.is_string()) {
    name = config.get<std::string>();
  } else if (config.is_object()) {
    auto cls = config.find("class_name");
    if (cls == config.end() || !cls->is_string()) {
      throw ConfigError(fmt::format(
          "initializer config: expected a string field 'class_name' (e.g. {{\"class_name\": \"HeNormal\", "
          "\"config\": {{\"seed\": 7}}}}), got {}",
          json_excerpt(config)));
    }
    name = cls->get<std::string>();
    // The envelope Keras writes around every object ("shared_object_id" when
    // a .keras file's config serializes one instance twice).
    static const std::vector<std::string> envelope = {"module", "class_name", "config", "registered_name",
                                                      "shared_object_id"};
    for (const auto& [k, v] : config.items()) {
      if (std::find(envelope.begin(), envelope.end(), k) == envelope.end()) {
        throw ConfigError(fmt::format("initializer config '{}': unknown field '{}'{} (an initializer config takes: {})",
                                      text_excerpt(name), text_excerpt(k), did_you_mean(k, envelope),
                                      fmt::join(envelope, ", ")));
      }
    }
    auto cfg = config.find("config");
    if (cfg != config.end() && !cfg->is_null()) {
      if (!cfg->is_object()) {
        throw ConfigError(fmt::format("initializer config '{}': field 'config' must be an object, got {}",
                                      text_excerpt(name), json_excerpt(*cfg)));
      }
      params = *cfg;
    }
  } else {
    throw ConfigError(fmt::format(
        "initializer: expected a string id or a {{\"class_name\": ..., \"config\": ...}} object, got {}",
        json_excerpt(config)));
  }
  const InitializerInfo* info = find_initializer(name);
  if (info == nullptr) {
    std::vector<std::string> ids;
    for (const auto& e : initializer_catalogue()) ids.push_back(e.id);
    throw ConfigError(fmt::format("unknown initializer '{}'; did you mean '{}'? Valid ids: {}", text_excerpt(name),
                                  closest_initializer_name(name), fmt::join(ids, ", ")));
  }
  return Initializer(info->make(params));
}

Initializer Initializer::parse(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '"')) {
    return from_config(parse_json_text(text, "initializer"));
  }
  return from_config(nlohmann::json(text));
}

Tensor Initializer::operator()(const Shape& shape, std::string_view name) const {
  Tensor t(shape);
  fill(t, name);
  return t;
}

void Initializer::fill(Tensor& t, const InitContext& ctx) const { impl_->fill(t, ctx); }

void Initializer::fill(Tensor& t, std::string_view name) const {
  fill(t, InitContext{std::string(name), std::nullopt});
}

Initializer Initializer::with_seed(std::optional<uint64_t> seed) const {
  nlohmann::json cfg = to_config();
  if (!cfg["config"].contains("seed") && seed) {
    throw ValueError(fmt::format("initializer '{}' is not random and takes no seed", id()));
  }
  if (cfg["config"].contains("seed")) cfg["config"]["seed"] = seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
  return from_config(cfg);
}

nlohmann::json Initializer::to_config() const {
  const InitializerInfo* info = find_initializer(impl_->class_name());
  const bool keras = info != nullptr && info->family == "keras";
  return nlohmann::json{{"module", keras ? "keras.initializers" : "initlab.initializers"},
                        {"class_name", impl_->class_name()},
                        {"config", impl_->params()},
                        {"registered_name", nullptr}};
}

Theory Initializer::theory(const Shape& shape) const { return impl_->theory(shape, impl_->fans_for(shape)); }
Theory Initializer::theory(const Shape& shape, const Fans& fans) const { return impl_->theory(shape, fans); }

std::string Initializer::describe(const Shape& shape) const {
  const Theory th = theory(shape);
  std::string line = fmt::format("{} {}: {}", id(), shape.str(), th.distribution);
  if (std::isnan(th.stddev)) return line;
  if (!th.random) {
    return line + fmt::format(" → mean {}, std {}", pretty_number(th.mean), pretty_number(th.stddev));
  }
  line += fmt::format(" → std {}", pretty_number(th.stddev));
  if (!th.variance.empty()) {
    line += fmt::format(" (Var = {})", th.variance);
  } else {
    line += fmt::format(" (Var = {})", pretty_number(th.stddev * th.stddev));
  }
  return line;
}

}  // namespace initlab
