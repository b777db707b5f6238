// The config reference names every key the parser accepts: each example config is parsed with a
// KeyRegistry, and every key path it declares must appear in docs/config-reference.md (list items
// written as `[]`, e.g. `scenarios[].name`). That file is generated from the key tables
// (tests/generated-files keeps it current), so this catches a key read outside its table.
#include <catch2/catch.hpp>

#include "edges/config/study_config.h"
#include "support.h"

using namespace trialsim;
using namespace trialsim::testing;

TEST_CASE("every config key the parser accepts is in the generated config reference",
          "[config][docs]") {
  const std::string readme = read_text(source_path("docs/config-reference.md"));
  KeyRegistry registry;
  int configs = 0;
  for (const auto& directory : {"configs/examples", "configs/studies"}) {
    for (const auto& entry : std::filesystem::directory_iterator(source_path(directory))) {
      if (entry.path().extension() != ".yaml") continue;
      INFO(entry.path().string());
      load_study_config(entry.path(), {}, &registry);
      ++configs;
    }
  }
  REQUIRE(configs >= 10);
  int checked = 0;
  for (const std::string& key : registry.keys()) {
    // Grid axes are key paths themselves (documented as `grid`), and override keys are model
    // parameter names (documented in the parameter table), not schema keys.
    if (key.rfind("grid.", 0) == 0 || key.find(".overrides.") != std::string::npos) continue;
    // Documented when the README names the key (or a longer path under it) in backticks, or names
    // its parent and lists the last segment beside it as `.segment` (e.g. "`design.safety.prior.a`,
    // `.b`").
    const auto last_dot = key.rfind('.');
    const std::string parent = last_dot == std::string::npos ? "" : key.substr(0, last_dot);
    const std::string last = last_dot == std::string::npos ? key : key.substr(last_dot + 1);
    const bool documented = readme.find("`" + key) != std::string::npos ||
                            (!parent.empty() && readme.find("`" + parent) != std::string::npos &&
                             readme.find("`." + last + "`") != std::string::npos);
    INFO("undocumented key: " << key);
    CHECK(documented);
    ++checked;
  }
  REQUIRE(checked > 60);
}
