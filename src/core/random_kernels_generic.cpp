// Random-fill kernels for the baseline instruction set.
#define INITLAB_KERNEL_NS generic_isa
#include "random_kernels.hpp"

#include <cstdlib>

namespace initlab::detail {

const KernelTable& generic_kernels() {
  static const KernelTable table = generic_isa::make_table();
  return table;
}

const KernelTable& best_kernels() {
  static const KernelTable& table = [&]() -> const KernelTable& {
#if defined(__x86_64__) || defined(__i386__)
    const char* off = std::getenv("INITLAB_NO_AVX2");
    if ((off == nullptr || *off == '\0') && __builtin_cpu_supports("avx2")) return avx2_kernels();
#endif
    return generic_kernels();
  }();
  return table;
}

}  // namespace initlab::detail
