// The catalogue of initializers: string ids, Keras class names, aliases and
// formulas, and construction from configs.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <deque>
#include <vector>

#include "initlab/init/initializer.hpp"

namespace initlab {

struct InitializerInfo {
  std::string id;                    ///< "he_normal"
  std::string class_name;            ///< "HeNormal"
  std::vector<std::string> aliases;  ///< other accepted names
  std::string family;                ///< "keras" or "pytorch" or "initlab"
  std::string formula;               ///< one line: distribution and variance
  /// Builds the initializer from its "config" object (already an object).
  std::function<std::shared_ptr<const InitializerImpl>(const nlohmann::json& config)> make;
};

/// Every built-in initializer, in a fixed order (Keras's first, then PyTorch's).
const std::deque<InitializerInfo>& initializer_catalogue();

/// The entry whose id, class name or alias is `name` (case-sensitive, as Keras);
/// nullptr when none.
const InitializerInfo* find_initializer(const std::string& name);

/// Registers a custom initializer class for from_config(); replaces any earlier
/// registration of the same name.
void register_initializer(InitializerInfo info);

/// The known name closest to `name` (edit distance, case-insensitive).
std::string closest_initializer_name(const std::string& name);

}  // namespace initlab
