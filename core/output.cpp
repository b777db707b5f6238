#include "core/output.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "core/text_escape.h"

namespace trialsim {
namespace {

// ".NAME.SUFFIX-PID": a hidden sibling for temporary files. Built by append rather than
// operator+ chains, which trip GCC 12's false -Wrestrict (GCC bug 105329).
std::string hidden_sibling_name(const std::string& name, const char* suffix) {
  std::string out(".");
  out.append(name).append(suffix).append(std::to_string(::getpid()));
  return out;
}

}  // namespace

std::string format_number(double value) {
  if (std::isnan(value)) return "NA";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  if (value == 0.0) return "0";  // also maps -0 to 0: no sign noise in results
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) throw std::logic_error("format_number: to_chars failed");
  return std::string(buffer.data(), end);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path temporary =
      path.parent_path() / hidden_sibling_name(path.filename().string(), ".tmp-");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temporary);
      throw std::runtime_error("cannot write " + temporary.string());
    }
  }
  std::filesystem::rename(temporary, path);
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (libcrypto)");
  }
  static constexpr char HEX[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(HEX[digest[i] >> 4]);
    out.push_back(HEX[digest[i] & 0xF]);
  }
  return out;
}

// RFC 4180: a field holding a comma, quote, CR or LF is quoted (quotes doubled); so is one with
// a leading or trailing blank, which some readers would trim. The text is made valid UTF-8 (an
// invalid byte becomes U+FFFD) so R, pandas and `trialsim report` can read every file.
// Spreadsheet formula injection (a leading = + - @) is deliberately not neutralised: these files
// are data for R, pandas and the report, grid values such as -0.5 start with '-', and a prefix
// (the usual "'" defence) would change the data that the report and scripts match by name.
std::string csv_field(std::string_view raw) {
  const std::string valid = valid_utf8(raw);
  const std::string_view text = valid;
  const bool blank_edge = !text.empty() && (text.front() == ' ' || text.front() == '\t' ||
                                            text.back() == ' ' || text.back() == '\t');
  if (text.find_first_of(",\"\r\n") == std::string_view::npos && !blank_edge) return valid;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string to_oc_csv(const std::vector<OcRow>& rows) {
  std::string out(OC_CSV_HEADER);
  out += '\n';
  for (const OcRow& row : rows) {
    out += csv_field(row.scenario) + ',' + csv_field(row.analysis) + ',' + csv_field(row.metric) +
           ',' + format_number(row.estimate) + ',' + format_number(row.mcse) + ',' +
           std::to_string(row.replicates) + '\n';
  }
  return out;
}

}  // namespace trialsim
