#include "initlab/io/model_checkpoint.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/exact_json.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/io/checkpoint.hpp"
#include "initlab/io/safetensors.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

// One piece of a filepath pattern: literal text, or a {name:spec} field.
struct Piece {
  bool field = false;
  std::string text;  // the literal, or the field's name
  std::string spec;
};

bool integer_field(const std::string& name) { return name == "epoch" || name == "batch"; }

// `value` under a Python format spec (the common subset fmt shares with it);
// integer fields fall back to the float rules ({epoch:.1f}), as Python does.
std::string format_field(const std::string& spec, const std::string& name, double value) {
  const std::string f = "{:" + spec + "}";
  if (integer_field(name)) {
    try {
      return fmt::vformat(f, fmt::make_format_args(static_cast<const int64_t&>(static_cast<int64_t>(value))));
    } catch (const fmt::format_error&) {
    }
  }
  return fmt::vformat(f, fmt::make_format_args(value));
}

std::vector<Piece> parse_pattern(const std::string& pattern) {
  std::vector<Piece> pieces;
  std::string literal;
  auto bad = [&](const std::string& why) {
    return ValueError(fmt::format("ModelCheckpoint: filepath \"{}\": {}", pattern, why));
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      throw bad(fmt::format("a single '}}' at character {} (write '}}}}' for a brace)", i + 1));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const size_t close = pattern.find('}', i);
    if (close == std::string::npos) throw bad(fmt::format("the '{{' at character {} is never closed", i + 1));
    const std::string inside = pattern.substr(i + 1, close - i - 1);
    const size_t colon = inside.find(':');
    Piece p{.field = true, .text = inside.substr(0, colon), .spec = colon == std::string::npos ? "" : inside.substr(colon + 1)};
    if (p.text.empty()) throw bad(fmt::format("the placeholder at character {} has no name (write {{epoch}} or {{val_loss}})", i + 1));
    for (char n : p.text) {
      if (!(std::isalnum(static_cast<unsigned char>(n)) || n == '_')) {
        throw bad(fmt::format("placeholder '{{{}}}': a name is letters, digits and '_' (the epoch, the batch or a logged value)", inside));
      }
    }
    try {
      (void)format_field(p.spec, p.text, 0.5);
    } catch (const fmt::format_error& e) {
      throw bad(fmt::format("placeholder '{{{}}}': the format spec '{}' is not one for {} ({})", inside, p.spec,
                            integer_field(p.text) ? "an integer" : "a number", e.what()));
    }
    if (!literal.empty()) pieces.push_back({.field = false, .text = std::move(literal), .spec = ""});
    literal.clear();
    pieces.push_back(std::move(p));
    i = close;
  }
  if (!literal.empty()) pieces.push_back({.field = false, .text = std::move(literal), .spec = ""});
  return pieces;
}

std::string keys_of(const Logs& logs) {
  std::string s;
  for (const auto& [k, v] : logs) s += (s.empty() ? "" : ", ") + k;
  return s.empty() ? "none" : s;
}

}  // namespace

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options, std::ostream* log) : o_(std::move(options)), log_(log) {
  if (o_.filepath.empty()) throw ValueError("ModelCheckpoint: filepath is empty");
  (void)parse_pattern(o_.filepath);
  if (o_.save_weights_only && !o_.filepath.ends_with(".safetensors")) {
    throw ValueError(fmt::format("ModelCheckpoint: filepath \"{}\": weights alone are saved as safetensors; end the path "
                                 "in \".safetensors\"",
                                 o_.filepath));
  }
  if (!o_.save_weights_only && !o_.filepath.ends_with(".safetensors")) {
    throw ValueError(fmt::format("ModelCheckpoint: filepath \"{}\": a checkpoint (save_weights_only=false) is a "
                                 "safetensors file; end the path in \".safetensors\", or save the weights alone "
                                 "(save_weights_only=true) as .weights.h5, .h5, .safetensors or .npz",
                                 o_.filepath));
  }
  if (o_.mode != "auto" && o_.mode != "min" && o_.mode != "max") {
    throw ValueError(fmt::format("ModelCheckpoint: mode must be \"auto\", \"min\" or \"max\", got \"{}\"", o_.mode));
  }
  if (o_.save_freq != "epoch") {
    int64_t n = 0;
    bool ok = !o_.save_freq.empty() && o_.save_freq.size() <= 18;
    for (char c : o_.save_freq) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) n = n * 10 + (c - '0');
    }
    if (!ok || n < 1) {
      throw ValueError(fmt::format("ModelCheckpoint: save_freq must be \"epoch\" or a positive number of batches, got \"{}\"",
                                   o_.save_freq));
    }
    every_batches_ = n;
  }
  if (o_.monitor.empty()) throw ValueError("ModelCheckpoint: monitor is empty (\"val_loss\", \"loss\", \"val_accuracy\", ...)");
  maximize_ = monitor_maximizes(o_.monitor, o_.mode);
  if (o_.initial_value_threshold && std::isnan(*o_.initial_value_threshold)) {
    throw ValueError("ModelCheckpoint: initial_value_threshold is NaN");
  }
  best_ = o_.initial_value_threshold.value_or(maximize_ ? -std::numeric_limits<double>::infinity()
                                                        : std::numeric_limits<double>::infinity());
}

std::string ModelCheckpoint::file_path(int epoch, int64_t batch, const Logs& logs) const {
  std::string out;
  for (const Piece& p : parse_pattern(o_.filepath)) {
    if (!p.field) {
      out += p.text;
      continue;
    }
    double value = 0;
    if (p.text == "epoch") {
      value = epoch + 1;
    } else if (p.text == "batch" && batch >= 0) {
      value = static_cast<double>(batch + 1);
    } else if (auto it = logs.find(p.text); it != logs.end()) {
      value = it->second;
    } else {
      throw ValueError(fmt::format("ModelCheckpoint: filepath \"{}\": placeholder {{{}}} is not the epoch{} nor a logged "
                                   "value (logs: {})",
                                   o_.filepath, p.text, every_batches_ > 0 ? ", the batch" : "", keys_of(logs)));
    }
    out += format_field(p.spec, p.text, value);
  }
  return out;
}

void ModelCheckpoint::on_save_point(Sequential& model, int epoch, int64_t batch, bool epoch_end, const Logs& logs) {
  if (every_batches_ == 0) {
    if (epoch_end) save(model, epoch, -1, logs);
    return;
  }
  if (epoch_end) return;
  if (++batches_since_save_ < every_batches_) return;
  batches_since_save_ = 0;  // before saving: the file holds the state that follows this save
  save(model, epoch, batch, logs);
}

void ModelCheckpoint::save(Sequential& model, int epoch, int64_t batch, const Logs& logs) {
  const std::string path = file_path(epoch, batch, logs);
  if (o_.save_best_only) {
    auto it = logs.find(o_.monitor);
    if (it == logs.end()) {
      std::cerr << fmt::format("warning: ModelCheckpoint: can save the best model only with {} available (logs: {}); "
                               "skipping\n",
                               o_.monitor, keys_of(logs));
      return;
    }
    const double v = it->second;
    if (!(maximize_ ? v > best_ : v < best_)) {
      if (o_.verbose && log_) {
        *log_ << fmt::format("Epoch {}: {} did not improve from {:.5f}\n", epoch + 1, o_.monitor, best_);
      }
      return;
    }
    if (o_.verbose && log_) {
      *log_ << fmt::format("Epoch {}: {} improved from {:.5f} to {:.5f}, saving model to {}\n", epoch + 1, o_.monitor, best_,
                           v, path);
    }
    best_ = v;
  } else if (o_.verbose && log_) {
    *log_ << fmt::format("Epoch {}: saving model to {}\n", epoch + 1, path);
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw IoError(fmt::format("ModelCheckpoint: cannot create the directory '{}': {}", parent.string(), ec.message()));
  }
  if (o_.save_weights_only) {
    TensorSet set;
    for (Variable* v : model.variables()) set.add(StoredTensor::from_tensor(v->name(), v->value()), path);
    save_safetensors(path, set);
  } else {
    const FitProgress progress = model.fit_progress();
    save_checkpoint(path, model, &progress);
  }
  saved_.push_back(path);
}

nlohmann::json ModelCheckpoint::state() const {
  return {{"best", exact_json(best_)}, {"batches_since_save", batches_since_save_}};
}

void ModelCheckpoint::set_state(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("best") || !state.contains("batches_since_save") ||
      !state["batches_since_save"].is_number_integer()) {
    throw ValueError(fmt::format("ModelCheckpoint: expected a saved state {{\"best\", \"batches_since_save\"}}, found {}",
                                 json_excerpt(state)));
  }
  const double best = exact_double(state["best"], "ModelCheckpoint: the saved state's 'best'");
  const auto since = state["batches_since_save"].get<int64_t>();
  if (since < 0) throw ValueError(fmt::format("ModelCheckpoint: the saved state's batches_since_save is {}", since));
  best_ = best;
  batches_since_save_ = since;
}

}  // namespace initlab
