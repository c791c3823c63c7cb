#include "initlab/io/zip_archive.hpp"

#include <fmt/format.h>
#include <zip.h>

#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab {
namespace {

// The smallest archive: the 22-byte end-of-central-directory record alone.
constexpr size_t kEndRecordSize = 22;
// The fixed part of a central directory entry.
constexpr uint64_t kCentralEntrySize = 46;
// 1980-01-01 00:00 in MS-DOS date and time: the earliest a ZIP entry can say.
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint16_t kDosTime = 0;

std::string in_quotes(std::string_view name) { return "'" + text_excerpt(name, 80) + "'"; }

std::string zip_error_text(zip_error_t* e) { return zip_error_strerror(e); }

// libzip turns a NUL inside a stored name into a space. For a name with
// spaces, look for its central directory entry with a NUL where libzip shows a
// space (only such an archive has one).
bool stored_name_has_nul(const std::string& bytes, const std::string& shown) {
  if (shown.find(' ') == std::string::npos) return false;
  static constexpr char kSig[] = {'P', 'K', 1, 2};
  for (size_t p = bytes.find(std::string_view(kSig, 4)); p != std::string::npos;
       p = bytes.find(std::string_view(kSig, 4), p + 1)) {
    if (p + kCentralEntrySize + shown.size() > bytes.size()) break;
    const size_t len = static_cast<unsigned char>(bytes[p + 28]) | static_cast<unsigned char>(bytes[p + 29]) << 8;
    if (len != shown.size()) continue;
    bool same = true, nul = false;
    for (size_t i = 0; i < len && same; ++i) {
      const char c = bytes[p + kCentralEntrySize + i];
      nul |= c == '\0' && shown[i] == ' ';
      same = c == shown[i] || (c == '\0' && shown[i] == ' ');
    }
    if (same && nul) return true;
  }
  return false;
}

}  // namespace

std::string zip_member_name_problem(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name.find('\0') != std::string_view::npos) return "it contains a NUL byte";
  if (name.front() == '/' || name.front() == '\\') return "it is an absolute path";
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    return "it starts with a drive letter";
  }
  size_t start = 0;
  for (;;) {
    const size_t end = name.find_first_of("/\\", start);
    if (name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start) == "..") {
      return "it has a '..' component";
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return "";
}

struct ZipReader::Impl {
  std::string bytes;
  std::string where;
  zip_t* archive = nullptr;
  std::vector<std::string> names;
  std::map<std::string, zip_uint64_t, std::less<>> index;

  ~Impl() {
    if (archive != nullptr) zip_discard(archive);
  }

  [[noreturn]] void fail(const std::string& what) const { throw FormatError(fmt::format("{}: {}", where, what)); }
  [[noreturn]] void fail(const std::string& member, const std::string& what) const {
    throw FormatError(fmt::format("{}: member {}: {}", where, in_quotes(member), what));
  }

  zip_stat_t stat(const std::string& member, zip_uint64_t i) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(archive, i, 0, &st) != 0) fail(member, zip_strerror(archive));
    return st;
  }
};

ZipReader::ZipReader(std::string bytes, std::string where) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.bytes = std::move(bytes);
  m.where = std::move(where);
  if (m.bytes.size() < kEndRecordSize) {
    m.fail(fmt::format("not a ZIP archive: {} bytes, fewer than the {}-byte end record every archive has",
                       m.bytes.size(), kEndRecordSize));
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(m.bytes.data(), m.bytes.size(), 0, &error);
  if (source == nullptr) {
    const std::string why = zip_error_text(&error);
    zip_error_fini(&error);
    m.fail("cannot read the archive: " + why);
  }
  m.archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (m.archive == nullptr) {
    // libzip refuses a repeated name in the central directory without naming it.
    const std::string why = zip_error_code_zip(&error) == ZIP_ER_EXISTS
                                ? std::string("a member name appears twice in the central directory")
                                : std::string(zip_error_text(&error));
    zip_error_fini(&error);
    zip_source_free(source);
    m.fail("not a valid ZIP archive: " + why);
  }
  zip_error_fini(&error);
  const zip_int64_t count = zip_get_num_entries(m.archive, 0);
  if (count < 0 || bytes_of(static_cast<uint64_t>(count), kCentralEntrySize) > m.bytes.size()) {
    m.fail(fmt::format("the central directory lists {} members, more than {} bytes can hold", count, m.bytes.size()));
  }
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    const char* raw = zip_get_name(m.archive, i, ZIP_FL_ENC_RAW);
    if (raw == nullptr) m.fail(fmt::format("member {}: {}", i, zip_strerror(m.archive)));
    std::string name = raw;
    std::string problem = zip_member_name_problem(name);
    if (problem.empty() && stored_name_has_nul(m.bytes, name)) problem = "it contains a NUL byte";
    if (!problem.empty()) m.fail(name, "refused as a member name: " + problem);
    if (!m.index.emplace(name, i).second) m.fail(name, "appears twice in the archive");
    m.names.push_back(std::move(name));
  }
}

ZipReader ZipReader::open(const std::string& path) { return ZipReader(read_file(path), path); }

ZipReader::~ZipReader() = default;
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;

const std::string& ZipReader::where() const { return impl_->where; }
std::vector<std::string> ZipReader::names() const { return impl_->names; }
bool ZipReader::contains(std::string_view member) const { return impl_->index.count(member) != 0; }

uint64_t ZipReader::size_of(const std::string& member) const {
  const auto it = impl_->index.find(member);
  if (it == impl_->index.end()) impl_->fail(member, "not in the archive");
  return impl_->stat(member, it->second).size;
}

std::string ZipReader::read(const std::string& member) const {
  const Impl& m = *impl_;
  const auto it = m.index.find(member);
  if (it == m.index.end()) {
    std::string held;
    for (size_t i = 0; i < m.names.size() && i < 5; ++i) held += (i == 0 ? "" : ", ") + in_quotes(m.names[i]);
    if (m.names.size() > 5) held += fmt::format(" and {} more", m.names.size() - 5);
    m.fail(member, m.names.empty() ? "not in the archive, which is empty" : "not in the archive (it holds " + held + ")");
  }
  const zip_stat_t st = m.stat(member, it->second);
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
    m.fail(member, "is encrypted; initlab reads only unencrypted archives");
  }
  if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
    m.fail(member, fmt::format("compression method {} is not supported (expected 0, stored, or 8, deflated)",
                               st.comp_method));
  }
  if (st.comp_size > m.bytes.size()) {
    m.fail(member, fmt::format("says it stores {} bytes; the whole archive has {}", st.comp_size, m.bytes.size()));
  }
  if (st.size > kZipBombSize && st.size > bytes_of(st.comp_size, kZipMaxRatio)) {
    m.fail(member, fmt::format("claims {} bytes inflated from {} stored (more than {}× and beyond {}): refused as a "
                               "zip bomb",
                               st.size, st.comp_size, kZipMaxRatio, format_bytes(kZipBombSize)));
  }
  require_memory(st.size, fmt::format("{}: member {}", m.where, in_quotes(member)));
  if (st.comp_method == ZIP_CM_STORE && st.size != st.comp_size) {
    m.fail(member, fmt::format("is stored (not compressed) but its sizes differ: {} and {} bytes", st.size,
                               st.comp_size));
  }
  zip_file_t* file = zip_fopen_index(m.archive, it->second, 0);
  if (file == nullptr) m.fail(member, std::string("cannot be opened: ") + zip_strerror(m.archive));
  std::string out(static_cast<size_t>(st.size), '\0');
  uint64_t done = 0;
  std::string problem;
  while (done < st.size) {
    const zip_int64_t got = zip_fread(file, out.data() + done, st.size - done);
    if (got < 0) {
      problem = zip_file_strerror(file);
      break;
    }
    if (got == 0) {
      problem = fmt::format("holds {} bytes, but the central directory says {}", done, st.size);
      break;
    }
    done += static_cast<uint64_t>(got);
  }
  if (problem.empty()) {
    // One more read reaches the end, where libzip compares the CRC-32.
    char extra;
    const zip_int64_t got = zip_fread(file, &extra, 1);
    if (got > 0) problem = fmt::format("holds more than the {} bytes the central directory says", st.size);
    if (got < 0) problem = zip_file_strerror(file);
  }
  const int code = problem.empty() ? 0 : zip_error_code_zip(zip_file_get_error(file));
  zip_fclose(file);
  if (code == ZIP_ER_CRC) m.fail(member, "CRC-32 mismatch: the data is damaged");
  if (!problem.empty()) m.fail(member, problem);
  return out;
}

ZipWriter::ZipWriter() = default;
ZipWriter::~ZipWriter() = default;
ZipWriter::ZipWriter(ZipWriter&&) noexcept = default;
ZipWriter& ZipWriter::operator=(ZipWriter&&) noexcept = default;

void ZipWriter::add(const std::string& name, std::string bytes, bool deflate) {
  if (const std::string problem = zip_member_name_problem(name); !problem.empty()) {
    throw ValueError(fmt::format("ZIP member name {} is refused: {}", in_quotes(name), problem));
  }
  for (const Member& m : members_) {
    if (m.name == name) throw ValueError(fmt::format("ZIP member {} is added twice", in_quotes(name)));
  }
  members_.push_back(Member{name, std::move(bytes), deflate});
}

std::string ZipWriter::finish() {
  const std::vector<Member> members = std::move(members_);
  members_.clear();
  if (members.empty()) return std::string("PK\x05\x06", 4) + std::string(kEndRecordSize - 4, '\0');
  uint64_t total = 0;
  for (const Member& m : members) total += m.bytes.size() + 2 * kCentralEntrySize + 2 * m.name.size() + 64;
  require_memory(total, "ZIP archive");

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  const auto failed = [&](const std::string& what) {
    const std::string why = zip_error_text(&error);
    zip_error_fini(&error);
    return IoError(fmt::format("building a ZIP archive in memory: {}: {}", what, why));
  };
  if (source == nullptr) throw failed("buffer");
  zip_t* archive = zip_open_from_source(source, ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_source_free(source);
    throw failed("open");
  }
  zip_source_keep(source);  // read back after zip_close
  const auto give_up = [&](const std::string& what) {
    const std::string why = zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(source);
    zip_error_fini(&error);
    return IoError(fmt::format("building a ZIP archive in memory: {}: {}", what, why));
  };
  for (const Member& m : members) {
    zip_source_t* data = zip_source_buffer(archive, m.bytes.data(), m.bytes.size(), 0);
    if (data == nullptr) throw give_up(m.name);
    const zip_int64_t i = zip_file_add(archive, m.name.c_str(), data, ZIP_FL_ENC_UTF_8);
    if (i < 0) {
      zip_source_free(data);
      throw give_up(m.name);
    }
    const auto at = static_cast<zip_uint64_t>(i);
    if (zip_set_file_compression(archive, at, m.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_dostime(archive, at, kDosTime, kDosDate, 0) != 0) {
      throw give_up(m.name);
    }
  }
  if (zip_close(archive) != 0) throw give_up("close");
  std::string out;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_open(source) != 0 || zip_source_stat(source, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
    zip_source_free(source);
    zip_error_fini(&error);
    throw IoError("building a ZIP archive in memory: cannot read the result back");
  }
  out.resize(static_cast<size_t>(st.size));
  const zip_int64_t got = zip_source_read(source, out.data(), st.size);
  zip_source_close(source);
  zip_source_free(source);
  zip_error_fini(&error);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
    throw IoError("building a ZIP archive in memory: the result is shorter than its size");
  }
  return out;
}

}  // namespace initlab
