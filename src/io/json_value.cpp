#include "initlab/io/json_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"

namespace initlab {
namespace {

// The value as it appears in the file, shortened for a message.
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
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
  return JsonValue(value, source_, p + step);
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
  if (value_->is_number_integer()) return value_->get<int64_t>();
  // 3.0 is an integer to Python's json too when it came from an int-valued float.
  if (value_->is_number_float()) {
    const double d = value_->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  fail_expected("an integer");
}

double JsonValue::number() const {
  if (!value_->is_number()) fail_expected("a number");
  const double d = value_->get<double>();
  if (!std::isfinite(d)) fail_expected("a finite number");
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

double JsonValue::number(const std::string& key, double fallback) const {
  auto v = find(key);
  return v ? v->number() : fallback;
}

std::string JsonValue::text(const std::string& key, const std::string& fallback) const {
  auto v = find(key);
  return v ? v->text() : fallback;
}

bool JsonValue::boolean(const std::string& key, bool fallback) const {
  auto v = find(key);
  return v ? v->boolean() : fallback;
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Line and column of the byte where parsing stopped.
    const size_t at = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    const size_t nl = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t col = nl == std::string::npos ? at + 1 : at - nl;
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw ConfigError(fmt::format("{}:{}:{}: not valid JSON: {}", source, line, col, what));
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

}  // namespace initlab
