// Sequential single-arm designs (issue 5): Simon's two-stage design found and simulated, and a
// safety rule checked against its exact stopping probabilities.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.h"

using namespace trialsim::testing;

namespace {

// Every simulated metric that has an exact value must be within 4 MCSE of it (a metric that is
// exactly 0 in every replicate has MCSE 0 and must equal it).
int check_against_exact(const nlohmann::json& summary) {
  int checked = 0;
  for (const auto& scenario : summary["scenarios"]) {
    for (const auto& m : scenario["metrics"]) {
      if (!m.contains("exact")) continue;
      INFO(scenario["name"] << " " << m["metric"] << " simulated " << m["estimate"] << " (MCSE "
                            << m["mcse"] << ") exact " << m["exact"]);
      REQUIRE(std::abs(m["estimate"].get<double>() - m["exact"].get<double>()) <=
              4.0 * m["mcse"].get<double>() + 1e-12);
      ++checked;
    }
  }
  return checked;
}

}  // namespace

TEST_CASE("Simon optimal design is found and its simulated OCs match the exact ones",
          "[cli][simon][statistical]") {
  TempDir dir("cli-simon");
  const auto r = run_trialsim({"run", source_path("configs/examples/simon-two-stage.yaml").string(),
                               "-o", (dir / "s").string(), "-q"},
                              dir);
  REQUIRE(r.exit_code == 0);
  const auto summary = nlohmann::json::parse(read_text(dir / "s" / "summary.json"));
  // Simon (1989), Table 1, p0 = 0.10, p1 = 0.30, alpha 0.05, beta 0.20, optimal: r1/n1 = 1/10,
  // r/n = 5/29, E[N | p0] = 15.0, PET(p0) = 0.74.
  const auto& design = summary["design"];
  REQUIRE(design["n1"] == 10);
  REQUIRE(design["r1"] == 1);
  REQUIRE(design["n"] == 29);
  REQUIRE(design["r"] == 5);
  REQUIRE(design["expected_n_p0"].get<double>() == Approx(15.0).margin(0.05));
  REQUIRE(design["pet_p0"].get<double>() == Approx(0.74).margin(0.005));
  // PET, E[N], rejection probability (and the zero early-efficacy and safety rows) at p0 and p1.
  REQUIRE(check_against_exact(summary) == 2 * 5);
}

TEST_CASE(
    "safety rule: simulated stopping matches the exact calculation (looks after every patient)",
    "[cli][monitoring][statistical]") {
  // Efficacy only at the end (no interim looks), so the trial stops early only for safety and the
  // exact dynamic programme over the toxicity count gives P(stop) and E[N].
  TempDir dir("cli-safety");
  const std::string config =
      source_path("configs/examples/bayesian-monitoring-with-safety.yaml").string();
  const auto r =
      run_trialsim({"run", config, "-o", (dir / "s").string(), "-q", "--set",
                    "design.efficacy.first_look=40", "--set", "design.efficacy.every=40"},
                   dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto summary = nlohmann::json::parse(read_text(dir / "s" / "summary.json"));
  // stop probability, expected patients and the two zero early-stop rows, for three scenarios.
  REQUIRE(check_against_exact(summary) == 3 * 4);
  // Acceptable (8 %) vs unacceptable (30 %) toxicity: the rule rarely stops a safe treatment and
  // usually stops a toxic one.
  double safe = 0, toxic = 0;
  for (const auto& s : summary["scenarios"]) {
    for (const auto& m : s["metrics"]) {
      if (m["metric"] != "stop_probability") continue;
      if (s["name"] == "effective-safe") safe = m["estimate"].get<double>();
      if (s["name"] == "effective-toxic") toxic = m["estimate"].get<double>();
    }
  }
  REQUIRE(safe < 0.05);
  REQUIRE(toxic > 0.5);
}

TEST_CASE("Bayesian efficacy/futility monitoring matches its exact characteristics",
          "[cli][monitoring][statistical]") {
  TempDir dir("cli-bayes");
  const std::string config =
      source_path("configs/examples/bayesian-monitoring-with-safety.yaml").string();
  // Without the safety rule the exact efficacy/futility calculation applies.
  std::string text = read_text(config);
  text = text.substr(0, text.find("  safety:")) + text.substr(text.find("scenarios:"));
  std::ofstream(dir / "nosafety.yaml") << text;
  const auto r = run_trialsim(
      {"run", (dir / "nosafety.yaml").string(), "-o", (dir / "b").string(), "-q"}, dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto summary = nlohmann::json::parse(read_text(dir / "b" / "summary.json"));
  REQUIRE(check_against_exact(summary) == 3 * 5);
}
