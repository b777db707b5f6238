#include "engine/cluster/partial_file.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/cluster/archive.h"
#include "engine/output.h"

namespace trialsim {
namespace {

constexpr std::string_view MAGIC = "TRIALSIM PARTIAL RESULTS 1\n";
constexpr std::uint32_t BYTE_ORDER_MARK = 0x01020304;
constexpr std::size_t DIGEST_HEX_LENGTH = 64;

template <class T>
void append_raw(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
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
    if (size > bytes_.size() - position_) fail("truncated");
    const std::string_view out = bytes_.substr(position_, static_cast<std::size_t>(size));
    position_ += static_cast<std::size_t>(size);
    return out;
  }
  bool at_end() const noexcept { return position_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw ArchiveError(name_ + ": not a complete trialsim partial-results file (" + what + ")");
  }

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
  Cursor check(bytes, display_name);
  if (bytes.size() < MAGIC.size() + DIGEST_HEX_LENGTH || bytes.substr(0, MAGIC.size()) != MAGIC) {
    check.fail("no trialsim partial-results header");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - DIGEST_HEX_LENGTH);
  if (sha256_hex(body) != bytes.substr(bytes.size() - DIGEST_HEX_LENGTH)) {
    check.fail("checksum mismatch: truncated or corrupt");
  }
  Cursor cursor(body, display_name);
  cursor.take(MAGIC.size());
  if (cursor.raw<std::uint32_t>() != BYTE_ORDER_MARK) cursor.fail("written on a machine of another byte order");
  PartialResults partial;
  const std::string_view header = cursor.take(cursor.raw<std::uint64_t>());
  partial.header = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (!partial.header.is_object()) cursor.fail("header is not a JSON object");
  const auto count = cursor.raw<std::uint64_t>();
  for (std::uint64_t i = 0; i < count; ++i) {
    PartialNode node;
    node.span.first_block = cursor.raw<std::uint64_t>();
    node.span.block_count = cursor.raw<std::uint64_t>();
    if (!is_dyadic(node.span)) cursor.fail("a node is not a dyadic block span");
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ArchiveError(path.string() + ": cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  return parse_partial_results(contents.str(), path.string());
}

}  // namespace trialsim
