// JsonValue: one value of a JSON document with the path that leads to it, and
// typed accessors whose errors name the source, the path, what was expected
// and what was found:
//
//   model.json: config.layers[2].config.units: expected an integer, found "64"
//
// Used by every reader of JSON configs (Keras model files, training jobs).
// Numbers are read exactly: an integer beyond the field's range, a fraction
// where an integer is needed, or a number float32 cannot hold is an error
// naming the field, never a wrapped, truncated or clamped value; a key the
// reader does not know is an error with the closest known key (check_keys).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace initlab {

class JsonValue {
 public:
  /// `source` names the document in errors (a file name); `path` is this value's path in it.
  JsonValue(const nlohmann::json& value, std::string source, std::string path = "");

  const nlohmann::json& json() const { return *value_; }
  const std::string& source() const { return source_; }
  /// "config.layers[2].config.units"; empty at the root.
  const std::string& path() const { return path_; }
  /// "model.json: config.layers[2].config.units" (or "model.json" at the root).
  std::string where() const;

  bool is_null() const { return value_->is_null(); }
  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }

  /// Present and not null.
  bool has(const std::string& key) const;
  /// The member `key`, which must be present and not null ("missing field" otherwise).
  JsonValue at(const std::string& key) const;
  /// The member `key`, or nothing when it is absent or null.
  std::optional<JsonValue> find(const std::string& key) const;
  /// Element i of an array.
  JsonValue operator[](size_t i) const;
  /// Elements of an array (an error for anything else).
  std::vector<JsonValue> elements() const;
  /// Member names of an object, in document order.
  std::vector<std::string> keys() const;

  /// Any integer an int64 holds (3.0 counts; 18446744073709551615 and 2.5 do not).
  int64_t integer() const;
  /// An integer in [min, max]: "expected an integer from 1 to 2147483647, found 4294967297".
  int64_t integer_in(int64_t min, int64_t max) const;
  /// A non-negative integer up to `max` (seeds take the whole uint64 range).
  uint64_t unsigned_integer(uint64_t max = UINT64_MAX) const;
  /// A finite number.
  double number() const;
  /// A finite number float32 can hold (|x| <= 3.4e38): what a tensor or a
  /// float32 hyperparameter will receive.
  double float32() const;
  std::string text() const;
  bool boolean() const;
  /// A list of integers; a single integer counts as a list of one.
  std::vector<int64_t> integers() const;

  // The same for a member, with a value for when it is absent or null.
  int64_t integer(const std::string& key, int64_t fallback) const;
  int64_t integer_in(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  double number(const std::string& key, double fallback) const;
  double float32(const std::string& key, double fallback) const;
  std::string text(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;

  /// Throws unless every key of this object is in `known`: "<where>.betaa_1:
  /// unknown field 'betaa_1'; did you mean 'beta_1'? (<what> takes: ...)".
  /// `what` names the object in the message ("Adam's config", "a Dense layer").
  void check_keys(const std::vector<std::string>& known, const std::string& what) const;

  /// Throws unless this is an object (or array).
  const JsonValue& expect_object() const;
  const JsonValue& expect_array() const;

  /// Throws ConfigError "<where>: <message>".
  [[noreturn]] void fail(const std::string& message) const;
  /// Throws ConfigError "<where>: expected <expected>, found <the value>".
  [[noreturn]] void fail_expected(const std::string& expected) const;

 private:
  JsonValue child(const nlohmann::json& value, const std::string& step) const;

  const nlohmann::json* value_;
  std::string source_, path_;
};

/// Parses a JSON text (parse_json_text in core/json_text.hpp): a syntax error,
/// nesting deeper than 64 levels or a number beyond double's range is a
/// ConfigError naming `source`, the line and column; the document's memory is
/// checked against the budget before it is built.
nlohmann::json parse_json(const std::string& text, const std::string& source);
/// Reads and parses a JSON file (IoError when it cannot be read).
nlohmann::json read_json_file(const std::string& path);

}  // namespace initlab
