#include "config_reader.hpp"

#include <fmt/format.h>

#include <cfloat>
#include <climits>
#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab::detail {

ConfigReader::ConfigReader(const nlohmann::json& config, std::string class_name)
    : config_(config), class_name_(std::move(class_name)) {
  if (!config_.is_object()) {
    throw ConfigError(fmt::format("{}: config: expected an object, got {}", class_name_, json_excerpt(config_)));
  }
}

const nlohmann::json* ConfigReader::get(const std::string& key) {
  read_.insert(key);
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return nullptr;
  return &*it;
}

void ConfigReader::fail(const std::string& key, const std::string& expected,
                        const nlohmann::json& found) const {
  throw ConfigError(
      fmt::format("{}: config.{}: expected {}, got {}", class_name_, text_excerpt(key), expected, json_excerpt(found)));
}

double ConfigReader::number(const std::string& key, double fallback) {
  const auto v = optional_number(key);
  return v ? *v : fallback;
}

std::optional<double> ConfigReader::optional_number(const std::string& key) {
  const auto* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number() || v->is_boolean()) fail(key, "a number", *v);
  const double d = v->get<double>();
  if (!std::isfinite(d)) fail(key, "a finite number", *v);
  if (std::abs(d) > FLT_MAX) fail(key, "a number float32 can hold (at most 3.4e38 in magnitude)", *v);
  return d;
}

double ConfigReader::required_number(const std::string& key, const std::string& hint) {
  const auto v = optional_number(key);
  if (!v) {
    throw ConfigError(fmt::format("{}: config.{} is required ({})", class_name_, key, hint));
  }
  return *v;
}

int64_t ConfigReader::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const auto* v = get(key);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) fail(key, "an integer", *v);
  const bool too_big = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  const int64_t i = too_big ? INT64_MAX : v->get<int64_t>();
  if (too_big || i < min || i > max) {
    fail(key,
         max == INT64_MAX && min == INT64_MIN ? std::string("an integer within the int64 range")
         : max == INT64_MAX                   ? fmt::format("an integer >= {}", min)
                                              : fmt::format("an integer from {} to {}", min, max),
         *v);
  }
  return i;
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
  const auto* v = get(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) fail(key, "a string", *v);
  // Initializer strings are short names (mode, distribution, nonlinearity).
  if (v->get_ref<const std::string&>().size() > 256) fail(key, "a name of at most 256 characters", *v);
  return v->get<std::string>();
}

std::optional<uint64_t> ConfigReader::seed() {
  const auto* v = get("seed");
  if (v == nullptr) return std::nullopt;
  if (v->is_object()) {
    fail("seed", "null or a non-negative integer (a serialized keras SeedGenerator is not supported)", *v);
  }
  if (!v->is_number_integer() || (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() < 0)) {
    fail("seed", "null or a non-negative integer", *v);
  }
  return v->get<uint64_t>();
}

std::optional<std::vector<int>> ConfigReader::axes(const std::string& key) {
  const auto* v = get(key);
  if (v == nullptr) return std::nullopt;
  std::vector<int> out;
  // Axes index a tensor's dimensions: anything beyond ±1024 is no axis (and would not fit an int).
  auto axis = [&](const nlohmann::json& a) {
    if (!a.is_number_integer() || (a.is_number_unsigned() && a.get<uint64_t>() > 1024) ||
        (!a.is_number_unsigned() && (a.get<int64_t>() < -1024 || a.get<int64_t>() > 1024))) {
      fail(key, "an integer axis or a list of integer axes (within ±1024)", *v);
    }
    return static_cast<int>(a.get<int64_t>());
  };
  if (v->is_number_integer()) {
    out.push_back(axis(*v));
    return out;
  }
  if (!v->is_array()) fail(key, "an integer or a list of integers", *v);
  for (const auto& a : *v) out.push_back(axis(a));
  return out;
}

void ConfigReader::finish() const {
  const std::vector<std::string> known(read_.begin(), read_.end());
  for (const auto& [k, v] : config_.items()) {
    if (read_.count(k)) continue;
    throw ConfigError(fmt::format("{}: config.{}: unknown field '{}'{} ({} takes: {})", class_name_, text_excerpt(k),
                                  text_excerpt(k), did_you_mean(k, known), class_name_,
                                  known.empty() ? std::string("no fields") : fmt::format("{}", fmt::join(known, ", "))));
  }
}

}  // namespace initlab::detail
