#include "designs/two_arm_survival/survival_config.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/output.h"
#include "statistics/group_sequential.h"

namespace trialsim {

void read_allocation(MappingReader& design, TwoArmSurvivalDesign& out) {
  if (auto allocation = design.optional_mapping("allocation")) {
    out.allocation_control = static_cast<int>(allocation->optional_integer("control", 1, 1, 16));
    out.allocation_experimental =
        static_cast<int>(allocation->optional_integer("experimental", 1, 1, 16));
    allocation->finish();
  }
}

void read_survival_analysis_options(MappingReader& design, TwoArmSurvivalDesign& out) {
  out.estimates = design.optional_bool("estimates", true);
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  out.landmarks = design.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true);
  const std::string ci =
      design.optional_choice("landmark_ci", "log_log", {"plain", "log", "log_log"});
  out.landmark_ci = ci == "plain" ? CiType::plain : ci == "log" ? CiType::log : CiType::log_log;
  out.ties = design.optional_choice("cox_ties", "efron", {"efron", "breslow"}) == "breslow"
                 ? CoxTies::breslow
                 : CoxTies::efron;
}

void add_estimates_switch(const TwoArmSurvivalDesign& d, nlohmann::json& resolved) {
  if (!d.estimates) resolved["design"]["estimates"] = false;
}

void read_interim(MappingReader& design, TwoArmSurvivalDesign& out) {
  if (auto interim = design.optional_mapping("interim")) {
    if (out.timing.trigger != AnalysisTiming::Trigger::events) {
      interim->fail("", "interim analyses need an event-driven final analysis",
                    "design.analysis.trigger: events");
    }
    const auto fractions =
        interim->optional_number_list("information_fractions", {}, NumberRange::open_unit(), true);
    if (fractions.empty())
      interim->fail("information_fractions", "missing required key",
                    "a list of fractions in (0, 1)");
    const std::string spending =
        interim->required_choice("spending", {"obrien_fleming", "pocock", "hwang_shih_decani"});
    const double gamma = interim->optional_number("gamma", -4.0, {-40.0, 40.0, true, true});
    const auto futility =
        interim->optional_number_list("futility", {}, {-10.0, 10.0, true, true}, false);
    if (!futility.empty() && futility.size() != fractions.size()) {
      interim->fail("futility", "has " + std::to_string(futility.size()) + " values",
                    std::to_string(fractions.size()) + " benefit-z values, one per interim");
    }
    interim->finish();
    // Looks at whole event counts; the boundaries use the fractions those counts give.
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
    const SpendingFunction f = spending == "obrien_fleming" ? SpendingFunction::obrien_fleming
                               : spending == "pocock"       ? SpendingFunction::pocock
                                                            : SpendingFunction::hwang_shih_decani;
    GroupSequentialDesign gs = lan_demets_boundaries(information, out.alpha, f, gamma);
    if (!futility.empty()) gs = with_futility(gs, futility);
    out.efficacy_boundaries = gs.efficacy;
    out.futility_boundaries.assign(gs.efficacy.size() - 1,
                                   -std::numeric_limits<double>::infinity());
    for (std::size_t k = 0; k + 1 < gs.efficacy.size() && k < gs.futility.size(); ++k)
      out.futility_boundaries[k] = gs.futility[k];
    out.spending = spending;
    out.spending_gamma = gamma;
    out.information_fractions = information;
  }
}

nlohmann::json interim_json(const TwoArmSurvivalDesign& d) {
  if (d.efficacy_boundaries.empty()) return nullptr;
  nlohmann::json futility = nlohmann::json::array();
  for (double f : d.futility_boundaries)
    futility.push_back(std::isfinite(f) ? nlohmann::json(f) : nlohmann::json(nullptr));
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
  for (std::size_t s = 0; s < totals.size(); ++s) {
    histograms += duration_histogram_rows(csv_field(scenario_names[s]),
                                          totals[s].study_durations().distribution());
  }
  return {{"distributions.csv", histograms}};
}

}  // namespace trialsim
