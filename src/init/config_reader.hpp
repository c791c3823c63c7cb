// Reads an initializer's "config" object with typed accessors; every error
// names the class and the JSON path of the offending field (internal).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace initlab::detail {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string class_name);

  /// A finite number float32 can hold (every initializer parameter ends up in float32 arithmetic).
  double number(const std::string& key, double fallback);
  double required_number(const std::string& key, const std::string& hint);
  /// An integer in [min, max] (the whole int64 range by default).
  int64_t integer(const std::string& key, int64_t fallback, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  std::string text(const std::string& key, const std::string& fallback);
  std::optional<double> optional_number(const std::string& key);
  /// "seed": null or a non-negative integer.
  std::optional<uint64_t> seed();
  /// A list of integer axes, or null / absent.
  std::optional<std::vector<int>> axes(const std::string& key);
  /// Throws ConfigError when the config holds a key nobody read: "RandomNormal:
  /// config.stdev: unknown field 'stdev'; did you mean 'stddev'? (RandomNormal takes: mean, seed, stddev)".
  void finish() const;

 private:
  const nlohmann::json* get(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& expected,
                         const nlohmann::json& found) const;

  const nlohmann::json& config_;
  std::string class_name_;
  std::set<std::string> read_;
};

}  // namespace initlab::detail
