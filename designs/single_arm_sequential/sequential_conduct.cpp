#include "designs/single_arm_sequential/sequential_conduct.h"

#include <cmath>
#include <limits>

#include "designs/design_support.h"
#include "designs/single_arm_sequential/sequential_rules.h"

namespace trialsim::designs::single_arm_sequential {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

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
        .fallback = absent_means("with `model`: each scenario's (or draw's) `response_time` "
                                 "parameter; without: 0 (known at entry)"),
        .unit = "months",
        .meaning = "time from entry (infusion) to the response assessment"},
       {.path = "safety_window_days",
        .type = KeyType::number,
        .range = NumberRange::non_negative(),
        .fallback = defaults_to(28.0),
        .unit = "days",
        .meaning = "a patient's monitored adverse event (with `model`: CRS/ICANS) is known this "
                   "long after entry"},
       {.path = "pause_for_interim",
        .type = KeyType::boolean,
        .fallback = defaults_to(false),
        .meaning = "pause enrolment at each look until its outcomes are known"}}};
  return table;
}

}  // namespace

std::vector<const KeyTable*> sequential_conduct_key_tables() {
  return {&conduct_keys(), &conduct_accrual_keys(), &conduct_accrual_rate_keys()};
}

SequentialConduct read_sequential_conduct(MappingReader& design, int max_patients) {
  const KeyTable& keys = conduct_keys();
  SequentialConduct out;
  MappingReader conduct = design.mapping(sequential_design_keys()["conduct"].as_required());
  out.accrual = read_accrual(conduct, max_patients);
  // Read with a NaN default standing for "absent" (the range refuses NaN in a config), so that
  // the key counts as read either way and an unknown-key message lists it among the expected.
  const double assessment = conduct.number(keys["response_assessment_months"].with_default(NaN));
  if (!std::isnan(assessment)) out.response_assessment_months = assessment;
  out.safety_window_days = conduct.number(keys["safety_window_days"]);
  out.pause_for_interim = conduct.boolean(keys["pause_for_interim"]);
  conduct.finish();
  return out;
}

nlohmann::json sequential_conduct_json(const SequentialConduct& c) {
  return {{"accrual", accrual_json(c.accrual)},
          {"response_assessment_months", c.response_assessment_months
                                             ? nlohmann::json(*c.response_assessment_months)
                                             : nlohmann::json("response_time")},
          {"safety_window_days", c.safety_window_days},
          {"pause_for_interim", c.pause_for_interim}};
}

// ---- Rows
// ----------------------------------------------------------------------------------------

namespace {

constexpr const char* ROW_NAMES[CALENDAR_ROW_COUNT][2] = {
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

double flag(bool b) { return b ? 1.0 : 0.0; }

}  // namespace

int patients_evaluated(const CalendarSequentialReplicate& r) {
  return r.safety_stop ? r.toxicities_evaluated : r.responses_evaluated;
}

void CalendarSequentialTally::add(const CalendarSequentialReplicate& r, bool truly_toxic) {
  const std::array<double, CALENDAR_ROW_COUNT> values = {
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
  for (std::size_t i = 0; i < CALENDAR_ROW_COUNT; ++i) rows_[i].add(values[i]);
}

void CalendarSequentialTally::merge(const CalendarSequentialTally& o) {
  for (std::size_t i = 0; i < CALENDAR_ROW_COUNT; ++i) rows_[i].merge(o.rows_[i]);
}

std::vector<OcRow> CalendarSequentialTally::oc_rows(const std::string& scenario,
                                                    std::size_t row_count) const {
  std::vector<OcRow> out;
  for (std::size_t i = 0; i < row_count; ++i) {
    out.push_back({scenario, ROW_NAMES[i][0], ROW_NAMES[i][1], rows_[i].mean(), rows_[i].mcse(),
                   rows_[i].count()});
  }
  return out;
}

std::string_view calendar_replicate_header() {
  return "replicate,scenario,success,early_efficacy,early_futility,safety_stop,patients,"
         "patients_enrolled,duration,efficacy_rule_alone_success,safety_rule_alone_stop,"
         "safety_would_stop_if_continued\n";
}

void append_calendar_replicate_row(std::string& rows, std::uint64_t replicate,
                                   const std::string& scenario,
                                   const CalendarSequentialReplicate& r) {
  const auto field = [](bool b) { return b ? ",1" : ",0"; };
  append_fields(rows, replicate, scenario);
  rows += std::string(field(r.success)) + field(r.early_efficacy) + field(r.early_futility) +
          field(r.safety_stop) + ',' + std::to_string(patients_evaluated(r)) + ',' +
          std::to_string(r.patients_enrolled) + ',' + format_number(r.duration) +
          field(r.efficacy_rule_alone_success) + field(r.safety_rule_alone_stop) +
          field(r.safety_would_stop_if_continued) + '\n';
}

std::array<double, CALENDAR_ROW_COUNT> exact_calendar_rows(const SingleArmSequentialDesign& design,
                                                           bool pause_for_interim,
                                                           double response_rate,
                                                           double event_rate) {
  std::array<double, CALENDAR_ROW_COUNT> exact;
  exact.fill(NaN);
  const SequentialEfficacyRule& efficacy = design.efficacy;
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
  if (design.safety) {
    exact[SAFETY_ALONE] = exact_stopping(*design.safety, event_rate).stop_probability;
    return exact;
  }
  exact[SUCCESS] = success;
  exact[EARLY_EFFICACY] = early_efficacy;
  exact[EARLY_FUTILITY] = early_futility;
  exact[PATIENTS] = expected_n;
  if (pause_for_interim) exact[PATIENTS_ENROLLED] = expected_n;
  exact[SAFETY_STOP] = exact[SAFETY_ALONE] = exact[SUCCESS_AND_WOULD_STOP] = 0.0;
  return exact;
}

}  // namespace trialsim::designs::single_arm_sequential
