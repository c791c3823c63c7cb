#include "initlab/io/hdf5_file.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/isolated_run.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {

static_assert(std::endian::native == std::endian::little, "initlab's HDF5 I/O assumes a little-endian host");

namespace h5 {

Handle::~Handle() {
  if (id_ >= 0) H5Idec_ref(id_);
}
Handle::Handle(const Handle& other) : id_(other.id_) {
  if (id_ >= 0) H5Iinc_ref(id_);
}
Handle& Handle::operator=(const Handle& other) {
  if (this != &other) {
    Handle copy(other);
    std::swap(id_, copy.id_);
  }
  return *this;
}
Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Idec_ref(id_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

}  // namespace h5

namespace {

using h5::Handle;

const char kSignature[] = "\x89HDF\r\n\x1a\n";
constexpr size_t kSignatureLen = 8;

// Keras's rule for datasets (saving_lib.py, safe_get_h5_dataset): more than
// 4 GiB declared and more than 1000× the bytes stored is refused as a bomb.
constexpr uint64_t kBombDeclared = uint64_t{4} << 30;
constexpr uint64_t kBombRatio = 1000;
// tf-keras's HDF5_OBJECT_HEADER_LIMIT: string lists beyond it are split.
constexpr uint64_t kAttributeChunkLimit = 64512;

// HDF5 prints its error stack to stderr unless told not to; the setting is per
// thread (a thread-safe libhdf5 keeps one stack per thread).
void silence() {
  thread_local bool done = false;
  if (!done) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    done = true;
  }
}

herr_t collect_reason(unsigned, const H5E_error2_t* e, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (e->desc != nullptr && e->desc[0] != '\0') {
    *out = e->desc;  // the walk goes downward: the last one is the innermost cause
  } else {
    char buf[256];
    if (H5Eget_msg(e->min_num, nullptr, buf, sizeof buf) > 0) *out = buf;
  }
  return 0;
}

// HDF5's innermost reason for the last failure on this thread; the stack is cleared.
std::string reason() {
  std::string out;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_reason, &out);
  H5Eclear2(H5E_DEFAULT);
  return out.empty() ? "HDF5 gave no reason" : out;
}

[[noreturn]] void fail_format(const std::string& where, const std::string& path, const std::string& what) {
  throw FormatError(fmt::format("{}: {}: {}", where, path, what));
}

template <class T>
T checked(T result, const std::string& where, const std::string& path, std::string_view what) {
  if (result < 0) fail_format(where, path, fmt::format("{} ({})", what, reason()));
  return result;
}

Handle handle(hid_t id, const std::string& where, const std::string& path, std::string_view what) {
  return Handle(checked<hid_t>(id, where, path, what));
}

std::string join(const std::string& base, std::string_view name) {
  if (base == "/") return "/" + std::string(name);
  return base + "/" + std::string(name);
}

// The components of a relative path; refuses absolute paths, empty components and ".".
std::vector<std::string> split_path(std::string_view name, const std::string& where, const std::string& base) {
  std::vector<std::string> parts;
  if (name.empty()) fail_format(where, base, "an empty name (expected a group or dataset name)");
  if (name.front() == '/') {
    fail_format(where, base, fmt::format("'{}' is an absolute path (expected a name relative to the group)", name));
  }
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string_view part = name.substr(start, slash == std::string_view::npos ? name.npos : slash - start);
    if (part.empty() || part == ".") {
      fail_format(where, base, fmt::format("'{}' has an empty or '.' component (expected names separated by '/')", name));
    }
    parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string link_description(hid_t loc, const char* name, const H5L_info_t& info) {
  if (info.type == H5L_TYPE_SOFT || info.type == H5L_TYPE_EXTERNAL) {
    std::string target;
    if (info.u.val_size > 0 && info.u.val_size < 4096) {
      std::string buf(info.u.val_size, '\0');
      if (H5Lget_val(loc, name, buf.data(), buf.size(), H5P_DEFAULT) >= 0) {
        if (info.type == H5L_TYPE_SOFT) {
          target = fmt::format(" to '{}'", buf.c_str());
        } else {
          const char* file = nullptr;
          const char* object = nullptr;
          if (H5Lunpack_elink_val(buf.data(), buf.size(), nullptr, &file, &object) >= 0 && file && object) {
            target = fmt::format(" to '{}' in '{}'", object, file);
          }
        }
      }
    }
    H5Eclear2(H5E_DEFAULT);
    return fmt::format("{} link{}", info.type == H5L_TYPE_SOFT ? "a soft" : "an external", target);
  }
  return "a user-defined link";
}

[[noreturn]] void refuse_link(const std::string& where, const std::string& path, const std::string& kind) {
  fail_format(where, path,
              fmt::format("{}; initlab, like Keras, reads only hard links (plain groups and datasets)", kind));
}

enum class Kind { kMissing, kGroup, kDataset, kOther };

// What `name` (a relative path) is under `loc`, checking that every component is a hard link.
Kind resolve(hid_t loc, std::string_view name, const std::string& where, const std::string& base) {
  const std::vector<std::string> parts = split_path(name, where, base);
  std::string prefix;
  std::string shown = base;
  for (size_t i = 0; i < parts.size(); ++i) {
    prefix += (i == 0 ? "" : "/") + parts[i];
    shown = join(shown, parts[i]);
    const htri_t exists = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT);
    if (exists < 0) fail_format(where, shown, fmt::format("cannot look the name up ({})", reason()));
    if (exists == 0) return Kind::kMissing;
    H5L_info_t info;
    checked(H5Lget_info(loc, prefix.c_str(), &info, H5P_DEFAULT), where, shown, "cannot read the link");
    if (info.type != H5L_TYPE_HARD) refuse_link(where, shown, link_description(loc, prefix.c_str(), info));
    H5O_info_t oinfo;
    checked(H5Oget_info_by_name2(loc, prefix.c_str(), &oinfo, H5O_INFO_BASIC, H5P_DEFAULT), where, shown,
            "cannot read the object");
    const bool last = i + 1 == parts.size();
    if (!last) {
      if (oinfo.type != H5O_TYPE_GROUP) return Kind::kMissing;  // a dataset has no members
      continue;
    }
    if (oinfo.type == H5O_TYPE_GROUP) return Kind::kGroup;
    if (oinfo.type == H5O_TYPE_DATASET) return Kind::kDataset;
    return Kind::kOther;
  }
  return Kind::kMissing;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kMissing: return "nothing";
    case Kind::kGroup: return "a group";
    case Kind::kDataset: return "a dataset";
    case Kind::kOther: return "a named datatype";
  }
  return "something else";
}

uint64_t file_size_of(hid_t obj) {
  const hid_t file = H5Iget_file_id(obj);
  if (file < 0) {
    H5Eclear2(H5E_DEFAULT);
    return 0;
  }
  Handle f(file);
  hsize_t size = 0;
  if (H5Fget_filesize(file, &size) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return 0;
  }
  return size;
}

// The element type of a dataset, checked: which DType and which memory type reads it.
struct ElementType {
  DType dtype;
  Handle memtype;
};

std::string describe_type(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return fmt::format("a {}-byte integer", H5Tget_size(type));
    case H5T_FLOAT: return fmt::format("a {}-byte float", H5Tget_size(type));
    case H5T_STRING: return "strings";
    case H5T_BITFIELD: return "a bit field";
    case H5T_OPAQUE: return fmt::format("{}-byte opaque data", H5Tget_size(type));
    case H5T_COMPOUND: return "a compound (record) type";
    case H5T_REFERENCE: return "object references";
    case H5T_ENUM: return "an enum";
    case H5T_VLEN: return "variable-length sequences";
    case H5T_ARRAY: return "an array type";
    default: return "an unknown type";
  }
}

bool is_ieee_half(hid_t type) {
  size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
  if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0) return false;
  return spos == 15 && epos == 10 && esize == 5 && mpos == 0 && msize == 10 && H5Tget_ebias(type) == 15;
}

Handle little_endian_copy(hid_t type, const std::string& where, const std::string& path) {
  Handle copy = handle(H5Tcopy(type), where, path, "cannot copy the element type");
  if (H5Tget_class(type) != H5T_OPAQUE && H5Tget_size(type) > 1) {
    checked(H5Tset_order(copy.get(), H5T_ORDER_LE), where, path, "cannot set the byte order");
  }
  return copy;
}

ElementType element_type(hid_t type, bool bfloat16, const std::string& where, const std::string& path) {
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  const std::string expected =
      "expected numbers: float16/32/64, (u)int8/16/32/64, bool, or 2-byte data marked dtype=\"bfloat16\"";
  if (bfloat16) {
    if (size != 2 || (cls != H5T_OPAQUE && cls != H5T_INTEGER && cls != H5T_FLOAT)) {
      fail_format(where, path, fmt::format("marked dtype=\"bfloat16\" but holds {} (expected 2-byte elements)",
                                           describe_type(type)));
    }
    return {DType::kBF16, little_endian_copy(type, where, path)};
  }
  if (cls == H5T_FLOAT) {
    if (size == 4) return {DType::kF32, handle(H5Tcopy(H5T_NATIVE_FLOAT), where, path, "cannot copy a type")};
    if (size == 8) return {DType::kF64, handle(H5Tcopy(H5T_NATIVE_DOUBLE), where, path, "cannot copy a type")};
    if (size == 2 && is_ieee_half(type)) return {DType::kF16, little_endian_copy(type, where, path)};
    fail_format(where, path, fmt::format("holds {} that is not IEEE float16/32/64 ({})", describe_type(type), expected));
  }
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    struct Native {
      size_t size;
      bool is_signed;
      DType dtype;
      hid_t native;
    };
    const Native natives[] = {
        {1, true, DType::kI8, H5T_NATIVE_INT8},     {1, false, DType::kU8, H5T_NATIVE_UINT8},
        {2, true, DType::kI16, H5T_NATIVE_INT16},   {2, false, DType::kU16, H5T_NATIVE_UINT16},
        {4, true, DType::kI32, H5T_NATIVE_INT32},   {4, false, DType::kU32, H5T_NATIVE_UINT32},
        {8, true, DType::kI64, H5T_NATIVE_INT64},   {8, false, DType::kU64, H5T_NATIVE_UINT64},
    };
    for (const Native& n : natives) {
      if (n.size == size && n.is_signed == is_signed) {
        return {n.dtype, handle(H5Tcopy(n.native), where, path, "cannot copy a type")};
      }
    }
  }
  if (cls == H5T_ENUM && size == 1 && H5Tget_nmembers(type) == 2) {
    return {DType::kBool, little_endian_copy(type, where, path)};  // h5py's bool: int8 enum {FALSE, TRUE}
  }
  fail_format(where, path, fmt::format("holds {} ({})", describe_type(type), expected));
}

// Reads the attribute `name` of `obj` as strings (scalar or 1-D). `empty_float_ok`: an
// empty float array (h5py's []) reads as no strings.
std::vector<std::string> read_string_attribute(hid_t obj, const std::string& name, bool empty_float_ok,
                                               const std::string& where, const std::string& path) {
  const std::string shown = path + " attribute '" + name + "'";
  Handle attr = handle(H5Aopen(obj, name.c_str(), H5P_DEFAULT), where, shown, "cannot open");
  Handle type = handle(H5Aget_type(attr.get()), where, shown, "cannot read the type");
  Handle space = handle(H5Aget_space(attr.get()), where, shown, "cannot read the dataspace");
  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  if (space_class == H5S_NULL) return {};
  const int rank = space_class == H5S_SCALAR ? 0 : H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 1) fail_format(where, shown, fmt::format("has rank {} (expected a string or a list of strings)", rank));
  const hssize_t count = checked(H5Sget_simple_extent_npoints(space.get()), where, shown, "cannot count the elements");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_STRING) {
    if (empty_float_ok && count == 0 && cls == H5T_FLOAT) return {};
    fail_format(where, shown, fmt::format("holds {} (expected strings)", describe_type(type.get())));
  }
  const uint64_t file_size = file_size_of(obj);
  const auto n = static_cast<uint64_t>(count);
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    // Each element is a 16-byte reference into the file's global heap.
    if (file_size != 0 && bytes_of(n, 16) > file_size) {
      fail_format(where, shown, fmt::format("declares {} strings, more than the file of {} can hold", n, format_bytes(file_size)));
    }
    require_memory(bytes_of(n, sizeof(char*)), where + ": " + shown);
    Handle memtype = handle(H5Tcopy(H5T_C_S1), where, shown, "cannot make a string type");
    checked(H5Tset_size(memtype.get(), H5T_VARIABLE), where, shown, "cannot make a string type");
    checked(H5Tset_cset(memtype.get(), H5Tget_cset(type.get())), where, shown, "cannot make a string type");
    std::vector<char*> ptrs(n, nullptr);
    const herr_t read = H5Aread(attr.get(), memtype.get(), ptrs.data());
    if (read >= 0) {
      out.reserve(n);
      for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    }
    // A read that failed part-way may have allocated some of the strings.
    const std::string why = read < 0 ? reason() : "";
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, ptrs.data());
    if (read < 0) fail_format(where, shown, fmt::format("cannot read ({})", why));
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  const uint64_t total = bytes_of(n, size);
  if (size == 0 || (file_size != 0 && total > file_size)) {
    fail_format(where, shown, fmt::format("declares {} strings of {} bytes, more than the file of {} holds", n, size,
                                          format_bytes(file_size)));
  }
  require_memory(total, where + ": " + shown);
  std::string buf(total, '\0');
  checked(H5Aread(attr.get(), type.get(), buf.data()), where, shown, "cannot read");
  const H5T_str_t pad = H5Tget_strpad(type.get());
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string s = buf.substr(i * size, size);
    if (pad == H5T_STR_SPACEPAD) {
      s.erase(s.find_last_not_of(' ') + 1);
    } else {
      const size_t nul = s.find('\0');
      if (nul != std::string::npos) s.resize(nul);
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool attribute_exists(hid_t obj, const std::string& name, const std::string& where, const std::string& path) {
  return checked(H5Aexists(obj, name.c_str()), where, path, fmt::format("cannot look up the attribute '{}'", name)) > 0;
}

void write_string_attribute(hid_t obj, const std::string& name, std::string_view value, H5Charset charset,
                            const std::string& where, const std::string& path) {
  const std::string shown = path + " attribute '" + name + "'";
  if (value.find('\0') != std::string_view::npos) {
    throw ValueError(fmt::format("{}: {}: a string attribute cannot hold a NUL byte", where, shown));
  }
  if (attribute_exists(obj, name, where, path)) checked(H5Adelete(obj, name.c_str()), where, shown, "cannot replace");
  Handle type = handle(H5Tcopy(H5T_C_S1), where, shown, "cannot make a string type");
  checked(H5Tset_size(type.get(), H5T_VARIABLE), where, shown, "cannot make a string type");
  checked(H5Tset_cset(type.get(), charset == H5Charset::kUtf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), where, shown,
          "cannot make a string type");
  Handle space = handle(H5Screate(H5S_SCALAR), where, shown, "cannot make a dataspace");
  Handle attr = handle(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), where, shown,
                       "cannot create");
  const std::string text(value);
  const char* ptr = text.c_str();
  checked(H5Awrite(attr.get(), type.get(), &ptr), where, shown, "cannot write");
}

// A link creation property list that creates missing groups on the way.
Handle intermediate_lcpl(const std::string& where, const std::string& path) {
  Handle lcpl = handle(H5Pcreate(H5P_LINK_CREATE), where, path, "cannot make a property list");
  checked(H5Pset_create_intermediate_group(lcpl.get(), 1), where, path, "cannot set a property");
  checked(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), where, path, "cannot set a property");
  return lcpl;
}

// The file type initlab writes for a dtype (h5py's choices).
Handle file_type(DType dtype, const std::string& where, const std::string& path) {
  auto copy = [&](hid_t t) { return handle(H5Tcopy(t), where, path, "cannot copy a type"); };
  switch (dtype) {
    case DType::kF32: return copy(H5T_IEEE_F32LE);
    case DType::kF64: return copy(H5T_IEEE_F64LE);
    case DType::kF16: {
      // As h5py builds IEEE half (h5t.pyx): float32's layout narrowed to 1+5+10 bits.
      Handle t = copy(H5T_IEEE_F32LE);
      checked(H5Tset_fields(t.get(), 15, 10, 5, 0, 10), where, path, "cannot make float16");
      checked(H5Tset_size(t.get(), 2), where, path, "cannot make float16");
      checked(H5Tset_ebias(t.get(), 15), where, path, "cannot make float16");
      return t;
    }
    case DType::kBF16: return handle(H5Tcreate(H5T_OPAQUE, 2), where, path, "cannot make an opaque type");
    case DType::kBool: {
      Handle t = handle(H5Tenum_create(H5T_STD_I8LE), where, path, "cannot make the bool enum");
      const int8_t no = 0, yes = 1;
      checked(H5Tenum_insert(t.get(), "FALSE", &no), where, path, "cannot make the bool enum");
      checked(H5Tenum_insert(t.get(), "TRUE", &yes), where, path, "cannot make the bool enum");
      return t;
    }
    case DType::kI8: return copy(H5T_STD_I8LE);
    case DType::kU8: return copy(H5T_STD_U8LE);
    case DType::kI16: return copy(H5T_STD_I16LE);
    case DType::kU16: return copy(H5T_STD_U16LE);
    case DType::kI32: return copy(H5T_STD_I32LE);
    case DType::kU32: return copy(H5T_STD_U32LE);
    case DType::kI64: return copy(H5T_STD_I64LE);
    case DType::kU64: return copy(H5T_STD_U64LE);
  }
  throw ValueError(fmt::format("{}: {}: unknown dtype", where, path));
}

std::atomic<uint64_t> g_image_counter{0};

// A file-access property list for HDF5's in-memory ("core") driver, never backed by a file.
Handle core_fapl(const std::string& where) {
  Handle fapl = handle(H5Pcreate(H5P_FILE_ACCESS), where, "/", "cannot make a file-access property list");
  checked(H5Pset_fapl_core(fapl.get(), 1 << 16, 0), where, "/", "cannot select the in-memory driver");
  return fapl;
}

std::string image_name() { return fmt::format("initlab-memory-image-{}", g_image_counter.fetch_add(1)); }

}  // namespace

namespace {

// Where the superblock starts: the signature at offset 0, 512, 1024, 2048, …
std::optional<size_t> signature_offset(std::string_view bytes) {
  for (uint64_t at = 0; at + kSignatureLen <= bytes.size(); at = at == 0 ? 512 : at * 2) {
    if (std::memcmp(bytes.data() + at, kSignature, kSignatureLen) == 0) return static_cast<size_t>(at);
  }
  return std::nullopt;
}

}  // namespace

bool has_hdf5_signature(std::string_view bytes) { return signature_offset(bytes).has_value(); }

namespace {

// libhdf5 1.10 trusts the sizes inside a global heap collection (where
// variable-length strings live): a size that runs past the collection makes it
// copy past its buffer, a zero-sized free block makes it loop for ever. Every
// block that starts like a collection ("GCOL", version 1, three zero bytes:
// eight fixed bytes, which weights do not hold by chance) is walked as
// libhdf5 walks it (H5HG__cache_heap_deserialize) and must add up.
void check_global_heaps(std::string_view image, size_t at_superblock, const std::string& where) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(image[i]); };
  if (at_superblock + 16 > image.size()) return;
  const unsigned version = byte(at_superblock + 8);
  const size_t length_at = at_superblock + (version <= 1 ? 14 : 10);
  const size_t len = byte(length_at);  // "size of lengths": 2, 4 or 8 bytes
  if (len != 2 && len != 4 && len != 8) return;  // H5Fopen refuses the file
  const auto decode = [&](size_t i) {
    uint64_t v = 0;
    for (size_t k = 0; k < len; ++k) v |= static_cast<uint64_t>(byte(i + k)) << (8 * k);
    return v;
  };
  const std::string_view header("GCOL\x01\x00\x00\x00", 8);
  const size_t object_header = 8 + len;
  for (size_t at = image.find(header); at != std::string_view::npos; at = image.find(header, at + 1)) {
    auto damaged = [&](const std::string& what) {
      throw FormatError(fmt::format("{}: the file is damaged: the global heap collection at byte {} {}", where, at, what));
    };
    if (at + 8 + len > image.size()) damaged("is cut off");
    const uint64_t size = decode(at + 8);
    if (size < 8 + len || size > image.size() - at) {
      damaged(fmt::format("declares {} bytes, {}", size, size < 8 + len ? "less than its header" : "past the end of the file"));
    }
    const size_t end = at + size;
    size_t p = at + 8 + len;
    while (p < end) {
      if (p + object_header > end) break;  // a tail too small for an object: free space
      const unsigned index = byte(p) | (byte(p + 1) << 8);
      const uint64_t object = decode(p + 8);
      const uint64_t need = index > 0 ? object_header + ((object + 7) & ~uint64_t{7}) : object;
      if (index > 0 && object > end - p) damaged(fmt::format("has object {} of {} bytes, past its end", index, object));
      if (need == 0 || need > end - p) {
        damaged(fmt::format("has {} of {} bytes at byte {}, {}", index > 0 ? "an object" : "a free block", object, p,
                            need == 0 ? "which would never end" : "past its end"));
      }
      p += need;
    }
  }
}

}  // namespace

// ---- H5File ---------------------------------------------------------------------

namespace {

herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

template <class F>
void attempt(F&& f) {
  try {
    f();
  } catch (...) {  // a refusal here is the readers' to report; only a crash counts
  }
}

}  // namespace

// Reads every attribute (as strings, the only kind the readers read), group and
// dataset reachable from `g` by hard links, as the readers would.
void H5File::read_everything(const H5Group& g, int depth, std::set<uint64_t>& seen) {
  if (depth > 64) return;
  uint64_t address = 0;
  attempt([&] { address = g.address(); });
  if (!seen.insert(address).second) return;
  std::vector<std::string> attributes;
  hsize_t index = 0;
  H5Aiterate2(g.id_.get(), H5_INDEX_NAME, H5_ITER_NATIVE, &index, collect_attribute_name, &attributes);
  for (const std::string& a : attributes) {
    attempt([&] { (void)read_string_attribute(g.id_.get(), a, true, g.where(), g.path()); });
  }
  std::vector<std::string> children;
  attempt([&] { children = g.children(); });
  for (const std::string& c : children) {
    attempt([&] {
      if (g.has_group(c)) {
        read_everything(g.group(c), depth + 1, seen);
      } else if (g.has_dataset(c)) {
        (void)g.read_dataset(c);
      }
    });
  }
}

void check_hdf5_read_in_child(const std::string& where, size_t image_bytes, const std::function<void()>& read) {
  // libhdf5 loops for ever on some damaged heaps too: the trial has 5 s, and 1 s
  // more per 100 MB (reading is a memory copy at GB/s).
  const auto limit = std::chrono::milliseconds(5000 + static_cast<int64_t>(image_bytes / 100000));
  const IsolatedOutcome trial = run_isolated(read, limit);
  if (trial.crashed) {
    throw FormatError(fmt::format("{}: the file is damaged: libhdf5 {} reading it ({}, in a separate process)", where,
                                  trial.how.starts_with("still running") ? "hung" : "crashed", trial.how));
  }
}

H5File H5File::open(const std::string& path) { return from_image(read_file(path), path); }

H5File H5File::from_image(std::string bytes, std::string where, bool trial_in_child) {
  silence();
  const std::optional<size_t> superblock = signature_offset(bytes);
  if (!superblock) {
    std::string start;
    for (unsigned char c : bytes.substr(0, 8)) start += fmt::format("{:02x}", c);
    throw FormatError(fmt::format(
        "{}: not an HDF5 file (expected the signature 89 48 44 46 0d 0a 1a 0a, \"\\x89HDF\\r\\n\\x1a\\n\", at offset 0, "
        "512, 1024, …; the file has {} and starts with {})",
        where, format_bytes(bytes.size()), start.empty() ? "nothing" : start));
  }
  check_global_heaps(bytes, *superblock, where);
  // HDF5 copies the image into the driver's own buffer.
  require_memory(bytes.size(), where + ": the HDF5 image");
  Handle fapl = core_fapl(where);
  checked(H5Pset_file_image(fapl.get(), bytes.data(), bytes.size()), where, "/", "cannot hand the image to HDF5");
  const hid_t id = H5Fopen(image_name().c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) throw FormatError(fmt::format("{}: not a readable HDF5 file: {}", where, reason()));
  H5File file(Handle(id), std::move(where));
  // libhdf5 trusts a file's internal addresses in places (a damaged global heap
  // makes H5Aread copy past its buffer): every object is read once in a child
  // process first, and a crash there is reported as damage instead of taking
  // this process down.
  if (!trial_in_child) return file;
  check_hdf5_read_in_child(file.where(), bytes.size(), [&] {
    std::set<uint64_t> seen;
    read_everything(file.root(), 0, seen);
  });
  return file;
}

H5File H5File::create_in_memory(std::string where) {
  silence();
  Handle fapl = core_fapl(where);
  const hid_t id = H5Fcreate(image_name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) throw IoError(fmt::format("{}: cannot create an HDF5 file in memory: {}", where, reason()));
  return H5File(Handle(id), std::move(where));
}

std::string H5File::image() {
  silence();
  if (H5Fflush(id_.get(), H5F_SCOPE_GLOBAL) < 0) throw IoError(fmt::format("{}: cannot flush: {}", where_, reason()));
  const ssize_t size = H5Fget_file_image(id_.get(), nullptr, 0);
  if (size < 0) throw IoError(fmt::format("{}: cannot take the file's bytes: {}", where_, reason()));
  std::string bytes(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(id_.get(), bytes.data(), bytes.size()) != size) {
    throw IoError(fmt::format("{}: cannot take the file's bytes: {}", where_, reason()));
  }
  return bytes;
}

H5Group H5File::root() const {
  silence();
  return H5Group(handle(H5Gopen2(id_.get(), "/", H5P_DEFAULT), where_, "/", "cannot open the root group"), "/",
                 where_);
}

// ---- H5Group ---------------------------------------------------------------------

std::string H5Group::child_path(std::string_view name) const { return join(path_, name); }

namespace {

struct ChildList {
  std::vector<std::string> names;
  std::string bad_name;
  H5L_info_t bad_info{};
};

herr_t collect_child(hid_t, const char* name, const H5L_info_t* info, void* data) {
  auto* list = static_cast<ChildList*>(data);
  if (info->type != H5L_TYPE_HARD) {
    list->bad_name = name;
    list->bad_info = *info;
    return 1;  // stop
  }
  list->names.emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> H5Group::children() const {
  silence();
  ChildList list;
  hsize_t index = 0;
  checked(H5Literate(id_.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_child, &list), where_, path_,
          "cannot list the group");
  if (!list.bad_name.empty()) {
    refuse_link(where_, child_path(list.bad_name), link_description(id_.get(), list.bad_name.c_str(), list.bad_info));
  }
  return list.names;
}

bool H5Group::has_group(std::string_view name) const {
  silence();
  return resolve(id_.get(), name, where_, path_) == Kind::kGroup;
}

bool H5Group::has_dataset(std::string_view name) const {
  silence();
  return resolve(id_.get(), name, where_, path_) == Kind::kDataset;
}

H5Group H5Group::group(std::string_view name) const {
  silence();
  const std::string path = child_path(name);
  const Kind kind = resolve(id_.get(), name, where_, path_);
  if (kind != Kind::kGroup) fail_format(where_, path, fmt::format("expected a group, found {}", kind_name(kind)));
  const std::string n(name);
  return H5Group(handle(H5Gopen2(id_.get(), n.c_str(), H5P_DEFAULT), where_, path, "cannot open the group"), path,
                 where_);
}

StoredTensor H5Group::read_dataset(std::string_view name) const {
  silence();
  const std::string path = child_path(name);
  const Kind kind = resolve(id_.get(), name, where_, path_);
  if (kind != Kind::kDataset) fail_format(where_, path, fmt::format("expected a dataset, found {}", kind_name(kind)));
  const std::string n(name);
  Handle dataset = handle(H5Dopen2(id_.get(), n.c_str(), H5P_DEFAULT), where_, path, "cannot open the dataset");
  Handle dcpl = handle(H5Dget_create_plist(dataset.get()), where_, path, "cannot read the storage properties");
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout == H5D_VIRTUAL) {
    fail_format(where_, path, "a virtual dataset (its data lives in other files); initlab, like Keras, refuses them");
  }
  const int external = checked(H5Pget_external_count(dcpl.get()), where_, path, "cannot read the storage properties");
  if (external > 0) {
    char file[256] = {0};
    off_t offset = 0;
    hsize_t size = 0;
    std::string target;
    if (H5Pget_external(dcpl.get(), 0, sizeof file - 1, file, &offset, &size) >= 0) target = fmt::format(" ('{}')", file);
    H5Eclear2(H5E_DEFAULT);
    fail_format(where_, path,
                fmt::format("an external dataset: its data lives in another file{}; initlab, like Keras, refuses them",
                            target));
  }

  Handle space = handle(H5Dget_space(dataset.get()), where_, path, "cannot read the dataspace");
  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  if (space_class == H5S_NULL) fail_format(where_, path, "has a null dataspace (no shape, no data; expected an array)");
  if (space_class != H5S_SCALAR && space_class != H5S_SIMPLE) fail_format(where_, path, "has an unknown dataspace");
  std::vector<int64_t> dims;
  if (space_class == H5S_SIMPLE) {
    const int rank = checked(H5Sget_simple_extent_ndims(space.get()), where_, path, "cannot read the rank");
    if (rank > Shape::kMaxRank) {
      fail_format(where_, path, fmt::format("has rank {} (initlab's tensors have rank 0 to {})", rank, Shape::kMaxRank));
    }
    hsize_t hdims[H5S_MAX_RANK];
    checked(H5Sget_simple_extent_dims(space.get(), hdims, nullptr), where_, path, "cannot read the shape");
    uint64_t count = 1;
    for (int i = 0; i < rank; ++i) {
      if (hdims[i] > static_cast<hsize_t>(std::numeric_limits<int64_t>::max()) ||
          (hdims[i] != 0 && count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / hdims[i])) {
        fail_format(where_, path, "declares more elements than fit in 64 bits");
      }
      count *= hdims[i];
      dims.push_back(static_cast<int64_t>(hdims[i]));
    }
  }
  const Shape shape(dims);

  const bool bfloat16 = [&] {
    if (!attribute_exists(dataset.get(), "dtype", where_, path)) return false;
    const auto marks = read_string_attribute(dataset.get(), "dtype", false, where_, path);
    return marks.size() == 1 && marks[0] == "bfloat16";
  }();
  Handle type = handle(H5Dget_type(dataset.get()), where_, path, "cannot read the element type");
  ElementType element = element_type(type.get(), bfloat16, where_, path);

  const uint64_t declared = bytes_of(static_cast<uint64_t>(shape.numel()), dtype_size(element.dtype));
  const uint64_t stored = H5Dget_storage_size(dataset.get());
  if (declared > kBombDeclared && declared > bytes_of(stored, kBombRatio)) {
    fail_format(where_, path,
                fmt::format("declares {} {} ({}) but stores {}; initlab, like Keras, refuses datasets declaring more "
                            "than 4 GiB and more than {}× their stored bytes",
                            dtype_name(element.dtype), shape.str(), format_bytes(declared), format_bytes(stored),
                            kBombRatio));
  }
  if (layout == H5D_CONTIGUOUS && stored > 0) {
    const uint64_t file_size = file_size_of(dataset.get());
    if (file_size != 0 && declared > file_size) {
      fail_format(where_, path,
                  fmt::format("declares {} {} ({}) of uncompressed data, more than the whole file ({})",
                              dtype_name(element.dtype), shape.str(), format_bytes(declared), format_bytes(file_size)));
    }
  }
  require_memory(declared, fmt::format("{}: {} {} {}", where_, path, dtype_name(element.dtype), shape.str()));

  StoredTensor t;
  t.name = std::string(name);
  t.dtype = element.dtype;
  t.shape = shape;
  t.bytes.assign(declared, '\0');
  if (declared > 0) {
    checked(H5Dread(dataset.get(), element.memtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()), where_, path,
            "cannot read the data");
  }
  return t;
}

bool H5Group::has_attribute(std::string_view name) const {
  silence();
  return attribute_exists(id_.get(), std::string(name), where_, path_);
}

std::optional<std::string> H5Group::string_attribute(std::string_view name) const {
  silence();
  const std::string n(name);
  if (!attribute_exists(id_.get(), n, where_, path_)) return std::nullopt;
  std::vector<std::string> values = read_string_attribute(id_.get(), n, false, where_, path_);
  if (values.size() != 1) {
    fail_format(where_, path_ + " attribute '" + n + "'",
                fmt::format("holds {} strings (expected one)", values.size()));
  }
  return std::move(values[0]);
}

std::optional<std::vector<std::string>> H5Group::string_list_attribute(std::string_view name) const {
  silence();
  const std::string n(name);
  if (attribute_exists(id_.get(), n, where_, path_)) return read_string_attribute(id_.get(), n, true, where_, path_);
  std::vector<std::string> all;
  size_t chunk = 0;
  for (;; ++chunk) {
    const std::string chunk_name = n + std::to_string(chunk);
    if (!attribute_exists(id_.get(), chunk_name, where_, path_)) break;
    std::vector<std::string> part = read_string_attribute(id_.get(), chunk_name, true, where_, path_);
    for (std::string& s : part) all.push_back(std::move(s));
  }
  if (chunk == 0) return std::nullopt;
  return all;
}

H5Group H5Group::create_group(std::string_view name) {
  silence();
  const std::string path = child_path(name);
  const Kind kind = resolve(id_.get(), name, where_, path_);
  if (kind != Kind::kMissing) fail_format(where_, path, fmt::format("cannot create a group: {} is already there", kind_name(kind)));
  Handle lcpl = intermediate_lcpl(where_, path);
  const std::string n(name);
  return H5Group(handle(H5Gcreate2(id_.get(), n.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), where_, path,
                        "cannot create the group"),
                 path, where_);
}

void H5Group::write_dataset(std::string_view name, const StoredTensor& t) {
  silence();
  const std::string path = child_path(name);
  const uint64_t expected = bytes_of(static_cast<uint64_t>(t.numel()), dtype_size(t.dtype));
  if (t.bytes.size() != expected) {
    throw ValueError(fmt::format("{}: {}: {} {} needs {} bytes, the tensor holds {}", where_, path, dtype_name(t.dtype),
                                 t.shape.str(), expected, t.bytes.size()));
  }
  const Kind kind = resolve(id_.get(), name, where_, path_);
  if (kind != Kind::kMissing) fail_format(where_, path, fmt::format("cannot create a dataset: {} is already there", kind_name(kind)));
  Handle type = file_type(t.dtype, where_, path);
  Handle space;
  if (t.shape.rank() == 0) {
    space = handle(H5Screate(H5S_SCALAR), where_, path, "cannot make a dataspace");
  } else {
    std::vector<hsize_t> dims(t.shape.dims().begin(), t.shape.dims().end());
    space = handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), where_, path,
                   "cannot make a dataspace");
  }
  Handle lcpl = intermediate_lcpl(where_, path);
  const std::string n(name);
  Handle dataset = handle(H5Dcreate2(id_.get(), n.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                          where_, path, "cannot create the dataset");
  if (!t.bytes.empty()) {
    checked(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()), where_, path,
            "cannot write the data");
  }
  if (t.dtype == DType::kBF16) write_string_attribute(dataset.get(), "dtype", "bfloat16", H5Charset::kUtf8, where_, path);
}

void H5Group::set_string_attribute(std::string_view name, std::string_view value, H5Charset charset) {
  silence();
  write_string_attribute(id_.get(), std::string(name), value, charset, where_, path_);
}

void H5Group::set_string_list_attribute(std::string_view name, const std::vector<std::string>& values) {
  silence();
  const std::string n(name);
  const std::string shown = path_ + " attribute '" + n + "'";
  if (values.empty()) {  // h5py stores [] as an empty float64 array
    Handle type = handle(H5Tcopy(H5T_IEEE_F64LE), where_, shown, "cannot copy a type");
    const hsize_t zero = 0;
    Handle space = handle(H5Screate_simple(1, &zero, nullptr), where_, shown, "cannot make a dataspace");
    Handle attr = handle(H5Acreate2(id_.get(), n.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), where_,
                         shown, "cannot create");
    return;
  }
  size_t longest = 1;  // NumPy's itemsize for bytes: the longest, at least 1
  for (const std::string& v : values) {
    if (v.find('\0') != std::string::npos) throw ValueError(fmt::format("{}: {}: a string cannot hold a NUL byte", where_, shown));
    if (v.size() > kAttributeChunkLimit) {
      throw ValueError(fmt::format("{}: {}: '{}…' is {} bytes long; tf-keras refuses strings over {} bytes", where_, shown,
                                   v.substr(0, 40), v.size(), kAttributeChunkLimit));
    }
    longest = std::max(longest, v.size());
  }
  const size_t count = values.size();
  if (bytes_of(count, longest) <= kAttributeChunkLimit) {
    Handle type = handle(H5Tcopy(H5T_C_S1), where_, shown, "cannot make a string type");
    checked(H5Tset_size(type.get(), H5T_VARIABLE), where_, shown, "cannot make a string type");
    const hsize_t dim = count;
    Handle space = handle(H5Screate_simple(1, &dim, nullptr), where_, shown, "cannot make a dataspace");
    Handle attr = handle(H5Acreate2(id_.get(), n.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), where_,
                         shown, "cannot create");
    std::vector<const char*> ptrs;
    ptrs.reserve(count);
    for (const std::string& v : values) ptrs.push_back(v.c_str());
    checked(H5Awrite(attr.get(), type.get(), ptrs.data()), where_, shown, "cannot write");
    return;
  }
  // np.array_split(data, k) for the smallest k whose largest chunk fits: the first
  // count % k chunks hold count / k + 1 strings, the others count / k.
  size_t chunks = 2;
  while (bytes_of((count + chunks - 1) / chunks, longest) > kAttributeChunkLimit) ++chunks;
  Handle type = handle(H5Tcopy(H5T_C_S1), where_, shown, "cannot make a string type");
  checked(H5Tset_size(type.get(), longest), where_, shown, "cannot make a string type");
  checked(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), where_, shown, "cannot make a string type");
  size_t next = 0;
  for (size_t c = 0; c < chunks; ++c) {
    const size_t size = count / chunks + (c < count % chunks ? 1 : 0);
    std::string buf(size * longest, '\0');
    for (size_t i = 0; i < size; ++i) values[next + i].copy(buf.data() + i * longest, longest);
    next += size;
    const std::string chunk_name = n + std::to_string(c);
    const hsize_t dim = size;
    Handle space = handle(H5Screate_simple(1, &dim, nullptr), where_, shown, "cannot make a dataspace");
    Handle attr = handle(H5Acreate2(id_.get(), chunk_name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                         where_, path_ + " attribute '" + chunk_name + "'", "cannot create");
    checked(H5Awrite(attr.get(), type.get(), buf.data()), where_, path_ + " attribute '" + chunk_name + "'",
            "cannot write");
  }
}

uint64_t H5Group::address() const {
  silence();
  H5O_info_t info;
  checked(H5Oget_info2(id_.get(), &info, H5O_INFO_BASIC), where_, path_, "cannot read the object");
  return info.addr;
}

}  // namespace initlab
