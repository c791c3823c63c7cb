#include "config_reader.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab::detail {

ConfigReader::ConfigReader(const nlohmann::json& config, std::string class_name)
    : config_(config), class_name_(std::move(class_name)) {
  if (!config_.is_object()) {
    throw ConfigError(fmt::format("{}: config: expected an object, got {}", class_name_, config_.dump()));
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
  throw ConfigError(fmt::format("{}: config.{}: expected {}, got {}", class_name_, key, expected, found.dump()));
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
  return d;
}

double ConfigReader::required_number(const std::string& key, const std::string& hint) {
  const auto v = optional_number(key);
  if (!v) {
    throw ConfigError(fmt::format("{}: config.{} is required ({})", class_name_, key, hint));
  }
  return *v;
}

int64_t ConfigReader::integer(const std::string& key, int64_t fallback) {
  const auto* v = get(key);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) fail(key, "an integer", *v);
  return v->get<int64_t>();
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
  const auto* v = get(key);
  if (v == nullptr) return fallback;
  if (!v->is_string()) fail(key, "a string", *v);
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
  if (v->is_number_integer()) {
    out.push_back(v->get<int>());
    return out;
  }
  if (!v->is_array()) fail(key, "an integer or a list of integers", *v);
  for (const auto& a : *v) {
    if (!a.is_number_integer()) fail(key, "a list of integers", *v);
    out.push_back(a.get<int>());
  }
  return out;
}

void ConfigReader::finish() const {
  std::vector<std::string> unknown;
  for (const auto& [k, v] : config_.items()) {
    if (!read_.count(k)) unknown.push_back(k);
  }
  if (unknown.empty()) return;
  std::vector<std::string> known(read_.begin(), read_.end());
  throw ConfigError(fmt::format("{}: config has unknown field{} '{}' (expected only: {})", class_name_,
                                unknown.size() > 1 ? "s" : "", fmt::join(unknown, "', '"),
                                known.empty() ? std::string("no fields") : fmt::format("{}", fmt::join(known, ", "))));
}

}  // namespace initlab::detail
