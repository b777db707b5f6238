#include "edges/config/study_config_designs.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>

#include "edges/fit/fit_command.h"
#include "statistics/group_sequential.h"
#include "core/output.h"
#include "models/car_t/patient_model.h"

namespace trialsim {

nlohmann::json interim_json(const TwoArmSurvivalDesign& d);

namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

std::vector<std::string> interval_method_names() {
  std::vector<std::string> names;
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) names.emplace_back(to_string(method));
  return names;
}

IntervalMethod interval_method_from(const std::string& name) {
  for (const IntervalMethod method : ALL_INTERVAL_METHODS) {
    if (to_string(method) == name) return method;
  }
  throw std::logic_error("unknown interval method " + name);  // the parser restricts the choices
}

const char* ci_type_name(CiType type) {
  switch (type) {
    case CiType::plain: return "plain";
    case CiType::log: return "log";
    case CiType::log_log: return "log_log";
  }
  return "log_log";
}

AccrualModel read_accrual(MappingReader& design, int sample_size) {
  MappingReader accrual = design.mapping("accrual");
  AccrualModel model;
  const std::string type = accrual.required_choice("type", {"uniform", "piecewise"});
  if (type == "uniform") {
    model.kind = AccrualModel::Kind::uniform;
    model.duration = accrual.required_number("duration", NumberRange::positive());
  } else {
    model.kind = AccrualModel::Kind::piecewise;
    auto segments = accrual.mapping_list("rates", 1);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const bool last = i + 1 == segments.size();
      AccrualSegment segment;
      // Every segment but the last needs a duration; the last lasts until n have arrived.
      segment.duration = last ? segments[i].optional_number("duration", INF, NumberRange::positive())
                              : segments[i].required_number("duration", NumberRange::positive());
      segment.rate = segments[i].required_number("rate", NumberRange::non_negative());
      segments[i].finish();
      model.segments.push_back(segment);
    }
    double expected = 0.0;
    for (const auto& s : model.segments) expected += s.rate * s.duration;
    if (!(expected > 0.0) || (std::isfinite(expected) && model.segments.back().rate == 0.0)) {
      accrual.fail("rates", "the accrual rates never enrol anyone after the last segment",
                   "a last segment with a positive rate");
    }
    if (std::isfinite(expected)) {
      accrual.fail("rates", "the last segment has a finite duration, so accrual could stop before " +
                                std::to_string(sample_size) + " patients",
                   "no duration on the last segment (it lasts until the sample size is reached)");
    }
  }
  accrual.finish();
  return model;
}

AnalysisTiming read_timing(MappingReader& design, int sample_size) {
  MappingReader analysis = design.mapping("analysis");
  AnalysisTiming timing;
  const std::string trigger = analysis.required_choice("trigger", {"events", "calendar", "after_last_enrolment"});
  // The key of the chosen trigger is required; the other triggers' keys may stay in the file
  // (validated, unused), so that `--set design.analysis.trigger=...` can switch between them.
  const auto read_events = [&](bool required) {
    return static_cast<int>(required ? analysis.required_integer("events", 1, sample_size)
                                     : analysis.optional_integer("events", 1, 1, sample_size));
  };
  const auto read_calendar = [&](bool required) {
    return required ? analysis.required_number("calendar_time", NumberRange::positive())
                    : analysis.optional_number("calendar_time", 1.0, NumberRange::positive());
  };
  const auto read_follow_up = [&](bool required) {
    return required ? analysis.required_number("follow_up", NumberRange::non_negative())
                    : analysis.optional_number("follow_up", 0.0, NumberRange::non_negative());
  };
  timing.trigger = trigger == "events"     ? AnalysisTiming::Trigger::events
                   : trigger == "calendar" ? AnalysisTiming::Trigger::calendar
                                           : AnalysisTiming::Trigger::after_last_enrolment;
  timing.target_events = read_events(trigger == "events");
  timing.calendar_time = read_calendar(trigger == "calendar");
  timing.follow_up_after_last = read_follow_up(trigger == "after_last_enrolment");
  timing.minimum_follow_up = analysis.optional_number("minimum_follow_up", 0.0, NumberRange::non_negative());
  analysis.finish();
  return timing;
}

// Control-arm exponential hazard (per month) from exactly one of hazard, median or
// survival_at {time, probability}: lambda = log(2)/median = -log(S(t))/t.
double read_control_hazard(MappingReader& root, nlohmann::json& echo) {
  MappingReader model = root.mapping("model");
  model.required_choice("type", {"exponential"});
  MappingReader control = model.mapping("control_survival");
  const int given = static_cast<int>(control.has("hazard")) + static_cast<int>(control.has("median")) +
                    static_cast<int>(control.has("survival_at"));
  if (given != 1) {
    control.fail("", "found " + std::to_string(given) + " of hazard, median, survival_at",
                 "exactly one of them");
  }
  double hazard = 0.0;
  if (control.has("hazard")) {
    hazard = control.required_number("hazard", NumberRange::positive());
    echo = {{"hazard", hazard}};
  } else if (control.has("median")) {
    const double median = control.required_number("median", NumberRange::positive());
    hazard = std::log(2.0) / median;
    echo = {{"median", median}};
  } else {
    MappingReader at = control.mapping("survival_at");
    const double time = at.required_number("time", NumberRange::positive());
    const double probability = at.required_number("probability", NumberRange::open_unit());
    at.finish();
    hazard = -std::log(probability) / time;
    echo = {{"survival_at", {{"time", time}, {"probability", probability}}}};
  }
  // Declare all three alternatives for the key registry even when one was used.
  if (!control.has("hazard")) control.optional_number("hazard", 0.0, NumberRange::positive());
  if (!control.has("median")) control.optional_number("median", 0.0, NumberRange::positive());
  if (!control.has("survival_at")) control.optional_mapping("survival_at");
  control.finish();
  model.finish();
  echo["hazard_per_month"] = hazard;
  return hazard;
}

nlohmann::json accrual_json(const AccrualModel& model) {
  if (model.kind == AccrualModel::Kind::uniform) return {{"type", "uniform"}, {"duration", model.duration}};
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& s : model.segments) {
    nlohmann::json segment = {{"rate", s.rate}};
    if (std::isfinite(s.duration)) segment["duration"] = s.duration;
    rates.push_back(segment);
  }
  return {{"type", "piecewise"}, {"rates", rates}};
}

nlohmann::json timing_json(const AnalysisTiming& timing) {
  nlohmann::json analysis = {{"minimum_follow_up", timing.minimum_follow_up}};
  switch (timing.trigger) {
    case AnalysisTiming::Trigger::events:
      analysis["trigger"] = "events";
      analysis["events"] = timing.target_events;
      break;
    case AnalysisTiming::Trigger::calendar:
      analysis["trigger"] = "calendar";
      analysis["calendar_time"] = timing.calendar_time;
      break;
    case AnalysisTiming::Trigger::after_last_enrolment:
      analysis["trigger"] = "after_last_enrolment";
      analysis["follow_up"] = timing.follow_up_after_last;
      break;
  }
  return analysis;
}

// `design.allocation: {control, experimental}` (ratio; permuted blocks of twice the sum).
void read_allocation(MappingReader& design, TwoArmSurvivalDesign& out) {
  if (auto allocation = design.optional_mapping("allocation")) {
    out.allocation_control = static_cast<int>(allocation->optional_integer("control", 1, 1, 16));
    out.allocation_experimental = static_cast<int>(allocation->optional_integer("experimental", 1, 1, 16));
    allocation->finish();
  }
}

// The analysis options of a two-arm survival design: whether to estimate at all, interval
// level, KM landmarks and their interval type, Cox ties.
void read_survival_analysis_options(MappingReader& design, TwoArmSurvivalDesign& out) {
  out.estimates = design.optional_bool("estimates", true);
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  out.landmarks = design.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true);
  const std::string ci = design.optional_choice("landmark_ci", "log_log", {"plain", "log", "log_log"});
  out.landmark_ci = ci == "plain" ? CiType::plain : ci == "log" ? CiType::log : CiType::log_log;
  out.ties = design.optional_choice("cox_ties", "efron", {"efron", "breslow"}) == "breslow" ? CoxTies::breslow
                                                                                         : CoxTies::efron;
}

// `design.estimates` in the resolved study only when false, so the config hash of every study
// that leaves it at its default stays what it was before the key existed.
void add_estimates_switch(const TwoArmSurvivalDesign& d, nlohmann::json& resolved) {
  if (!d.estimates) resolved["design"]["estimates"] = false;
}

// `design.interim`: group-sequential looks at event fractions of the final event count.
void read_interim(MappingReader& design, TwoArmSurvivalDesign& out) {
  if (auto interim = design.optional_mapping("interim")) {
    if (out.timing.trigger != AnalysisTiming::Trigger::events) {
      interim->fail("", "interim analyses need an event-driven final analysis", "design.analysis.trigger: events");
    }
    const auto fractions = interim->optional_number_list("information_fractions", {}, NumberRange::open_unit(), true);
    if (fractions.empty()) interim->fail("information_fractions", "missing required key", "a list of fractions in (0, 1)");
    const std::string spending = interim->required_choice("spending", {"obrien_fleming", "pocock", "hwang_shih_decani"});
    const double gamma = interim->optional_number("gamma", -4.0, {-40.0, 40.0, true, true});
    const auto futility = interim->optional_number_list("futility", {}, {-10.0, 10.0, true, true}, false);
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
        design.fail("interim", "two interims fall on the same event count", "fractions further apart");
      }
      if (events >= out.timing.target_events) design.fail("interim", "an interim falls on the final event count", "fractions below 1");
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
    out.futility_boundaries.assign(gs.efficacy.size() - 1, -std::numeric_limits<double>::infinity());
    for (std::size_t k = 0; k + 1 < gs.efficacy.size() && k < gs.futility.size(); ++k) out.futility_boundaries[k] = gs.futility[k];
    out.spending = spending;
    out.spending_gamma = gamma;
    out.information_fractions = information;
  }
}

// `overrides: {parameter_name: value, ...}` of the CAR-T model, validated by name and by the
// parameter's unit (a proportion in [0, 1], a positive scale, ...; models/car_t/patient_model.h).
std::vector<std::pair<std::string, double>> read_parameter_overrides(MappingReader& parent) {
  std::vector<std::pair<std::string, double>> out;
  auto overrides = parent.optional_mapping("overrides");
  if (!overrides) return out;
  for (const std::string& name : overrides->keys()) {
    const car_t::NamedParameter* parameter = car_t::find_parameter(name);
    if (!parameter) {
      overrides->fail(name, "unknown model parameter", "a parameter name from the README's parameter table");
    }
    const double value = overrides->required_number(name, {-1e300, 1e300, true, true});
    if (!car_t::parameter_value_allowed(*parameter, value)) {
      overrides->fail(name, "value " + format_number(value) + " is out of range for " + name,
                      car_t::describe_domain(*parameter));
    }
    out.emplace_back(name, value);
  }
  overrides->finish();
  return out;
}

// Every number of a fitted model in its parameter's domain (finite, probabilities in [0, 1],
// positive scales and rates), checked before a run: a located error in the fitted file, not a
// run that fails or reports nonsense. The file is parsed again only to locate a bad value.
void check_fitted_values(const std::filesystem::path& file, const FittedModel& model) {
  const auto fail = [&](std::ptrdiff_t row, const car_t::NamedParameter& parameter, double value) {
    const ConfigDocument document = ConfigDocument::load_file(file.string());
    const YAML::Node& root = document.root();
    std::string path = std::string("point.") + parameter.name;
    YAML::Node node = root["point"][parameter.name];
    if (row >= 0) {  // a draw: its column is the parameter's position in draws.columns
      const YAML::Node columns = root["draws"]["columns"];
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].Scalar() != parameter.name) continue;
        path = "draws.values." + std::to_string(row) + "." + std::to_string(c);
        node.reset(root["draws"]["values"][static_cast<std::size_t>(row)][c]);
      }
    }
    throw ConfigError(document.locate(node, path), path,
                      "value " + format_number(value) + " is out of range for " + parameter.name,
                      car_t::describe_domain(parameter));
  };
  for (const car_t::NamedParameter& p : car_t::parameter_table()) {
    if (!car_t::parameter_value_allowed(p, model.point.*p.member))
      fail(-1, p, model.point.*p.member);
  }
  // A draw holds the point value for every parameter the file gives no column, so a bad draw
  // value is always in a column.
  for (std::size_t r = 0; r < model.draws.size(); ++r) {
    for (const car_t::NamedParameter& p : car_t::parameter_table()) {
      const double value = model.draws[r].*p.member;
      if (!car_t::parameter_value_allowed(p, value)) fail(static_cast<std::ptrdiff_t>(r), p, value);
    }
  }
}

// load_fitted_model and check_fitted_values, once per file: a grid or search reads the config
// once per value and per cell, and a fitted file with its posterior draws is large (0.6 MB for
// 1 000 draws). Keyed by path, size and modification time, so an edited file is read again.
FittedModel load_checked_fitted_model(const std::filesystem::path& file) {
  struct Cached {
    std::string path;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
    FittedModel model;
  };
  static std::mutex mutex;
  static std::optional<Cached> cached;
  std::error_code ec;
  const std::string path = std::filesystem::absolute(file, ec).lexically_normal().string();
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  const auto modified = std::filesystem::last_write_time(file, ec);
  {
    const std::lock_guard lock(mutex);
    if (!ec && cached && cached->path == path && cached->size == size &&
        cached->modified == modified) {
      return cached->model;
    }
  }
  FittedModel model = load_fitted_model(file);
  check_fitted_values(file, model);
  if (!ec) {
    const std::lock_guard lock(mutex);
    cached = Cached{path, size, modified, model};
  }
  return model;
}

std::vector<std::string> interval_names_of(const std::vector<IntervalMethod>& methods) {
  std::vector<std::string> names;
  for (const IntervalMethod m : methods) names.emplace_back(to_string(m));
  return names;
}

nlohmann::json overrides_json(const std::vector<std::pair<std::string, double>>& overrides) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : overrides) out[name] = value;
  return out;
}

// `model: {fitted, overrides[, uncertainty]}` and `scenarios: [{name, overrides}]` of the designs
// that simulate from a fitted CAR-T model.
FittedScenarios read_fitted_scenarios(MappingReader& root, const std::filesystem::path& config_file,
                                      bool allow_uncertainty) {
  FittedScenarios out;
  MappingReader model = root.mapping("model");
  const std::string fitted = model.required_string("fitted");
  // A relative path is relative to the config file, so configs can be run from anywhere.
  const std::filesystem::path fitted_path = std::filesystem::path(fitted).is_absolute()
                                                ? std::filesystem::path(fitted)
                                                : config_file.parent_path() / fitted;
  if (!std::filesystem::is_regular_file(fitted_path)) {
    model.fail("fitted", "no fitted model file at " + fitted_path.string(), "the output of `trialsim fit`");
  }
  out.file = fitted_path.lexically_normal().string();
  const FittedModel fitted_model = load_checked_fitted_model(fitted_path);
  out.model_overrides = read_parameter_overrides(model);
  if (allow_uncertainty) {
    out.assurance = model.optional_choice("uncertainty", "point", {"point", "posterior"}) == "posterior";
    if (out.assurance) {
      if (fitted_model.draws.empty()) model.fail("uncertainty", "the fitted model has no posterior draws", "point");
      out.posterior_draws = fitted_model.draws;
    }
  }
  model.finish();
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    car_t::CarTScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.parameters = fitted_model.point;
    for (const auto& [name, value] : out.model_overrides) car_t::set_parameter(scenario.parameters, name, value);
    const auto overrides = read_parameter_overrides(item);
    for (const auto& [name, value] : overrides) car_t::set_parameter(scenario.parameters, name, value);
    item.finish();
    out.scenario_overrides.emplace_back(scenario.name, overrides);
    out.scenarios.push_back(std::move(scenario));
  }
  return out;
}

nlohmann::json fitted_model_json(const std::string& file, const std::vector<std::pair<std::string, double>>& overrides) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return {{"fitted", file}, {"fitted_sha256", sha256_hex(bytes.str())}, {"overrides", overrides_json(overrides)}};
}

}  // namespace

MaintenanceTrialStudy read_maintenance_after_car_t(MappingReader& root, const std::filesystem::path& config_file) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", DESIGN_TYPES);
  MaintenanceTrialStudy study;
  TwoArmSurvivalDesign& out = study.design;
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 2, 100000));
  read_allocation(design, out);
  out.accrual = read_accrual(design, out.sample_size);
  out.timing = read_timing(design, out.sample_size);
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  read_interim(design, out);
  const std::vector<std::string> covariates = {"extramedullary", "ph_positive", "cns", "prior_blinatumomab", "prior_inotuzumab"};
  for (const std::string& name : design.optional_choice_list("strata", {"extramedullary", "ph_positive"}, covariates)) {
    study.strata.push_back(car_t::stratum_covariate_from(name));
  }
  out.stratified = design.optional_bool("stratified_analysis", true);
  read_survival_analysis_options(design, out);
  design.finish();
  FittedScenarios fitted = read_fitted_scenarios(root, config_file, false);
  study.fitted_file = fitted.file;
  study.model_overrides = fitted.model_overrides;
  study.scenario_overrides = std::move(fitted.scenario_overrides);
  study.scenarios = std::move(fitted.scenarios);
  return study;
}

nlohmann::json resolved_study(const MaintenanceTrialStudy& study) {
  const TwoArmSurvivalDesign& d = study.design;
  nlohmann::json strata = nlohmann::json::array();
  for (auto c : study.strata) strata.push_back(car_t::to_string(c));
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& [name, overrides] : study.scenario_overrides) {
    scenarios.push_back({{"name", name}, {"overrides", overrides_json(overrides)}});
  }
  nlohmann::json resolved = {{"design",
           {{"type", "maintenance_after_car_t"},
            {"sample_size", d.sample_size},
            {"allocation", {{"control", d.allocation_control}, {"experimental", d.allocation_experimental}}},
            {"accrual", accrual_json(d.accrual)},
            {"analysis", timing_json(d.timing)},
            {"alpha", d.alpha},
            {"interim", interim_json(d)},
            {"strata", strata},
            {"stratified_analysis", d.stratified},
            {"confidence_level", d.confidence_level},
            {"landmarks", d.landmarks},
            {"landmark_ci", ci_type_name(d.landmark_ci)},
            {"cox_ties", d.ties == CoxTies::breslow ? "breslow" : "efron"}}},
          {"model", fitted_model_json(study.fitted_file, study.model_overrides)},
          {"scenarios", scenarios}};
  add_estimates_switch(d, resolved);
  return resolved;
}

SingleArmCarTStudy read_single_arm_car_t(MappingReader& root, const std::filesystem::path& config_file) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", DESIGN_TYPES);
  SingleArmCarTStudy study;
  car_t::SingleArmCarTDesign& out = study.design;
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 1, 100000));
  out.accrual = read_accrual(design, out.sample_size);
  out.timing = read_timing(design, out.sample_size);
  out.null_response_rate = design.required_number("null_response_rate", NumberRange::open_unit());
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  const auto names = interval_method_names();
  out.intervals.clear();
  for (const auto& name : design.optional_choice_list("intervals", names, names)) out.intervals.push_back(interval_method_from(name));
  out.landmarks = design.optional_number_list("landmarks", {12.0}, NumberRange::positive(), true);
  const std::string ci = design.optional_choice("landmark_ci", "log_log", {"plain", "log", "log_log"});
  out.landmark_ci = ci == "plain" ? CiType::plain : ci == "log" ? CiType::log : CiType::log_log;
  design.finish();

  FittedScenarios fitted = read_fitted_scenarios(root, config_file, true);
  study.fitted_file = fitted.file;
  study.model_overrides = fitted.model_overrides;
  study.assurance = fitted.assurance;
  study.posterior_draws = std::move(fitted.posterior_draws);
  study.scenario_overrides = std::move(fitted.scenario_overrides);
  study.scenarios = std::move(fitted.scenarios);
  return study;
}

SingleArmSequentialStudy read_single_arm_sequential(MappingReader& root) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", DESIGN_TYPES);
  SingleArmSequentialStudy study;
  SequentialEfficacyRule& efficacy = study.design.efficacy;
  MappingReader rule = design.mapping("efficacy");
  const std::string kind = rule.required_choice("rule", {"simon", "bayesian"});
  if (kind == "simon") {
    efficacy.kind = SequentialEfficacyRule::Kind::simon;
    const double p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
    const double p1 = rule.required_number("alternative_response_rate", NumberRange::open_unit());
    if (p1 <= p0) rule.fail("alternative_response_rate", "not above null_response_rate", "p1 > p0");
    if (auto stages = rule.optional_mapping("stages")) {
      const int n1 = static_cast<int>(stages->required_integer("n1", 1, 10000));
      const int r1 = static_cast<int>(stages->required_integer("r1", 0, n1));
      const int n = static_cast<int>(stages->required_integer("n", n1 + 1, 10000));
      const int r = static_cast<int>(stages->required_integer("r", r1, n));
      stages->finish();
      efficacy.simon = with_characteristics(n1, r1, n, r, p0, p1);
      study.design_echo = {{"rule", "simon"}, {"chosen", "given"}};
      // alpha/beta/choose/nmax describe a search; they are not used with given stages.
      rule.optional_number("alpha", 0.05, NumberRange::open_unit());
      rule.optional_number("beta", 0.2, NumberRange::open_unit());
      rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
      rule.optional_integer("nmax", 100, 2, 1000);
    } else {
      const double alpha = rule.required_number("alpha", NumberRange::open_unit());
      const double beta = rule.required_number("beta", NumberRange::open_unit());
      const std::string choose = rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
      const int nmax = static_cast<int>(rule.optional_integer("nmax", 100, 2, 1000));
      const SimonSearchResult found = simon_search(p0, p1, alpha, beta, nmax);
      const auto& chosen = choose == "optimal" ? found.optimal : found.minimax;
      if (!chosen) rule.fail("nmax", "no Simon design with n <= " + std::to_string(nmax) + " meets alpha and beta", "a larger nmax");
      efficacy.simon = *chosen;
      study.design_echo = {{"rule", "simon"}, {"chosen", choose}};
    }
    const SimonDesign& d = efficacy.simon;
    study.design_echo.update({{"null_response_rate", p0}, {"alternative_response_rate", p1}, {"n1", d.n1}, {"r1", d.r1},
                              {"n", d.n}, {"r", d.r}, {"pet_p0", d.pet_p0}, {"expected_n_p0", d.expected_n_p0},
                              {"alpha_actual", d.alpha_actual}, {"power_actual", d.power_actual}});
  } else {
    efficacy.kind = SequentialEfficacyRule::Kind::bayesian;
    PredictiveMonitoringRule monitoring;
    MappingReader prior = rule.mapping("prior");
    monitoring.prior = {prior.required_number("a", NumberRange::positive()), prior.required_number("b", NumberRange::positive())};
    prior.finish();
    monitoring.max_patients = static_cast<int>(rule.required_integer("max_patients", 1, 10000));
    monitoring.p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
    monitoring.theta_t = rule.required_number("final_threshold", NumberRange::open_unit());
    monitoring.efficacy_cutoff = rule.optional_number("efficacy_cutoff", 1.0, NumberRange{0.0, 1.0, false, true});
    monitoring.futility_cutoff = rule.optional_number("futility_cutoff", 0.0, NumberRange{0.0, 1.0, true, false});
    monitoring.first_look = static_cast<int>(rule.optional_integer("first_look", monitoring.max_patients, 1, monitoring.max_patients));
    monitoring.every = static_cast<int>(rule.optional_integer("every", monitoring.max_patients, 1, monitoring.max_patients));
    efficacy.bayesian = predictive_monitoring_boundary(monitoring);
    study.design_echo = {{"rule", "bayesian"}, {"prior", {{"a", monitoring.prior.a}, {"b", monitoring.prior.b}}},
                         {"max_patients", monitoring.max_patients}, {"null_response_rate", monitoring.p0},
                         {"final_threshold", monitoring.theta_t}, {"efficacy_cutoff", monitoring.efficacy_cutoff},
                         {"futility_cutoff", monitoring.futility_cutoff}, {"first_look", monitoring.first_look},
                         {"every", monitoring.every}, {"look_sizes", efficacy.bayesian.look_sizes},
                         {"min_events_for_efficacy", efficacy.bayesian.min_events_for_efficacy},
                         {"max_events_for_futility", efficacy.bayesian.max_events_for_futility}};
  }
  rule.finish();
  if (auto safety = design.optional_mapping("safety")) {
    const std::string kind = safety->required_choice("rule", {"bayesian", "pocock"});
    const int every = static_cast<int>(safety->optional_integer("every", 1, 1, 10000));
    const int n_max = efficacy.max_patients();
    nlohmann::json echo = {{"rule", kind}, {"every", every}};
    if (kind == "bayesian") {
      MappingReader prior = safety->mapping("prior");
      const double a = prior.required_number("a", NumberRange::positive());
      const double b = prior.required_number("b", NumberRange::positive());
      prior.finish();
      const double threshold = safety->required_number("threshold", NumberRange::open_unit());
      const double cutoff = safety->required_number("cutoff", NumberRange::open_unit());
      study.design.safety = bayesian_toxicity_boundary(a, b, threshold, cutoff, n_max, every);
      echo.update({{"prior", {{"a", a}, {"b", b}}}, {"threshold", threshold}, {"cutoff", cutoff}});
    } else {
      const double acceptable = safety->required_number("acceptable_rate", NumberRange::open_unit());
      const double alpha = safety->required_number("alpha", NumberRange::open_unit());
      const PocockToxicityDesign pocock = pocock_toxicity_design(acceptable, alpha, n_max, every);
      study.design.safety = pocock.boundary;
      echo.update({{"acceptable_rate", acceptable}, {"alpha", alpha}, {"nominal_level", pocock.nominal_level},
                   {"crossing_probability", pocock.crossing_probability}});
    }
    echo["look_sizes"] = study.design.safety->look_sizes;
    echo["min_events_to_stop"] = study.design.safety->min_events_to_stop;
    safety->finish();
    study.design_echo["safety"] = echo;
  }
  design.finish();
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    SequentialScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.required_number("response_rate", NumberRange::closed_unit());
    scenario.toxicity_rate = item.optional_number("toxicity_rate", 0.0, NumberRange::closed_unit());
    item.finish();
    study.scenarios.push_back(scenario);
  }
  return study;
}

nlohmann::json resolved_study(const SingleArmSequentialStudy& study) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& s : study.scenarios) {
    scenarios.push_back({{"name", s.name}, {"response_rate", s.response_rate}, {"toxicity_rate", s.toxicity_rate}});
  }
  nlohmann::json design = {{"type", "single_arm_sequential"}};
  design.update(study.design_echo);
  return {{"design", design}, {"scenarios", scenarios}};
}

SingleArmBinaryStudy read_single_arm_binary(MappingReader& root) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", DESIGN_TYPES);
  design.optional_choice("endpoint", "best_overall_response", {"best_overall_response"});
  design.optional_choice("test", "exact_binomial", {"exact_binomial"});
  SingleArmBinaryStudy study;
  SingleArmBinaryDesign& out = study.design;
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 1, 100000));
  out.null_response_rate = design.required_number("null_response_rate", NumberRange::open_unit());
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  out.confidence_level = design.optional_number("confidence_level", 0.95, NumberRange::open_unit());
  const auto names = interval_method_names();
  out.intervals.clear();
  for (const auto& name : design.optional_choice_list("intervals", names, names)) {
    out.intervals.push_back(interval_method_from(name));
  }
  design.finish();

  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    ResponseScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.response_rate = item.required_number("response_rate", NumberRange::closed_unit());
    item.finish();
    study.scenarios.push_back(std::move(scenario));
  }
  return study;
}

TwoArmSurvivalStudy read_two_arm_survival(MappingReader& root) {
  MappingReader design = root.mapping("design");
  design.required_choice("type", DESIGN_TYPES);
  TwoArmSurvivalStudy study;
  TwoArmSurvivalDesign& out = study.design;
  study.endpoint = design.optional_choice("endpoint", "overall_survival",
                                          {"overall_survival", "relapse_free_survival", "event_free_survival"});
  design.optional_choice("test", "logrank", {"logrank"});
  out.sample_size = static_cast<int>(design.required_integer("sample_size", 2, 100000));
  read_allocation(design, out);
  out.accrual = read_accrual(design, out.sample_size);
  if (auto dropout = design.optional_mapping("dropout")) {
    out.dropout_rate_control = dropout->optional_number("control_rate", 0.0, NumberRange::non_negative());
    out.dropout_rate_experimental = dropout->optional_number("experimental_rate", 0.0, NumberRange::non_negative());
    dropout->finish();
  }
  out.timing = read_timing(design, out.sample_size);
  out.alpha = design.optional_number("alpha", 0.025, NumberRange::open_unit());
  read_interim(design, out);
  read_survival_analysis_options(design, out);
  design.finish();

  const double control_hazard = read_control_hazard(root, study.control_model);
  std::set<std::string> seen;
  for (MappingReader& item : root.mapping_list("scenarios", 1, MAX_SCENARIOS)) {
    SurvivalScenario scenario;
    scenario.name = read_unique_scenario_name(item, seen);
    scenario.hazard_ratio = item.required_number("hazard_ratio", NumberRange::positive());
    scenario.control_hazard = control_hazard;
    item.finish();
    study.scenarios.push_back(std::move(scenario));
  }
  return study;
}

nlohmann::json resolved_study(const SingleArmBinaryStudy& study) {
  const SingleArmBinaryDesign& design = study.design;
  nlohmann::json intervals = nlohmann::json::array();
  for (const IntervalMethod method : design.intervals) intervals.push_back(to_string(method));
  nlohmann::json scenarios = nlohmann::json::array();
  for (const ResponseScenario& s : study.scenarios) {
    scenarios.push_back({{"name", s.name}, {"response_rate", s.response_rate}});
  }
  return {{"design",
           {{"type", "single_arm_binary"},
            {"endpoint", "best_overall_response"},
            {"test", "exact_binomial"},
            {"sample_size", design.sample_size},
            {"null_response_rate", design.null_response_rate},
            {"alpha", design.alpha},
            {"confidence_level", design.confidence_level},
            {"intervals", intervals}}},
          {"scenarios", scenarios}};
}

nlohmann::json resolved_study(const SingleArmCarTStudy& study) {
  const car_t::SingleArmCarTDesign& d = study.design;
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& [name, overrides] : study.scenario_overrides) {
    scenarios.push_back({{"name", name}, {"overrides", overrides_json(overrides)}});
  }
  return {{"design",
           {{"type", "single_arm_car_t"},
            {"sample_size", d.sample_size},
            {"accrual", accrual_json(d.accrual)},
            {"analysis", timing_json(d.timing)},
            {"null_response_rate", d.null_response_rate},
            {"alpha", d.alpha},
            {"confidence_level", d.confidence_level},
            {"intervals", interval_names_of(d.intervals)},
            {"landmarks", d.landmarks},
            {"landmark_ci", ci_type_name(d.landmark_ci)}}},
          {"model", [&] {
             nlohmann::json m = fitted_model_json(study.fitted_file, study.model_overrides);
             m["uncertainty"] = study.assurance ? "posterior" : "point";
             return m;
           }()},
          {"scenarios", scenarios}};
}

nlohmann::json interim_json(const TwoArmSurvivalDesign& d) {
  if (d.efficacy_boundaries.empty()) return nullptr;
  nlohmann::json futility = nlohmann::json::array();
  for (double f : d.futility_boundaries) futility.push_back(std::isfinite(f) ? nlohmann::json(f) : nlohmann::json(nullptr));
  return {{"spending", d.spending}, {"gamma", d.spending_gamma}, {"interim_events", d.interim_events},
          {"information_fractions", d.information_fractions}, {"efficacy_boundaries_benefit_z", d.efficacy_boundaries},
          {"futility_boundaries_benefit_z", futility}};
}

nlohmann::json resolved_study(const TwoArmSurvivalStudy& study) {
  const TwoArmSurvivalDesign& d = study.design;
  const nlohmann::json accrual = accrual_json(d.accrual);
  const nlohmann::json analysis = timing_json(d.timing);
  nlohmann::json scenarios = nlohmann::json::array();
  for (const SurvivalScenario& s : study.scenarios) {
    scenarios.push_back({{"name", s.name}, {"hazard_ratio", s.hazard_ratio}});
  }
  nlohmann::json resolved = {{"design",
           {{"type", "two_arm_survival"},
            {"endpoint", study.endpoint},
            {"test", "logrank"},
            {"sample_size", d.sample_size},
            {"allocation", {{"control", d.allocation_control}, {"experimental", d.allocation_experimental}}},
            {"accrual", accrual},
            {"dropout", {{"control_rate", d.dropout_rate_control}, {"experimental_rate", d.dropout_rate_experimental}}},
            {"analysis", analysis},
            {"alpha", d.alpha},
            {"confidence_level", d.confidence_level},
            {"landmarks", d.landmarks},
            {"landmark_ci", ci_type_name(d.landmark_ci)},
            {"cox_ties", d.ties == CoxTies::breslow ? "breslow" : "efron"},
            {"interim", interim_json(d)}}},
          {"model", {{"type", "exponential"}, {"control_survival", study.control_model}}},
          {"scenarios", scenarios}};
  add_estimates_switch(d, resolved);
  return resolved;
}

// ---------------------------------------------------------------- reported rows

namespace {

// Each design's own tally, empty, asked for its rows: the names come from the code that writes
// oc.csv, so a target is checked against exactly what a run will report.
std::vector<OcRow> rows_of(const SingleArmBinaryStudy& study, const StudyConfig&) {
  // The row names do not depend on n; a one-patient table is built in microseconds.
  SingleArmBinaryDesign design = study.design;
  design.sample_size = 1;
  const SingleArmBinaryTable table(1, design.null_response_rate, design.alpha,
                                   design.confidence_level);
  SingleArmBinaryTally tally;
  tally.reset(1);
  std::vector<OcRow> rows;
  for (const ResponseScenario& scenario : study.scenarios) {
    const auto scenario_rows = simulated_oc_rows(scenario, design, table, tally);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

std::vector<OcRow> rows_of(const TwoArmSurvivalStudy& study, const StudyConfig&) {
  const TwoArmSurvivalTally tally(study.design);
  std::vector<OcRow> rows;
  for (const SurvivalScenario& scenario : study.scenarios) {
    const auto scenario_rows = tally.oc_rows(study.design, scenario);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

std::vector<OcRow> rows_of(const SingleArmSequentialStudy& study, const StudyConfig&) {
  const SingleArmSequentialTally tally{};
  std::vector<OcRow> rows;
  for (const SequentialScenario& scenario : study.scenarios) {
    const auto scenario_rows = tally.oc_rows(study.design, scenario);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

std::vector<OcRow> rows_of(const SingleArmCarTStudy& study, const StudyConfig&) {
  const car_t::SingleArmCarTTally tally(study.design);
  std::vector<OcRow> rows;
  const auto add = [&](const car_t::CarTScenario& scenario) {
    const auto scenario_rows = tally.oc_rows(study.design, scenario);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  };
  for (const car_t::CarTScenario& scenario : study.scenarios) add(scenario);
  // With assurance each scenario is reported again under this name (designs/study_run.cpp).
  if (study.assurance) {
    for (const car_t::CarTScenario& scenario : study.scenarios)
      add({scenario.name + " (assurance)", {}, {}});
  }
  return rows;
}

std::vector<OcRow> rows_of(const MaintenanceTrialStudy& study, const StudyConfig&) {
  const TwoArmSurvivalTally tally(study.design);
  std::vector<OcRow> rows;
  for (const car_t::CarTScenario& scenario : study.scenarios) {
    const SurvivalScenario label{scenario.name, 0.0, scenario.parameters.maintenance_hazard_ratio};
    const auto scenario_rows = tally.oc_rows(study.design, label);
    rows.insert(rows.end(), scenario_rows.begin(), scenario_rows.end());
  }
  return rows;
}

}  // namespace

std::vector<OcRow> reported_rows(const StudyConfig& config) {
  return std::visit([&](const auto& study) { return rows_of(study, config); }, config.study);
}

}  // namespace trialsim
