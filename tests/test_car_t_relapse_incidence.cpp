// The main study reports DOR's competing-risk counterpart: the cumulative incidence of relapse
// among responders (Aalen–Johansen, death without relapse competing), unbiased for the model's
// truth, with an interval (log(-log) scale) that covers at its nominal level.
#include <catch2/catch.hpp>
#include <cmath>

#include "edges/config/study_config.h"
#include "models/car_t/truth.h"
#include "tests/support.h"

using namespace trialsim;

TEST_CASE("cumulative incidence of relapse: truth, bias and coverage", "[car_t_study][cir]") {
  const StudyConfig config = load_study_config(
      std::filesystem::path(TRIALSIM_SOURCE_DIR) / "configs/studies/inati-cel-next-study.yaml",
      {"simulation.replicates=4000", "model.uncertainty=point"});
  RunRequest request;
  request.threads = 2;
  request.progress = ProgressMode::quiet;
  const StudyResult result = run_study(config, request);
  int checked = 0;
  for (const OcRow& row : result.rows) {
    if (row.analysis != "cir_t12") continue;
    INFO(row.scenario << " " << row.metric << " " << row.estimate << " (MCSE " << row.mcse << ")");
    // Bias within 4 MCSE plus 4 SE of the truth's own simulation (400 000 patients, about 30 %
    // responders at worst: 0.5 / sqrt(120 000)).
    if (row.metric == "bias") {
      CHECK(std::abs(row.estimate) <= 4.0 * row.mcse + 4.0 * 0.5 / std::sqrt(120000.0));
      ++checked;
    }
    // Coverage of the nominal 95 % within 4 binomial MCSE (a plain Wald interval covers 0.905
    // here: it fails).
    if (row.metric == "ci_coverage") {
      CHECK(std::abs(row.estimate - 0.95) <= 4.0 * std::sqrt(0.95 * 0.05 / row.replicates));
      ++checked;
    }
  }
  REQUIRE(checked == 8);  // 4 scenarios x (bias, coverage)
  // The truth: relapse, death in remission and relapse-free survival partition the responders,
  // so CIR(t) <= 1 - RFS(t), and CIR rises with t.
  const car_t::CarTParameters p;
  const car_t::CarTTruth truth = car_t::true_values(p, {6.0, 12.0, 24.0}, 5, 200000);
  for (std::size_t k = 0; k < 3; ++k) REQUIRE(truth.cir_at[k] <= 1.0 - truth.rfs_at[k] + 1e-12);
  REQUIRE(truth.cir_at[0] <= truth.cir_at[1]);
  REQUIRE(truth.cir_at[1] <= truth.cir_at[2]);
  REQUIRE(truth.cir_at[1] > 0.0);
}
