#include "designs/single_arm_sequential/car_t_sequential.h"

#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "core/rng.h"
#include "core/samplers.h"
#include "core/scenario_loop.h"
#include "designs/car_t_model.h"
#include "designs/design_support.h"
#include "designs/single_arm_sequential/calendar_trial.h"
#include "designs/single_arm_sequential/sequential_conduct.h"
#include "models/car_t/truth.h"

namespace trialsim::designs::single_arm_sequential {
namespace {

constexpr std::string_view TYPE = "single_arm_sequential";
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// ---- The monitored adverse event ----------------------------------------------------------------

// In the order of car_t_safety_event_names() (sequential_rules.h).
enum class SafetyEvent { crs_grade3plus, icans_grade3plus, crs_or_icans_grade3plus };

std::string safety_event_name(SafetyEvent event) {
  return car_t_safety_event_names()[static_cast<std::size_t>(event)];
}

SafetyEvent safety_event_from(const std::string& name) {
  const std::vector<std::string> names = car_t_safety_event_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (name == names[i]) return static_cast<SafetyEvent>(i);
  }
  return SafetyEvent::crs_grade3plus;  // no safety rule: nothing is monitored
}

bool had_event(const car_t::CarTPatient& patient, SafetyEvent event) {
  switch (event) {
    case SafetyEvent::crs_grade3plus:
      return patient.crs_grade >= 3;
    case SafetyEvent::icans_grade3plus:
      return patient.icans_grade >= 3;
    case SafetyEvent::crs_or_icans_grade3plus:
      return patient.crs_grade >= 3 || patient.icans_grade >= 3;
  }
  return false;
}

// The event's population rate (closed form, models/car_t/truth.h).
double population_rate(const car_t::CarTTruth& truth, SafetyEvent event) {
  switch (event) {
    case SafetyEvent::crs_grade3plus:
      return truth.crs_grade3plus;
    case SafetyEvent::icans_grade3plus:
      return truth.icans_grade3plus;
    case SafetyEvent::crs_or_icans_grade3plus:
      return truth.crs_or_icans_grade3plus;
  }
  return NaN;
}

// ---- Conduct: `design.conduct` -----------------------------------------------------------------

// design.conduct (sequential_conduct.h) and the monitored event (design.safety.event).
struct CarTSequentialConduct : SequentialConduct {
  SafetyEvent event = SafetyEvent::crs_grade3plus;
};

CarTSequentialConduct read_conduct(MappingReader& design, const SequentialRules& rules) {
  CarTSequentialConduct out;
  static_cast<SequentialConduct&>(out) =
      read_sequential_conduct(design, rules.design.efficacy.max_patients());
  out.event = safety_event_from(rules.safety_event);
  return out;
}

// ---- Run entries: point scenarios, then their assurance versions
// ---------------------------------

// The model of one replicate of an entry, with what is true of it.
struct ModelDraw {
  car_t::CarTParameters parameters;
  double assessment_months = 0.0;
  double response_rate = 0.0;  // population_response_probability
  double event_rate = 0.0;     // the monitored event's population rate
  bool truly_toxic = false;    // event_rate above the safety rule's threshold
};

struct RunEntry {
  std::string name;
  bool assurance = false;
  std::vector<ModelDraw> draws;  // point: one; assurance: each posterior draw (+ overrides)
};

struct Workspace {
  std::vector<double> entry, scratch;
  std::vector<PendingOutcomePatient> patients;
  car_t::CarTPatient patient;
  CalendarSequentialWorkspace calendar;
};

// ---- The study ----------------------------------------------------------------------------------

class CarTSequentialStudy final : public trialsim::Study {
 public:
  SequentialRules rules;
  CarTSequentialConduct conduct;
  FittedScenarios fitted;

  std::vector<std::string> scenario_names() const override { return names_of(fitted.scenarios); }

  nlohmann::json resolved() const override {
    nlohmann::json design = {{"type", TYPE}};
    design.update(rules.echo);
    design["conduct"] = sequential_conduct_json(conduct);
    nlohmann::json model = fitted_model_json(fitted);
    model["uncertainty"] = fitted.assurance ? "posterior" : "point";
    return {{"design", design}, {"model", model}, {"scenarios", fitted_scenarios_json(fitted)}};
  }

  std::vector<OcRow> reported_rows() const override {
    const CalendarSequentialTally tally;
    std::vector<OcRow> rows;
    for (const RunEntry& entry : entries()) {
      const auto entry_rows = tally.oc_rows(entry.name, row_count(entry));
      rows.insert(rows.end(), entry_rows.begin(), entry_rows.end());
    }
    return rows;
  }

  StudyResult run(const SimulationSettings& simulation, const RunRequest& request) const override;

 private:
  std::size_t row_count(const RunEntry& entry) const {
    return entry.assurance && rules.design.safety ? CALENDAR_ROW_COUNT : CALENDAR_POINT_ROW_COUNT;
  }

  ModelDraw model_draw(const car_t::CarTParameters& parameters) const {
    const car_t::CarTTruth truth = car_t::true_values(parameters, {}, 0, 0);  // closed form
    const double event_rate = population_rate(truth, conduct.event);
    return {parameters, conduct.response_assessment_months.value_or(parameters.response_time),
            truth.orr, event_rate, rules.design.safety && event_rate > rules.safety_threshold};
  }

  // Each configured scenario at its parameters, then (assurance) the same scenario with the
  // replicate's posterior draw plus the model's and the scenario's overrides.
  std::vector<RunEntry> entries() const {
    std::vector<RunEntry> out;
    for (const car_t::CarTScenario& scenario : fitted.scenarios) {
      out.push_back({scenario.name, false, {model_draw(scenario.parameters)}});
    }
    if (!fitted.assurance) return out;
    for (std::size_t s = 0; s < fitted.scenarios.size(); ++s) {
      RunEntry entry{fitted.scenarios[s].name + " (assurance)", true, {}};
      // Each draw with the model's and the scenario's overrides and clinical targets.
      for (const car_t::CarTParameters& draw : fitted.assurance_draws[s])
        entry.draws.push_back(model_draw(draw));
      out.push_back(std::move(entry));
    }
    return out;
  }

  // One trial of `draw` on replicate r's entry times and patient streams (shared by every entry:
  // common random numbers).
  CalendarSequentialReplicate simulate_trial(const ModelDraw& draw, std::uint64_t seed,
                                             std::uint64_t replicate, Workspace& ws) const {
    const double window_months = conduct.safety_window_months();
    car_t::CarTStreams streams(seed, replicate);
    const car_t::PatientConstants constants = car_t::patient_constants(draw.parameters);
    for (std::size_t i = 0; i < ws.patients.size(); ++i) {
      car_t::simulate_patient(draw.parameters, constants, streams, ws.patient);
      const double entry = ws.entry[i];
      ws.patients[i] = {entry, ws.patient.responded, entry + draw.assessment_months,
                        had_event(ws.patient, conduct.event), entry + window_months};
    }
    return run_sequential_trial_in_calendar_time(rules.design, ws.patients,
                                                 {conduct.pause_for_interim}, ws.calendar);
  }

  nlohmann::json design_facts(const std::vector<RunEntry>& entries) const {
    nlohmann::json truths = nlohmann::json::object();
    for (const RunEntry& entry : entries) {
      if (entry.assurance) continue;
      const ModelDraw& d = entry.draws.front();
      truths[entry.name] = {{"response_rate", d.response_rate},
                            {"safety_event_rate", d.event_rate},
                            {"truly_toxic", d.truly_toxic}};
    }
    nlohmann::json facts = rules.echo;
    facts["decision_rule"] = describe_decision_rule(rules.design.efficacy);
    facts["fitted_model"] = fitted.file;
    facts["safety_event"] = safety_event_name(conduct.event);
    facts["true_values"] = truths;
    facts["naive_estimates"] =
        "estimates are computed at the stage that ended each trial, without adjustment for the "
        "stopping rules: naive estimates, conditionally biased after an early stop";
    return facts;
  }
};

// The posterior draw of replicate r, from its own `parameters` stream: the same draw in every
// assurance entry (common random numbers across scenarios), as single_arm_car_t.
std::size_t draw_index(std::uint64_t seed, std::uint64_t replicate, std::size_t draws) {
  Rng rng = make_stream(seed, replicate, StreamPurpose::parameters);
  const auto j = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(draws));
  return std::min(j, draws - 1);
}

StudyResult CarTSequentialStudy::run(const SimulationSettings& simulation,
                                     const RunRequest& request) const {
  const std::vector<RunEntry> all = entries();
  const auto n = static_cast<std::size_t>(rules.design.efficacy.max_patients());
  const std::size_t draw_count = fitted.posterior_draws.size();
  StudyResult result;
  result.rows = run_scenario_tallies<CalendarSequentialTally, Workspace>(
      simulation, request, all.size(), std::string(calendar_replicate_header()),
      [] { return CalendarSequentialTally{}; },
      [&](std::uint64_t r, std::vector<CalendarSequentialTally>& tallies, Workspace& ws,
          std::string* rows) {
        ws.entry.resize(n);
        ws.patients.resize(n);
        Rng enrolment = make_stream(simulation.seed, r, StreamPurpose::enrolment);
        sample_entry_times(conduct.accrual, enrolment, ws.entry, ws.scratch);
        const std::size_t j = fitted.assurance ? draw_index(simulation.seed, r, draw_count) : 0;
        for (std::size_t s = 0; s < tallies.size(); ++s) {
          const ModelDraw& draw = all[s].assurance ? all[s].draws[j] : all[s].draws.front();
          const CalendarSequentialReplicate out = simulate_trial(draw, simulation.seed, r, ws);
          tallies[s].add(out, draw.truly_toxic);
          if (rows) append_calendar_replicate_row(*rows, r, all[s].name, out);
        }
      },
      [&](const std::vector<CalendarSequentialTally>& totals) {
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
          return totals[s].oc_rows(all[s].name, row_count(all[s]));
        });
      },
      result.precision);
  // Exact values (exact_calendar_rows: the rules alone at the population rates; the model's EMD
  // covariate correlates a patient's response with their CRS/ICANS, but not one patient with
  // another, so each look still sees iid outcomes); for an assurance entry the mean over the
  // draws, each drawn with probability 1 / draws (draw_index).
  for (const RunEntry& entry : all) {
    std::array<double, CALENDAR_ROW_COUNT> mean{};
    for (const ModelDraw& d : entry.draws) {
      const auto exact = exact_calendar_rows(rules.design, conduct.pause_for_interim,
                                             d.response_rate, d.event_rate);
      for (std::size_t i = 0; i < CALENDAR_ROW_COUNT; ++i)
        mean[i] += exact[i] / static_cast<double>(entry.draws.size());
    }
    result.exact_estimates.insert(result.exact_estimates.end(), mean.begin(),
                                  mean.begin() + static_cast<std::ptrdiff_t>(row_count(entry)));
  }
  result.design_facts = design_facts(all);
  return result;
}

}  // namespace

std::unique_ptr<const trialsim::Study> read_car_t_sequential_study(MappingReader& root,
                                                                   MappingReader& design,
                                                                   const DesignContext& context,
                                                                   SequentialRules rules) {
  auto study = std::make_unique<CarTSequentialStudy>();
  study->rules = std::move(rules);
  study->conduct = read_conduct(design, study->rules);
  design.finish();
  study->fitted = read_fitted_scenarios(root, context, true);
  return study;
}

}  // namespace trialsim::designs::single_arm_sequential
