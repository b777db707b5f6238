// libFuzzer target: the YAML study-config reader (ConfigDocument + load_study_config_text), the
// path of `trialsim validate` and of every `run`. Any input must give a StudyConfig or a
// ConfigError / UsageError (exit 2 in the CLI); any other exception, crash, hang or sanitizer
// report is a finding. Build: cmake -DTRIALSIM_FUZZ=ON with clang (fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_error.h"
#include "edges/cli/cli.h"
#include "edges/config/study_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // Relative paths in the config (model.fitted) resolve against fuzz-input/, which does not
    // exist: the reader must say so with a ConfigError like any other missing file.
    const trialsim::StudyConfig config =
        trialsim::load_study_config_text(text, "fuzz-input/config.yaml", {});
    // What `validate` prints and `run` records: the hash of the resolved config.
    (void)config.sha256();
  } catch (const trialsim::ConfigError&) {
  } catch (const trialsim::UsageError&) {
  }
  return 0;
}
