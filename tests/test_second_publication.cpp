// Issue 15 item 5 and acceptance 1: the second publication (ZUMA-3 phase 2, brexucabtagene
// autoleucel; configs/evidence/zuma-3-brexu-cel.yaml) fits with every reported figure inside its
// 95 % predictive interval, no parameter defaulted, every parameter's source stated, and the
// committed fitted model is what `trialsim fit` produces.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "support.h"

using namespace trialsim;
using namespace trialsim::testing;

TEST_CASE("the second publication fits, every figure inside, nothing defaulted",
          "[second_publication][calibration][acceptance]") {
  TempDir dir("zuma-3-fit");
  const auto fitted = dir / "zuma-3.yaml";
  const CommandResult result =
      run_trialsim({"fit", source_path("configs/evidence/zuma-3-brexu-cel.yaml").string(), "-o",
                    fitted.string(), "-q"},
                   dir);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  // No defaulted parameter: the fit warns on stderr whenever one is (even with --quiet).
  CHECK(result.err.find("not informed by the evidence") == std::string::npos);
  const std::string calibration = read_text(dir / "zuma-3.calibration.csv");
  int figures = 0, inside = 0;
  std::istringstream rows(calibration);
  for (std::string row; std::getline(rows, row);) {
    if (row.rfind("figure,", 0) != 0) continue;
    ++figures;
    inside += row.find(",yes,") != std::string::npos ? 1 : 0;
  }
  CHECK(figures == 12);  // 11 reported figures + the median follow-up check
  CHECK(inside == figures);
  // Every parameter states its source (a figure, an assumption), none a default prior.
  const std::string yaml = read_text(fitted);
  const auto sources = yaml.find("\nsources:\n");
  REQUIRE(sources != std::string::npos);
  CHECK(yaml.find("default prior", sources) == std::string::npos);
  // The committed fitted model and calibration report are this fit's (generated, not edited).
  // The same text, every number to a relative 1e-12 (last bits may differ across CPUs).
  CHECK(numeric_text_difference(without_evidence_line(yaml),
                                without_evidence_line(read_text(
                                    source_path("configs/fitted/zuma-3-brexu-cel.yaml")))) == "");
  CHECK(numeric_text_difference(
            calibration,
            read_text(source_path("configs/fitted/zuma-3-brexu-cel.calibration.csv"))) == "");
}
