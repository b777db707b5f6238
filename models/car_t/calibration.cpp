#include "models/car_t/calibration.h"

#include <algorithm>
#include <array>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "core/accumulator.h"
#include "core/runner.h"
#include "core/samplers.h"
#include "models/car_t/source_study.h"
#include "models/car_t/truth.h"
#include "statistics/survival/guyot.h"
#include "statistics/survival/kaplan_meier.h"

namespace trialsim::car_t {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
// Disjoint replicate-index ranges keep every stream key distinct: ABC draws use [0, N),
// posterior-predictive replicas [2^40, ...), point-estimate report replicas [2^41, ...), the
// true values behind the point (truth.cpp) 2^42, and the conjugate block's Latin hypercube
// 5 * 2^40.
constexpr std::uint64_t PREDICTIVE_OFFSET = 1ULL << 40;
constexpr std::uint64_t POINT_OFFSET = 1ULL << 41;
constexpr std::uint64_t CONJUGATE_STREAM = 5ULL << 40;
// Items per block for heavy items (point candidates, each thousands of patients); a constant,
// so results do not depend on the thread count.
constexpr std::uint64_t SEARCH_BLOCK = 16;
constexpr std::uint64_t PILOT_DRAWS = 4096;
// Squared scaled distance charged when a replica cannot compute a target (e.g. no one followed
// to the landmark): as if it missed by two prior-predictive MADs.
constexpr double MISSING_PENALTY = 4.0;

double CarTParameters::*member_of(const std::string& name) {
  for (const NamedParameter& p : parameter_table()) {
    if (name == p.name) return p.member;
  }
  throw std::invalid_argument("unknown model parameter \"" + name + "\"");
}

// A number as short text: 0.008, 2, 0.5 (six decimals at most).
std::string number_text(double x) {
  std::string text = std::to_string(x);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

Prior beta_prior(double a, double b) {
  Prior p;
  p.kind = Prior::Kind::beta;
  p.a = a;
  p.b = b;
  return p;
}
Prior lognormal_prior(double median, double sdlog) {
  Prior p;
  p.kind = Prior::Kind::lognormal;
  p.median = median;
  p.sdlog = sdlog;
  return p;
}
Prior normal_prior(double mean, double sd) {
  Prior p;
  p.kind = Prior::Kind::normal;
  p.mean = mean;
  p.sd = sd;
  return p;
}

double standard_normal_quantile(double u) {
  static const boost::math::normal standard;
  return boost::math::quantile(standard, std::clamp(u, 1e-300, 1.0 - 1e-16));
}

// The prior's quantile at u in (0, 1).
double prior_quantile(const Prior& prior, double u) {
  switch (prior.kind) {
    case Prior::Kind::beta:
      return boost::math::ibeta_inv(prior.a, prior.b, u);
    case Prior::Kind::normal:
      return prior.mean + prior.sd * standard_normal_quantile(u);
    case Prior::Kind::lognormal:
      return prior.median * std::exp(prior.sdlog * standard_normal_quantile(u));
    case Prior::Kind::fixed:
      break;
  }
  return prior.value;
}

// A proportion parameter with a Beta posterior Beta(count + a, total - count + b): from a reported
// count, or (0 of 0) its default prior alone.
struct ConjugateParameter {
  double CarTParameters::*member;
  double count, total;           // k of n
  std::string source;            // figure ids
  Prior prior{};                 // kind fixed: the evidence's binomial prior; else a Beta
  std::string prior_assumption;  // the assumption that gave `prior`, if any
  bool defaulted = false;        // no data: `prior` is the parameter's default prior
};

struct AbcParameter {
  double CarTParameters::*member;
  std::string name;
  Prior prior;
  bool defaulted = false;  // the default prior (no assumption names the parameter)
};

// One ABC target: what a replica computes (`evaluated`: the figure itself, or a landmark read off
// a digitised curve, or a median's not-reached indicator) against the reported value.
struct AbcTarget {
  const Figure* figure;
  Figure evaluated;
  std::string label;       // the figure id; a curve's point "<id>@<months>"
  double value = 0.0;      // reported, on the target's scale
  double se = NaN;         // from a reported CI; NaN: scaled by the prior-predictive MAD
  bool log_scale = false;  // hazard ratios: compared as log HR
};

struct Model {
  CarTParameters fixed;  // defaults overridden by fixed assumptions
  double prior_a = 0.5, prior_b = 0.5;
  std::vector<ConjugateParameter> conjugate;
  // Response: P(response | non-EMD) and P(response | EMD), each Beta, mapped to logits.
  double response_k_non_emd = 0, response_n_non_emd = 0, response_k_emd = 0, response_n_emd = 0;
  bool response_by_emd = false;
  std::string response_source;      // figure ids of response without EMD
  std::string response_emd_source;  // the EMD response figure's id
  // Without the EMD split: the prior of response_logit_emd (default or assumption), and the
  // intercept solved so that the population response is the overall response draw.
  Prior response_emd_prior = normal_prior(0.0, 1.0);
  std::string response_emd_assumption;
  std::vector<double> maintenance_type_counts;  // TKI, chemo, inotuzumab
  std::vector<AbcParameter> abc;
  std::vector<std::string> fixed_assumptions;  // parameters set by fixed assumptions
  std::vector<AbcTarget> targets;
  ObservedComposition composition;   // what the ABC replicas condition on
  std::vector<std::string> roles;    // per evidence figure: its role in the fit
  std::vector<std::string> missing;  // required figures the evidence lacks
  const Figure* front = nullptr;     // evidence.figures.data(), for figure indices

  void counted(double CarTParameters::*member, double k, double n, std::string source) {
    conjugate.push_back({member, k, n, std::move(source), Prior{}, "", false});
  }
  std::size_t index(const Figure& f) const { return static_cast<std::size_t>(&f - front); }
  void use(const Figure* f, const char* role) {
    if (f) roles[index(*f)] = role;
  }
  const ConjugateParameter* conjugate_of(double CarTParameters::*member) const {
    for (const ConjugateParameter& c : conjugate)
      if (c.member == member) return &c;
    return nullptr;
  }
  // A parameter some figure informs (its value would be the data's, not an assumption's).
  bool informed_by_figures(double CarTParameters::*member) const {
    const ConjugateParameter* c = conjugate_of(member);
    return (c && !c->defaulted) || member == &CarTParameters::response_logit_intercept ||
           (member == &CarTParameters::response_logit_emd && response_by_emd);
  }
  bool covers(double CarTParameters::*member) const {
    if (conjugate_of(member) || member == &CarTParameters::response_logit_intercept ||
        member == &CarTParameters::response_logit_emd)
      return true;
    for (const AbcParameter& a : abc)
      if (a.member == member) return true;
    for (const std::string& name : fixed_assumptions)
      if (member_of(name) == member) return true;
    return false;
  }
};

// Figures the fit may use as data: not assumed, in a population the model has, not excluded by
// an assumption (`not_fitted_to`).
bool fittable(const Evidence& e, const Figure& f) {
  if (f.assumed || f.subgroup == Subgroup::other || f.comparison_subgroup == Subgroup::other)
    return false;
  for (const Assumption& a : e.assumptions) {
    if (std::find(a.not_fitted_to.begin(), a.not_fitted_to.end(), f.id) != a.not_fitted_to.end())
      return false;
  }
  return true;
}

// The standard error a reported CI implies: (upper - lower) / (2 z), z the normal quantile at
// (1 + level) / 2; with an upper bound not reached (+inf), (value - lower) / z. NaN when the
// CI gives none.
double interval_standard_error(const ReportedInterval& ci, double value) {
  const double level = ci.level > 0.0 && ci.level < 1.0 ? ci.level : 0.95;
  const double z = standard_normal_quantile(0.5 * (1.0 + level));
  if (std::isfinite(ci.lower) && std::isfinite(ci.upper) && ci.upper > ci.lower)
    return (ci.upper - ci.lower) / (2.0 * z);
  if (std::isfinite(ci.lower) && ci.upper == INFINITY && value > ci.lower)
    return (value - ci.lower) / z;
  return NaN;
}

// k of n behind a reported proportion: its count and denominator; a value of a denominator; or,
// with neither, the effective count of its CI, n_eff = p (1 - p) / SE^2 (docs/default-priors.md).
struct BinomialData {
  double k = 0.0, n = 0.0;
};
std::optional<BinomialData> binomial_data(const Figure& f) {
  if (f.count && f.denominator && *f.denominator > 0)
    return BinomialData{double(*f.count), double(*f.denominator)};
  if (f.denominator && *f.denominator > 0)
    return BinomialData{f.value * *f.denominator, double(*f.denominator)};
  if (f.ci && f.value > 0.0 && f.value < 1.0) {
    const double se = interval_standard_error(*f.ci, f.value);
    if (se > 0.0 && std::isfinite(se)) {
      const double n = f.value * (1.0 - f.value) / (se * se);
      return BinomialData{f.value * n, n};
    }
  }
  return std::nullopt;
}

const Figure* find_figure(const Evidence& e, Statistic statistic, FigureEndpoint endpoint,
                          Subgroup subgroup) {
  for (const Figure& f : e.figures) {
    if (f.statistic == statistic && f.endpoint == endpoint && f.subgroup == subgroup &&
        fittable(e, f) && binomial_data(f))
      return &f;
  }
  return nullptr;
}

const Figure* find_count(const Evidence& e, EventKind event) {
  for (const Figure& f : e.figures) {
    if (f.statistic == Statistic::count && f.event == event && fittable(e, f)) return &f;
  }
  return nullptr;
}

// What identifies the quantity a fitted figure reports; two fittable figures with one key are
// duplicates.
std::string quantity_key(const Figure& f) {
  const bool timed =
      f.statistic == Statistic::km_landmark || f.endpoint == FigureEndpoint::response_at_landmark;
  return std::to_string(static_cast<int>(f.statistic)) + "|" +
         std::to_string(static_cast<int>(f.endpoint)) + "|" +
         std::to_string(static_cast<int>(f.event)) + "|" + f.subgroup_name + "|" +
         std::to_string(static_cast<int>(f.subgroup)) + "|" +
         std::to_string(static_cast<int>(f.comparison_subgroup)) + "|" +
         (timed ? number_text(f.time) : std::string()) + "|" +
         (f.endpoint == FigureEndpoint::duration_of_response
              ? std::to_string(static_cast<int>(f.dor_deaths))
              : std::string());
}

// Two fittable figures for one quantity are refused (located at the second): a second report of
// one number is not independent data, and using only the first would drop the other silently.
void refuse_duplicates(const Evidence& e) {
  for (std::size_t j = 0; j < e.figures.size(); ++j) {
    const Figure& second = e.figures[j];
    if (!fittable(e, second) || second.statistic == Statistic::subgroup_comparison ||
        second.statistic == Statistic::median_not_reached)
      continue;
    for (std::size_t i = 0; i < j; ++i) {
      const Figure& first = e.figures[i];
      if (!fittable(e, first) || quantity_key(first) != quantity_key(second)) continue;
      throw EvidenceFitError(
          second.where, "figures." + std::to_string(j),
          "figure \"" + second.id + "\" reports the same quantity as figure \"" + first.id +
              "\" (line " + std::to_string(first.where.line) + ")",
          "one figure per quantity (a second report of a number is not independent data: mark "
          "one `assumed: true` to keep it as a check, or list it in an assumption's "
          "not_fitted_to)");
    }
  }
}

void add_proportion(Model& model, double CarTParameters::*member, const Figure* all,
                    const Figure* subgroup, bool complement) {
  const BinomialData a = *binomial_data(*all);
  double k = a.k, n = a.n;
  std::string source = all->id;
  model.use(all, "conjugate");
  if (subgroup) {  // the complement of a subgroup within all patients
    const BinomialData s = *binomial_data(*subgroup);
    model.use(subgroup, "conjugate");
    if (complement) {
      k -= s.k;
      n -= s.n;
      source += " minus " + subgroup->id;
    } else {
      k = s.k;
      n = s.n;
      source = subgroup->id;
    }
  }
  model.counted(member, k, n, source);
}

// Responders implied by the overall response figure (its count, else rounded k).
int responders_of(const Figure& orr) {
  return orr.count ? *orr.count : static_cast<int>(std::lround(binomial_data(orr)->k));
}

// The model is built from the evidence in steps, one per kind of evidence; the order in which
// they add conjugate parameters is the order of their Beta draws (conjugate_sample), so it is
// part of the fit's reproducibility. A required figure that is missing is noted (model.missing)
// and the steps go on, so that one error lists them all.

// Response by EMD from the overall and the EMD proportions. Returns the overall response figure
// (its responders are the denominator of maintenance), or nullptr when missing.
const Figure* add_response_by_emd(const Evidence& e, Model& model) {
  const Figure* orr =
      find_figure(e, Statistic::proportion, FigureEndpoint::best_overall_response, Subgroup::all);
  if (!orr) {
    model.missing.push_back(
        "overall response (a proportion of best_overall_response in subgroup all, with count and "
        "denominator or a CI)");
    return nullptr;
  }
  const Figure* orr_emd = find_figure(
      e, Statistic::proportion, FigureEndpoint::best_overall_response, Subgroup::extramedullary);
  const BinomialData all = *binomial_data(*orr);
  const BinomialData emd = orr_emd ? *binomial_data(*orr_emd) : BinomialData{};
  model.response_by_emd = orr_emd != nullptr;
  model.response_k_non_emd = all.k - emd.k;
  model.response_n_non_emd = all.n - emd.n;
  model.response_k_emd = emd.k;
  model.response_n_emd = emd.n;
  // Response without EMD: the overall figure minus the EMD one; the EMD effect: both.
  model.response_source = orr->id + (orr_emd ? " minus " + orr_emd->id : "");
  model.response_emd_source = orr_emd ? orr_emd->id : "";
  model.use(orr, "conjugate");
  model.use(orr_emd, "conjugate");
  return orr;
}

// MRD negativity among responders (or among all patients, of the responders).
void add_mrd(const Evidence& e, const Figure* orr, Model& model) {
  const Figure* mrd = find_figure(e, Statistic::conditional_proportion,
                                  FigureEndpoint::mrd_negative, Subgroup::responders);
  const Figure* mrd_all =
      find_figure(e, Statistic::proportion, FigureEndpoint::mrd_negative, Subgroup::all);
  if (mrd) {
    add_proportion(model, &CarTParameters::p_mrd_negative, mrd, nullptr, false);
  } else if (mrd_all && orr) {
    model.use(mrd_all, "conjugate");
    model.counted(&CarTParameters::p_mrd_negative, binomial_data(*mrd_all)->k,
                  double(responders_of(*orr)), mrd_all->id + " of responders (" + orr->id + ")");
  } else if (!mrd_all) {
    model.missing.push_back(
        "MRD negativity (a conditional_proportion of mrd_negative in subgroup responders, or a "
        "proportion of mrd_negative in subgroup all)");
  }
}

// CRS and ICANS (any grade, grade >= 3) by EMD.
void add_toxicity(const Evidence& e, Model& model) {
  using P = CarTParameters;
  const auto find = [&](FigureEndpoint endpoint, Subgroup subgroup) {
    return find_figure(e, Statistic::proportion, endpoint, subgroup);
  };
  const Figure* crs = find(FigureEndpoint::crs_any_grade, Subgroup::all);
  const Figure* crs3 = find(FigureEndpoint::crs_grade3plus, Subgroup::all);
  const Figure* crs3_emd = find(FigureEndpoint::crs_grade3plus, Subgroup::extramedullary);
  const Figure* icans = find(FigureEndpoint::icans_any_grade, Subgroup::all);
  const Figure* icans_emd = find(FigureEndpoint::icans_any_grade, Subgroup::extramedullary);
  const Figure* icans3 = find(FigureEndpoint::icans_grade3plus, Subgroup::all);
  const auto missing = [&](const char* endpoint) {
    model.missing.push_back(std::string("a proportion of ") + endpoint +
                            " in subgroup all (count and denominator, or a CI)");
  };
  if (crs) add_proportion(model, &P::p_crs_any, crs, nullptr, false);
  if (!crs) missing("crs_any_grade");
  if (crs3) {
    add_proportion(model, &P::p_crs_grade3plus_non_emd, crs3, crs3_emd, true);
    add_proportion(model, &P::p_crs_grade3plus_emd, crs3, crs3_emd, false);
  } else {
    missing("crs_grade3plus");
  }
  if (icans) {
    add_proportion(model, &P::p_icans_non_emd, icans, icans_emd, true);
    add_proportion(model, &P::p_icans_emd, icans, icans_emd, false);
  } else {
    missing("icans_any_grade");
  }
  if (icans && icans3) {
    model.use(icans3, "conjugate");
    model.counted(&P::q_icans_grade3plus, binomial_data(*icans3)->k, binomial_data(*icans)->k,
                  icans3->id + " of " + icans->id);
  }
}

// Shares from event counts: maintenance among responders and its types, CD19-negative among
// relapses, infection among deaths in remission.
void add_event_shares(const Evidence& e, const Figure& orr, Model& model) {
  using P = CarTParameters;
  const EventKind types[3] = {EventKind::maintenance_tki,
                              EventKind::maintenance_low_dose_chemotherapy,
                              EventKind::maintenance_inotuzumab};
  double maintained = 0;
  std::string sources;
  for (EventKind kind : types) {
    const Figure* f = find_count(e, kind);
    model.maintenance_type_counts.push_back(f ? f->value : 0.0);
    maintained += f ? f->value : 0.0;
    if (f) sources += (sources.empty() ? "" : "+") + f->id;
    model.use(f, "conjugate");
  }
  if (maintained > 0)
    model.counted(&P::p_maintenance, maintained, double(responders_of(orr)),
                  sources + " of responders (" + orr.id + ")");
  const Figure* relapses = find_count(e, EventKind::relapse);
  const Figure* negative = find_count(e, EventKind::cd19_negative_relapse);
  if (relapses && negative && relapses->value > 0) {
    model.use(negative, "conjugate");
    model.counted(&P::p_cd19_negative_relapse, negative->value, relapses->value,
                  negative->id + " of " + relapses->id);
  }
  const Figure* infection = find_count(e, EventKind::death_from_infection);
  const Figure* other = find_count(e, EventKind::death_from_other_causes);
  if (infection && other && infection->value + other->value > 0) {
    model.use(infection, "conjugate");
    model.use(other, "conjugate");
    model.counted(&P::p_infection_given_nonrelapse_death, infection->value,
                  infection->value + other->value,
                  infection->id + " of " + infection->id + "+" + other->id);
  }
}

// Covariate prevalences from the baseline table, and CNS leukaemia among EMD patients. An
// `assumed` baseline number is not data.
void add_covariate_prevalences(const Evidence& e, Model& model) {
  using P = CarTParameters;
  const std::pair<const char*, double P::*> covariates[] = {
      {"extramedullary_disease", &P::p_extramedullary},
      {"ph_positive", &P::p_ph_positive},
      {"tp53_alteration", &P::p_tp53},
      {"kmt2a_rearrangement", &P::p_kmt2a},
      {"ikzf1_alteration", &P::p_ikzf1},
      {"prior_blinatumomab", &P::p_prior_blinatumomab},
      {"prior_inotuzumab", &P::p_prior_inotuzumab}};
  const auto counted = [&](const char* id) {
    const BaselineFigure* b = e.find_baseline(id);
    return b && !b->assumed && b->count && b->denominator ? b : nullptr;
  };
  for (const auto& [id, member] : covariates) {
    if (const BaselineFigure* b = counted(id))
      model.counted(member, double(*b->count), double(*b->denominator), b->id);
  }
  const BaselineFigure* emd = counted("extramedullary_disease");
  const BaselineFigure* cns = counted("cns_leukemia");
  if (emd && cns && *emd->count > 0) {
    model.counted(&P::p_cns_given_extramedullary, double(*cns->count), double(*emd->count),
                  cns->id + " of " + emd->id);
  }
}

// Assumptions, after the figures: `binomial_prior` is the conjugate prior; a fixed assumption
// sets its parameter; any other is the prior of an ABC parameter (of response_logit_emd without
// the EMD split, its prior in the conjugate block). On a parameter that figures inform, a Beta
// assumption is that parameter's conjugate prior; a fixed or other one is refused (located):
// it would silently override the data.
// An assumption names a parameter of the model, and its prior can only give values the
// parameter may take (a fixed value in its domain; a lognormal prior only on a positive
// parameter, a normal one only on a log-odds or correlation-free scale, a beta one only on a
// proportion): otherwise a draw would be nonsense. Located errors at the assumption.
void check_assumption(const Assumption& a, std::size_t index) {
  const std::string key = "assumptions." + std::to_string(index);
  const NamedParameter* parameter = find_parameter(a.parameter);
  if (!parameter)
    throw EvidenceFitError(a.where, key + ".parameter",
                           "unknown model parameter \"" + a.parameter + "\"",
                           "a parameter of the CAR-T model (README's parameter table) or "
                           "binomial_prior");
  const ParameterDomain domain = parameter->domain;
  const bool ok = [&] {
    switch (a.prior.kind) {
      case Prior::Kind::fixed:
        return a.prior.median > 0.0 || parameter_value_allowed(*parameter, a.prior.value);
      case Prior::Kind::beta:
        return domain == ParameterDomain::proportion;
      case Prior::Kind::lognormal:
        return domain == ParameterDomain::positive || domain == ParameterDomain::non_negative;
      case Prior::Kind::normal:
        return domain == ParameterDomain::log_odds;
    }
    return false;
  }();
  if (!ok)
    throw EvidenceFitError(a.where, key + ".prior",
                           "a " + describe_prior(a.prior) + " prior on " + a.parameter +
                               ", whose values must be " + describe_domain(*parameter),
                           a.prior.kind == Prior::Kind::fixed
                               ? "a fixed value that is " + describe_domain(*parameter)
                               : "a prior whose draws stay in that range (beta for a "
                                 "proportion, lognormal for a positive number, normal for a "
                                 "log-odds value)");
}

void add_assumptions(const Evidence& e, Model& model) {
  for (std::size_t i = 0; i < e.assumptions.size(); ++i) {
    const Assumption& a = e.assumptions[i];
    if (a.parameter == "binomial_prior") {
      model.prior_a = a.prior.a;
      model.prior_b = a.prior.b;
      continue;
    }
    check_assumption(a, i);
    double CarTParameters::*member = member_of(a.parameter);
    const ConjugateParameter* c = model.conjugate_of(member);
    if (model.informed_by_figures(member)) {
      if (c && a.prior.kind == Prior::Kind::beta) {
        for (ConjugateParameter& own : model.conjugate) {
          if (own.member != member) continue;
          own.prior = a.prior;
          own.prior_assumption = a.parameter;
        }
        continue;
      }
      throw EvidenceFitError(
          a.where, "assumptions." + std::to_string(i),
          "a " + describe_prior(a.prior) + " assumption on " + a.parameter +
              ", which figures inform (" + (c ? c->source : model.response_source) + ")",
          "no assumption on a fitted parameter (remove it, or mark the figures `assumed: true` or "
          "list them in not_fitted_to), or a beta prior for its conjugate posterior");
    }
    if (member == &CarTParameters::response_logit_emd) {
      model.response_emd_prior = a.prior;
      model.response_emd_assumption = a.parameter;
    } else if (a.prior.kind == Prior::Kind::fixed) {
      model.fixed.*member = a.prior.value;
      model.fixed_assumptions.push_back(a.parameter);
    } else {
      model.abc.push_back({member, a.parameter, a.prior});
    }
  }
}

// No silent defaults: every parameter nothing else covers takes its default prior, a Beta of a
// proportion in the conjugate block (zero counts), any other in the ABC block.
void add_default_priors(Model& model) {
  for (const DefaultPrior& d : default_priors()) {
    double CarTParameters::*member = member_of(d.parameter);
    if (member == &CarTParameters::response_logit_emd && !model.response_by_emd &&
        model.response_emd_assumption.empty())
      model.response_emd_prior = d.prior;
    if (model.covers(member)) continue;
    if (d.prior.kind == Prior::Kind::beta && !d.time_to_event) {
      model.conjugate.push_back({member, 0.0, 0.0, "", d.prior, "", true});
    } else {
      model.abc.push_back({member, d.parameter, d.prior, true});
    }
  }
}

// The survival of a digitised curve at t (the step function through its points).
double survival_on_curve(const std::vector<CurvePoint>& curve, double t) {
  double survival = 1.0, at = -INFINITY;
  for (const CurvePoint& p : curve) {
    if (p.time <= t && p.time >= at) {
      survival = p.survival;
      at = p.time;
    }
  }
  return survival;
}

// The times at which a digitised curve is compared: those of its numbers at risk (t > 0, someone
// at risk, within the source study's follow-up); without them, six evenly spaced times up to its
// last point within follow-up.
std::vector<double> curve_times(const Figure& f, double cutoff) {
  std::vector<double> times;
  for (const AtRisk& r : f.at_risk)
    if (r.time > 0.0 && r.number > 0 && r.time <= cutoff) times.push_back(r.time);
  if (!f.at_risk.empty()) return times;
  double last = 0.0;
  for (const CurvePoint& p : f.curve)
    if (p.time <= cutoff) last = std::max(last, p.time);
  for (int k = 1; k <= 6 && last > 0.0; ++k) times.push_back(last * k / 6.0);
  return times;
}

// A digitised curve with a numbers-at-risk table, as individual data: Guyot et al.'s (2012)
// reconstruction (statistics/survival/guyot.h) and the Kaplan–Meier estimate of the
// reconstructed patients, whose value at a compared time is the target and whose Greenwood SE
// (the information the curve's patients carry there) is the target's scale. Without a table the
// curve's numbers at risk are unknown: the digitised value is the target, scaled like any
// target without an interval (the prior-predictive spread).
struct ReconstructedCurve {
  bool available = false;
  KaplanMeierCurve km;
};

ReconstructedCurve reconstruct_curve(const Figure& f) {
  ReconstructedCurve out;
  if (f.at_risk.empty()) return out;
  std::vector<DigitisedPoint> points;
  for (const CurvePoint& p : f.curve) points.push_back({p.time, p.survival});
  std::vector<NumberAtRisk> table;
  for (const AtRisk& r : f.at_risk) table.push_back({r.time, r.number});
  const GuyotReconstruction reconstruction = reconstruct_km_data(points, table);
  const PatientColumns patients = to_columns(reconstruction.patients);
  if (patients.time.empty()) return out;
  SurvivalWorkspace workspace;
  kaplan_meier(patients.view(), workspace, out.km);
  out.available = true;
  return out;
}

// A curve's point at t as a landmark figure of its own (id "<id>@<t>").
Figure curve_point(const Figure& curve, double t) {
  Figure point = curve;
  point.statistic = Statistic::km_landmark;
  point.time = t;
  point.value = survival_on_curve(curve.curve, t);
  point.id = curve.id + "@" + number_text(t);
  point.curve.clear();
  point.at_risk.clear();
  point.ci.reset();
  return point;
}

// A median's not-reached indicator (1 = not reached at the cut), as the replicas compute it.
Figure not_reached_indicator(const Figure& median) {
  Figure indicator = median;
  indicator.statistic = Statistic::median_not_reached;
  indicator.value = 1.0;
  indicator.ci.reset();
  return indicator;
}

// A fitted figure at a time beyond the source study's follow-up cannot be computed on any replica
// (every draw would pay the same penalty: no information, silently): refused, located.
void refuse_beyond_follow_up(const Figure& f, std::size_t index, double cutoff) {
  if (f.time <= cutoff) return;
  throw EvidenceFitError(
      f.where, "figures." + std::to_string(index) + ".time",
      "figure \"" + f.id + "\" is at " + number_text(f.time) +
          " months, beyond the source study's follow-up (" + number_text(cutoff) +
          " months from the first entry, from conduct.follow_up_months)",
      "a time within follow-up (or `assumed: true` to keep the figure as a check)");
}

// The ABC targets of one fittable figure (none for figures the conjugate block or checks use).
void add_targets_of(const Figure& f, std::size_t index, double cutoff, Model& model) {
  const auto se_of = [&](double value) {
    return f.ci ? interval_standard_error(*f.ci, value) : NaN;
  };
  const std::size_t before = model.targets.size();
  const bool tte_count = f.statistic == Statistic::count &&
                         (f.event == EventKind::death || f.event == EventKind::death_from_disease ||
                          f.event == EventKind::relapse);
  const bool remission_at =
      (f.statistic == Statistic::proportion || f.statistic == Statistic::conditional_proportion) &&
      f.endpoint == FigureEndpoint::response_at_landmark;
  if (f.statistic == Statistic::km_landmark || remission_at) {
    refuse_beyond_follow_up(f, index, cutoff);
    model.targets.push_back({&f, f, f.id, f.value, se_of(f.value)});
  } else if (tte_count) {
    model.targets.push_back({&f, f, f.id, f.value, se_of(f.value)});
  } else if (f.statistic == Statistic::median && f.not_reached) {
    // A miss (the replica reaches its median) costs (1 / 0.5)^2 = MISSING_PENALTY.
    model.targets.push_back({&f, not_reached_indicator(f), f.id, 1.0, 0.5});
  } else if (f.statistic == Statistic::median) {
    model.targets.push_back({&f, f, f.id, f.value, se_of(f.value)});
  } else if (f.statistic == Statistic::hazard_ratio && f.value > 0.0) {
    double se = NaN;  // on the log scale: (log U - log L) / (2 z)
    if (f.ci && f.ci->lower > 0.0 && std::isfinite(f.ci->upper)) {
      ReportedInterval log_ci = *f.ci;
      log_ci.lower = std::log(f.ci->lower);
      log_ci.upper = std::log(f.ci->upper);
      se = interval_standard_error(log_ci, std::log(f.value));
    }
    model.targets.push_back({&f, f, f.id, std::log(f.value), se, true});
  } else if (f.statistic == Statistic::km_curve) {
    const ReconstructedCurve reconstructed = reconstruct_curve(f);
    for (double t : curve_times(f, cutoff)) {
      Figure point = curve_point(f, t);
      double se = NaN;
      if (reconstructed.available) {
        const LandmarkEstimate at = survival_at(reconstructed.km, t);
        if (at.estimable) {
          point.value = at.surv;
          se = at.std_err > 0.0 ? at.std_err : NaN;
        }
      }
      model.targets.push_back({&f, point, point.id, point.value, se});
    }
  }
  if (model.targets.size() > before) model.use(&f, "abc target");
}

// ABC targets: every fittable time-to-event figure (Kaplan–Meier landmarks, death/relapse
// counts, medians and not-reached medians, hazard ratios, digitised curves at their at-risk
// times, remission at a landmark). The split of deaths in remission into infection and other
// causes is not a target: given the deaths and the deaths from disease it informs only the
// conjugate infection share (used there, once). A curve's point at the time of a fitted landmark
// of the same endpoint and subgroup is left to the landmark (one number, used once).
std::vector<AbcTarget> abc_targets(const Evidence& e, double cutoff, Model& model) {
  for (std::size_t i = 0; i < e.figures.size(); ++i) {
    if (fittable(e, e.figures[i])) add_targets_of(e.figures[i], i, cutoff, model);
  }
  std::vector<AbcTarget> kept;
  for (const AbcTarget& t : model.targets) {
    bool landmark_there = false;
    for (const AbcTarget& o : model.targets) {
      landmark_there |= t.figure->statistic == Statistic::km_curve &&
                        o.figure->statistic == Statistic::km_landmark &&
                        o.figure->endpoint == t.figure->endpoint &&
                        o.figure->subgroup == t.figure->subgroup &&
                        o.figure->dor_deaths == t.figure->dor_deaths &&
                        std::abs(o.figure->time - t.evaluated.time) < 1e-9;
    }
    if (!landmark_there) kept.push_back(t);
  }
  return kept;
}

// The observed composition the ABC replicas condition on: EMD patients and responders per EMD
// group (or responders overall), and maintained responders when the maintenance types are
// reported.
ObservedComposition observed_composition(const Model& model, const Figure& orr) {
  ObservedComposition c;
  if (model.response_by_emd) {
    c.extramedullary = static_cast<int>(std::lround(model.response_n_emd));
    c.responders_extramedullary = static_cast<int>(std::lround(model.response_k_emd));
    c.responders_other = static_cast<int>(std::lround(model.response_k_non_emd));
  }
  c.responders = responders_of(orr);
  double maintained = 0.0;
  for (double k : model.maintenance_type_counts) maintained += k;
  if (maintained > 0.0) c.maintained = static_cast<int>(std::lround(maintained));
  if (c.maintained > c.responders)
    throw std::invalid_argument("evidence reports more maintained patients (" +
                                std::to_string(c.maintained) + ") than responders (" +
                                std::to_string(c.responders) + ")");
  return c;
}

// Roles of figures that are never fitted, whatever they report.
void mark_checks(const Evidence& e, Model& model) {
  model.front = e.figures.data();
  model.roles.assign(e.figures.size(), "check");
  for (const Figure& f : e.figures) {
    if (f.assumed)
      model.use(&f, "assumed (check)");
    else if (f.subgroup == Subgroup::other || f.comparison_subgroup == Subgroup::other)
      model.use(&f, "check (population not in model)");
  }
}

Model build_model(const Evidence& e, const SourceStudyConduct& conduct) {
  Model model;
  mark_checks(e, model);
  refuse_duplicates(e);
  const Figure* orr = add_response_by_emd(e, model);
  add_mrd(e, orr, model);
  add_toxicity(e, model);
  if (orr) add_event_shares(e, *orr, model);
  add_covariate_prevalences(e, model);
  if (!model.missing.empty()) {
    std::string message = "evidence lacks " + std::to_string(model.missing.size()) +
                          " required figure" + (model.missing.size() > 1 ? "s" : "") + ": ";
    for (std::size_t i = 0; i < model.missing.size(); ++i)
      message += (i ? "; " : "") + std::to_string(i + 1) + ". " + model.missing[i];
    throw std::invalid_argument(message);
  }
  add_assumptions(e, model);
  add_default_priors(model);
  model.composition = observed_composition(model, *orr);
  model.targets = abc_targets(e, conduct.cutoff, model);
  return model;
}

double logit(double p) { return std::log(p / (1.0 - p)); }

// The response intercept that makes the population response rate `rate` given the EMD
// prevalence and the EMD log-odds ratio (bisection: the rate rises with the intercept).
double solve_response_intercept(double rate, double p_extramedullary, double logit_emd) {
  const auto population = [&](double b0) {
    const auto logistic = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
    return p_extramedullary * logistic(b0 + logit_emd) + (1.0 - p_extramedullary) * logistic(b0);
  };
  double lo = -50.0, hi = 50.0;
  for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
    const double mid = 0.5 * (lo + hi);
    (population(mid) < rate ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// The Beta posterior shapes of a conjugate parameter: its count plus its own prior (a default
// or an assumption's Beta) or the evidence's binomial prior.
std::pair<double, double> posterior_shapes(const Model& model, const ConjugateParameter& c) {
  const bool own = c.prior.kind == Prior::Kind::beta;
  const double a = own ? c.prior.a : model.prior_a, b = own ? c.prior.b : model.prior_b;
  return {c.count + a, c.total - c.count + b};
}
// The time-to-event parameters of ABC draw `rng`'s from their priors, on top of `base`.
CarTParameters draw_abc_parameters(const Model& model, const CarTParameters& base, Rng& rng) {
  CarTParameters p = base;
  for (const AbcParameter& a : model.abc) {
    switch (a.prior.kind) {
      case Prior::Kind::beta:
        p.*a.member = beta(a.prior.a, a.prior.b, rng);
        break;
      case Prior::Kind::normal:
        p.*a.member = a.prior.mean + a.prior.sd * standard_normal(rng);
        break;
      default:
        p.*a.member = lognormal_median(a.prior.median, a.prior.sdlog, rng);
    }
  }
  return p;
}

// A Latin hypercube sample of Beta(a, b) of size n: the quantiles at (s_j + U_j) / n, s a random
// permutation of the strata 0..n-1 and U_j uniform; each stratum of probability 1/n holds one
// draw, so the sample's mean and SD match the Beta's far more closely than n independent draws.
std::vector<double> stratified_uniforms(std::size_t n, Rng& rng) {
  std::vector<std::size_t> strata(n);
  std::iota(strata.begin(), strata.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {  // Fisher–Yates
    const auto j = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(i));
    std::swap(strata[i - 1], strata[std::min(j, i - 1)]);
  }
  std::vector<double> us(n);
  for (std::size_t j = 0; j < n; ++j)
    us[j] = (static_cast<double>(strata[j]) + uniform01(rng)) / static_cast<double>(n);
  return us;
}
std::vector<double> stratified_beta(double a, double b, std::size_t n, Rng& rng) {
  std::vector<double> xs = stratified_uniforms(n, rng);
  for (double& x : xs) x = boost::math::ibeta_inv(a, b, x);
  return xs;
}

// The conjugate block's posterior sample of size n (the other parameters from `base`): response
// by EMD, every conjugate proportion (Latin hypercube, stratified_beta, in a fixed order) and the
// maintenance type shares (Dirichlet by normalised gammas), from one stream of its own.
std::vector<CarTParameters> conjugate_sample(const Model& model, const CarTParameters& base,
                                             std::size_t n, std::uint64_t seed) {
  Rng rng = make_stream(seed, CONJUGATE_STREAM, StreamPurpose::parameters);
  std::vector<CarTParameters> sample(n, base);
  const double a = model.prior_a, b = model.prior_b;
  const std::vector<double> r_non =
      stratified_beta(model.response_k_non_emd + a,
                      model.response_n_non_emd - model.response_k_non_emd + b, n, rng);
  const std::vector<double> r_emd = stratified_beta(
      model.response_k_emd + a, model.response_n_emd - model.response_k_emd + b, n, rng);
  for (std::size_t j = 0; j < n; ++j) {
    sample[j].response_logit_intercept = logit(r_non[j]);
    sample[j].response_logit_emd = model.response_by_emd ? logit(r_emd[j]) - logit(r_non[j]) : 0.0;
  }
  for (const ConjugateParameter& c : model.conjugate) {
    const auto [alpha, beta_] = posterior_shapes(model, c);
    const std::vector<double> xs = stratified_beta(alpha, beta_, n, rng);
    for (std::size_t j = 0; j < n; ++j) sample[j].*c.member = xs[j];
  }
  for (CarTParameters& p : sample) {
    double shares_total = 0.0;
    for (std::size_t t = 0; t < 3; ++t) {
      p.maintenance_shares[t] = standard_gamma(model.maintenance_type_counts[t] + a, rng);
      shares_total += p.maintenance_shares[t];
    }
    for (double& share : p.maintenance_shares) share /= shares_total;
  }
  if (!model.response_by_emd) {  // r_non is the overall response: solve the intercept
    const std::vector<double> us = stratified_uniforms(n, rng);
    for (std::size_t j = 0; j < n; ++j) {
      sample[j].response_logit_emd = prior_quantile(model.response_emd_prior, us[j]);
      sample[j].response_logit_intercept = solve_response_intercept(
          r_non[j], sample[j].p_extramedullary, sample[j].response_logit_emd);
    }
  }
  return sample;
}

// The conjugate block's point: Beta posterior medians (a zero count gives a small positive
// value, e.g. 0 of 11 under Jeffreys: the median of Beta(0.5, 11.5), 0.0197), response logits
// from the medians of response by EMD, maintenance type shares at their Dirichlet means.
CarTParameters conjugate_point(const Model& model) {
  CarTParameters p = model.fixed;
  const double a = model.prior_a, b = model.prior_b;
  const auto median = [](double alpha, double beta_) {
    return boost::math::ibeta_inv(alpha, beta_, 0.5);
  };
  const double r_non =
      median(model.response_k_non_emd + a, model.response_n_non_emd - model.response_k_non_emd + b);
  p.response_logit_intercept = logit(r_non);
  p.response_logit_emd = model.response_by_emd
                             ? logit(median(model.response_k_emd + a,
                                            model.response_n_emd - model.response_k_emd + b)) -
                                   logit(r_non)
                             : 0.0;
  for (const ConjugateParameter& c : model.conjugate) {
    const auto [alpha, beta_] = posterior_shapes(model, c);
    p.*c.member = median(alpha, beta_);
  }
  if (!model.response_by_emd) {
    p.response_logit_emd = prior_quantile(model.response_emd_prior, 0.5);
    p.response_logit_intercept =
        solve_response_intercept(r_non, p.p_extramedullary, p.response_logit_emd);
  }
  double total = 0.0;
  for (double c : model.maintenance_type_counts) total += c + a;
  for (std::size_t t = 0; t < 3; ++t)
    p.maintenance_shares[t] = (model.maintenance_type_counts[t] + a) / total;
  return p;
}

struct Candidate {
  double distance;
  std::uint64_t index;
  CarTParameters parameters;
  bool operator<(const Candidate& o) const {
    return distance < o.distance || (distance == o.distance && index < o.index);
  }
};

void keep_best(std::vector<Candidate>& candidates, std::size_t k) {
  if (candidates.size() <= k) return;
  std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                   candidates.end());
  candidates.resize(k);
}

// Values of the calibration items (figures as a replica computes them) and the median follow-up
// for replicas at given replicate indices (rows: replicas, cols: items, then follow-up).
template <class ParametersOf>
std::vector<std::vector<double>> replicate_figures(const std::vector<Figure>& items,
                                                   FollowUp::Method follow_up_method,
                                                   const SourceStudyConduct& conduct,
                                                   std::uint64_t seed, std::uint64_t first_index,
                                                   std::uint64_t count, unsigned threads,
                                                   ParametersOf parameters_of) {
  std::vector<std::vector<double>> values;
  values.reserve(count);
  struct Block {
    std::vector<std::vector<double>> rows;
    void reset() { rows.clear(); }
  };
  run_replicate_blocks<Block, SourceCohortWorkspace>(
      RunShape{0, count, threads},
      [&](const ReplicateBlock& block, Block& result, SourceCohortWorkspace& ws) {
        for (std::uint64_t j = block.first_replicate;
             j < block.first_replicate + block.replicate_count; ++j) {
          simulate_source_cohort(parameters_of(j), conduct, seed, first_index + j, ws);
          std::vector<double> row;
          for (const Figure& f : items) row.push_back(evaluate_figure(f, ws));
          row.push_back(median_follow_up(ws, follow_up_method));
          result.rows.push_back(std::move(row));
        }
      },
      [&](const ReplicateBlock&, const Block& result) {
        values.insert(values.end(), result.rows.begin(), result.rows.end());
      });
  return values;
}

double quantile_of(std::vector<double>& xs, double q) {
  if (xs.empty()) return NaN;
  std::sort(xs.begin(), xs.end());
  // Type-7 (linear interpolation, R's default) quantile.
  const double h = (static_cast<double>(xs.size()) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (h - static_cast<double>(lo)) * (xs[hi] - xs[lo]);
}

std::string describe(const Figure& f) {
  static const char* statistics[] = {
      "proportion", "conditional_proportion", "km_landmark", "median_not_reached",
      "count",      "subgroup_comparison",    "median",      "hazard_ratio",
      "km_curve"};
  std::string text = statistics[static_cast<int>(f.statistic)];
  if (f.statistic == Statistic::km_landmark || f.endpoint == FigureEndpoint::response_at_landmark)
    text += " at " + number_text(f.time) + " months";
  if (f.endpoint == FigureEndpoint::response_at_landmark) text += " (in remission)";
  if (f.endpoint == FigureEndpoint::duration_of_response && f.dor_deaths == DeathsInDor::events)
    text += " (DOR, deaths as events)";
  if (f.statistic == Statistic::median && f.not_reached) text += " not reached (1 = not reached)";
  if (f.subgroup == Subgroup::other) text += " in " + f.subgroup_name;
  return text;
}

// The fit's stages share this: the model, the source study as conducted, the settings and the
// conjugate point (the values of the parameters an ABC draw does not draw). One replica of the
// source study, conditioned on the observed composition, at given time-to-event parameters
// yields the values of the ABC targets.
struct FitContext {
  const Model& model;
  const SourceStudyConduct& conduct;
  const FitSettings& settings;
  CarTParameters conjugate = conjugate_point(model);

  std::size_t targets() const { return model.targets.size(); }
  // `out` is the caller's buffer (resized once, reused for every replica).
  void simulate_targets(const CarTParameters& p, std::uint64_t index, SourceCohortWorkspace& ws,
                        std::vector<double>& out) const {
    simulate_conditioned_source_cohort(p, conduct, model.composition, settings.seed, index, ws);
    const std::size_t count = targets();
    out.resize(count);
    for (std::size_t t = 0; t < count; ++t) {
      const AbcTarget& target = model.targets[t];
      const double v = evaluate_figure(target.evaluated, ws);
      out[t] = !target.log_scale ? v : v > 0.0 ? std::log(v) : NaN;
    }
  }
  CarTParameters parameters_for_draw(std::uint64_t index) const {
    Rng rng = make_stream(settings.seed, index, StreamPurpose::parameters);
    return draw_abc_parameters(model, conjugate, rng);
  }
};

// Step 1 of the fit, the pilot: the prior-predictive spread of each target (MAD * 1.4826, at
// least 0.02) scales its term of the ABC distance, so that targets on different scales
// (survival proportions, event counts) weigh alike; a target with a reported CI is scaled by the
// standard error the CI implies instead (the publication's own measure of its precision). A step
// of its own because ABC needs it complete before its first draw.
std::vector<double> target_scales(const FitContext& fit) {
  const std::size_t targets = fit.targets();
  std::vector<std::vector<double>> pilot(targets);
  struct PilotBlock {
    std::vector<std::vector<double>> rows;
    std::vector<double> values;
    void reset() { rows.clear(); }
  };
  run_replicate_blocks<PilotBlock, SourceCohortWorkspace>(
      RunShape{0, PILOT_DRAWS, fit.settings.threads, SEARCH_BLOCK * 16},
      [&](const ReplicateBlock& block, PilotBlock& result_block, SourceCohortWorkspace& ws) {
        for (std::uint64_t i = block.first_replicate;
             i < block.first_replicate + block.replicate_count; ++i) {
          fit.simulate_targets(fit.parameters_for_draw(i), i, ws, result_block.values);
          result_block.rows.push_back(result_block.values);
        }
      },
      [&](const ReplicateBlock&, const PilotBlock& result_block) {
        for (const auto& values : result_block.rows) {
          for (std::size_t t = 0; t < targets; ++t)
            if (std::isfinite(values[t])) pilot[t].push_back(values[t]);
        }
      });
  std::vector<double> scale(targets, 1.0);
  for (std::size_t t = 0; t < targets; ++t) {
    if (const double se = fit.model.targets[t].se; se > 0.0 && std::isfinite(se)) {
      scale[t] = se;  // the reported CI's standard error
      continue;
    }
    const double median = quantile_of(pilot[t], 0.5);
    std::vector<double> deviations;
    for (double v : pilot[t]) deviations.push_back(std::abs(v - median));
    scale[t] = std::max(1.4826 * quantile_of(deviations, 0.5), 0.02);
  }
  return scale;
}

// The ABC distance of one replica: squared scaled differences to the reported targets, summed;
// a target the replica cannot compute costs MISSING_PENALTY.
double abc_distance(const Model& model, const std::vector<double>& values,
                    const std::vector<double>& scale) {
  double distance = 0.0;
  for (std::size_t t = 0; t < model.targets.size(); ++t) {
    const double v = values[t];
    const double z = (v - model.targets[t].value) / scale[t];
    distance += std::isfinite(v) ? z * z : MISSING_PENALTY;
  }
  return distance;
}

// Step 2, ABC rejection: the `accepted` nearest of `abc_draws` prior draws (block-local best,
// merged in block order; ties broken by draw index), nearest first. The posterior sample.
std::vector<Candidate> abc_accepted(const FitContext& fit, const std::vector<double>& scale) {
  struct AbcBlock {
    std::vector<Candidate> best;
    std::vector<double> values;
    void reset() { best.clear(); }
  };
  const std::size_t keep = fit.settings.accepted;
  std::vector<Candidate> accepted;
  run_replicate_blocks<AbcBlock, SourceCohortWorkspace>(
      RunShape{0, fit.settings.abc_draws, fit.settings.threads},
      [&](const ReplicateBlock& block, AbcBlock& result, SourceCohortWorkspace& ws) {
        for (std::uint64_t i = block.first_replicate;
             i < block.first_replicate + block.replicate_count; ++i) {
          const CarTParameters p = fit.parameters_for_draw(i);
          fit.simulate_targets(p, i, ws, result.values);
          result.best.push_back({abc_distance(fit.model, result.values, scale), i, p});
        }
        keep_best(result.best, keep);
      },
      [&](const ReplicateBlock&, const AbcBlock& result) {
        accepted.insert(accepted.end(), result.best.begin(), result.best.end());
        keep_best(accepted, keep);
      });
  std::sort(accepted.begin(), accepted.end());
  return accepted;
}

// Step 3, the joint posterior sample: accepted ABC draw j's time-to-event parameters paired with
// the conjugate block's draw j. The blocks' likelihoods factorise (the ABC replicas condition on
// the observed counts), so under independent priors they are independent a posteriori and any
// pairing is a joint draw.
std::vector<CarTParameters> joint_posterior(const FitContext& fit,
                                            const std::vector<Candidate>& accepted) {
  std::vector<CarTParameters> draws =
      conjugate_sample(fit.model, fit.model.fixed, accepted.size(), fit.settings.seed);
  for (std::size_t j = 0; j < accepted.size(); ++j) {
    for (const AbcParameter& a : fit.model.abc)
      draws[j].*a.member = accepted[j].parameters.*a.member;
  }
  return draws;
}

// The values that place the point within the posterior: true OS and RFS (responders) at 12 and
// 24 months, and the maintenance hazard ratio (it moves OS and RFS little, but a design of its
// own, the maintenance trial, turns on it).
constexpr std::size_t POINT_VALUES = 5;
const char* const POINT_VALUE_NAMES[POINT_VALUES] = {"os_12m_true", "rfs_12m_true", "os_24m_true",
                                                     "rfs_24m_true", "maintenance_hazard_ratio"};
using PointValues = std::array<double, POINT_VALUES>;

// PointValues of each parameter set, by true_values with settings.point_truth_patients
// uncensored patients on the same streams for every set (common random numbers).
std::vector<PointValues> true_survival(const FitContext& fit,
                                       const std::vector<CarTParameters>& sets) {
  std::vector<PointValues> values;
  values.reserve(sets.size());
  struct TruthBlock {
    std::vector<PointValues> rows;
    void reset() { rows.clear(); }
  };
  struct NoWorkspace {};
  run_replicate_blocks<TruthBlock, NoWorkspace>(
      RunShape{0, sets.size(), fit.settings.threads, SEARCH_BLOCK},
      [&](const ReplicateBlock& block, TruthBlock& result, NoWorkspace&) {
        for (std::uint64_t i = block.first_replicate;
             i < block.first_replicate + block.replicate_count; ++i) {
          const CarTTruth t = true_values(sets[i], {12.0, 24.0}, fit.settings.seed,
                                          fit.settings.point_truth_patients);
          result.rows.push_back(
              {t.os_at[0], t.rfs_at[0], t.os_at[1], t.rfs_at[1], sets[i].maintenance_hazard_ratio});
        }
      },
      [&](const ReplicateBlock&, const TruthBlock& result) {
        values.insert(values.end(), result.rows.begin(), result.rows.end());
      });
  return values;
}

struct PointChoice {
  CarTParameters point;
  std::vector<PointCheck> checks;
};

// Step 4, the point estimate: the conjugate point with the time-to-event parameters of the
// accepted draw whose PointValues (at the conjugate point) are closest to the medians of the
// posterior draws' PointValues, each difference scaled by the draws' SD of that value (first of
// equals). Its checks: where the point's values sit among the draws'.
PointChoice choose_point(const FitContext& fit, const std::vector<CarTParameters>& draws) {
  std::vector<CarTParameters> candidates(draws.size(), fit.conjugate);
  for (std::size_t j = 0; j < draws.size(); ++j) {
    for (const AbcParameter& a : fit.model.abc) candidates[j].*a.member = draws[j].*a.member;
  }
  const std::vector<PointValues> of_draws = true_survival(fit, draws);
  const std::vector<PointValues> of_candidates = true_survival(fit, candidates);
  PointValues median{}, sd{};
  for (std::size_t k = 0; k < POINT_VALUES; ++k) {
    std::vector<double> xs;
    MomentAccumulator moments;
    for (const PointValues& v : of_draws) {
      xs.push_back(v[k]);
      moments.add(v[k]);
    }
    median[k] = quantile_of(xs, 0.5);
    sd[k] = std::max(std::sqrt(std::max(0.0, moments.variance())), 1e-9);
  }
  std::size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < of_candidates.size(); ++c) {
    double distance = 0.0;
    for (std::size_t k = 0; k < POINT_VALUES; ++k) {
      const double z = (of_candidates[c][k] - median[k]) / sd[k];
      distance += z * z;
    }
    if (distance < best_distance) {
      best_distance = distance;
      best = c;
    }
  }
  PointChoice choice{candidates.empty() ? fit.conjugate : candidates[best], {}};
  // The CRS-response association moves none of the values the point is chosen by (nor any
  // figure the ABC fits): the chosen draw's value would be arbitrary, so the point takes its
  // posterior median.
  {
    std::vector<double> association;
    for (const CarTParameters& d : draws) association.push_back(d.crs_response_log_odds_ratio);
    if (!association.empty())
      choice.point.crs_response_log_odds_ratio = quantile_of(association, 0.5);
  }
  for (std::size_t k = 0; k < POINT_VALUES && !candidates.empty(); ++k) {
    const double x = of_candidates[best][k];
    double below = 0.0;
    for (const PointValues& v : of_draws) below += v[k] < x ? 1.0 : v[k] == x ? 0.5 : 0.0;
    choice.checks.push_back(
        {POINT_VALUE_NAMES[k], x, median[k], 100.0 * below / static_cast<double>(of_draws.size())});
  }
  return choice;
}

// What the calibration report compares: each figure as a replica computes it (a digitised curve
// as one row per compared time, "<id>@<t>"; a not-reached median as its indicator), with its row
// header (identity, description, role in the fit, reported value).
struct CalibrationItem {
  Figure evaluated;
  CalibrationRow header;
};

std::vector<CalibrationItem> calibration_items(const Evidence& evidence, const Model& model,
                                               double cutoff) {
  std::vector<CalibrationItem> items;
  for (std::size_t f = 0; f < evidence.figures.size(); ++f) {
    const Figure& figure = evidence.figures[f];
    std::vector<Figure> evaluated;
    if (figure.statistic == Statistic::km_curve) {
      for (double t : curve_times(figure, cutoff)) evaluated.push_back(curve_point(figure, t));
      if (evaluated.empty()) evaluated.push_back(figure);  // nothing within follow-up: shown
    } else {
      evaluated.push_back(figure.statistic == Statistic::median && figure.not_reached
                              ? not_reached_indicator(figure)
                              : figure);
    }
    for (const Figure& e : evaluated) {
      CalibrationRow row;
      row.figure_id = e.id;
      row.description = describe(figure.statistic == Statistic::km_curve ? e : figure);
      row.reported = e.value;
      row.role = model.roles[f];
      if (figure.statistic == Statistic::km_curve && row.role == "abc target") {
        bool target = false;  // a point left to a fitted landmark at its time is a check
        for (const AbcTarget& t : model.targets) target |= t.label == e.id;
        if (!target) row.role = "check";
      }
      items.push_back({e, row});
    }
  }
  return items;
}

// Step 5, the calibration report: for every reported figure (and the median follow-up, a
// conduct check), its 95 % posterior-predictive interval from one replica per draw, and the
// median of `point_replicas` replicas at the point estimate. A step of its own: it judges the fit
// and changes nothing in it.
std::vector<CalibrationRow> calibration_rows(const Evidence& evidence, const FitContext& fit,
                                             const std::vector<CarTParameters>& draws,
                                             const CarTParameters& point) {
  const FitSettings& settings = fit.settings;
  const std::vector<CalibrationItem> items =
      calibration_items(evidence, fit.model, fit.conduct.cutoff);
  std::vector<Figure> figures;
  for (const CalibrationItem& item : items) figures.push_back(item.evaluated);
  const auto predictive = replicate_figures(
      figures, evidence.follow_up.method, fit.conduct, settings.seed, PREDICTIVE_OFFSET,
      draws.size(), settings.threads, [&](std::uint64_t j) { return draws[j]; });
  const auto at_point = replicate_figures(figures, evidence.follow_up.method, fit.conduct,
                                          settings.seed, POINT_OFFSET, settings.point_replicas,
                                          settings.threads, [&](std::uint64_t) { return point; });
  std::vector<CalibrationRow> rows;
  for (std::size_t f = 0; f <= items.size(); ++f) {
    std::vector<double> pred, at;
    for (const auto& row : predictive)
      if (std::isfinite(row[f])) pred.push_back(row[f]);
    for (const auto& row : at_point)
      if (std::isfinite(row[f])) at.push_back(row[f]);
    CalibrationRow row;
    if (f < items.size()) {
      row = items[f].header;
    } else {
      row.figure_id = "median_follow_up";
      row.description = evidence.follow_up.method == FollowUp::Method::reverse_km
                            ? "conduct: median follow-up (months, reverse Kaplan-Meier)"
                            : "conduct: median follow-up (months)";
      row.reported = evidence.follow_up.median;
      row.role = "check";
    }
    row.replicas = pred.size();
    row.predictive_lower = quantile_of(pred, 0.025);
    row.predictive_median = quantile_of(pred, 0.5);
    row.predictive_upper = quantile_of(pred, 0.975);
    row.point_median = quantile_of(at, 0.5);
    row.inside = row.predictive_lower <= row.reported && row.reported <= row.predictive_upper;
    rows.push_back(row);
  }
  return rows;
}

bool is_time_to_event(const std::string& name) {
  for (const DefaultPrior& d : default_priors())
    if (d.parameter == name) return d.time_to_event;
  return false;
}

std::string default_source(const Prior& prior) {
  return "default prior " + describe_prior(prior) + " (docs/default-priors.md)";
}

// What the survival figures did to an ABC parameter, in words.
std::string abc_update(const Model& model, const std::string& name) {
  if (!is_time_to_event(name))
    return "ABC block, no figure informs it (the posterior is the prior)";
  if (model.targets.empty())
    return "ABC not run: no time-to-event figures (the posterior is the prior)";
  std::string ids;
  for (const AbcTarget& t : model.targets)
    if (ids.find(t.figure->id) == std::string::npos)
      ids += (ids.empty() ? "" : ", ") + t.figure->id;
  return "ABC on figures " + ids + ", conditioned on the observed response and maintenance counts";
}

// Where a parameter's value comes from, in words (the fitted file's `sources`, the report's
// parameter table): figure ids, an assumption's parameter name, or a default prior.
std::string parameter_source(const Model& model, const NamedParameter& p) {
  const std::string name = p.name;
  const std::string binomial =
      "Beta(" + number_text(model.prior_a) + ", " + number_text(model.prior_b) + ")";
  if (name == "response_logit_intercept")
    return model.response_by_emd
               ? "conjugate Beta posterior of response in non-EMD patients (logit): " +
                     model.response_source + " (prior " + binomial + ")"
               : "conjugate Beta posterior of overall response: " + model.response_source +
                     " (prior " + binomial + "), solved for the population rate given " +
                     "response_logit_emd";
  if (name == "response_logit_emd")
    return model.response_by_emd
               ? "conjugate Beta posteriors of response by EMD (logit difference): " +
                     model.response_source + " and " + model.response_emd_source + " (prior " +
                     binomial + ")"
           : model.response_emd_assumption.empty()
               ? default_source(model.response_emd_prior)
               : "assumption " + name + ": prior " + describe_prior(model.response_emd_prior);
  if (const ConjugateParameter* c = model.conjugate_of(p.member)) {
    if (c->defaulted) return default_source(c->prior);
    return "conjugate Beta posterior: " + c->source + " (prior " +
           (c->prior_assumption.empty()
                ? binomial
                : describe_prior(c->prior) + ", assumption " + c->prior_assumption) +
           ")";
  }
  for (const AbcParameter& a : model.abc) {
    if (a.member != p.member) continue;
    if (a.defaulted) return default_source(a.prior) + "; " + abc_update(model, name);
    return abc_update(model, name) + "; prior " + describe_prior(a.prior) + " from assumption " +
           name;
  }
  return "assumption " + name + " (fixed " + number_text(model.fixed.*p.member) + ")";
}

// Step 6, parameter summaries: point, posterior mean, SD and 95 % interval of every parameter
// over the draws, with its source.
std::vector<ParameterSummary> parameter_summaries(const Model& model, const CarTParameters& point,
                                                  const std::vector<CarTParameters>& draws) {
  std::vector<ParameterSummary> summaries;
  for (const NamedParameter& p : parameter_table()) {
    ParameterSummary s{p.name, p.unit, parameter_source(model, p)};
    s.point = point.*p.member;
    MomentAccumulator moments;
    std::vector<double> xs;
    for (const CarTParameters& d : draws) {
      moments.add(d.*p.member);
      xs.push_back(d.*p.member);
    }
    s.mean = moments.mean();
    s.sd = std::sqrt(std::max(0.0, moments.variance()));
    s.lower = quantile_of(xs, 0.025);
    s.upper = quantile_of(xs, 0.975);
    summaries.push_back(s);
  }
  return summaries;
}

// Step 2 without survival figures: no ABC (it would return the prior at the cost of its
// simulations); the first `accepted` prior draws are the block's sample.
std::vector<Candidate> prior_sample(const FitContext& fit) {
  std::vector<Candidate> draws;
  for (std::uint64_t i = 0; i < fit.settings.accepted; ++i)
    draws.push_back({0.0, i, fit.parameters_for_draw(i)});
  return draws;
}

}  // namespace

void set_parameter(CarTParameters& parameters, const std::string& name, double value) {
  parameters.*member_of(name) = value;
}

double get_parameter(const CarTParameters& parameters, const std::string& name) {
  return parameters.*member_of(name);
}

FitResult fit_car_t_model(const Evidence& evidence, const FitSettings& settings,
                          const FitProgress& progress) {
  const SourceStudyConduct conduct = source_conduct(evidence);
  const Model model = build_model(evidence, conduct);
  const FitContext fit{model, conduct, settings};
  FitResult result;
  for (const AbcTarget& t : model.targets) result.abc_targets.push_back(t.label);

  std::vector<Candidate> accepted;
  if (model.targets.empty()) {
    result.notes.push_back(
        "no time-to-event figures: the time-to-event parameters keep their priors (drawn from "
        "them directly, no ABC)");
    accepted = prior_sample(fit);
    result.abc_distance_threshold = NaN;
    result.abc_acceptance_rate = NaN;
  } else {
    result.abc_draws = settings.abc_draws;
    if (progress) progress("pilot");
    const std::vector<double> scale = target_scales(fit);
    if (progress) progress("abc");
    accepted = abc_accepted(fit, scale);
    result.abc_distance_threshold = accepted.empty() ? NaN : accepted.back().distance;
    result.abc_acceptance_rate =
        static_cast<double>(accepted.size()) / static_cast<double>(settings.abc_draws);
  }
  result.abc_effective_sample_size = static_cast<double>(accepted.size());  // equal weights
  result.draws = joint_posterior(fit, accepted);

  if (progress) progress("point");
  PointChoice choice = choose_point(fit, result.draws);
  result.point = choice.point;
  result.point_checks = std::move(choice.checks);

  if (progress) progress("predictive");
  result.figures = calibration_rows(evidence, fit, result.draws, result.point);
  result.parameters = parameter_summaries(model, result.point, result.draws);
  return result;
}

std::string describe_prior(const Prior& prior) {
  switch (prior.kind) {
    case Prior::Kind::beta:
      return "Beta(" + number_text(prior.a) + ", " + number_text(prior.b) + ")";
    case Prior::Kind::lognormal:
      return "lognormal(median " + number_text(prior.median) + ", sdlog " +
             number_text(prior.sdlog) + ")";
    case Prior::Kind::normal:
      return "normal(mean " + number_text(prior.mean) + ", sd " + number_text(prior.sd) + ")";
    case Prior::Kind::fixed:
      break;
  }
  return "fixed " + number_text(prior.value);
}

bool is_defaulted(const ParameterSummary& parameter) {
  return parameter.source.rfind("default prior", 0) == 0;
}

// The default priors (docs/default-priors.md gives each reason). None is taken from a study the
// model is fitted to; each is weakly informative, from general knowledge of CD19 CAR-T in adult
// B-ALL. Parameters every fit requires a figure for (ORR, MRD, CRS, ICANS) have none.
const std::vector<DefaultPrior>& default_priors() {
  static const std::vector<DefaultPrior> table = {
      {"p_extramedullary", beta_prior(1, 3), false, "baseline extramedullary_disease (count)"},
      {"p_cns_given_extramedullary", beta_prior(1.5, 1.5), false,
       "baseline cns_leukemia and extramedullary_disease (counts)"},
      {"p_ph_positive", beta_prior(1.5, 3.5), false, "baseline ph_positive (count)"},
      {"p_tp53", beta_prior(1, 7), false, "baseline tp53_alteration (count)"},
      {"p_kmt2a", beta_prior(1, 9), false, "baseline kmt2a_rearrangement (count)"},
      {"p_ikzf1", beta_prior(1.5, 3.5), false, "baseline ikzf1_alteration (count)"},
      {"p_prior_blinatumomab", beta_prior(1, 1), false, "baseline prior_blinatumomab (count)"},
      {"p_prior_inotuzumab", beta_prior(1, 1), false, "baseline prior_inotuzumab (count)"},
      {"ph_ikzf1_correlation", beta_prior(2, 4), false, "an assumption (no figure kind)"},
      {"response_logit_emd", normal_prior(0, 1), false,
       "a proportion of best_overall_response in subgroup extramedullary"},
      {"response_time", lognormal_prior(1, 0.25), true, "an assumption (no figure kind)"},
      {"cure_fraction", beta_prior(2, 2), true,
       "time-to-event figures among responders (RFS/DOR landmarks, curves, medians, relapses)"},
      {"relapse_shape", lognormal_prior(1.2, 0.4), true, "RFS/DOR curves or several landmarks"},
      {"relapse_scale", lognormal_prior(8, 1.0), true, "RFS/DOR landmarks, curves or medians"},
      {"p_cd19_negative_relapse", beta_prior(1.5, 2.5), false,
       "counts of relapse and cd19_negative_relapse"},
      {"p_maintenance", beta_prior(1, 1), false, "counts of maintenance_* among responders"},
      {"maintenance_hazard_ratio", lognormal_prior(1, 0.5), true,
       "an assumption (a randomised comparison; observational ones are not causal)"},
      {"relapse_hazard_ratio_emd", lognormal_prior(1, 0.5), true,
       "a hazard_ratio of relapse_free_survival, extramedullary vs non_extramedullary"},
      {"nonrelapse_mortality_rate", lognormal_prior(0.006, 1.0), true,
       "counts of death and death_from_disease, OS landmarks"},
      {"nonrelapse_mortality_shape", lognormal_prior(0.8, 0.4), true,
       "OS/RFS curves over long follow-up"},
      {"p_infection_given_nonrelapse_death", beta_prior(3, 2), false,
       "counts of death_from_infection and death_from_other_causes"},
      {"death_after_relapse_rate", lognormal_prior(0.15, 0.6), true,
       "counts of death and death_from_disease, OS landmarks or medians"},
      {"death_after_nonresponse_rate", lognormal_prior(0.2, 0.7), true,
       "OS landmarks, medians or curves with the response count"},
      {"dropout_rate", lognormal_prior(0.002, 1.0), true, "an assumption (loss to follow-up)"},
      {"crs_response_log_odds_ratio", normal_prior(0, 1), false, "an assumption (no figure kind)"},
      {"q_crs_grade2_of_mild", beta_prior(2, 3), false, "an assumption (CRS grade 2 not a figure)"},
      {"q_crs_grade4_of_severe", beta_prior(1, 3), false,
       "an assumption (CRS grade 4 not a figure)"},
      {"q_icans_grade3plus", beta_prior(2, 3), false,
       "a proportion of icans_grade3plus in subgroup all"},
      {"q_icans_grade4_of_severe", beta_prior(1, 3), false,
       "an assumption (ICANS grade 4 not a figure)"},
      {"crs_onset_median_days", lognormal_prior(3, 0.4), false, "an assumption (onset days)"},
      {"crs_onset_sdlog", lognormal_prior(0.5, 0.3), false, "an assumption (onset days)"},
      {"icans_onset_median_days", lognormal_prior(7, 0.4), false, "an assumption (onset days)"},
      {"icans_onset_sdlog", lognormal_prior(0.4, 0.3), false, "an assumption (onset days)"},
  };
  return table;
}

}  // namespace trialsim::car_t
