// libFuzzer target: the DATA.csv reader of `trialsim analyze` (read_survival_csv), then the
// analyses the command runs on every table the reader accepts. Any input must give a report or a
// ConfigError / UsageError (exit 2 in the CLI); any other exception, crash, hang or sanitizer
// report is a finding. read_survival_csv takes a path, so the input goes to a temporary file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_error.h"
#include "edges/analyze/analyze.h"
#include "edges/cli/cli.h"

namespace {

// One file per fuzzing process, removed at exit (libFuzzer may run several processes).
const std::filesystem::path& input_path() {
  static const std::filesystem::path path = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto p = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
             ("trialsim-csv-fuzz-" + std::to_string(::getpid()) + ".csv");
    std::atexit([] { std::filesystem::remove(input_path()); });
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(input_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const trialsim::SurvivalTable table = trialsim::read_survival_csv(input_path().string());
    trialsim::AnalyzeSettings settings;  // the command's defaults: landmarks 6, 12; tau 12
    (void)trialsim::analyze_dataset(table, settings).dump();
  } catch (const trialsim::ConfigError&) {
  } catch (const trialsim::UsageError&) {
  }
  return 0;
}
