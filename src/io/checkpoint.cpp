#include "initlab/io/checkpoint.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/exact_json.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/io/safetensors.hpp"

namespace initlab {
namespace {

using nlohmann::json;

std::string slot_tensor_name(const OptimizerSlot& s) { return fmt::format("optimizer/slot{}/{}", s.index, s.variable); }

// XXH3-64 over the format, the version, the state text and every tensor in
// the state's order (name, dtype, shape, bytes), each field ended by '\n' so
// that no two layouts hash the same stream.
class Checksum {
 public:
  Checksum() : state_(XXH3_createState()) {
    if (state_ == nullptr) throw ResourceError("checkpoint: out of memory for the checksum state");
    XXH3_64bits_reset(state_);
  }
  ~Checksum() { XXH3_freeState(state_); }
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;
  void add(std::string_view bytes) {
    XXH3_64bits_update(state_, bytes.data(), bytes.size());
    XXH3_64bits_update(state_, "\n", 1);
  }
  void add(const StoredTensor& t) {
    add(t.name);
    add(dtype_name(t.dtype));
    add(t.shape.str());
    add(t.bytes);
  }
  std::string hex() const { return fmt::format("{:016x}", XXH3_64bits_digest(state_)); }

 private:
  XXH3_state_t* state_;
};

// --- JSON of the state, written exactly and read with every field checked ---

json history_json(const History& h) {
  json values = json::object();
  for (const auto& [k, v] : h.history) values[k] = exact_json(v);
  return {{"epoch", h.epoch}, {"history", values}};
}

json progress_json(const FitProgress& p) {
  return {{"epoch", p.epoch},
          {"step", p.step},
          {"loss_sum", exact_json(p.loss_sum)},
          {"seen", p.seen},
          {"metric_correct", exact_json(p.metric_correct)},
          {"metric_count", exact_json(p.metric_count)},
          {"stopped", p.stopped},
          {"history", history_json(p.history)},
          {"callbacks", p.callback_states},
          {"batch_size", p.batch_size},
          {"shuffle", p.shuffle},
          {"samples", p.samples},
          {"data_hash", p.data_hash}};
}

json training_json(const TrainingState& s, json& slots_out) {
  json positions = json::object();
  for (const auto& [k, v] : s.random_positions) positions[k] = v;
  json t = {{"seed", s.seed},
            {"epochs_trained", s.epochs_trained},
            {"steps_trained", s.steps_trained},
            {"random_positions", positions},
            {"architecture", s.architecture},
            {"architecture_hash", s.architecture_hash},
            {"optimizer", nullptr}};
  slots_out = json::array();
  if (s.optimizer) {
    t["optimizer"] = {{"name", s.optimizer->name},
                      {"iterations", s.optimizer->iterations},
                      {"learning_rate", exact_json(s.optimizer->learning_rate)}};
    for (const auto& slot : s.optimizer->slots) {
      slots_out.push_back({{"variable", slot.variable}, {"index", slot.index}, {"tensor", slot_tensor_name(slot)}});
    }
  }
  return t;
}

// A JSON object of the state, read field by field; errors name the file and the field.
class Fields {
 public:
  Fields(const json& j, std::string where, std::string path) : j_(j), where_(std::move(where)), path_(std::move(path)) {
    if (!j_.is_object()) fail(fmt::format("expected an object, found {}", json_excerpt(j_)));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(fmt::format("{}: checkpoint state {}: {}", where_, path_, what));
  }
  const json& at(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) fail(fmt::format("missing field '{}'", key));
    return *it;
  }
  std::string field(const char* key) const { return path_ + "." + key; }
  Fields object(const char* key) const { return Fields(at(key), where_, field(key)); }
  template <class T>
  T get(const char* key) const {
    const json& v = at(key);
    if constexpr (std::is_same_v<T, bool>) {
      if (v.is_boolean()) return v.get<bool>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (v.is_string()) return v.get<std::string>();
    } else if constexpr (std::is_unsigned_v<T>) {
      if (v.is_number_unsigned() && v.get<uint64_t>() <= std::numeric_limits<T>::max()) return static_cast<T>(v.get<uint64_t>());
    } else {
      if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(std::numeric_limits<T>::max())) &&
          v.get<int64_t>() >= std::numeric_limits<T>::min() && v.get<int64_t>() <= std::numeric_limits<T>::max()) {
        return static_cast<T>(v.get<int64_t>());
      }
    }
    fail(fmt::format("field '{}' is {}, not the expected type", key, json_excerpt(v)));
  }
  double number(const char* key) const {
    try {
      return exact_double(at(key), field(key));
    } catch (const FormatError& e) {
      fail(e.what());
    }
  }
  std::vector<double> numbers(const char* key) const {
    try {
      return exact_doubles(at(key), field(key));
    } catch (const FormatError& e) {
      fail(e.what());
    }
  }
  std::vector<std::string> strings(const char* key) const {
    const json& v = at(key);
    if (!v.is_array()) fail(fmt::format("field '{}' is {}, not an array of strings", key, json_excerpt(v)));
    std::vector<std::string> out;
    for (const auto& e : v) {
      if (!e.is_string()) fail(fmt::format("field '{}' holds {}, not a string", key, json_excerpt(e)));
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  const json& array(const char* key) const {
    const json& v = at(key);
    if (!v.is_array()) fail(fmt::format("field '{}' is {}, not an array", key, json_excerpt(v)));
    return v;
  }
  const std::string& where() const { return where_; }

 private:
  const json& j_;
  std::string where_, path_;
};

History read_history(const Fields& f) {
  History h;
  const json& epochs = f.array("epoch");
  for (const auto& e : epochs) {
    if (!e.is_number_integer()) f.fail(fmt::format("field 'epoch' holds {}, not an epoch number", json_excerpt(e)));
    h.epoch.push_back(e.get<int>());
  }
  const Fields values = f.object("history");
  for (const auto& [k, v] : f.at("history").items()) {
    h.history[k] = values.numbers(k.c_str());
    if (h.history[k].size() != h.epoch.size()) {
      values.fail(fmt::format("'{}' has {} values for {} epochs", k, h.history[k].size(), h.epoch.size()));
    }
  }
  return h;
}

FitProgress read_progress(const Fields& f) {
  FitProgress p;
  p.epoch = f.get<int>("epoch");
  p.step = f.get<int64_t>("step");
  p.loss_sum = f.number("loss_sum");
  p.seen = f.get<int64_t>("seen");
  p.metric_correct = f.numbers("metric_correct");
  p.metric_count = f.numbers("metric_count");
  p.stopped = f.get<bool>("stopped");
  p.history = read_history(f.object("history"));
  for (const auto& c : f.array("callbacks")) p.callback_states.push_back(c);
  p.batch_size = f.get<int64_t>("batch_size");
  p.shuffle = f.get<bool>("shuffle");
  p.samples = f.get<int64_t>("samples");
  p.data_hash = f.get<std::string>("data_hash");
  if (p.epoch < 0 || p.step < 0 || p.seen < 0 || p.batch_size < 1 || p.samples < 1) {
    f.fail(fmt::format("a cursor out of range (epoch {}, step {}, seen {}, batch_size {}, samples {})", p.epoch, p.step,
                       p.seen, p.batch_size, p.samples));
  }
  return p;
}

TrainingState read_training(const Fields& f) {
  TrainingState s;
  s.seed = f.get<uint64_t>("seed");
  s.epochs_trained = f.get<uint64_t>("epochs_trained");
  s.steps_trained = f.get<int64_t>("steps_trained");
  const Fields positions = f.object("random_positions");
  for (const auto& [k, v] : f.at("random_positions").items()) s.random_positions[k] = positions.get<uint64_t>(k.c_str());
  s.architecture = f.strings("architecture");
  s.architecture_hash = f.get<std::string>("architecture_hash");
  if (architecture_hash(s.architecture) != s.architecture_hash) {
    f.fail(fmt::format("architecture_hash {} does not match the architecture it describes ({})", s.architecture_hash,
                       architecture_hash(s.architecture)));
  }
  if (!f.at("optimizer").is_null()) {
    const Fields o = f.object("optimizer");
    s.optimizer = OptimizerState{.name = o.get<std::string>("name"),
                                 .iterations = o.get<int64_t>("iterations"),
                                 .learning_rate = o.number("learning_rate"),
                                 .slots = {}};
  }
  return s;
}

const StoredTensor& tensor_of(const TensorSet& set, const std::string& name, const Fields& f) {
  const StoredTensor* t = set.find(name);
  if (t == nullptr) f.fail(fmt::format("names the tensor '{}', which the file does not hold", name));
  return *t;
}

}  // namespace

std::string encode_checkpoint(Sequential& model, const FitProgress* progress) {
  const TrainingState training = model.training_state();
  TensorSet set;
  json layers = json::array();
  for (const auto& l : model.layers()) {
    json names = json::array();
    for (Variable* v : l->variables()) {
      set.add(StoredTensor::from_tensor(v->name(), v->value()), "checkpoint");
      names.push_back(v->name());
    }
    layers.push_back({{"name", l->name()}, {"tensors", names}});
  }
  json slots;
  json state = {{"training", training_json(training, slots)}, {"layers", layers}, {"slots", slots},
                {"progress", progress ? progress_json(*progress) : json(nullptr)}};
  if (training.optimizer) {
    for (const auto& s : training.optimizer->slots) {
      StoredTensor t;
      t.name = slot_tensor_name(s);
      t.dtype = DType::kF32;
      t.shape = Shape{static_cast<int64_t>(s.values.size())};
      t.bytes.assign(reinterpret_cast<const char*>(s.values.data()), s.values.size() * sizeof(float));
      set.add(std::move(t), "checkpoint");
    }
  }
  const std::string text = state.dump();
  Checksum sum;
  sum.add(kCheckpointFormat);
  sum.add(kCheckpointVersion);
  sum.add(text);
  for (const auto& t : set.tensors()) sum.add(t);  // added in the state's order: layers, then slots
  set.metadata = {{"format", kCheckpointFormat}, {"version", kCheckpointVersion}, {"state", text}, {"checksum", sum.hex()}};
  return encode_safetensors(set);
}

Checkpoint decode_checkpoint(std::string bytes, const std::string& where) {
  const TensorSet set = decode_safetensors(std::move(bytes), where);
  auto meta = [&](const char* key) -> const std::string& {
    auto it = set.metadata.find(key);
    if (it == set.metadata.end()) {
      throw FormatError(fmt::format("{}: not an initlab checkpoint: the safetensors metadata has no '{}' (keys: {})", where,
                                    key, [&] {
                                      std::vector<std::string> keys;
                                      for (const auto& [k, v] : set.metadata) keys.push_back(k);
                                      return keys.empty() ? std::string("none") : fmt::format("{}", fmt::join(keys, ", "));
                                    }()));
    }
    return it->second;
  };
  if (const auto& f = meta("format"); f != kCheckpointFormat) {
    throw FormatError(fmt::format("{}: not an initlab checkpoint: format {}, expected \"{}\"", where,
                                  json_excerpt(json(f)), kCheckpointFormat));
  }
  if (const auto& v = meta("version"); v != kCheckpointVersion) {
    throw FormatError(fmt::format("{}: checkpoint version {} is not one this initlab reads (it reads version {}); "
                                  "load it with the initlab that wrote it",
                                  where, json_excerpt(json(v)), kCheckpointVersion));
  }
  const std::string& text = meta("state");
  const std::string& stored_sum = meta("checksum");
  json state;
  try {
    state = parse_json_text(text, where + ": checkpoint state");
  } catch (const ConfigError& e) {
    throw FormatError(fmt::format("{} (the checkpoint is corrupt)", e.what()));
  }
  const Fields root(state, where, "state");

  // The tensors in the state's order: every layer's, then every slot's.
  std::vector<const StoredTensor*> ordered;
  Checkpoint c;
  std::set<std::string> listed;
  for (const auto& lj : root.array("layers")) {
    const Fields lf(lj, where, "state.layers[]");
    FileLayer layer{.name = lf.get<std::string>("name"), .keras_class = "", .tensors = {}};
    for (const auto& name : lf.strings("tensors")) {
      const StoredTensor& t = tensor_of(set, name, lf);
      if (!listed.insert(name).second) lf.fail(fmt::format("lists the tensor '{}' twice", name));
      ordered.push_back(&t);
      layer.tensors.push_back(t);
    }
    c.layers.push_back(std::move(layer));
  }
  std::vector<std::pair<const StoredTensor*, OptimizerSlot>> slots;
  for (const auto& sj : root.array("slots")) {
    const Fields sf(sj, where, "state.slots[]");
    OptimizerSlot s{.variable = sf.get<std::string>("variable"), .index = sf.get<int>("index"), .values = {}};
    const std::string name = sf.get<std::string>("tensor");
    const StoredTensor& t = tensor_of(set, name, sf);
    if (!listed.insert(name).second) sf.fail(fmt::format("lists the tensor '{}' twice", name));
    if (t.dtype != DType::kF32 || t.shape.rank() != 1) {
      sf.fail(fmt::format("the slot tensor '{}' is {} {}, expected a float32 vector", name, dtype_name(t.dtype), t.shape.str()));
    }
    ordered.push_back(&t);
    slots.emplace_back(&t, std::move(s));
  }
  if (listed.size() != set.size()) {
    for (const auto& t : set.tensors()) {
      if (listed.count(t.name) == 0) root.fail(fmt::format("does not list the file's tensor '{}'", t.name));
    }
  }
  Checksum sum;
  sum.add(kCheckpointFormat);
  sum.add(kCheckpointVersion);
  sum.add(text);
  for (const StoredTensor* t : ordered) sum.add(*t);
  if (sum.hex() != stored_sum) {
    throw FormatError(fmt::format("{}: checkpoint checksum mismatch: the file says {}, its contents hash to {}; the file "
                                  "is corrupt (use an earlier checkpoint)",
                                  where, json_excerpt(json(stored_sum)), sum.hex()));
  }

  c.training = read_training(root.object("training"));
  if (!slots.empty() && !c.training.optimizer) root.fail("lists optimizer slots but no optimizer");
  if (c.training.optimizer) {
    for (auto& [t, s] : slots) {
      s.values.resize(static_cast<size_t>(t->numel()));
      std::memcpy(s.values.data(), t->bytes.data(), t->bytes.size());
      c.training.optimizer->slots.push_back(std::move(s));
    }
  }
  if (!root.at("progress").is_null()) c.progress = read_progress(root.object("progress"));
  return c;
}

void save_checkpoint(const std::string& path, Sequential& model, const FitProgress* progress) {
  write_file_atomically(path, encode_checkpoint(model, progress));
}

std::optional<std::string> newest_checkpoint(const std::string& dir, std::vector<std::string>* skipped) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot list the checkpoint directory: {}", dir, ec.message()));
  struct Candidate {
    int64_t steps;
    fs::file_time_type mtime;
    std::string path;
  };
  std::optional<Candidate> best;
  std::vector<std::string> names;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !name.ends_with(".safetensors")) continue;  // temporary files start with '.'
    if (!entry.is_regular_file(ec)) continue;
    names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& path : names) {
    try {
      const Checkpoint c = decode_checkpoint(read_file(path), path);
      const auto mtime = fs::last_write_time(path, ec);
      Candidate cand{c.training.steps_trained, mtime, path};
      if (!best || cand.steps > best->steps || (cand.steps == best->steps && cand.mtime > best->mtime)) best = cand;
    } catch (const IoError& e) {  // FormatError too: incomplete, corrupt or not a checkpoint
      if (skipped) skipped->push_back(e.what());
    }
  }
  if (!best) return std::nullopt;
  return best->path;
}

Checkpoint read_checkpoint(const std::string& path, std::string* resolved) {
  std::error_code ec;
  std::string file = path;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::string> skipped;
    auto newest = newest_checkpoint(path, &skipped);
    if (!newest) {
      throw IoError(fmt::format("{}: no complete checkpoint in this directory{}", path,
                                skipped.empty() ? std::string(" (no *.safetensors files)")
                                                : fmt::format("; skipped:\n  {}", fmt::join(skipped, "\n  "))));
    }
    file = *newest;
  }
  if (resolved) *resolved = file;
  return decode_checkpoint(read_file(file), file);
}

LoadedCheckpoint load_checkpoint(Sequential& model, const std::string& path) {
  LoadedCheckpoint out;
  Checkpoint c = read_checkpoint(path, &out.path);
  if (!model.built() && model.input_shape()) model.build(*model.input_shape());
  model.check_training_state(c.training, out.path);  // before any weight changes
  FileWeights weights{.layers = std::move(c.layers), .match = LayerMatch::kName, .optimizer = std::nullopt};
  out.report = restore_weights(model, weights, RestoreOptions{.strict = true, .optimizer = false}, out.path);
  model.restore_training_state(c.training, out.path);
  out.report.loaded.push_back(fmt::format("training state: {} epochs, {} steps trained, seed {}", c.training.epochs_trained,
                                          c.training.steps_trained, c.training.seed));
  out.progress = std::move(c.progress);
  return out;
}

}  // namespace initlab
