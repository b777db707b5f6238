#pragma once
// Writing results: number formatting that round-trips and atomic file writes (the output
// directory as a whole: edges/output/output_directory.h).
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

inline constexpr std::string_view OC_CSV_HEADER =
    "scenario,analysis,metric,estimate,mcse,replicates";

// Tidy CSV with OC_CSV_HEADER; fields quoted as csv_field does.
std::string to_oc_csv(const std::vector<OcRow>& rows);

// One CSV field (RFC 4180), made valid UTF-8: quoted when it holds a comma, quote, CR or LF, or
// starts or ends with a blank; quotes doubled inside.
std::string csv_field(std::string_view text);

}  // namespace trialsim
