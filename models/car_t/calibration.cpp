#include "models/car_t/calibration.h"

#include <algorithm>
#include <array>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/accumulator.h"
#include "core/runner.h"
#include "core/samplers.h"
#include "models/car_t/source_study.h"
#include "models/car_t/truth.h"

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

// A proportion parameter with a Beta posterior from a reported count.
struct ConjugateParameter {
  double CarTParameters::*member;
  double count, total;  // k of n
  std::string source;   // figure ids
};

struct AbcParameter {
  double CarTParameters::*member;
  std::string name;
  Prior prior;
};

struct Model {
  CarTParameters fixed;  // defaults overridden by fixed assumptions
  double prior_a = 0.5, prior_b = 0.5;
  std::vector<ConjugateParameter> conjugate;
  // Response: P(response | non-EMD) and P(response | EMD), each Beta, mapped to logits.
  double response_k_non_emd = 0, response_n_non_emd = 0, response_k_emd = 0, response_n_emd = 0;
  bool response_by_emd = false;
  std::vector<double> maintenance_type_counts;  // TKI, chemo, inotuzumab
  std::vector<AbcParameter> abc;
  std::vector<const Figure*> targets;
  ObservedComposition composition;  // what the ABC replicas condition on
};

const Figure* find_figure(const Evidence& e, Statistic statistic, FigureEndpoint endpoint,
                          Subgroup subgroup) {
  for (const Figure& f : e.figures) {
    if (f.statistic == statistic && f.endpoint == endpoint && f.subgroup == subgroup && f.count &&
        f.denominator)
      return &f;
  }
  return nullptr;
}

const Figure* find_count(const Evidence& e, EventKind event) {
  for (const Figure& f : e.figures) {
    if (f.statistic == Statistic::count && f.event == event) return &f;
  }
  return nullptr;
}

void add_proportion(Model& model, double CarTParameters::*member, const Figure* all,
                    const Figure* subgroup, bool complement, const char* what) {
  if (!all) throw std::invalid_argument(std::string("evidence has no figure for ") + what);
  double k = *all->count, n = *all->denominator;
  std::string source = all->id;
  if (subgroup) {  // the complement of a subgroup within all patients
    if (complement) {
      k -= *subgroup->count;
      n -= *subgroup->denominator;
      source += " minus " + subgroup->id;
    } else {
      k = *subgroup->count;
      n = *subgroup->denominator;
      source = subgroup->id;
    }
  }
  model.conjugate.push_back({member, k, n, source});
}

// The model is built from the evidence in steps, one per kind of evidence; the order in which
// they add conjugate parameters is the order of their Beta draws (conjugate_sample), so it is
// part of the fit's reproducibility.

// Fixed assumptions set their parameter; `binomial_prior` is the conjugate prior; every other
// assumption is the prior of an ABC parameter.
void add_assumptions(const Evidence& e, Model& model) {
  for (const Assumption& a : e.assumptions) {
    if (a.parameter == "binomial_prior") {
      model.prior_a = a.prior.a;
      model.prior_b = a.prior.b;
      continue;
    }
    double CarTParameters::*member = member_of(a.parameter);
    if (a.prior.kind == Prior::Kind::fixed) {
      model.fixed.*member = a.prior.value;
    } else {
      model.abc.push_back({member, a.parameter, a.prior});
    }
  }
}

// Response by EMD from the overall and the EMD proportions. Returns the overall response figure
// (its responders are the denominator of maintenance).
const Figure& add_response_by_emd(const Evidence& e, Model& model) {
  const Figure* orr =
      find_figure(e, Statistic::proportion, FigureEndpoint::best_overall_response, Subgroup::all);
  if (!orr)
    throw std::invalid_argument(
        "evidence has no overall response proportion (best_overall_response, all)");
  const Figure* orr_emd = find_figure(
      e, Statistic::proportion, FigureEndpoint::best_overall_response, Subgroup::extramedullary);
  model.response_by_emd = orr_emd != nullptr;
  model.response_k_non_emd = *orr->count - (orr_emd ? *orr_emd->count : 0);
  model.response_n_non_emd = *orr->denominator - (orr_emd ? *orr_emd->denominator : 0);
  model.response_k_emd = orr_emd ? *orr_emd->count : 0;
  model.response_n_emd = orr_emd ? *orr_emd->denominator : 0;
  return *orr;
}

// MRD negativity among responders, and CRS and ICANS (any grade, grade >= 3) by EMD.
void add_mrd_and_toxicity(const Evidence& e, Model& model) {
  using P = CarTParameters;
  add_proportion(model, &P::p_mrd_negative,
                 find_figure(e, Statistic::conditional_proportion, FigureEndpoint::mrd_negative,
                             Subgroup::responders),
                 nullptr, false, "MRD negativity among responders");
  add_proportion(
      model, &P::p_crs_any,
      find_figure(e, Statistic::proportion, FigureEndpoint::crs_any_grade, Subgroup::all), nullptr,
      false, "CRS any grade");
  const Figure* crs3 =
      find_figure(e, Statistic::proportion, FigureEndpoint::crs_grade3plus, Subgroup::all);
  const Figure* crs3_emd = find_figure(e, Statistic::proportion, FigureEndpoint::crs_grade3plus,
                                       Subgroup::extramedullary);
  add_proportion(model, &P::p_crs_grade3plus_non_emd, crs3, crs3_emd, true, "CRS grade >= 3");
  add_proportion(model, &P::p_crs_grade3plus_emd, crs3, crs3_emd, false, "CRS grade >= 3");
  const Figure* icans =
      find_figure(e, Statistic::proportion, FigureEndpoint::icans_any_grade, Subgroup::all);
  const Figure* icans_emd = find_figure(e, Statistic::proportion, FigureEndpoint::icans_any_grade,
                                        Subgroup::extramedullary);
  add_proportion(model, &P::p_icans_non_emd, icans, icans_emd, true, "ICANS");
  add_proportion(model, &P::p_icans_emd, icans, icans_emd, false, "ICANS");
  const Figure* icans3 =
      find_figure(e, Statistic::proportion, FigureEndpoint::icans_grade3plus, Subgroup::all);
  if (icans && icans3)
    model.conjugate.push_back({&P::q_icans_grade3plus, double(*icans3->count),
                               double(*icans->count), icans3->id + " of " + icans->id});
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
  }
  if (maintained > 0)
    model.conjugate.push_back({&P::p_maintenance, maintained, double(*orr.count),
                               sources + " of responders (" + orr.id + ")"});
  if (const Figure* relapses = find_count(e, EventKind::relapse); relapses && relapses->value > 0) {
    const Figure* negative = find_count(e, EventKind::cd19_negative_relapse);
    model.conjugate.push_back(
        {&P::p_cd19_negative_relapse, negative ? negative->value : 0.0, relapses->value,
         (negative ? negative->id : std::string("0")) + " of " + relapses->id});
  }
  const Figure* infection = find_count(e, EventKind::death_from_infection);
  const Figure* other = find_count(e, EventKind::death_from_other_causes);
  if (infection && other && infection->value + other->value > 0) {
    model.conjugate.push_back({&P::p_infection_given_nonrelapse_death, infection->value,
                               infection->value + other->value,
                               infection->id + " of " + infection->id + "+" + other->id});
  }
}

// Covariate prevalences from the baseline table, and CNS leukaemia among EMD patients.
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
  for (const auto& [id, member] : covariates) {
    const BaselineFigure* b = e.find_baseline(id);
    if (b && b->count && b->denominator)
      model.conjugate.push_back({member, double(*b->count), double(*b->denominator), b->id});
  }
  const BaselineFigure* emd = e.find_baseline("extramedullary_disease");
  const BaselineFigure* cns = e.find_baseline("cns_leukemia");
  if (emd && cns && emd->count && cns->count && *emd->count > 0) {
    model.conjugate.push_back({&P::p_cns_given_extramedullary, double(*cns->count),
                               double(*emd->count), cns->id + " of " + emd->id});
  }
}

// ABC targets: the reported Kaplan–Meier landmarks and death/relapse counts, except figures an
// assumption says are not to be fitted (`not_fitted_to`). The split of deaths
// in remission into infection and other causes is not a target: given the deaths and the deaths
// from disease it informs only the conjugate infection share (used there, once).
std::vector<const Figure*> abc_targets(const Evidence& e) {
  std::vector<const Figure*> targets;
  const auto excluded = [&](const Figure& f) {
    for (const Assumption& a : e.assumptions) {
      if (std::find(a.not_fitted_to.begin(), a.not_fitted_to.end(), f.id) != a.not_fitted_to.end())
        return true;
    }
    return false;
  };
  for (const Figure& f : e.figures) {
    if (excluded(f)) continue;
    const bool tte_count =
        f.statistic == Statistic::count &&
        (f.event == EventKind::death || f.event == EventKind::death_from_disease ||
         f.event == EventKind::relapse);
    if (f.statistic == Statistic::km_landmark || tte_count) targets.push_back(&f);
  }
  return targets;
}

// The observed composition the ABC replicas condition on: EMD patients and responders per EMD
// group (or responders overall), and maintained responders when the maintenance types are
// reported.
ObservedComposition observed_composition(const Model& model, const Figure& orr) {
  ObservedComposition c;
  if (model.response_by_emd) {
    c.extramedullary = static_cast<int>(model.response_n_emd);
    c.responders_extramedullary = static_cast<int>(model.response_k_emd);
    c.responders_other = static_cast<int>(model.response_k_non_emd);
  }
  c.responders = *orr.count;
  double maintained = 0.0;
  for (double k : model.maintenance_type_counts) maintained += k;
  if (maintained > 0.0) c.maintained = static_cast<int>(std::lround(maintained));
  if (c.maintained > c.responders)
    throw std::invalid_argument("evidence reports more maintained patients (" +
                                std::to_string(c.maintained) + ") than responders (" +
                                std::to_string(c.responders) + ")");
  return c;
}

Model build_model(const Evidence& e) {
  Model model;
  add_assumptions(e, model);
  const Figure& orr = add_response_by_emd(e, model);
  add_mrd_and_toxicity(e, model);
  add_event_shares(e, orr, model);
  add_covariate_prevalences(e, model);
  model.composition = observed_composition(model, orr);
  model.targets = abc_targets(e);
  if (model.abc.empty())
    throw std::invalid_argument(
        "evidence assumptions give no prior for any time-to-event parameter");
  return model;
}

double logit(double p) { return std::log(p / (1.0 - p)); }

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
std::vector<double> stratified_beta(double a, double b, std::size_t n, Rng& rng) {
  std::vector<std::size_t> strata(n);
  std::iota(strata.begin(), strata.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {  // Fisher–Yates
    const auto j = static_cast<std::size_t>(uniform01(rng) * static_cast<double>(i));
    std::swap(strata[i - 1], strata[std::min(j, i - 1)]);
  }
  std::vector<double> xs(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double u = (static_cast<double>(strata[j]) + uniform01(rng)) / static_cast<double>(n);
    xs[j] = boost::math::ibeta_inv(a, b, u);
  }
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
    const std::vector<double> xs = stratified_beta(c.count + a, c.total - c.count + b, n, rng);
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
  for (const ConjugateParameter& c : model.conjugate)
    p.*c.member = median(c.count + a, c.total - c.count + b);
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

// Values of all figures for replicas at given replicate indices (rows: replicas, cols: figures).
template <class ParametersOf>
std::vector<std::vector<double>> replicate_figures(const Evidence& e,
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
          for (const Figure& f : e.figures) row.push_back(evaluate_figure(f, ws));
          row.push_back(median_follow_up(ws));
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
  static const char* statistics[] = {"proportion",  "conditional_proportion",
                                     "km_landmark", "median_not_reached",
                                     "count",       "subgroup_comparison"};
  std::string text = statistics[static_cast<int>(f.statistic)];
  if (f.statistic == Statistic::km_landmark)
    text += " at " + std::to_string(static_cast<int>(f.time)) + " months";
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
    for (std::size_t t = 0; t < count; ++t) out[t] = evaluate_figure(*model.targets[t], ws);
  }
  CarTParameters parameters_for_draw(std::uint64_t index) const {
    Rng rng = make_stream(settings.seed, index, StreamPurpose::parameters);
    return draw_abc_parameters(model, conjugate, rng);
  }
};

// Step 1 of the fit, the pilot: the prior-predictive spread of each target (MAD * 1.4826, at
// least 0.02) scales its term of the ABC distance, so that targets on different scales
// (survival proportions, event counts) weigh alike. A step of its own because ABC needs it
// complete before its first draw.
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
    const double z = (v - model.targets[t]->value) / scale[t];
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
  for (std::size_t k = 0; k < POINT_VALUES && !candidates.empty(); ++k) {
    const double x = of_candidates[best][k];
    double below = 0.0;
    for (const PointValues& v : of_draws) below += v[k] < x ? 1.0 : v[k] == x ? 0.5 : 0.0;
    choice.checks.push_back(
        {POINT_VALUE_NAMES[k], x, median[k], 100.0 * below / static_cast<double>(of_draws.size())});
  }
  return choice;
}

// A calibration row's identity: the figure (f < figure count) or, after the figures, the
// median follow-up as a conduct check; its role in the fit.
CalibrationRow calibration_row_header(const Evidence& evidence, const Model& model, std::size_t f) {
  CalibrationRow row;
  if (f < evidence.figures.size()) {
    const Figure& figure = evidence.figures[f];
    row.figure_id = figure.id;
    row.description = describe(figure);
    row.reported = figure.value;
    const bool target =
        std::find(model.targets.begin(), model.targets.end(), &figure) != model.targets.end();
    const bool proportion = figure.statistic == Statistic::proportion ||
                            figure.statistic == Statistic::conditional_proportion;
    row.role = target ? "abc target" : proportion ? "conjugate" : "check";
  } else {
    row.figure_id = "median_follow_up";
    row.description = "conduct: median follow-up (months)";
    row.reported = evidence.follow_up.median;
    row.role = "check";
  }
  return row;
}

// Step 5, the calibration report: for every reported figure (and the median follow-up), its
// 95 % posterior-predictive interval from one replica per draw, and the median of
// `point_replicas` replicas at the point estimate. A step of its own: it judges the fit and
// changes nothing in it.
std::vector<CalibrationRow> calibration_rows(const Evidence& evidence, const FitContext& fit,
                                             const std::vector<CarTParameters>& draws,
                                             const CarTParameters& point) {
  const FitSettings& settings = fit.settings;
  const auto predictive =
      replicate_figures(evidence, fit.conduct, settings.seed, PREDICTIVE_OFFSET, draws.size(),
                        settings.threads, [&](std::uint64_t j) { return draws[j]; });
  const auto at_point =
      replicate_figures(evidence, fit.conduct, settings.seed, POINT_OFFSET, settings.point_replicas,
                        settings.threads, [&](std::uint64_t) { return point; });
  std::vector<CalibrationRow> rows;
  for (std::size_t f = 0; f <= evidence.figures.size(); ++f) {
    std::vector<double> pred, at;
    for (const auto& row : predictive)
      if (std::isfinite(row[f])) pred.push_back(row[f]);
    for (const auto& row : at_point)
      if (std::isfinite(row[f])) at.push_back(row[f]);
    CalibrationRow row = calibration_row_header(evidence, fit.model, f);
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

// Where a parameter's value comes from, in words, for the parameter table of the report.
std::string parameter_source(const Evidence& evidence, const Model& model,
                             const NamedParameter& p) {
  const auto number = [](double x) {
    std::string text = std::to_string(x);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  };
  const std::string beta_prior =
      " (prior Beta(" + number(model.prior_a) + ", " + number(model.prior_b) + "))";
  std::string source = "fixed (default)";
  for (const ConjugateParameter& c : model.conjugate) {
    if (c.member == p.member) source = "conjugate Beta posterior: " + c.source + beta_prior;
  }
  for (const AbcParameter& a : model.abc) {
    if (a.member != p.member) continue;
    source = "ABC conditioned on the observed response and maintenance counts, prior " +
             (a.prior.kind == Prior::Kind::beta
                  ? "Beta(" + number(a.prior.a) + ", " + number(a.prior.b) + ")"
              : a.prior.kind == Prior::Kind::normal
                  ? "normal(mean " + number(a.prior.mean) + ", sd " + number(a.prior.sd) + ")"
                  : "lognormal(median " + number(a.prior.median) + ", sdlog " +
                        number(a.prior.sdlog) + ")");
  }
  if (std::string(p.name) == "response_logit_intercept")
    source = "conjugate Beta posterior of response in non-EMD patients (logit)" + beta_prior;
  if (std::string(p.name) == "response_logit_emd")
    source = "conjugate Beta posteriors of response by EMD (logit difference)" + beta_prior;
  if (source == "fixed (default)") {
    for (const Assumption& a : evidence.assumptions) {
      if (a.parameter == p.name) source = "assumption (fixed in evidence)";
    }
  }
  return source;
}

// Step 6, parameter summaries: point, posterior mean, SD and 95 % interval of every parameter
// over the draws, with its source.
std::vector<ParameterSummary> parameter_summaries(const Evidence& evidence, const Model& model,
                                                  const CarTParameters& point,
                                                  const std::vector<CarTParameters>& draws) {
  std::vector<ParameterSummary> summaries;
  for (const NamedParameter& p : parameter_table()) {
    ParameterSummary s{p.name, p.unit, parameter_source(evidence, model, p)};
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

}  // namespace

void set_parameter(CarTParameters& parameters, const std::string& name, double value) {
  parameters.*member_of(name) = value;
}

double get_parameter(const CarTParameters& parameters, const std::string& name) {
  return parameters.*member_of(name);
}

FitResult fit_car_t_model(const Evidence& evidence, const FitSettings& settings,
                          const FitProgress& progress) {
  const Model model = build_model(evidence);
  const SourceStudyConduct conduct = source_conduct(evidence);
  const FitContext fit{model, conduct, settings};
  FitResult result;
  result.abc_draws = settings.abc_draws;
  for (const Figure* f : model.targets) result.abc_targets.push_back(f->id);

  if (progress) progress("pilot");
  const std::vector<double> scale = target_scales(fit);

  if (progress) progress("abc");
  const std::vector<Candidate> accepted = abc_accepted(fit, scale);
  result.abc_distance_threshold = accepted.empty() ? NaN : accepted.back().distance;
  result.abc_acceptance_rate =
      static_cast<double>(accepted.size()) / static_cast<double>(settings.abc_draws);
  result.abc_effective_sample_size = static_cast<double>(accepted.size());  // equal weights
  result.draws = joint_posterior(fit, accepted);

  if (progress) progress("point");
  PointChoice choice = choose_point(fit, result.draws);
  result.point = choice.point;
  result.point_checks = std::move(choice.checks);

  if (progress) progress("predictive");
  result.figures = calibration_rows(evidence, fit, result.draws, result.point);
  result.parameters = parameter_summaries(evidence, model, result.point, result.draws);
  return result;
}

}  // namespace trialsim::car_t
