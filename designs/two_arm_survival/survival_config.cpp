#include "designs/two_arm_survival/survival_config.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/output.h"
#include "statistics/group_sequential.h"

namespace trialsim {

const KeySpec& allocation_mapping_key() {
  static const KeySpec spec{.path = "allocation",
                            .type = KeyType::mapping,
                            .fallback = absent_means("1:1"),
                            .meaning =
                                "randomisation ratio control:experimental, in permuted "
                                "blocks of twice the sum"};
  return spec;
}

const KeySpec& interim_mapping_key() {
  static const KeySpec spec{.path = "interim",
                            .type = KeyType::mapping,
                            .fallback = absent_means("none (a single analysis)"),
                            .meaning =
                                "group-sequential interim looks at fractions of the final "
                                "event count or at calendar times (needs analysis.trigger: "
                                "events)"};
  return spec;
}

const KeyTable& allocation_keys() {
  static const KeyTable table{"design.allocation",
                              {
                                  {.path = "control",
                                   .type = KeyType::integer,
                                   .integers = {1, 16},
                                   .fallback = defaults_to(1),
                                   .meaning = "control-arm share of the allocation ratio"},
                                  {.path = "experimental",
                                   .type = KeyType::integer,
                                   .integers = {1, 16},
                                   .fallback = defaults_to(1),
                                   .meaning = "experimental-arm share of the allocation ratio"},
                              }};
  return table;
}

const KeyTable& interim_keys() {
  static const KeyTable table{
      "design.interim",
      {
          {.path = "information_fractions",
           .type = KeyType::number_list,
           .range = NumberRange::open_unit(),
           .fallback = absent_means("required unless calendar_months is given"),
           .unit = "proportion",
           .meaning = "each interim's fraction of the final event count (rounded to whole events, "
                      "distinct, below the final count)",
           .increasing = true},
          {.path = "calendar_months",
           .type = KeyType::number_list,
           .range = NumberRange::positive(),
           .fallback = absent_means("none (looks at information_fractions)"),
           .unit = "months",
           .meaning = "interims at these calendar times since the study start instead of at event "
                      "fractions; each cohort's boundaries are computed on the events it has "
                      "observed (looks at or after the final analysis are not made)",
           .increasing = true},
          {.path = "spending",
           .type = KeyType::choice,
           .choices = {"obrien_fleming", "pocock", "hwang_shih_decani"},
           .meaning = "Lan-DeMets alpha-spending function of the efficacy boundaries"},
          {.path = "gamma",
           .type = KeyType::number,
           .range = {-40.0, 40.0, true, true},
           .fallback = defaults_to(-4.0),
           .meaning = "gamma of the Hwang-Shih-DeCani spending function"},
          {.path = "futility",
           .type = KeyType::number_list,
           .range = {-10.0, 10.0, true, true},
           .fallback = absent_means("none (no futility stops)"),
           .unit = "benefit z",
           .meaning = "non-binding futility bounds, one per interim: stop when the benefit z is "
                      "below"},
      }};
  return table;
}

const KeyTable& survival_option_keys() {
  static const KeyTable table{
      "design",
      {
          {.path = "estimates",
           .type = KeyType::boolean,
           .fallback = defaults_to(true),
           .meaning = "compute the Cox and Kaplan-Meier estimates (false: the test only, faster)"},
          {.path = "confidence_level",
           .type = KeyType::number,
           .range = NumberRange::open_unit(),
           .fallback = defaults_to(0.95),
           .meaning = "two-sided level of the hazard-ratio and landmark intervals"},
          {.path = "landmarks",
           .type = KeyType::number_list,
           .range = NumberRange::positive(),
           .fallback = defaults_to(std::vector<double>{12.0}),
           .unit = "months",
           .meaning = "times of the Kaplan-Meier survival estimates",
           .increasing = true},
          {.path = "landmark_ci",
           .type = KeyType::choice,
           .choices = {"plain", "log", "log_log"},
           .fallback = defaults_to("log_log"),
           .meaning = "transformation of the landmark survival intervals"},
          {.path = "cox_ties",
           .type = KeyType::choice,
           .choices = {"efron", "breslow"},
           .fallback = defaults_to("efron"),
           .meaning = "tie handling of the Cox fit"},
      }};
  return table;
}

const KeySpec& nph_mapping_key() {
  static const KeySpec spec{
      .path = "nph",
      .type = KeyType::mapping,
      .fallback = absent_means("none (the log-rank test only)"),
      .meaning =
          "analyses for non-proportional hazards at the final analysis: Fleming-Harrington "
          "tests, MaxCombo, RMST and milestone differences, each with its own decision"};
  return spec;
}

const KeyTable& nph_keys() {
  static const KeyTable table{
      "design.nph",
      {
          {.path = "fleming_harrington",
           .type = KeyType::mapping_list,
           .fallback = absent_means("FH(0,0), FH(0,1), FH(1,0), FH(1,1)"),
           .meaning = "the weighted log-rank tests FH(rho, gamma), each tested alone and "
                      "together in MaxCombo",
           .max_items = MAX_FH_TESTS},
          {.path = "max_combo",
           .type = KeyType::boolean,
           .fallback = defaults_to(true),
           .meaning = "the MaxCombo test of the Fleming-Harrington set (p-value from the "
                      "multivariate normal with the estimated correlation)"},
          {.path = "rmst_tau",
           .type = KeyType::number,
           .range = NumberRange::positive(),
           .fallback = computed_default("the largest landmark"),
           .unit = "months",
           .meaning = "horizon of the restricted mean survival time difference"},
          {.path = "milestones",
           .type = KeyType::number_list,
           .range = NumberRange::positive(),
           .fallback = computed_default("the landmarks"),
           .unit = "months",
           .meaning = "times of the milestone (Kaplan-Meier survival difference) tests",
           .increasing = true,
           .max_items = MAX_MILESTONES},
      }};
  return table;
}

const KeyTable& fleming_harrington_keys() {
  static const KeyTable table{"design.nph.fleming_harrington[]",
                              {
                                  {.path = "rho",
                                   .type = KeyType::number,
                                   .range = {0.0, 10.0, true, true},
                                   .meaning = "exponent of the pooled S(t-): early differences"},
                                  {.path = "gamma",
                                   .type = KeyType::number,
                                   .range = {0.0, 10.0, true, true},
                                   .meaning = "exponent of 1 - S(t-): late differences"},
                              }};
  return table;
}

void read_nph(MappingReader& design, TwoArmSurvivalDesign& out) {
  auto nph = design.optional_mapping(nph_mapping_key());
  if (!nph) return;
  NphOptions& o = out.nph;
  o.enabled = true;
  const KeyTable& keys = nph_keys();
  if (out.group_sequential()) {
    // Each FH test runs its own group-sequential trial; the others have no boundaries here.
    o.sequential = true;
    const auto refuse = [&](const char* key, const char* what) {
      nph->fail(key,
                std::string(what) +
                    " has no group-sequential boundaries in trialsim (the FH "
                    "tests do, on their observed information)",
                "no design.nph." + std::string(key) + " with design.interim");
    };
    if (nph->has(keys["max_combo"]) && nph->boolean(keys["max_combo"]))
      refuse("max_combo", "MaxCombo");
    if (nph->has(keys["rmst_tau"])) refuse("rmst_tau", "the RMST test");
    if (nph->has(keys["milestones"])) refuse("milestones", "the milestone test");
  }
  for (MappingReader& item : nph->mapping_list(keys["fleming_harrington"])) {
    o.fleming_harrington.push_back({item.number(fleming_harrington_keys()["rho"]),
                                    item.number(fleming_harrington_keys()["gamma"])});
    item.finish();
  }
  if (o.fleming_harrington.empty())
    o.fleming_harrington.assign(DEFAULT_MAX_COMBO_SET.begin(), DEFAULT_MAX_COMBO_SET.end());
  const double largest_landmark = out.landmarks.empty() ? 12.0 : out.landmarks.back();
  if (o.sequential) {
    o.max_combo = false;
    o.rmst = false;
    o.rmst_tau = largest_landmark;
    nph->boolean(keys["max_combo"]);  // read (false or absent), so that finish() accepts it
  } else {
    o.max_combo = nph->boolean(keys["max_combo"]);
    o.rmst_tau = nph->number(keys["rmst_tau"].with_default(largest_landmark));
    o.milestones = nph->number_list(keys["milestones"].with_default(out.landmarks));
  }
  if (o.milestones.size() > MAX_MILESTONES) {
    nph->fail("milestones", "more than " + std::to_string(MAX_MILESTONES) + " milestones",
              "at most " + std::to_string(MAX_MILESTONES));
  }
  try {
    o.plan = NphPlan(o.fleming_harrington, o.rmst_tau, o.milestones);
  } catch (const std::invalid_argument& e) {
    nph->fail("", e.what(), "at most 6 tests with exponents >= 0, milestones increasing");
  }
  nph->finish();
}

nlohmann::json nph_json(const TwoArmSurvivalDesign& d) {
  if (!d.nph.enabled) return nullptr;
  nlohmann::json fh = nlohmann::json::array();
  for (const FhWeight& w : d.nph.fleming_harrington)
    fh.push_back({{"rho", w.rho}, {"gamma", w.gamma}});
  if (d.nph.sequential) return {{"fleming_harrington", fh}, {"max_combo", false}};
  return {{"fleming_harrington", fh},
          {"max_combo", d.nph.max_combo},
          {"rmst_tau", d.nph.rmst_tau},
          {"milestones", d.nph.milestones}};
}

void read_allocation(MappingReader& design, TwoArmSurvivalDesign& out) {
  if (auto allocation = design.optional_mapping(allocation_mapping_key())) {
    const KeyTable& keys = allocation_keys();
    out.allocation_control = static_cast<int>(allocation->integer(keys["control"]));
    out.allocation_experimental = static_cast<int>(allocation->integer(keys["experimental"]));
    allocation->finish();
  }
}

void read_survival_analysis_options(MappingReader& design, TwoArmSurvivalDesign& out) {
  const KeyTable& keys = survival_option_keys();
  out.estimates = design.boolean(keys["estimates"]);
  out.confidence_level = design.number(keys["confidence_level"]);
  out.landmarks = design.number_list(keys["landmarks"]);
  const std::string ci = design.choice(keys["landmark_ci"]);
  out.landmark_ci = ci == "plain" ? CiType::plain : ci == "log" ? CiType::log : CiType::log_log;
  out.ties = design.choice(keys["cox_ties"]) == "breslow" ? CoxTies::breslow : CoxTies::efron;
}

void add_estimates_switch(const TwoArmSurvivalDesign& d, nlohmann::json& resolved) {
  if (!d.estimates) resolved["design"]["estimates"] = false;
}

namespace {

SpendingFunction spending_function_named(const std::string& name) {
  return name == "obrien_fleming" ? SpendingFunction::obrien_fleming
         : name == "pocock"       ? SpendingFunction::pocock
                                  : SpendingFunction::hwang_shih_decani;
}

// Interims at fractions of the final event count: whole event counts, and the design's
// boundaries at the fractions those counts give.
void read_event_interims(MappingReader& design, const std::vector<double>& fractions,
                         const std::vector<double>& futility, TwoArmSurvivalDesign& out) {
  std::vector<double> information;
  for (const double f : fractions) {
    const int events = std::max(1, static_cast<int>(std::lround(f * out.timing.target_events)));
    if (!out.interim_events.empty() && events <= out.interim_events.back()) {
      design.fail("interim", "two interims fall on the same event count",
                  "fractions further apart");
    }
    if (events >= out.timing.target_events)
      design.fail("interim", "an interim falls on the final event count", "fractions below 1");
    out.interim_events.push_back(events);
    information.push_back(static_cast<double>(events) / out.timing.target_events);
  }
  information.push_back(1.0);
  GroupSequentialDesign gs =
      lan_demets_boundaries(information, out.alpha, out.spending_function, out.spending_gamma);
  if (!futility.empty()) gs = with_futility(gs, futility);
  out.efficacy_boundaries = gs.efficacy;
  out.information_fractions = information;
}

}  // namespace

void read_interim(MappingReader& design, TwoArmSurvivalDesign& out) {
  auto interim = design.optional_mapping(interim_mapping_key());
  if (!interim) return;
  if (out.timing.trigger != AnalysisTiming::Trigger::events) {
    interim->fail("", "interim analyses need an event-driven final analysis",
                  "design.analysis.trigger: events");
  }
  const KeyTable& keys = interim_keys();
  // Read with an empty default, so that an absent or null list gets the message it always had.
  const auto fractions =
      interim->number_list(keys["information_fractions"].with_default(std::vector<double>{}));
  const auto calendar =
      interim->number_list(keys["calendar_months"].with_default(std::vector<double>{}));
  if (fractions.empty() && calendar.empty())
    interim->fail("information_fractions", "missing required key",
                  "a list of fractions in (0, 1), or calendar_months");
  if (!fractions.empty() && !calendar.empty())
    interim->fail("calendar_months", "given with information_fractions",
                  "one of information_fractions (event-driven looks) or calendar_months");
  const std::size_t interims = fractions.empty() ? calendar.size() : fractions.size();
  out.spending = interim->choice(keys["spending"]);
  out.spending_function = spending_function_named(out.spending);
  out.spending_gamma = interim->number(keys["gamma"]);
  const auto futility = interim->number_list(keys["futility"].with_default(std::vector<double>{}));
  if (!futility.empty() && futility.size() != interims) {
    interim->fail("futility", "has " + std::to_string(futility.size()) + " values",
                  std::to_string(interims) + " benefit-z values, one per interim");
  }
  interim->finish();
  if (fractions.empty()) {
    out.interim_calendar = calendar;
  } else {
    read_event_interims(design, fractions, futility, out);
  }
  out.futility_boundaries.assign(interims, -std::numeric_limits<double>::infinity());
  for (std::size_t k = 0; k < futility.size(); ++k) out.futility_boundaries[k] = futility[k];
}

nlohmann::json interim_json(const TwoArmSurvivalDesign& d) {
  if (!d.group_sequential()) return nullptr;
  nlohmann::json futility = nlohmann::json::array();
  for (double f : d.futility_boundaries)
    futility.push_back(std::isfinite(f) ? nlohmann::json(f) : nlohmann::json(nullptr));
  if (!d.interim_calendar.empty()) {
    return {{"spending", d.spending},
            {"gamma", d.spending_gamma},
            {"calendar_months", d.interim_calendar},
            {"efficacy_boundaries", "per cohort, on its observed information"},
            {"futility_boundaries_benefit_z", futility}};
  }
  return {{"spending", d.spending},
          {"gamma", d.spending_gamma},
          {"interim_events", d.interim_events},
          {"information_fractions", d.information_fractions},
          {"efficacy_boundaries_benefit_z", d.efficacy_boundaries},
          {"futility_boundaries_benefit_z", futility}};
}

void append_survival_row(std::string& out, std::uint64_t replicate, const std::string& scenario,
                         const SurvivalReplicateSummary& summary) {
  append_fields(out, replicate, scenario);
  out += ',' + std::to_string(summary.patients_analysed) + ',' + std::to_string(summary.events) +
         ',' + format_number(summary.study_duration) + ',' + format_number(summary.logrank_z) +
         (summary.rejected ? ",1," : ",0,") + format_number(summary.hazard_ratio) + '\n';
}

std::vector<NamedFile> two_arm_report_files(const std::vector<TwoArmSurvivalTally>& totals,
                                            const std::vector<std::string>& scenario_names) {
  std::string histograms = "scenario,quantity,value,cohorts\n";
  std::string curves = "scenario,endpoint,time,cohorts,estimable_probability,q025,q50,q975\n";
  bool any_band = false;
  for (std::size_t s = 0; s < totals.size(); ++s) {
    const std::string scenario = csv_field(scenario_names[s]);
    histograms += duration_histogram_rows(scenario, totals[s].study_durations().distribution());
    const auto all = static_cast<double>(totals[s].cohorts());
    constexpr const char* ARMS[2] = {"km_control", "km_experimental"};
    for (int a = 0; a < 2; ++a) {
      const auto& band = totals[s].km_band(a);
      for (std::size_t k = 0; k < band.size(); ++k) {
        const DiscreteDistribution d = band[k].distribution();
        if (d.count() == 0) continue;
        any_band = true;
        const auto tidy = [](double q) {
          return std::round(q / TWO_ARM_BAND_RESOLUTION) * TWO_ARM_BAND_RESOLUTION;
        };
        curves += scenario + ',' + ARMS[a] + ',' +
                  format_number(static_cast<double>(k) * TWO_ARM_BAND_STEP) + ',' +
                  std::to_string(d.count()) + ',' +
                  format_number(static_cast<double>(d.count()) / all) + ',' +
                  format_number(tidy(d.quantile(0.025))) + ',' +
                  format_number(tidy(d.quantile(0.5))) + ',' +
                  format_number(tidy(d.quantile(0.975))) + '\n';
      }
    }
  }
  std::vector<NamedFile> files{{"distributions.csv", histograms}};
  if (any_band) files.push_back({"curves.csv", curves});
  return files;
}

}  // namespace trialsim
