#include "initlab/diag/tensor_diff.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <map>

#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"

namespace initlab {
namespace {

std::map<std::string, const DiffTensor*> index_of(const std::vector<DiffTensor>& side, const char* label) {
  std::map<std::string, const DiffTensor*> out;
  for (const auto& t : side) {
    if (!out.emplace(t.name, &t).second) {
      throw ValueError(fmt::format("diff: file {} holds two tensors named '{}'", label, t.name));
    }
  }
  return out;
}

bool same_values(const DiffTensor& a, const DiffTensor& b) {
  if (!a.bytes.empty() && !b.bytes.empty()) return a.bytes == b.bytes;
  return std::memcmp(a.values.data(), b.values.data(), static_cast<size_t>(a.values.size()) * sizeof(float)) == 0;
}

TensorDiffEntry compare(const DiffTensor& a, const DiffTensor& b) {
  TensorDiffEntry e;
  e.name = a.name;
  e.shape_a = a.values.shape();
  e.shape_b = b.values.shape();
  e.dtype_a = a.dtype;
  e.dtype_b = b.dtype;
  if (!(e.shape_a == e.shape_b)) {
    e.kind = DiffKind::kShapeChanged;
    return e;
  }
  if (a.dtype != b.dtype) {
    e.kind = DiffKind::kDtypeChanged;
    return e;
  }
  double na = 0, nd = 0, max_abs = 0;
  bool nan = false;
  for (int64_t i = 0; i < a.values.size(); ++i) {
    const double x = a.values[i], y = b.values[i];
    na += x * x;
    const double d = y - x;
    if (std::isnan(d)) {
      // Two equal NaN bit patterns count as unchanged; anything else involving NaN is a change.
      uint32_t bx, by;
      const float fx = a.values[i], fy = b.values[i];
      std::memcpy(&bx, &fx, 4);
      std::memcpy(&by, &fy, 4);
      if (bx != by) {
        nan = true;
        ++e.changed_values;
      }
      continue;
    }
    if (d != 0) ++e.changed_values;
    nd += d * d;
    max_abs = std::max(max_abs, std::abs(d));
  }
  e.norm_a = std::sqrt(na);
  e.max_abs = nan ? std::nan("") : max_abs;
  e.relative_l2 = e.norm_a > 0 ? std::sqrt(nd) / e.norm_a : (nd > 0 || nan ? std::nan("") : 0.0);
  const bool identical = same_values(a, b);
  e.kind = identical ? DiffKind::kUnchanged : DiffKind::kChanged;
  return e;
}

std::string number(double x) { return std::isnan(x) ? "NaN" : pretty_number(x); }

}  // namespace

std::string to_string(DiffKind kind) {
  switch (kind) {
    case DiffKind::kUnchanged:
      return "unchanged";
    case DiffKind::kChanged:
      return "changed";
    case DiffKind::kShapeChanged:
      return "shape changed";
    case DiffKind::kDtypeChanged:
      return "dtype changed";
    case DiffKind::kOnlyInA:
      return "only in A";
    case DiffKind::kOnlyInB:
      return "only in B";
  }
  return "?";
}

std::string TensorDiffEntry::str() const {
  switch (kind) {
    case DiffKind::kUnchanged:
      return fmt::format("{}: unchanged (bit-identical, {} {})", name, dtype_a, shape_a.str());
    case DiffKind::kChanged: {
      const std::string rel = std::isnan(relative_l2) && norm_a == 0 ? "from all zeros" : "relative L2 " + number(relative_l2);
      return fmt::format("{}: changed, {}, max |Δ| {} ({} of {} values)", name, rel, number(max_abs), changed_values,
                         shape_a.numel());
    }
    case DiffKind::kShapeChanged:
      return fmt::format("{}: shape changed, {} → {}", name, shape_a.str(), shape_b.str());
    case DiffKind::kDtypeChanged:
      return fmt::format("{}: dtype changed, {} → {}", name, dtype_a, dtype_b);
    case DiffKind::kOnlyInA:
      return fmt::format("{}: only in A ({} {})", name, dtype_a, shape_a.str());
    case DiffKind::kOnlyInB:
      return fmt::format("{}: only in B ({} {})", name, dtype_b, shape_b.str());
  }
  return name;
}

int64_t TensorDiffReport::count(DiffKind kind) const {
  int64_t n = 0;
  for (const auto& e : entries) n += e.kind == kind ? 1 : 0;
  return n;
}

int64_t TensorDiffReport::differing() const {
  return static_cast<int64_t>(entries.size()) - count(DiffKind::kUnchanged);
}

std::string TensorDiffReport::summary() const {
  const int64_t total = static_cast<int64_t>(entries.size());
  const int64_t same = count(DiffKind::kUnchanged);
  if (total == 0) return "no tensors on either side";
  if (differing() == 0) return fmt::format("all {} tensor{} unchanged", total, total == 1 ? "" : "s");
  std::string parts;
  for (DiffKind k : {DiffKind::kChanged, DiffKind::kShapeChanged, DiffKind::kDtypeChanged, DiffKind::kOnlyInA,
                     DiffKind::kOnlyInB}) {
    const int64_t n = count(k);
    if (n == 0) continue;
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n,
                         k == DiffKind::kChanged ? std::string("values changed") : to_string(k));
  }
  return fmt::format("{} of {} tensor{} changed ({}){}", differing(), total, total == 1 ? "" : "s", parts,
                     same > 0 ? fmt::format("; {} unchanged", same) : "");
}

TensorDiffReport diff_tensors(const std::vector<DiffTensor>& a, const std::vector<DiffTensor>& b) {
  const auto ia = index_of(a, "A");
  const auto ib = index_of(b, "B");
  TensorDiffReport rep;
  for (const auto& t : a) {
    const auto it = ib.find(t.name);
    if (it == ib.end()) {
      TensorDiffEntry e;
      e.name = t.name;
      e.kind = DiffKind::kOnlyInA;
      e.shape_a = t.values.shape();
      e.dtype_a = t.dtype;
      rep.entries.push_back(std::move(e));
    } else {
      rep.entries.push_back(compare(t, *it->second));
    }
  }
  for (const auto& t : b) {
    if (ia.count(t.name) != 0) continue;
    TensorDiffEntry e;
    e.name = t.name;
    e.kind = DiffKind::kOnlyInB;
    e.shape_b = t.values.shape();
    e.dtype_b = t.dtype;
    rep.entries.push_back(std::move(e));
  }
  return rep;
}

}  // namespace initlab
