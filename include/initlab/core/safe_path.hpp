// File names made from names the user chose (a model's name, a run's name):
// one path component that stays inside the folder it is joined to.
#pragma once

#include <string>
#include <string_view>

namespace initlab {

/// The longest file name file_name_from() returns, in bytes (NAME_MAX is 255).
inline constexpr size_t kMaxFileNameBytes = 100;

/// `name` as a single, safe path component: '/', '\\', NUL, control
/// characters, invalid UTF-8 and the characters Windows forbids (:*?"<>|)
/// become '_'; leading dots become '_' (so "." and ".." cannot occur and the
/// file is not hidden); surrounding spaces are dropped; it is cut to
/// kMaxFileNameBytes at a character boundary. A name that is already safe is
/// returned unchanged ("fashion_mlp", "my model"). Throws ValueError naming
/// `what` when nothing is left (an empty name).
std::string file_name_from(std::string_view name, std::string_view what = "name");

}  // namespace initlab
