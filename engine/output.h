#pragma once
// Writing results: number formatting that round-trips, atomic file writes, and the staging of a
// whole output directory so that a failed run leaves no half-written results behind.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace trialsim {

// Shortest decimal text that reads back to the same double (std::to_chars); "NA" for NaN so R
// and pandas read missing values directly; "Inf"/"-Inf" for infinities (R's spelling).
std::string format_number(double value);

// Writes `contents` to `path` through a temporary file in the same directory and rename(2), so
// readers see either the old file or the complete new one, never a torn write.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// Lower-case hex SHA-256 (OpenSSL libcrypto).
std::string sha256_hex(std::string_view data);

// One row of oc.csv: an operating characteristic with its Monte Carlo standard error.
struct OcRow {
  std::string scenario;
  std::string analysis;
  std::string metric;
  double estimate;
  double mcse;
  std::uint64_t replicates;
};

inline constexpr std::string_view OC_CSV_HEADER = "scenario,analysis,metric,estimate,mcse,replicates";

// Tidy CSV with OC_CSV_HEADER; fields are quoted when they contain a comma or quote.
std::string to_oc_csv(const std::vector<OcRow>& rows);

std::string csv_field(std::string_view text);

// Output directory written as a unit: files go into a hidden staging directory beside the
// target and are moved into place by `commit()`. If the target does not exist yet the staging
// directory is renamed onto it (atomic); otherwise each file is renamed over its old version.
// Destroying an uncommitted stage removes it: a failed run leaves nothing.
class StagedOutputDirectory {
 public:
  explicit StagedOutputDirectory(std::filesystem::path target);
  ~StagedOutputDirectory();
  StagedOutputDirectory(const StagedOutputDirectory&) = delete;
  StagedOutputDirectory& operator=(const StagedOutputDirectory&) = delete;

  // Path of `file_name` inside the staging directory (write there, then commit).
  std::filesystem::path staged(const std::string& file_name) const;
  void write(const std::string& file_name, std::string_view contents) const;
  void commit();
  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace trialsim
