#include "initlab/nn/gradient_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab {

GradientCheckResult check_gradient(const std::function<double()>& f, Tensor& x, const Tensor& analytic,
                                   const GradientCheckOptions& o) {
  if (!(analytic.shape() == x.shape())) {
    throw ShapeError(fmt::format("check_gradient: analytic gradient has shape {}, x has {}", analytic.shape().str(),
                                 x.shape().str()));
  }
  GradientCheckResult r;
  const int64_t n = x.size();
  const int64_t stride = std::max<int64_t>(1, n / std::max<int64_t>(1, o.max_elements));
  for (int64_t i = 0; i < n; i += stride) {
    const float saved = x[i];
    const double h = o.step * std::max(1.0, std::fabs(static_cast<double>(saved)));
    x[i] = static_cast<float>(saved + h);
    const double hp = static_cast<double>(x[i]) - saved;  // the step actually taken in float
    const double fp = f();
    x[i] = static_cast<float>(saved - h);
    const double hm = saved - static_cast<double>(x[i]);
    const double fm = f();
    x[i] = saved;
    const double numeric = (fp - fm) / (hp + hm);
    const double a = analytic[i];
    const double abs_err = std::fabs(a - numeric);
    const double rel_err = abs_err / std::max(std::fabs(a) + std::fabs(numeric), 1e-12);
    ++r.checked;
    const bool bad = abs_err > o.absolute_tolerance && rel_err > o.relative_tolerance;
    if (abs_err > r.max_abs_error) r.max_abs_error = abs_err;
    if (abs_err > o.absolute_tolerance && rel_err > r.max_rel_error) {
      r.max_rel_error = rel_err;
      r.worst_index = i;
      r.worst_analytic = a;
      r.worst_numeric = numeric;
    }
    if (bad) r.ok = false;
  }
  r.message = r.ok ? fmt::format("ok: {} elements, max abs error {:.3g}", r.checked, r.max_abs_error)
                   : fmt::format("mismatch at element {}: analytic {:.6g}, numeric {:.6g} (rel error {:.3g})",
                                 r.worst_index, r.worst_analytic, r.worst_numeric, r.max_rel_error);
  return r;
}

}  // namespace initlab
