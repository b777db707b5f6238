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
#include "models/car_t/truth.h"

namespace trialsim::designs::single_arm_sequential {
namespace {

constexpr std::string_view TYPE = "single_arm_sequential";
constexpr double DAYS_PER_MONTH = 365.25 / 12.0;  // the calendar's month: a Julian year / 12
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

struct CarTSequentialConduct {
  AccrualModel accrual;
  // Months from entry (infusion) to the response assessment; unset: each scenario's (or
  // draw's) `response_time` parameter, when the model says response is assessed.
  std::optional<double> response_assessment_months;
  double safety_window_days = 28.0;  // CRS/ICANS of a patient are known this long after entry
  bool pause_for_interim = false;    // calendar_trial.h
  SafetyEvent event = SafetyEvent::crs_grade3plus;
};

// The accrual keys (design_support.h) where this design has them: under design.conduct. The keys
// are design_support's; only the mapping path they are documented at differs.
KeyTable at_mapping_path(const KeyTable& table, std::string_view mapping_path) {
  KeyTable copy = table;
  copy.mapping_path = mapping_path;
  return copy;
}

const KeyTable& conduct_accrual_keys() {
  static const KeyTable table = at_mapping_path(accrual_keys(), "design.conduct.accrual");
  return table;
}

const KeyTable& conduct_accrual_rate_keys() {
  static const KeyTable table =
      at_mapping_path(accrual_rate_keys(), "design.conduct.accrual.rates[]");
  return table;
}

// design_support's `accrual` key (what read_accrual opens), described where it sits here.
KeySpec conduct_accrual_key() {
  KeySpec spec = accrual_mapping_key();
  spec.meaning = "when patients enter the trial (design.conduct.accrual)";
  return spec;
}

const KeyTable& conduct_keys() {
  static const KeyTable table{
      "design.conduct",
      {conduct_accrual_key(),
       {.path = "response_assessment_months",
        .type = KeyType::number,
        .range = NumberRange::non_negative(),
        .fallback = absent_means("each scenario's (or draw's) `response_time` parameter"),
        .unit = "months",
        .meaning = "time from entry (infusion) to the response assessment"},
       {.path = "safety_window_days",
        .type = KeyType::number,
        .range = NumberRange::non_negative(),
        .fallback = defaults_to(28.0),
        .unit = "days",
        .meaning = "a patient's CRS/ICANS are known this long after entry"},
       {.path = "pause_for_interim",
        .type = KeyType::boolean,
        .fallback = defaults_to(false),
        .meaning = "pause enrolment at each look until its outcomes are known"}}};
  return table;
}

CarTSequentialConduct read_conduct(MappingReader& design, const SequentialRules& rules) {
  const KeyTable& keys = conduct_keys();
  CarTSequentialConduct out;
  MappingReader conduct = design.mapping(sequential_design_keys()["conduct"].as_required());
  out.accrual = read_accrual(conduct, rules.design.efficacy.max_patients());
  if (conduct.has(keys["response_assessment_months"])) {
    out.response_assessment_months =
        conduct.number(keys["response_assessment_months"].as_required());
  }
  out.safety_window_days = conduct.number(keys["safety_window_days"]);
  out.pause_for_interim = conduct.boolean(keys["pause_for_interim"]);
  conduct.finish();
  out.event = safety_event_from(rules.safety_event);
  return out;
}

nlohmann::json conduct_json(const CarTSequentialConduct& c) {
  return {{"accrual", accrual_json(c.accrual)},
          {"response_assessment_months", c.response_assessment_months
                                             ? nlohmann::json(*c.response_assessment_months)
                                             : nlohmann::json("response_time")},
          {"safety_window_days", c.safety_window_days},
          {"pause_for_interim", c.pause_for_interim}};
}

// ---- Rows ---------------------------------------------------------------------------------------

// Row order of the tally and of the exact values. The first five are the bare-rate variant's.
enum Row : std::size_t {
  SUCCESS,
  EARLY_EFFICACY,
  EARLY_FUTILITY,
  SAFETY_STOP,
  PATIENTS,
  PATIENTS_ENROLLED,
  DURATION,
  EFFICACY_ALONE,
  SAFETY_ALONE,
  SUCCESS_AND_WOULD_STOP,
  SUCCESS_AND_TRULY_TOXIC,  // assurance entries with a safety rule only
  ROW_COUNT
};
constexpr const char* ROW_NAMES[ROW_COUNT][2] = {
    {"sequential_test", "rejection_probability"},
    {"sequential_test", "early_efficacy_probability"},
    {"sequential_test", "early_termination_probability"},
    {"safety", "stop_probability"},
    {"sequential_test", "expected_patients"},
    {"conduct", "patients_enrolled_mean"},
    {"conduct", "duration_mean"},
    {"efficacy_rule_alone", "rejection_probability"},
    {"safety_rule_alone", "stop_probability"},
    {"joint", "success_and_safety_would_stop_probability"},
    {"joint", "success_and_truly_toxic_probability"},
};

// Patients whose outcomes the deciding look used: the safety look's known toxicities after a
// safety stop, else the efficacy look's known responses (with every outcome known at enrolment,
// the bare-rate variant's `patients`).
int patients_evaluated(const CalendarSequentialReplicate& r) {
  return r.safety_stop ? r.toxicities_evaluated : r.responses_evaluated;
}

class CarTSequentialTally {
 public:
  void reset() { *this = CarTSequentialTally{}; }
  void add(const CalendarSequentialReplicate& r, bool truly_toxic) {
    const std::array<double, ROW_COUNT> values = {
        flag(r.success),
        flag(r.early_efficacy),
        flag(r.early_futility),
        flag(r.safety_stop),
        static_cast<double>(patients_evaluated(r)),
        static_cast<double>(r.patients_enrolled),
        r.duration,
        flag(r.efficacy_rule_alone_success),
        flag(r.safety_rule_alone_stop),
        flag(r.success && r.safety_would_stop_if_continued),
        flag(r.success && truly_toxic)};
    for (std::size_t i = 0; i < ROW_COUNT; ++i) rows_[i].add(values[i]);
  }
  void merge(const CarTSequentialTally& o) {
    for (std::size_t i = 0; i < ROW_COUNT; ++i) rows_[i].merge(o.rows_[i]);
  }
  std::vector<OcRow> oc_rows(const std::string& scenario, std::size_t row_count) const {
    std::vector<OcRow> out;
    for (std::size_t i = 0; i < row_count; ++i) {
      out.push_back({scenario, ROW_NAMES[i][0], ROW_NAMES[i][1], rows_[i].mean(), rows_[i].mcse(),
                     rows_[i].count()});
    }
    return out;
  }
  template <class Archive>
  void visit(Archive& archive) {
    archive(rows_);
  }

 private:
  static double flag(bool b) { return b ? 1.0 : 0.0; }
  std::array<MomentAccumulator, ROW_COUNT> rows_;
};

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

// Exact values at constant true rates (NaN where the maths gives none). Exact at any rates:
//  * efficacy_rule_alone and safety_rule_alone. Each patient's response (and event) is an
//    independent Bernoulli(population rate) draw — the model's EMD covariate correlates a
//    patient's response with their CRS/ICANS, but not one patient with another — and the order
//    outcomes become known depends only on the times (entry + fixed delays), so each look sees
//    m_k iid outcomes: exactly Simon's / the Bayesian rule's / the safety DP's probabilities
//    (calendar_trial.h). Response and toxicity are correlated within patients, so the combined
//    design (safety stop pre-empting efficacy) has no closed form here: NaN with a safety rule.
//  * without a safety rule, every efficacy row, E[N] of evaluated patients, and (with the pause)
//    the enrolled count, which then equals the look size; the safety rows are 0.
std::array<double, ROW_COUNT> exact_at(const SequentialRules& rules, const CarTSequentialConduct& c,
                                       double response_rate, double event_rate) {
  std::array<double, ROW_COUNT> exact;
  exact.fill(NaN);
  const SequentialEfficacyRule& efficacy = rules.design.efficacy;
  double success = 0.0, early_efficacy = 0.0, early_futility = 0.0, expected_n = 0.0;
  if (efficacy.kind == SequentialEfficacyRule::Kind::simon) {
    const SimonOperatingCharacteristics oc = simon_exact(efficacy.simon, response_rate);
    success = oc.rejection_probability;
    early_futility = oc.pet;
    expected_n = oc.expected_n;
  } else {
    const EfficacyFutilityCharacteristics oc =
        exact_efficacy_futility(efficacy.bayesian, response_rate);
    success = oc.success_probability;
    early_efficacy = oc.early_efficacy_probability;
    early_futility = oc.early_futility_probability;
    expected_n = oc.expected_patients;
  }
  exact[EFFICACY_ALONE] = success;
  if (rules.design.safety) {
    exact[SAFETY_ALONE] = exact_stopping(*rules.design.safety, event_rate).stop_probability;
    return exact;
  }
  exact[SUCCESS] = success;
  exact[EARLY_EFFICACY] = early_efficacy;
  exact[EARLY_FUTILITY] = early_futility;
  exact[PATIENTS] = expected_n;
  if (c.pause_for_interim) exact[PATIENTS_ENROLLED] = expected_n;
  exact[SAFETY_STOP] = exact[SAFETY_ALONE] = exact[SUCCESS_AND_WOULD_STOP] = 0.0;
  return exact;
}

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
    design["conduct"] = conduct_json(conduct);
    nlohmann::json model = fitted_model_json(fitted);
    model["uncertainty"] = fitted.assurance ? "posterior" : "point";
    return {{"design", design}, {"model", model}, {"scenarios", fitted_scenarios_json(fitted)}};
  }

  std::vector<OcRow> reported_rows() const override {
    const CarTSequentialTally tally;
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
    return entry.assurance && rules.design.safety ? ROW_COUNT : ROW_COUNT - 1;
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
      for (car_t::CarTParameters draw : fitted.posterior_draws) {
        for (const auto& [name, value] : fitted.model_overrides)
          car_t::set_parameter(draw, name, value);
        for (const auto& [name, value] : fitted.scenario_overrides[s].second) {
          car_t::set_parameter(draw, name, value);
        }
        entry.draws.push_back(model_draw(draw));
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  // One trial of `draw` on replicate r's entry times and patient streams (shared by every entry:
  // common random numbers).
  CalendarSequentialReplicate simulate_trial(const ModelDraw& draw, std::uint64_t seed,
                                             std::uint64_t replicate, Workspace& ws) const {
    const double window_months = conduct.safety_window_days / DAYS_PER_MONTH;
    car_t::CarTStreams streams(seed, replicate);
    for (std::size_t i = 0; i < ws.patients.size(); ++i) {
      car_t::simulate_patient(draw.parameters, streams, ws.patient);
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

void append_replicate_row(std::string& rows, std::uint64_t replicate, const std::string& name,
                          const CalendarSequentialReplicate& r) {
  const auto flag = [](bool b) { return b ? ",1" : ",0"; };
  append_fields(rows, replicate, name);
  rows += std::string(flag(r.success)) + flag(r.early_efficacy) + flag(r.early_futility) +
          flag(r.safety_stop) + ',' + std::to_string(patients_evaluated(r)) + ',' +
          std::to_string(r.patients_enrolled) + ',' + format_number(r.duration) +
          flag(r.efficacy_rule_alone_success) + flag(r.safety_rule_alone_stop) +
          flag(r.safety_would_stop_if_continued) + '\n';
}

StudyResult CarTSequentialStudy::run(const SimulationSettings& simulation,
                                     const RunRequest& request) const {
  const std::vector<RunEntry> all = entries();
  const auto n = static_cast<std::size_t>(rules.design.efficacy.max_patients());
  const std::size_t draw_count = fitted.posterior_draws.size();
  StudyResult result;
  result.rows = run_scenario_tallies<CarTSequentialTally, Workspace>(
      simulation, request, all.size(),
      "replicate,scenario,success,early_efficacy,early_futility,safety_stop,patients,"
      "patients_enrolled,duration,efficacy_rule_alone_success,safety_rule_alone_stop,"
      "safety_would_stop_if_continued\n",
      [] { return CarTSequentialTally{}; },
      [&](std::uint64_t r, std::vector<CarTSequentialTally>& tallies, Workspace& ws,
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
          if (rows) append_replicate_row(*rows, r, all[s].name, out);
        }
      },
      [&](const std::vector<CarTSequentialTally>& totals) {
        return rows_in_scenario_order(totals.size(), [&](std::size_t s) {
          return totals[s].oc_rows(all[s].name, row_count(all[s]));
        });
      },
      result.precision);
  // Exact values; for an assurance entry the mean over the draws, each drawn with probability
  // 1 / draws (draw_index).
  for (const RunEntry& entry : all) {
    std::array<double, ROW_COUNT> mean{};
    for (const ModelDraw& d : entry.draws) {
      const auto exact = exact_at(rules, conduct, d.response_rate, d.event_rate);
      for (std::size_t i = 0; i < ROW_COUNT; ++i)
        mean[i] += exact[i] / static_cast<double>(entry.draws.size());
    }
    result.exact_estimates.insert(result.exact_estimates.end(), mean.begin(),
                                  mean.begin() + static_cast<std::ptrdiff_t>(row_count(entry)));
  }
  result.design_facts = design_facts(all);
  return result;
}

}  // namespace

std::vector<const KeyTable*> car_t_conduct_key_tables() {
  return {&conduct_keys(), &conduct_accrual_keys(), &conduct_accrual_rate_keys()};
}

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
