#include "designs/design.h"

#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "core/accumulator.h"
#include "core/rng.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/design_support.h"

// Design `plugin_check`: the smallest complete design, kept as the proof that a design is one
// folder plus one registration line (designs/registry.cpp). n patients respond independently with
// the scenario's rate; each replicate reports the observed proportion and whether all responded.
// Exact values: E[proportion] = p, P(all respond) = p^n.
namespace trialsim::designs::plugin_check {
namespace {

constexpr std::string_view TYPE = "plugin_check";

const KeyTable& design_keys() {
  static const KeyTable table{"design",
                              {
                                  {.path = "type",
                                   .type = KeyType::choice,
                                   .choices = {std::string(TYPE)},
                                   .meaning = "the test design"},
                                  {.path = "sample_size",
                                   .type = KeyType::integer,
                                   .integers = {1, 10000},
                                   .unit = "patients",
                                   .meaning = "patients per replicate"},
                              }};
  return table;
}

const KeyTable& scenario_keys() {
  static const KeyTable table{"scenarios[]",
                              {
                                  scenario_name_key(),
                                  {.path = "response_rate",
                                   .type = KeyType::number,
                                   .range = NumberRange::closed_unit(),
                                   .unit = "proportion",
                                   .meaning = "true response probability"},
                              }};
  return table;
}

std::vector<const KeyTable*> key_tables() { return {&design_keys(), &scenario_keys()}; }

struct Scenario {
  std::string name;
  double response_rate = 0.0;
};

class Tally {
 public:
  void reset() { *this = Tally{}; }
  void add(double proportion, bool all_responded) {
    proportion_.add(proportion);
    all_responded_.add(all_responded ? 1.0 : 0.0);
  }
  void merge(const Tally& other) {
    proportion_.merge(other.proportion_);
    all_responded_.merge(other.all_responded_);
  }
  std::vector<OcRow> rows(const std::string& scenario) const {
    return {{scenario, "response", "mean_proportion", proportion_.mean(), proportion_.mcse(),
             proportion_.count()},
            {scenario, "response", "all_responded", all_responded_.mean(), all_responded_.mcse(),
             all_responded_.count()}};
  }
  template <class Archive>
  void visit(Archive& archive) {
    archive(proportion_, all_responded_);
  }

 private:
  MomentAccumulator proportion_, all_responded_;
};

struct Workspace {
  std::vector<int> responses;  // per scenario, reused across replicates
};

class Study final : public trialsim::Study {
 public:
  int sample_size = 0;
  std::vector<Scenario> scenarios;

  std::vector<std::string> scenario_names() const override { return names_of(scenarios); }

  nlohmann::json echo;  // `design` and `scenarios` as read (by the tables above)

  nlohmann::json resolved() const override { return echo; }

  std::vector<OcRow> reported_rows() const override {
    return rows_of(std::vector<Tally>(scenarios.size()));
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override {
    StudyResult result;
    result.rows = run_scenario_tallies<Tally, Workspace>(
        simulation, request, scenarios.size(), "replicate,scenario,responses\n",
        [] { return Tally{}; },
        [&](std::uint64_t r, std::vector<Tally>& tallies, Workspace& ws, std::string* rows) {
          // One uniform per patient, shared by the scenarios (common random numbers).
          Rng rng = make_stream(simulation.seed, r, StreamPurpose::response);
          std::vector<int>& responses = ws.responses;
          responses.assign(scenarios.size(), 0);
          for (int i = 0; i < sample_size; ++i) {
            const double u = uniform01(rng);
            for (std::size_t s = 0; s < scenarios.size(); ++s)
              responses[s] += u < scenarios[s].response_rate;
          }
          for (std::size_t s = 0; s < scenarios.size(); ++s) {
            tallies[s].add(static_cast<double>(responses[s]) / sample_size,
                           responses[s] == sample_size);
            if (!rows) continue;
            append_fields(*rows, r, scenarios[s].name);
            *rows += ',' + std::to_string(responses[s]) + '\n';
          }
        },
        [&](const std::vector<Tally>& totals) { return rows_of(totals); }, result.precision);
    for (const Scenario& s : scenarios) {
      result.exact_estimates.push_back(s.response_rate);
      result.exact_estimates.push_back(std::pow(s.response_rate, sample_size));
    }
    result.design_facts = {{"decision_rule", "none (estimation only)"}};
    return result;
  }

 private:
  std::vector<OcRow> rows_of(const std::vector<Tally>& totals) const {
    return rows_in_scenario_order(totals.size(),
                                  [&](std::size_t s) { return totals[s].rows(scenarios[s].name); });
  }
};

std::unique_ptr<const trialsim::Study> read(MappingReader& root, const DesignContext& context) {
  refuse_exact_mode(root, context, TYPE, "simulate");
  auto study = std::make_unique<Study>();
  MappingReader design = echoed_mapping(root, top_level_keys()["design"], study->echo["design"]);
  design.choice(design_keys()["type"]);
  study->sample_size = static_cast<int>(design.integer(design_keys()["sample_size"]));
  design.finish();
  std::set<std::string> seen;
  for (MappingReader& item :
       echoed_mapping_list(root, top_level_keys()["scenarios"], study->echo["scenarios"])) {
    Scenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.number(scenario_keys()["response_rate"]);
    item.finish();
    study->scenarios.push_back(scenario);
  }
  return study;
}

}  // namespace

const DesignPlugin& plugin() {
  static const DesignPlugin design{
      .type = TYPE,
      .read = &read,
      .key_tables = &key_tables,
      .summary =
          "the test design: n patients respond with the scenario's rate; the observed "
          "proportion and whether all responded"};
  return design;
}

}  // namespace trialsim::designs::plugin_check
