#include "initlab/io/json_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab {
namespace {

// The value as it appears in the file, shortened for a message (never the whole value).
std::string shown(const nlohmann::json& v) { return json_excerpt(v, 80); }

// 2^63: doubles at or beyond it are outside int64.
constexpr double kTwo63 = 9223372036854775808.0;

// The integer a value holds exactly, if any (3.0 counts, 2.5 and "3" do not);
// `in_range` says whether it fits an int64.
std::optional<int64_t> exact_integer(const nlohmann::json& v, bool& in_range) {
  in_range = true;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) in_range = false;
    return in_range ? std::optional<int64_t>(static_cast<int64_t>(u)) : std::nullopt;
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
    if (d >= kTwo63 || d < -kTwo63) {
      in_range = false;
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::string range_text(int64_t min, int64_t max) {
  if (max == INT64_MAX) return fmt::format("an integer >= {}", min);
  if (min == INT64_MIN) return fmt::format("an integer <= {}", max);
  return fmt::format("an integer from {} to {}", min, max);
}

}  // namespace

JsonValue::JsonValue(const nlohmann::json& value, std::string source, std::string path)
    : value_(&value), source_(std::move(source)), path_(std::move(path)) {}

std::string JsonValue::where() const { return path_.empty() ? source_ : fmt::format("{}: {}", source_, path_); }

void JsonValue::fail(const std::string& message) const { throw ConfigError(fmt::format("{}: {}", where(), message)); }

void JsonValue::fail_expected(const std::string& expected) const {
  fail(fmt::format("expected {}, found {}", expected, shown(*value_)));
}

JsonValue JsonValue::child(const nlohmann::json& value, const std::string& step) const {
  std::string p = path_;
  if (!step.empty() && step.front() != '[' && !p.empty()) p += '.';
  return JsonValue(value, source_, p + text_excerpt(step, 80));
}

void JsonValue::check_keys(const std::vector<std::string>& known, const std::string& what) const {
  expect_object();
  for (const auto& [k, v] : value_->items()) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    child(v, k).fail(fmt::format("unknown field '{}'{} ({} takes: {})", text_excerpt(k, 80), did_you_mean(k, known), what,
                                 fmt::join(known, ", ")));
  }
}

const JsonValue& JsonValue::expect_object() const {
  if (!value_->is_object()) fail_expected("an object");
  return *this;
}

const JsonValue& JsonValue::expect_array() const {
  if (!value_->is_array()) fail_expected("a list");
  return *this;
}

bool JsonValue::has(const std::string& key) const {
  if (!value_->is_object()) return false;
  auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

JsonValue JsonValue::at(const std::string& key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) {
    const std::string p = path_.empty() ? key : path_ + "." + key;
    throw ConfigError(fmt::format("{}: {}: missing field{}", source_, p,
                                  it == value_->end() ? "" : " (it is null)"));
  }
  return child(*it, key);
}

std::optional<JsonValue> JsonValue::find(const std::string& key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return child(*it, key);
}

JsonValue JsonValue::operator[](size_t i) const {
  expect_array();
  if (i >= value_->size()) fail(fmt::format("expected at least {} elements, found {}", i + 1, value_->size()));
  return child((*value_)[i], fmt::format("[{}]", i));
}

std::vector<JsonValue> JsonValue::elements() const {
  expect_array();
  std::vector<JsonValue> out;
  for (size_t i = 0; i < value_->size(); ++i) out.push_back(child((*value_)[i], fmt::format("[{}]", i)));
  return out;
}

std::vector<std::string> JsonValue::keys() const {
  expect_object();
  std::vector<std::string> out;
  for (const auto& [k, v] : value_->items()) out.push_back(k);
  return out;
}

int64_t JsonValue::integer() const {
  bool in_range = true;
  if (auto i = exact_integer(*value_, in_range)) return *i;
  if (!in_range) fail_expected("an integer within the int64 range");
  fail_expected("an integer");
}

int64_t JsonValue::integer_in(int64_t min, int64_t max) const {
  bool in_range = true;
  const auto i = exact_integer(*value_, in_range);
  if (!i && in_range) fail_expected("an integer");
  if (!i || *i < min || *i > max) fail_expected(range_text(min, max));
  return *i;
}

uint64_t JsonValue::unsigned_integer(uint64_t max) const {
  const std::string expected =
      max == UINT64_MAX ? std::string("a non-negative integer") : fmt::format("an integer from 0 to {}", max);
  if (value_->is_number_unsigned()) {
    if (value_->get<uint64_t>() > max) fail_expected(expected);
    return value_->get<uint64_t>();
  }
  bool in_range = true;
  const auto i = exact_integer(*value_, in_range);
  if (!i && in_range) fail_expected("an integer");
  if (!i || *i < 0 || static_cast<uint64_t>(*i) > max) fail_expected(expected);
  return static_cast<uint64_t>(*i);
}

double JsonValue::number() const {
  if (!value_->is_number()) fail_expected("a number");
  const double d = value_->get<double>();
  if (!std::isfinite(d)) fail_expected("a finite number");
  return d;
}

double JsonValue::float32() const {
  const double d = number();
  if (std::abs(d) > FLT_MAX) fail_expected("a number float32 can hold (at most 3.4e38 in magnitude)");
  return d;
}

std::string JsonValue::text() const {
  if (!value_->is_string()) fail_expected("a string");
  return value_->get<std::string>();
}

bool JsonValue::boolean() const {
  if (!value_->is_boolean()) fail_expected("true or false");
  return value_->get<bool>();
}

std::vector<int64_t> JsonValue::integers() const {
  if (value_->is_number()) return {integer()};
  if (!value_->is_array()) fail_expected("an integer or a list of integers");
  std::vector<int64_t> out;
  for (const auto& e : elements()) out.push_back(e.integer());
  return out;
}

int64_t JsonValue::integer(const std::string& key, int64_t fallback) const {
  auto v = find(key);
  return v ? v->integer() : fallback;
}

int64_t JsonValue::integer_in(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
  auto v = find(key);
  return v ? v->integer_in(min, max) : fallback;
}

double JsonValue::number(const std::string& key, double fallback) const {
  auto v = find(key);
  return v ? v->number() : fallback;
}

double JsonValue::float32(const std::string& key, double fallback) const {
  auto v = find(key);
  return v ? v->float32() : fallback;
}

std::string JsonValue::text(const std::string& key, const std::string& fallback) const {
  auto v = find(key);
  return v ? v->text() : fallback;
}

bool JsonValue::boolean(const std::string& key, bool fallback) const {
  auto v = find(key);
  return v ? v->boolean() : fallback;
}

nlohmann::json parse_json(const std::string& text, const std::string& source) { return parse_json_text(text, source); }

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

}  // namespace initlab
