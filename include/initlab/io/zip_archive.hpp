// ZIP archives in memory (libzip): the container of .keras files and .npz
// files (formats.md §2.1, §4.2).
//
// ZipReader takes the archive's bytes and reads members by name. Sizes come
// from the central directory (ZIP64 extra fields honoured) and are checked
// before anything is inflated: the member count against the archive's size,
// each member's stored size against the archive, and its declared size against
// the memory budget; a member that claims more than 4 GiB and more than 100
// times its stored size is refused as a zip bomb, as Keras refuses it. A member
// is read to at most its declared size and its CRC-32 is checked. Members
// stored or deflated are read; encrypted ones and other methods are refused.
// Names that are empty, absolute ("/x", "C:x"), contain a ".." component or a
// NUL, or appear twice are refused when the archive is opened: they are never
// used as file paths, but such an archive was not written by a tool initlab
// reads from. Errors are FormatErrors naming the archive and the member.
//
// ZipWriter builds an archive in memory: stored members by default (as Keras
// and np.savez write them), deflated on request, in the order added, each with
// the time 1980-01-01 00:00 so the same content gives the same bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace initlab {

/// Declared sizes above this that are also more than kZipMaxRatio times the
/// stored size are refused (Keras's saving_lib refuses the same).
inline constexpr uint64_t kZipBombSize = uint64_t{4} << 30;
inline constexpr uint64_t kZipMaxRatio = 100;

class ZipReader {
 public:
  /// Opens an archive held in `bytes`; `where` names it in errors ("model.keras").
  ZipReader(std::string bytes, std::string where);
  /// Reads the file at `path` (its size checked against the memory budget) and opens it.
  static ZipReader open(const std::string& path);
  ~ZipReader();
  ZipReader(ZipReader&&) noexcept;
  ZipReader& operator=(ZipReader&&) noexcept;

  const std::string& where() const;
  /// The members' names in the order of the central directory.
  std::vector<std::string> names() const;
  bool contains(std::string_view member) const;
  /// The member's bytes, inflated and CRC-checked. FormatError naming the
  /// member when it is absent, damaged or too large.
  std::string read(const std::string& member) const;
  /// The member's declared (uncompressed) size, from the central directory.
  uint64_t size_of(const std::string& member) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class ZipWriter {
 public:
  ZipWriter();
  ~ZipWriter();
  ZipWriter(ZipWriter&&) noexcept;
  ZipWriter& operator=(ZipWriter&&) noexcept;

  /// Adds a member. ValueError for a name the reader would refuse or one already added.
  void add(const std::string& name, std::string bytes, bool deflate = false);
  /// The archive's bytes (ZIP64 records where sizes need them). The writer is
  /// empty afterwards.
  std::string finish();

 private:
  struct Member {
    std::string name;
    std::string bytes;
    bool deflate;
  };
  std::vector<Member> members_;
};

/// Why a member name is refused ("it has a '..' component"), or "" when it is fine.
std::string zip_member_name_problem(std::string_view name);

}  // namespace initlab
