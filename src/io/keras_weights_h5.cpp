#include "initlab/io/keras_weights_h5.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

// Nested models nest groups two levels per model; deeper than this is not a Keras file.
constexpr int kMaxDepth = 64;
// Keras writes str(i) for i in range(count): more than this is not a layer's variable list.
constexpr uint64_t kMaxVarIndex = 1'000'000'000;

constexpr std::string_view kLayers = "layers";
// tf-keras 2.13–2.15 .keras files (saving_lib.py's "Fix for 2.13 compatibility" in H5IOStore.get).
constexpr std::string_view kLegacyLayers = "_layer_checkpoint_dependencies";

// Orders names as people number them: "dense" < "dense_1" < "dense_2" < "dense_10".
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string join_path(const std::string& base, const std::string& name) { return base.empty() ? name : base + "/" + name; }

// The decimal index of a vars member ("0", "12"); nullopt for anything else ("01", "kernel", "-1").
std::optional<uint64_t> var_index(const std::string& name) {
  if (name.empty() || name.size() > 10 || (name.size() > 1 && name[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > kMaxVarIndex) return std::nullopt;
  return v;
}

std::vector<StoredTensor> read_vars(const H5Group& vars) {
  std::vector<std::pair<uint64_t, std::string>> members;
  for (const std::string& child : vars.children()) {
    const std::optional<uint64_t> index = var_index(child);
    if (!index) {
      throw FormatError(fmt::format("{}: {}: unexpected member '{}' (a vars group holds datasets named 0, 1, 2, …)",
                                    vars.where(), vars.path(), child));
    }
    if (!vars.has_dataset(child)) {
      throw FormatError(fmt::format("{}: {}/{}: expected a dataset (a variable), found a group", vars.where(),
                                    vars.path(), child));
    }
    members.emplace_back(*index, child);
  }
  std::sort(members.begin(), members.end());
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].first != i) {
      std::string listed;
      for (size_t k = 0; k < members.size() && k < 12; ++k) listed += (k ? ", " : "") + members[k].second;
      if (members.size() > 12) listed += ", …";
      throw FormatError(fmt::format("{}: {}: variable {} is missing (the group holds {}; Keras numbers them 0 to {})",
                                    vars.where(), vars.path(), i, listed, members.size() - 1));
    }
  }
  std::vector<StoredTensor> out;
  out.reserve(members.size());
  for (const auto& [index, name] : members) out.push_back(vars.read_dataset(name));
  return out;
}

struct Found {
  SaveableVars vars;
  bool through_backslash = false;
};

class Walker {
 public:
  void walk(const H5Group& group, const std::string& path, bool through_backslash, int depth) {
    if (depth > kMaxDepth) {
      throw FormatError(fmt::format("{}: {}: groups nested deeper than {} levels (not a Keras weights file)",
                                    group.where(), group.path(), kMaxDepth));
    }
    if (!visited_.insert(group.address()).second) return;  // a group linked twice is read once (shared layers)
    std::vector<std::string> children = group.children();
    const bool has_layers = std::find(children.begin(), children.end(), kLayers) != children.end();
    if (std::find(children.begin(), children.end(), "vars") != children.end()) {
      if (!group.has_group("vars")) {
        throw FormatError(fmt::format("{}: {}: 'vars' is not a group (Keras keeps an object's variables in <path>/vars/0, …)",
                                      group.where(), group.path()));
      }
      const H5Group vars = group.group("vars");
      found_.push_back({{path, vars.string_attribute("name"), read_vars(vars)}, through_backslash});
    }
    struct Child {
      std::string name;
      std::string logical;  // the path it stands for, with '/' and `layers`
    };
    std::vector<Child> subgroups;
    for (const std::string& child : children) {
      if (child == "vars" || !group.has_group(child)) continue;
      std::string logical;
      for (std::string part : split(child, '\\')) {
        if (part == kLegacyLayers && !has_layers) part = kLayers;
        logical = join_path(logical, part);
      }
      subgroups.push_back({child, logical});
    }
    std::stable_sort(subgroups.begin(), subgroups.end(),
                     [](const Child& a, const Child& b) { return natural_less(a.logical, b.logical); });
    for (const Child& child : subgroups) {
      walk(group.group(child.name), join_path(path, child.logical),
           through_backslash || child.name.find('\\') != std::string::npos, depth + 1);
    }
  }

  // One entry per path: where a backslash name and a '/' path lead to the same one, the '/' path wins.
  std::vector<SaveableVars> result(const H5Group& root) {
    std::vector<SaveableVars> out;
    std::set<std::string> plain;
    for (const Found& f : found_) {
      if (!f.through_backslash && !plain.insert(f.vars.path).second) {
        throw FormatError(fmt::format("{}: two groups stand for '{}' (one through _layer_checkpoint_dependencies?)",
                                      root.where(), f.vars.path));
      }
    }
    std::set<std::string> taken;
    for (Found& f : found_) {
      if (f.through_backslash && plain.count(f.vars.path) != 0) continue;
      if (!taken.insert(f.vars.path).second) continue;
      out.push_back(std::move(f.vars));
    }
    return out;
  }

 private:
  std::set<uint64_t> visited_;
  std::vector<Found> found_;
};

}  // namespace

std::vector<SaveableVars> read_keras3_weights(const H5Group& root) {
  Walker walker;
  walker.walk(root, "", false, 0);
  return walker.result(root);
}

void write_keras3_weights(H5Group& root, const std::vector<SaveableVars>& objects) {
  std::set<std::string> paths;
  for (const SaveableVars& object : objects) {
    if (!object.path.empty()) {
      for (const std::string& part : split(object.path, '/')) {
        if (part.empty() || part == "." || part == "vars") {
          throw ValueError(fmt::format("{}: the object path '{}' has an empty, '.' or 'vars' component (expected "
                                       "\"layers/dense\", or \"\" for the model)",
                                       root.where(), object.path));
        }
      }
    }
    if (!paths.insert(object.path).second) {
      throw ValueError(fmt::format("{}: the object path '{}' is given twice", root.where(), object.path));
    }
  }
  for (const SaveableVars& object : objects) {
    H5Group vars = root.create_group(object.path.empty() ? "vars" : object.path + "/vars");
    if (object.name) vars.set_string_attribute("name", *object.name);
    for (size_t i = 0; i < object.vars.size(); ++i) vars.write_dataset(std::to_string(i), object.vars[i]);
  }
}

}  // namespace initlab
