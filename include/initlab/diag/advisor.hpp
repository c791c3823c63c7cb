// The init advisor: the initialization pitfalls people fall into, found in a
// model's configuration before any training, each with why it hurts and the
// variance arithmetic for that layer.
//
//   constant-kernel        zeros or constant kernels on hidden layers (symmetry never breaks)
//   unscaled-deep-tanh     fixed-scale random_normal / random_uniform in deep tanh or sigmoid nets
//   glorot-deep-relu       glorot on deep ReLU stacks (the variance halves per layer: use he_*)
//   he-saturating          he_* on tanh or sigmoid layers (the variance doubles per layer)
//   shared-seed            one seeded initializer on several same-shaped kernels (identical values)
//   deep-unnormalized      very deep nets without normalization or LSUV
//
// Including this header (or initlab.hpp) makes Sequential::summary() list the warnings.
#pragma once

#include <string>
#include <vector>

namespace initlab {

class Sequential;

struct Advice {
  std::string rule;                 ///< "glorot-deep-relu"
  std::vector<std::string> layers;  ///< the layers concerned
  std::string message;              ///< what is wrong
  std::string why;                  ///< why it hurts
  std::string arithmetic;           ///< the variance arithmetic for the first layer concerned
};

struct AdvisorOptions {
  int deep = 4;          ///< hidden layers of one activation from which a stack counts as deep
  int very_deep = 30;    ///< weighted layers from which normalization (or LSUV) is advised
  bool lsuv = false;     ///< the weights were (or will be) rescaled by LSUV
};

/// Every warning for `model`, from its layers' shapes and initializers alone:
/// the model is not built and no weight is allocated (its input shape must be known).
std::vector<Advice> advise(const Sequential& model, const AdvisorOptions& options = {});
/// "warning [rule] layers: message\n    why: ...\n    variance: ...", one block per advice.
std::string format_advice(const std::vector<Advice>& advice);

/// Makes Sequential::summary() append the advisor's warnings (done by including this header).
bool install_advisor_in_summary();
inline const bool kAdvisorInSummary = install_advisor_in_summary();

}  // namespace initlab
