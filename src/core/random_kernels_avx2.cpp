// Random-fill kernels for AVX2 (this file is compiled with -mavx2 and only
// called when the CPU reports AVX2).
#if defined(__x86_64__) || defined(__i386__)
#define INITLAB_KERNEL_NS avx2_isa
#include "random_kernels.hpp"

namespace initlab::detail {

const KernelTable& avx2_kernels() {
  static const KernelTable table = avx2_isa::make_table();
  return table;
}

}  // namespace initlab::detail
#else
#include "random_kernel_table.hpp"
namespace initlab::detail {
const KernelTable& avx2_kernels() { return generic_kernels(); }
}  // namespace initlab::detail
#endif
