#include "core/cluster/partial_file.h"

#include <cstring>
#include <fstream>

#include "core/cluster/archive.h"
#include "core/output.h"

namespace trialsim {
namespace {

constexpr std::string_view MAGIC = "TRIALSIM PARTIAL RESULTS 1\n";
constexpr std::uint32_t BYTE_ORDER_MARK = 0x01020304;
constexpr std::size_t DIGEST_HEX_LENGTH = 64;
constexpr std::uint64_t NODE_PREFIX_BYTES =
    3 * sizeof(std::uint64_t);  // first block, block count, length

template <class T>
void append_raw(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
}

// One line `NAME: problem, expected ...`, which the callers turn into exit 2 (README: exit codes).
[[noreturn]] void refuse(const std::string& name, const std::string& problem) {
  throw ArchiveError(
      name + ": " + problem +
      ", expected a complete trialsim partial-results file (a shard or checkpoint written by "
      "trialsim run)");
}

class Cursor {
 public:
  Cursor(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}
  template <class T>
  T raw() {
    T value{};
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  std::string_view take(std::uint64_t size) {
    if (size > bytes_.size() - position_)
      fail("a length runs past the end of the file (" + std::to_string(size) + " bytes)");
    const std::string_view out = bytes_.substr(position_, static_cast<std::size_t>(size));
    position_ += static_cast<std::size_t>(size);
    return out;
  }
  bool at_end() const noexcept { return position_ == bytes_.size(); }
  std::uint64_t left() const noexcept { return bytes_.size() - position_; }
  [[noreturn]] void fail(const std::string& what) const { refuse(name_, what); }

 private:
  std::string_view bytes_;
  const std::string& name_;
  std::size_t position_ = 0;
};

}  // namespace

std::string serialize_partial_results(const PartialResults& partial) {
  std::string out(MAGIC);
  append_raw(out, BYTE_ORDER_MARK);
  const std::string header = partial.header.dump();
  append_raw<std::uint64_t>(out, header.size());
  out += header;
  append_raw<std::uint64_t>(out, partial.nodes.size());
  for (const PartialNode& node : partial.nodes) {
    append_raw(out, node.span.first_block);
    append_raw(out, node.span.block_count);
    append_raw<std::uint64_t>(out, node.bytes.size());
    out += node.bytes;
  }
  out += sha256_hex(out);
  return out;
}

PartialResults parse_partial_results(std::string_view bytes, const std::string& display_name) {
  if (bytes.empty()) refuse(display_name, "empty file");
  if (bytes.size() < MAGIC.size() + DIGEST_HEX_LENGTH || bytes.substr(0, MAGIC.size()) != MAGIC) {
    refuse(display_name, bytes.substr(0, MAGIC.size()) == MAGIC
                             ? "truncated"
                             : "no trialsim partial-results header");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - DIGEST_HEX_LENGTH);
  if (sha256_hex(body) != bytes.substr(bytes.size() - DIGEST_HEX_LENGTH)) {
    refuse(display_name, "checksum mismatch: truncated or corrupt");
  }
  Cursor cursor(body, display_name);
  cursor.take(MAGIC.size());
  if (cursor.raw<std::uint32_t>() != BYTE_ORDER_MARK)
    cursor.fail("written on a machine of another byte order");
  PartialResults partial;
  const std::string_view header = cursor.take(cursor.raw<std::uint64_t>());
  partial.header = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (!partial.header.is_object()) cursor.fail("header is not a JSON object");
  const auto count = cursor.raw<std::uint64_t>();
  // Every node takes at least its three numbers: a count that cannot fit is refused before the
  // loop, whatever it claims.
  if (count > cursor.left() / NODE_PREFIX_BYTES) {
    cursor.fail("it claims " + std::to_string(count) + " nodes but has room for at most " +
                std::to_string(cursor.left() / NODE_PREFIX_BYTES));
  }
  partial.nodes.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    PartialNode node;
    node.span.first_block = cursor.raw<std::uint64_t>();
    node.span.block_count = cursor.raw<std::uint64_t>();
    if (!is_dyadic(node.span)) {
      cursor.fail("node " + std::to_string(i + 1) + " (first block " +
                  std::to_string(node.span.first_block) + ", " +
                  std::to_string(node.span.block_count) + " blocks) is not a dyadic block span");
    }
    node.bytes = std::string(cursor.take(cursor.raw<std::uint64_t>()));
    partial.nodes.push_back(std::move(node));
  }
  if (!cursor.at_end()) cursor.fail("trailing bytes");
  return partial;
}

void write_partial_results(const std::filesystem::path& path, const PartialResults& partial) {
  write_file_atomically(path, serialize_partial_results(partial));
}

PartialResults read_partial_results(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) refuse(name, "no such file");
  if (std::filesystem::is_directory(status)) refuse(name, "is a directory");
  if (!std::filesystem::is_regular_file(status)) refuse(name, "is not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) refuse(name, "cannot be read (" + error.message() + ")");
  if (size > MAX_PARTIAL_RESULTS_BYTES) {
    refuse(name, "is " + std::to_string(size) + " bytes, more than the " +
                     std::to_string(MAX_PARTIAL_RESULTS_BYTES) +
                     " a partial-results file may have");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(name, "cannot be read");
  std::string contents(static_cast<std::size_t>(size), '\0');
  in.read(contents.data(), static_cast<std::streamsize>(size));
  contents.resize(
      static_cast<std::size_t>(in.gcount()));  // a file that shrank while read is truncated
  return parse_partial_results(contents, name);
}

}  // namespace trialsim
