#include "initlab/diag/weight_forensics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <unordered_map>

#include "init_families.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"
#include "seed_search.hpp"

namespace initlab {
namespace {

using detail::InitFamily;

// Below this many values a KS test cannot tell a fresh tensor from a trained
// one (its power against a small shift is near zero): such tensors are judged
// only when exactly constant, bit-identical, or out of bounds.
constexpr int64_t kMinJudgedValues = 32;

// Groups of identical units listed per tensor (the rest are counted).
constexpr size_t kListedGroups = 5;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}
bool starts_with(std::string_view s, std::string_view head) { return s.substr(0, head.size()) == head; }

bool is_float_dtype(const std::string& d) {
  return d == "float32" || d == "float64" || d == "float16" || d == "bfloat16";
}

bool is_optimizer_name(std::string_view name) {
  return starts_with(name, "optimizer") || name.find("/optimizer/") != std::string_view::npos;
}

std::string fans_text(const Fans& f) { return fmt::format("({}, {})", f.fan_in, f.fan_out); }

// The sibling kernel's name of a bias, per the naming conventions in the header.
std::vector<std::string> kernel_names_for(const std::string& bias) {
  std::vector<std::string> out;
  if (ends_with(bias, "/vars/1")) out.push_back(bias.substr(0, bias.size() - 1) + "0");
  if (ends_with(bias, "bias")) {
    const std::string stem = bias.substr(0, bias.size() - 4);
    out.push_back(stem + "kernel");
    out.push_back(stem + "weight");
  }
  return out;
}

// Groups of equal slices: slice s is values[s·stride_s + j·stride_j], j < len.
std::vector<std::vector<int64_t>> identical_slices(const Tensor& t, int64_t count, int64_t len, int64_t stride_s,
                                                   int64_t stride_j) {
  std::vector<uint64_t> hash(static_cast<size_t>(count));
  auto at = [&](int64_t s, int64_t j) {
    float v = t[s * stride_s + j * stride_j];
    return v == 0.0f ? 0.0f : v;  // −0 and +0 are the same weight
  };
  for (int64_t s = 0; s < count; ++s) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the values' bits
    for (int64_t j = 0; j < len; ++j) {
      const float v = at(s, j);
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      h = (h ^ bits) * 0x100000001b3ull;
    }
    hash[static_cast<size_t>(s)] = h;
  }
  std::unordered_map<uint64_t, std::vector<int64_t>> by_hash;
  for (int64_t s = 0; s < count; ++s) by_hash[hash[static_cast<size_t>(s)]].push_back(s);
  std::vector<std::vector<int64_t>> groups;
  for (auto& [h, members] : by_hash) {
    if (members.size() < 2) continue;
    // Split a hash bucket into classes of truly equal slices.
    std::vector<bool> used(members.size(), false);
    for (size_t a = 0; a < members.size(); ++a) {
      if (used[a]) continue;
      std::vector<int64_t> group{members[a]};
      for (size_t b = a + 1; b < members.size(); ++b) {
        if (used[b]) continue;
        bool same = true;
        for (int64_t j = 0; j < len && same; ++j) same = at(members[a], j) == at(members[b], j);
        if (same) {
          used[b] = true;
          group.push_back(members[b]);
        }
      }
      if (group.size() >= 2) groups.push_back(std::move(group));
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::string group_text(const std::vector<int64_t>& g, const char* what, const std::string& name) {
  std::string list;
  const size_t shown = std::min<size_t>(g.size(), 8);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) list += i + 1 == g.size() && g.size() == shown ? " and " : ", ";
    list += std::to_string(g[i]);
  }
  if (shown < g.size()) list += fmt::format(", … ({} in all)", g.size());
  return fmt::format("{} {} of {} are identical", what, list, name);
}

// The finite values, sorted; an evenly strided subsample beyond `cap`.
std::vector<double> sorted_sample(const Tensor& t, int64_t cap, int64_t& stride) {
  const int64_t n = t.size();
  stride = std::max<int64_t>(1, (n + cap - 1) / std::max<int64_t>(cap, 1));
  std::vector<double> s;
  s.reserve(static_cast<size_t>(n / stride + 1));
  for (int64_t i = 0; i < n; i += stride) {
    if (std::isfinite(t[i])) s.push_back(t[i]);
  }
  std::sort(s.begin(), s.end());
  return s;
}

void order_tests(std::vector<InitMatch>& tests) {
  std::stable_sort(tests.begin(), tests.end(), [](const InitMatch& a, const InitMatch& b) {
    if (a.consistent != b.consistent) return a.consistent;
    return a.p_value > b.p_value;
  });
}

std::string alpha_text(double alpha) { return fmt::format("{:g}", alpha); }

}  // namespace

std::string to_string(WeightLayout layout) { return layout == WeightLayout::kPyTorch ? "pytorch" : "keras"; }

WeightLayout layout_from_names(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (ends_with(n, ".weight") || ends_with(n, ".bias") || ends_with(n, ".running_mean") ||
        ends_with(n, ".running_var") || ends_with(n, ".num_batches_tracked")) {
      return WeightLayout::kPyTorch;
    }
  }
  return WeightLayout::kKeras;
}

std::vector<uint64_t> ForensicsOptions::seeds() const {
  std::vector<uint64_t> s(101);
  std::iota(s.begin(), s.end(), uint64_t{0});
  for (uint64_t extra : {1234ull, 1337ull, 2024ull, 12345ull, 31337ull}) s.push_back(extra);
  for (uint64_t e : extra_seeds) {
    if (std::find(s.begin(), s.end(), e) == s.end()) s.push_back(e);
  }
  return s;
}

TensorStats tensor_stats(const Tensor& values, std::string dtype) {
  TensorStats st;
  st.shape = values.shape();
  st.dtype = std::move(dtype);
  st.count = values.size();
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (float v : values.values()) {
    if (std::isnan(v)) {
      ++st.nan;
      continue;
    }
    if (std::isinf(v)) {
      ++st.inf;
      continue;
    }
    if (v == 0) ++st.zeros;
    else if (std::abs(v) < FLT_MIN) ++st.denormal;
    sum += v;
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  const int64_t n = st.finite();
  if (n == 0) return st;
  st.mean = sum / static_cast<double>(n);
  double ss = 0;  // two passes: the centred sum of squares does not cancel
  for (float v : values.values()) {
    if (std::isfinite(v)) ss += (v - st.mean) * (v - st.mean);
  }
  st.stddev = std::sqrt(ss / static_cast<double>(n));
  st.min = lo;
  st.max = hi;
  return st;
}

std::string InitMatch::str() const {
  const std::string where = fans ? fmt::format(" for fans {}", fans_text(*fans)) : "";
  if (consistent) return fmt::format("consistent with {}{}: {}", initializer, where, detail);
  return fmt::format("not {}{}: {}", initializer, where, detail);
}

std::string SeedMatch::str() const {
  if (explicit_seed) {
    return fmt::format("the untrained initial weights: {}(seed={}) (an explicitly seeded initializer)", initializer,
                       seed);
  }
  return fmt::format("the untrained initial weights: {}, seed {}, '{}'", initializer, seed, name);
}

std::string to_string(TensorState state) {
  switch (state) {
    case TensorState::kInitial:
      return "initial";
    case TensorState::kMoved:
      return "moved";
    case TensorState::kUndetermined:
      return "undetermined";
    case TensorState::kDamaged:
      return "damaged";
    case TensorState::kNotJudged:
      return "not judged";
  }
  return "?";
}

std::string to_string(FileVerdict verdict) {
  switch (verdict) {
    case FileVerdict::kUntrained:
      return "untrained";
    case FileVerdict::kPartiallyTrained:
      return "partially trained";
    case FileVerdict::kTrained:
      return "trained";
    case FileVerdict::kDamaged:
      return "damaged";
    case FileVerdict::kUnknown:
      return "unknown";
  }
  return "?";
}

const InitMatch* TensorReport::best() const {
  return !tests.empty() && tests.front().consistent ? &tests.front() : nullptr;
}

std::vector<const InitMatch*> TensorReport::consistent() const {
  std::vector<const InitMatch*> out;
  for (const auto& t : tests) {
    if (t.consistent) out.push_back(&t);
  }
  return out;
}

Tensor to_keras_layout(const Tensor& w) {
  const int r = w.rank();
  if (r < 2) return w.clone();
  // PyTorch (out, in, k0, …, k_{r−3}) → Keras (k0, …, k_{r−3}, in, out).
  const int64_t out = w.dim(0), in = w.dim(1);
  int64_t spatial = 1;
  std::vector<int64_t> dims;
  for (int i = 2; i < r; ++i) {
    dims.push_back(w.dim(i));
    spatial *= w.dim(i);
  }
  dims.push_back(in);
  dims.push_back(out);
  Tensor k{Shape(dims)};
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      const float* src = w.data() + (o * in + i) * spatial;
      for (int64_t s = 0; s < spatial; ++s) k[(s * in + i) * out + o] = src[s];
    }
  }
  return k;
}

TensorReport analyze_tensor(const ForensicTensor& tensor, const ForensicsOptions& options,
                            std::optional<Fans> kernel_fans) {
  TensorReport r;
  r.name = tensor.name;
  r.layout = tensor.layout;
  r.stats = tensor_stats(tensor.values, tensor.dtype);
  const int rank = tensor.values.rank();
  const bool is_float = is_float_dtype(tensor.dtype);
  if (is_optimizer_name(tensor.name)) r.role = "optimizer";
  else if (!is_float) r.role = "counter";
  else if (rank == 0) r.role = "scalar";
  else if (rank == 1) r.role = ends_with(tensor.name, "bias") || kernel_fans ? "bias" : "vector";
  else r.role = "kernel";

  const Tensor keras =
      tensor.layout == WeightLayout::kPyTorch && rank >= 2 ? to_keras_layout(tensor.values) : tensor.values;
  r.keras_shape = keras.shape();

  if (r.stats.nan > 0 || r.stats.inf > 0) {
    r.state = TensorState::kDamaged;
    r.verdict = fmt::format("damaged: {} NaN and {} infinite value{} among {}", r.stats.nan, r.stats.inf,
                            r.stats.inf == 1 ? "" : "s", r.stats.count);
    return r;
  }
  if (r.role == "optimizer" || r.role == "counter" || r.role == "scalar") {
    r.state = TensorState::kNotJudged;
    r.verdict = r.role == "optimizer" ? "optimizer state: not judged"
                : r.role == "counter" ? fmt::format("{} values: not judged", tensor.dtype)
                                      : fmt::format("a scalar ({}): not judged", pretty_number(tensor.values[0]));
    return r;
  }

  // Identical units (output columns on the Keras layout) and inputs (rows of a 2-D kernel).
  const auto constant = detail::constant_match(keras);
  if (rank >= 2 && !constant) {
    const int64_t cols = keras.dim(rank - 1), rows = keras.size() / std::max<int64_t>(cols, 1);
    r.identical_units = identical_slices(keras, cols, rows, 1, cols);
    if (rank == 2) r.identical_inputs = identical_slices(keras, rows, cols, cols, 1);
    for (size_t i = 0; i < r.identical_units.size() && i < kListedGroups; ++i) {
      r.notes.push_back(group_text(r.identical_units[i], "units", tensor.name));
    }
    if (r.identical_units.size() > kListedGroups) {
      r.notes.push_back(fmt::format("… {} groups of identical units in all", r.identical_units.size()));
    }
    for (size_t i = 0; i < r.identical_inputs.size() && i < kListedGroups; ++i) {
      r.notes.push_back(group_text(r.identical_inputs[i], "inputs", tensor.name));
    }
  }

  if (constant) {
    r.tests.push_back(*constant);
    if (r.role == "kernel") {
      r.state = TensorState::kDamaged;
      r.verdict = fmt::format("damaged: {} (every unit computes the same thing; no gradient step can tell them "
                              "apart)",
                              constant->initializer == "zeros" ? "all zeros" : constant->initializer);
    } else if (constant->initializer == "zeros" || constant->initializer == "ones" ||
               keras.size() >= kMinJudgedValues) {
      r.state = TensorState::kInitial;
      r.verdict = fmt::format("{}: {}", constant->initializer, constant->detail);
    } else {
      // A few equal values other than 0 and 1: a constant initializer, or trained values that happen to agree.
      r.state = TensorState::kUndetermined;
      r.verdict = fmt::format("too few values ({}) to tell initial from trained: {}", keras.size(), constant->detail);
    }
    return r;
  }

  // The random families that apply, each judged for the tensor's fans.
  std::vector<const InitFamily*> families;
  Fans fans;
  if (r.role == "kernel") {
    fans = compute_fans(keras.shape());
    for (const auto& f : detail::kernel_families()) families.push_back(&f);
  } else if (r.role == "bias" && kernel_fans) {
    fans = *kernel_fans;
    families.push_back(&detail::torch_default_family());
  }
  if (!families.empty()) r.fans = fans;
  int64_t stride = 1;
  const std::vector<double> sample = sorted_sample(keras, options.max_test_values, stride);
  if (stride > 1) {
    r.notes.push_back(fmt::format("KS tests on every {}th value ({} of {}); bounds on all", stride, sample.size(),
                                  keras.size()));
  }
  for (const InitFamily* f : families) r.tests.push_back(detail::test_family(*f, keras, sample, fans, options.alpha));
  order_tests(r.tests);

  // Bit-identical replay for the families the statistics allow.
  if (options.search_seeds && is_float && tensor.dtype == "float32") {
    const auto names = detail::plausible_names(tensor.name, r.role == "bias", options.extra_names);
    const auto seeds = options.seeds();
    for (const auto& t : r.tests) {
      if (!t.consistent) break;
      const auto it = std::find_if(families.begin(), families.end(),
                                   [&](const InitFamily* f) { return f->label == t.initializer; });
      if (it == families.end()) continue;
      if (auto m = detail::find_seed(**it, keras, fans, names, seeds)) {
        r.exact = *m;
        break;
      }
    }
  }

  const InitMatch* best = r.best();
  if (r.exact) {
    r.state = TensorState::kInitial;
    r.verdict = r.exact->str();
  } else if (best == nullptr) {
    r.state = TensorState::kMoved;
    r.verdict = families.empty()
                    ? fmt::format("matches no initializer: not constant, as a {}'s initial value is", r.role)
                    : fmt::format("matches no initializer (p < {}): trained or modified", alpha_text(options.alpha));
  } else if (best->test == "KS" && static_cast<int64_t>(sample.size()) < kMinJudgedValues) {
    r.state = TensorState::kUndetermined;
    r.verdict = fmt::format("too few values ({}) to tell initial from trained; {}", sample.size(), best->str());
  } else {
    r.state = TensorState::kInitial;
    r.verdict = best->str();
    std::vector<std::string> others;
    for (const InitMatch* m : r.consistent()) {
      if (m != best) others.push_back(m->initializer);
    }
    if (!others.empty()) {
      std::string list;
      for (size_t i = 0; i < others.size(); ++i) list += (i ? ", " : "") + others[i];
      r.notes.push_back("also consistent with " + list);
    }
  }
  return r;
}

ForensicsReport analyze_weights(const std::vector<ForensicTensor>& tensors, const ForensicsOptions& options) {
  ForensicsReport rep;
  std::map<std::string, const ForensicTensor*> by_name;
  for (const auto& t : tensors) by_name.emplace(t.name, &t);
  for (const auto& t : tensors) {
    std::optional<Fans> kernel_fans;
    if (t.values.rank() == 1) {
      for (const auto& k : kernel_names_for(t.name)) {
        const auto it = by_name.find(k);
        if (it == by_name.end() || it->second->values.rank() < 2) continue;
        const Tensor& kv = it->second->values;
        kernel_fans = compute_fans(it->second->layout == WeightLayout::kPyTorch ? to_keras_layout(kv).shape()
                                                                                 : kv.shape());
        break;
      }
    }
    rep.tensors.push_back(analyze_tensor(t, options, kernel_fans));
  }

  // A bias moves only with its kernel (dL/db = Σδ while dL/dW = xᵀδ): a kernel
  // whose bias moved was trained too, however well its values alone still fit
  // some family (a few hundred values often fit one of twenty).
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < rep.tensors.size(); ++i) index.emplace(rep.tensors[i].name, i);
  std::map<size_t, size_t> partner;  // kernel ↔ bias, both ways
  for (size_t i = 0; i < rep.tensors.size(); ++i) {
    if (rep.tensors[i].role != "bias") continue;
    for (const auto& k : kernel_names_for(rep.tensors[i].name)) {
      const auto it = index.find(k);
      if (it == index.end()) continue;
      partner[i] = it->second;
      partner[it->second] = i;
      break;
    }
  }
  for (size_t i = 0; i < rep.tensors.size(); ++i) {
    if (rep.tensors[i].state != TensorState::kMoved || rep.tensors[i].role != "bias" || partner.count(i) == 0) continue;
    const std::string bias = rep.tensors[i].name;
    {
      TensorReport& kr = rep.tensors[partner[i]];
      if (kr.state != TensorState::kInitial || kr.exact) continue;
      kr.state = TensorState::kMoved;
      kr.notes.insert(kr.notes.begin(), "by its values alone: " + kr.verdict);
      kr.verdict = fmt::format("trained with its layer: {} moved from its initializer, and a bias takes gradient steps "
                               "only with its kernel",
                               bias);
    }
  }

  // Initial for certain: bit-identical, or a layer whose kernel and bias both
  // still fit their initializers. A tensor that fits one by its values alone
  // beside a partner that cannot tell (a bias of 3 values) or that has none is
  // weak evidence: it does not make a trained file "partially trained".
  std::vector<std::string> initial, weak, moved;
  int64_t exact = 0;
  for (size_t i = 0; i < rep.tensors.size(); ++i) {
    const TensorReport& r = rep.tensors[i];
    switch (r.state) {
      case TensorState::kDamaged:
        rep.damaged.push_back(r.name);
        break;
      case TensorState::kInitial:
        if (r.exact || (partner.count(i) != 0 && rep.tensors[partner.at(i)].state == TensorState::kInitial)) {
          initial.push_back(r.name);
        } else {
          weak.push_back(r.name);
        }
        exact += r.exact ? 1 : 0;
        break;
      case TensorState::kMoved:
        moved.push_back(r.name);
        break;
      default:
        break;
    }
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  const size_t judged = initial.size() + weak.size() + moved.size();
  const std::string weak_text =
      weak.empty() ? ""
                   : fmt::format("; {} still {} an initializer by {} values alone, which cannot tell: {}", weak.size(),
                                 weak.size() == 1 ? "fits" : "fit", weak.size() == 1 ? "its" : "their", join(weak));
  if (!rep.damaged.empty()) {
    rep.verdict = FileVerdict::kDamaged;
    rep.verdict_line = fmt::format("damaged: {} of {} tensor{} {} non-finite values or constant kernels: {}",
                                   rep.damaged.size(), rep.tensors.size(), rep.tensors.size() == 1 ? "" : "s",
                                   rep.damaged.size() == 1 ? "holds" : "hold", join(rep.damaged));
  } else if (judged == 0) {
    rep.verdict = FileVerdict::kUnknown;
    rep.verdict_line = "unknown: no tensor here can be judged (too few values, integers or optimizer state)";
  } else if (moved.empty()) {
    rep.verdict = FileVerdict::kUntrained;
    rep.verdict_line = fmt::format("untrained: {} initial values{}",
                                   judged == 1 ? std::string("the 1 judged tensor holds")
                                               : fmt::format("all {} judged tensors hold", judged),
                                   exact > 0 ? fmt::format(" ({} bit-identical to an initlab initializer)", exact)
                                             : "");
  } else if (initial.empty()) {
    rep.verdict = FileVerdict::kTrained;
    rep.verdict_line = weak.empty() ? fmt::format("trained: {} moved from every initializer",
                                                  judged == 1 ? std::string("the 1 judged tensor has")
                                                              : fmt::format("all {} judged tensors have", judged))
                                    : fmt::format("trained: {} of {} judged tensors moved from every initializer{}",
                                                  moved.size(), judged, weak_text);
  } else {
    rep.verdict = FileVerdict::kPartiallyTrained;
    rep.never_moved = initial;
    rep.verdict_line = fmt::format("partially trained: {} of {} judged tensors still hold initial values (bit-identical, "
                                   "or a layer whose kernel and bias both fit their initializers): {}{}",
                                   initial.size(), judged, join(initial), weak_text);
  }
  return rep;
}

}  // namespace initlab
