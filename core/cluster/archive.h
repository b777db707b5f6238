#pragma once
// Bit-exact binary serialization of Monte Carlo tallies, for shard files, checkpoints and MPI
// exchange. A tally lists its members once, in `template <class Archive> void visit(Archive&)`;
// the same function writes (ByteWriter) and reads (ByteReader). Doubles travel as their IEEE-754
// bits, so a tally that is written and read back merges to exactly the same result: that is what
// makes merged shards byte-identical to a single run.
//
// Integers of 16 bits or more are LEB128 varints (zigzag for signed ones), so the histograms of
// counts that dominate tallies stay small in memory and on disk; floating-point values are their
// native bytes (the file header records a byte-order marker, see partial_file.h); containers
// carry their length.
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace trialsim {

// Raised when bytes do not decode (truncated or corrupt partial results).
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ByteWriter;
class ByteReader;

template <class T>
concept Visitable = requires(T& t, ByteWriter& w) {
  t.visit(w);
};

class ByteWriter {
 public:
  static constexpr bool reading = false;

  template <class... T>
  void operator()(T&... values) {
    (write(values), ...);
  }
  const std::string& bytes() const noexcept { return bytes_; }
  std::string take() noexcept { return std::move(bytes_); }

 private:
  template <class T>
  void write(T& value) {
    if constexpr (std::is_integral_v<T> && sizeof(T) >= 2) {
      // Counts dominate tallies (histograms); as LEB128 varints most take 1-3 bytes, not 8.
      // Signed values are zigzag-mapped first so that small negative numbers stay short.
      using Unsigned = std::make_unsigned_t<T>;
      std::uint64_t v;
      if constexpr (std::is_signed_v<T>) {
        v = (static_cast<std::uint64_t>(static_cast<Unsigned>(value)) << 1) ^
            static_cast<std::uint64_t>(static_cast<std::int64_t>(value) >> 63);
      } else {
        v = value;
      }
      while (v >= 0x80) {
        bytes_.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
      }
      bytes_.push_back(static_cast<char>(v));
    } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      char raw[sizeof(T)];
      std::memcpy(raw, &value, sizeof(T));
      bytes_.append(raw, sizeof(T));
    } else if constexpr (Visitable<T>) {
      value.visit(*this);
    } else {
      write_container(value);
    }
  }
  template <class T, std::size_t N>
  void write_container(std::array<T, N>& values) {
    for (T& v : values) write(v);
  }
  template <class T, std::size_t N>
  void write_container(T (&values)[N]) {
    for (T& v : values) write(v);
  }
  template <class T>
  void write_container(std::vector<T>& values) {
    std::uint64_t size = values.size();
    write(size);
    for (T& v : values) write(v);
  }
  template <class K, class V, class Compare>
  void write_container(std::map<K, V, Compare>& values) {
    std::uint64_t size = values.size();
    write(size);
    for (auto& [key, value] : values) {
      K k = key;
      write(k);
      write(value);
    }
  }
  std::string bytes_;
};

class ByteReader {
 public:
  static constexpr bool reading = true;

  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  template <class... T>
  void operator()(T&... values) {
    (read(values), ...);
  }
  bool exhausted() const noexcept { return position_ == bytes_.size(); }

 private:
  void take(void* out, std::size_t size) {
    if (bytes_.size() - position_ < size)
      throw ArchiveError("partial results are truncated or corrupt");
    std::memcpy(out, bytes_.data() + position_, size);
    position_ += size;
  }
  std::uint64_t read_size() {
    std::uint64_t size = 0;
    read(size);
    // A length can never exceed the bytes left (every element takes at least one byte).
    if (size > bytes_.size() - position_)
      throw ArchiveError("partial results are truncated or corrupt");
    return size;
  }
  template <class T>
  void read(T& value) {
    if constexpr (std::is_integral_v<T> && sizeof(T) >= 2) {
      std::uint64_t v = 0;
      for (int shift = 0;; shift += 7) {
        if (shift > 63) throw ArchiveError("partial results are truncated or corrupt");
        unsigned char byte = 0;
        take(&byte, 1);
        v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
      }
      if constexpr (std::is_signed_v<T>) {
        value =
            static_cast<T>(static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1));
      } else {
        value = static_cast<T>(v);
      }
    } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      take(&value, sizeof(T));
    } else if constexpr (Visitable<T>) {
      value.visit(*this);
    } else {
      read_container(value);
    }
  }
  template <class T, std::size_t N>
  void read_container(std::array<T, N>& values) {
    for (T& v : values) read(v);
  }
  template <class T, std::size_t N>
  void read_container(T (&values)[N]) {
    for (T& v : values) read(v);
  }
  template <class T>
  void read_container(std::vector<T>& values) {
    const std::uint64_t size = read_size();
    // Existing elements are kept and overwritten. A type without a default constructor (a tally
    // shaped by its design) must already have the right number of elements.
    if constexpr (std::is_default_constructible_v<T>) {
      // New elements are appended as they decode, never allocated from the length alone: a forged
      // length (bounded only by the bytes left) must not reserve sizeof(T) times the file size.
      if (size < values.size()) values.resize(static_cast<std::size_t>(size));
      for (T& v : values) read(v);
      while (values.size() < size) {
        T value{};
        read(value);
        values.push_back(std::move(value));
      }
    } else {
      if (size != values.size()) {
        throw ArchiveError("partial results hold " + std::to_string(size) + " items where " +
                           std::to_string(values.size()) + " were expected (another design?)");
      }
      for (T& v : values) read(v);
    }
  }
  template <class K, class V, class Compare>
  void read_container(std::map<K, V, Compare>& values) {
    const std::uint64_t size = read_size();
    values.clear();
    for (std::uint64_t i = 0; i < size; ++i) {
      K key{};
      V value{};
      read(key);
      read(value);
      values.emplace(key, value);
    }
  }
  std::string_view bytes_;
  std::size_t position_ = 0;
};

// Encodes one visitable value.
template <class T>
std::string encode(const T& value) {
  ByteWriter writer;
  writer(const_cast<T&>(value));  // visit() is shared with reading, so it is not const
  return writer.take();
}

// Decodes into `value` (constructed by the caller with the right shape); all bytes must be used.
template <class T>
void decode(std::string_view bytes, T& value) {
  ByteReader reader(bytes);
  reader(value);
  if (!reader.exhausted())
    throw ArchiveError("partial results have trailing bytes (corrupt or another format)");
}

}  // namespace trialsim
