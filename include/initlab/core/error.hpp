// Errors for people: every message says what was expected, what was found and
// where. Public entry points throw these; internal invariants use assert().
#pragma once

#include <stdexcept>
#include <string>

namespace initlab {

/// Base of every error initlab throws on bad input.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A tensor has the wrong shape or rank for the operation.
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An argument has a value outside its domain (negative scale, unknown mode…).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A computation produced NaN or infinity (training diverged).
class NonFiniteError : public ValueError {
 public:
  using ValueError::ValueError;
};

/// A configuration (JSON or string id) cannot be understood.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A request needs more memory (or another resource) than the budget allows.
class ResourceError : public Error {
 public:
  using Error::Error;
};

/// Reading or writing a file failed.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A file's content is malformed or not what its format allows (a size beyond
/// the file, an unknown dtype, a link where data belongs).
class FormatError : public IoError {
 public:
  using IoError::IoError;
};

/// Restoring weights found tensors that do not match the model: the message
/// lists every one (missing, unexpected, mis-shaped, wrong dtype).
class RestoreError : public Error {
 public:
  using Error::Error;
};

}  // namespace initlab
