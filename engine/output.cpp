#include "engine/output.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>

namespace trialsim {
namespace {

// ".NAME.SUFFIX-PID": a hidden sibling for temporary files. Built by append rather than
// operator+ chains, which trip GCC 12's false -Wrestrict (GCC bug 105329).
std::string hidden_sibling_name(const std::string& name, const char* suffix) {
  std::string out(".");
  out.append(name).append(suffix).append(std::to_string(::getpid()));
  return out;
}

// Removes the hidden temporaries ".<prefix>...<suffix>PID" in `directory` whose process is gone (a run
// killed while writing leaves them; they were never results, see write_file_atomically).
void remove_orphaned_temporaries(const std::filesystem::path& directory, const std::string& prefix, const char* suffix) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    const auto at = name.rfind(suffix);
    if (name.rfind("." + prefix, 0) != 0 || at == std::string::npos) continue;
    const std::string pid_text = name.substr(at + std::strlen(suffix));
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), error);
  }
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

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n") == std::string_view::npos) return std::string(text);
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

StagedOutputDirectory::StagedOutputDirectory(std::filesystem::path target)
    : target_(std::move(target)) {
  const std::filesystem::path parent =
      target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(parent);
  remove_orphaned_temporaries(parent, target_.filename().string() + ".staging-", ".staging-");
  if (std::filesystem::is_directory(target_)) remove_orphaned_temporaries(target_, "", ".tmp-");
  staging_ = parent / hidden_sibling_name(target_.filename().string(), ".staging-");
  std::filesystem::remove_all(staging_);
  std::filesystem::create_directory(staging_);
}

StagedOutputDirectory::~StagedOutputDirectory() {
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove_all(staging_, ignored);
  }
}

std::filesystem::path StagedOutputDirectory::staged(const std::string& file_name) const {
  return staging_ / file_name;
}

void StagedOutputDirectory::write(const std::string& file_name, std::string_view contents) const {
  write_file_atomically(staged(file_name), contents);
}

void StagedOutputDirectory::commit() {
  if (!std::filesystem::exists(target_)) {
    std::filesystem::rename(staging_, target_);
  } else {
    // manifest.json last: when it is new, every other result file is too.
    std::vector<std::filesystem::path> entries;
    for (const auto& entry : std::filesystem::directory_iterator(staging_)) entries.push_back(entry.path());
    std::stable_partition(entries.begin(), entries.end(),
                          [](const std::filesystem::path& p) { return p.filename() != "manifest.json"; });
    for (const auto& entry : entries) std::filesystem::rename(entry, target_ / entry.filename());
    std::filesystem::remove(staging_);
  }
  committed_ = true;
}

}  // namespace trialsim
