// OpenBLAS's thread control (internal). initlab always calls OpenBLAS
// single-threaded and parallelizes around it, on fixed tiles, so that results
// do not depend on the number of threads.
#pragma once

extern "C" {
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
}

namespace initlab::detail {

/// Leaves OpenBLAS single-threaded (cheap when it already is): for hot calls.
inline void use_single_threaded_blas() {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

/// Makes OpenBLAS single-threaded (in its OpenMP build this also sets the
/// caller's OpenMP default, so the previous count is restored on exit).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() : saved_(openblas_get_num_threads()) {
    if (saved_ != 1) openblas_set_num_threads(1);
  }
  ~SingleThreadedBlas() {
    if (saved_ != 1) openblas_set_num_threads(saved_);
  }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int saved_;
};

}  // namespace initlab::detail
