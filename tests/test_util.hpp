// Helpers shared by the test suites.
#pragma once

#include <functional>
#include <string>

#include "initlab/core/error.hpp"

namespace initlab::testing {

/// The message of the initlab::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace initlab::testing
