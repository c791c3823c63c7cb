// HDF5 files through the HDF5 C API (libhdf5), held in memory, for Keras's
// .weights.h5 and legacy .h5 files.
//
// Every file is read whole into memory (after its size is checked against the
// memory budget) and opened with HDF5's in-memory driver, so nothing touches
// the disk but the first read and an atomic write. HDF5's own error printing
// is silenced; every failure is an IoError or FormatError that names the file
// and the object path ("w.h5: /layers/dense/vars/0: …"), with HDF5's reason.
//
// Like Keras's loader (saving_lib.py, safe_get_h5_group/safe_get_h5_dataset)
// the reader refuses soft and external links, external and virtual datasets,
// and datasets that declare more than 4 GiB and more than 1000× the bytes they
// store; every dataset's size is checked against the memory budget before it
// is read. The writer produces plain hard-linked groups and contiguous,
// uncompressed little-endian datasets, as h5py does by default.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "initlab/io/tensor_set.hpp"

namespace initlab {

namespace h5 {

/// An HDF5 identifier (file, group, dataset, attribute, type, space, property
/// list) owned by this object: released on destruction, shared on copy.
class Handle {
 public:
  Handle() = default;
  explicit Handle(int64_t id) : id_(id) {}
  ~Handle();
  Handle(const Handle& other);
  Handle& operator=(const Handle& other);
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;

  int64_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  int64_t id_ = -1;
};

}  // namespace h5

/// The character set of a string attribute initlab writes.
enum class H5Charset { kUtf8, kAscii };

/// A group of an open HDF5 file. Names passed to its methods are paths
/// relative to it ("vars/0", "dense/kernel:0"); every component must be a
/// hard link (a soft or external link is a FormatError), and a leading '/',
/// an empty component or '.' is refused.
class H5Group {
 public:
  H5Group() = default;

  /// "/" for the root, "/layers/dense/vars" below it.
  std::string path() const { return path_; }
  /// The file, as messages name it.
  const std::string& where() const { return where_; }

  /// The names of the links in this group, as HDF5 lists them (by name, as
  /// text: "0", "1", "10", "2"). A soft, external or user-defined link is a
  /// FormatError naming it.
  std::vector<std::string> children() const;
  /// True when `name` is a group (a dataset) here; false when nothing is
  /// linked under that name or it is something else.
  bool has_group(std::string_view name) const;
  bool has_dataset(std::string_view name) const;
  /// The group at `name`; FormatError naming the path when it is missing or not a group.
  H5Group group(std::string_view name) const;

  /// The dataset at `name` with its dtype and bytes (little-endian, C order).
  /// float16/32/64, (u)int8/16/32/64 and h5py's bool (an int8 enum) map to
  /// DType; a 2-byte dataset whose `dtype` attribute says "bfloat16" (Keras)
  /// is bfloat16. Rank 0 is a scalar. Refused with a FormatError: external or
  /// virtual storage, a null dataspace, rank > 6, other types; with a
  /// ResourceError: more bytes than the memory budget allows.
  StoredTensor read_dataset(std::string_view name) const;

  /// A string attribute: fixed-length (null- or space-padded) or
  /// variable-length, ASCII or UTF-8, scalar or a one-element array; nullopt
  /// when absent. Another type is a FormatError.
  std::optional<std::string> string_attribute(std::string_view name) const;
  /// A list of strings (any of the string types above, scalar or 1-D), or,
  /// when `name` is absent, the chunks `name0`, `name1`, … concatenated (as
  /// tf-keras splits long lists); an empty float64 array (h5py's []) is {};
  /// nullopt when neither is present.
  std::optional<std::vector<std::string>> string_list_attribute(std::string_view name) const;
  /// True when an attribute `name` is present on this group.
  bool has_attribute(std::string_view name) const;

  /// Creates the group `name` (and any missing groups on its path); an
  /// existing link of that name is a FormatError.
  H5Group create_group(std::string_view name);
  /// Writes `t` as the dataset `name` (missing groups on its path created):
  /// contiguous, little-endian; bfloat16 as 2-byte opaque data with the
  /// attribute dtype="bfloat16", bool as h5py's int8 enum, float16 as IEEE half.
  void write_dataset(std::string_view name, const StoredTensor& t);
  /// A scalar variable-length string attribute (as Keras 3 writes `name`);
  /// replaces one already present.
  void set_string_attribute(std::string_view name, std::string_view value, H5Charset charset = H5Charset::kUtf8);
  /// A list of strings as h5py 3 writes a Python list of bytes (a 1-D
  /// variable-length ASCII array; [] as an empty float64 array). Past 64512
  /// bytes as NumPy counts them (count × longest) the list is split as
  /// tf-keras splits it (save_attributes_to_hdf5_group): np.array_split into
  /// the fewest near-equal chunks that fit, written as fixed-length
  /// null-padded attributes `name0`, `name1`, …
  void set_string_list_attribute(std::string_view name, const std::vector<std::string>& values);

  /// The object's address in the file: equal for two links to one object.
  uint64_t address() const;

 private:
  friend class H5File;
  H5Group(h5::Handle id, std::string path, std::string where)
      : id_(std::move(id)), path_(std::move(path)), where_(std::move(where)) {}
  std::string child_path(std::string_view name) const;

  h5::Handle id_;
  std::string path_;
  std::string where_;
};

/// An HDF5 file held in memory.
class H5File {
 public:
  /// Reads the file at `path` (IoError when it cannot be read, ResourceError
  /// when it does not fit the memory budget, FormatError "not an HDF5 file"
  /// when no HDF5 signature is at offset 0, 512, 1024, …).
  static H5File open(const std::string& path);
  /// Opens the bytes of an HDF5 file, read-only; `where` names it in messages.
  /// Every object of the file is first read once in a child process
  /// (core/isolated_run.hpp): a file that crashes libhdf5 is a FormatError
  /// ("the file is damaged: libhdf5 crashed reading it"), not a crash.
  /// `trial_in_child` false skips that (a fuzzer looking for libhdf5's own
  /// crashes; nothing else should).
  static H5File from_image(std::string bytes, std::string where, bool trial_in_child = true);
  /// A new, empty file in memory; image() gives its bytes.
  static H5File create_in_memory(std::string where);

  /// The bytes of the file as it stands now (flushed first).
  std::string image();
  H5Group root() const;
  const std::string& where() const { return where_; }

 private:
  H5File(h5::Handle id, std::string where) : id_(std::move(id)), where_(std::move(where)) {}
  // Every string attribute, group and dataset below `g` read once (from_image's trial run).
  static void read_everything(const H5Group& g, int depth, std::set<uint64_t>& seen);
  h5::Handle id_;
  std::string where_;
};

/// Runs `read` (which reads the HDF5 image of `image_bytes` bytes named
/// `where`) in a child process first, with a limit of 5 s plus 1 s per 100 MB:
/// a FormatError ("the file is damaged: libhdf5 crashed reading it (…)") when
/// libhdf5 crashes or hangs there. Where libhdf5 1.10 faults on a damaged file
/// depends on the calls made before, so callers pass the whole read they are
/// about to make, and then make it (with trial_in_child false).
void check_hdf5_read_in_child(const std::string& where, size_t image_bytes, const std::function<void()>& read);

/// The HDF5 signature "\x89HDF\r\n\x1a\n" at offset 0, 512, 1024, 2048, … (a
/// user block before it) within `bytes`.
bool has_hdf5_signature(std::string_view bytes);

}  // namespace initlab
