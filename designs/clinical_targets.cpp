#include "designs/clinical_targets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "models/car_t/calibration.h"
#include "models/car_t/truth.h"

namespace trialsim {
namespace {

using car_t::CarTParameters;

constexpr double LOGIT_BOUND = 50.0;  // the log_odds domain of the CAR-T parameters

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double q) { return std::log(q / (1.0 - q)); }

// Numbers in messages: six significant digits (a reachable range of 0.6450000000000001 reads as
// 0.645).
std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}
std::string range_text(double lo, double hi) {
  return "[" + number_text(lo) + ", " + number_text(hi) + "]";
}

// A solved logit must lie in the parameter's domain; otherwise the target is out of reach.
double checked_logit(double value, const std::string& key, const std::string& parameter) {
  if (!(std::abs(value) <= LOGIT_BOUND)) {
    throw TargetError(
        key, "",
        "needs " + parameter + " = " + number_text(value) + ", outside its domain [-50, 50]",
        "a rate further from 0 and 1");
  }
  return value;
}

// ---- Monotone bracketed solve on a landmark estimate ---------------------------------------

struct Bracket {
  double lo, hi;   // the parameter's range searched
  bool log_scale;  // search log(parameter) (rates, hazard ratios)
};

struct LandmarkSolve {
  std::string key, subkey;  // where the target was given
  std::string parameter;    // what is solved
  std::string quantity;     // e.g. "12-month OS"
  double target;
  double step;  // one patient's share of the estimate: the estimate moves in these steps
};

// Solves value_at(x) = target for x in the bracket, value_at monotone (either way) up to the
// Monte Carlo steps of a common-random-numbers estimate: the Illinois variant of regula falsi
// (Dowell & Jarratt 1971, BIT 11:168) in x or log x, with a bisection step whenever a step
// shrank the bracket by less than half. Stops when |value - target| <= step / 2 (as near as the
// estimate can come) or the bracket is 1e-12 wide; returns the end nearer the target.
double solve_monotone(const std::function<double(double)>& value_at, const Bracket& bracket,
                      const LandmarkSolve& solve) {
  const auto to_x = [&](double u) { return bracket.log_scale ? std::exp(u) : u; };
  const auto gap = [&](double u) { return value_at(to_x(u)) - solve.target; };
  double a = bracket.log_scale ? std::log(bracket.lo) : bracket.lo;
  double b = bracket.log_scale ? std::log(bracket.hi) : bracket.hi;
  double fa = gap(a), fb = gap(b);
  if (fa * fb > 0.0) {
    const double at_lo = fa + solve.target, at_hi = fb + solve.target;
    throw TargetError(solve.key, solve.subkey,
                      solve.quantity + " " + number_text(solve.target) + " is out of reach by " +
                          solve.parameter + " in " + range_text(bracket.lo, bracket.hi),
                      "a value in " + range_text(std::min(at_lo, at_hi), std::max(at_lo, at_hi)));
  }
  const double tolerance = 0.5 * solve.step;
  double wa = fa, wb = fb;  // the values the secant uses (Illinois halves a stale end's)
  for (int iteration = 0; iteration < 200; ++iteration) {
    if (std::abs(fa) <= tolerance || std::abs(fb) <= tolerance || std::abs(b - a) <= 1e-12) break;
    const double width = std::abs(b - a);
    double c = wb != wa ? b - wb * (b - a) / (wb - wa) : 0.5 * (a + b);
    if (!(c > std::min(a, b) && c < std::max(a, b))) c = 0.5 * (a + b);
    const double fc = gap(c);
    if (fc * fb < 0.0) {  // the root lies between b and c: b becomes the other end
      a = b, fa = fb, wa = wb;
    } else {
      wa *= 0.5;
    }
    b = c, fb = fc, wb = fc;
    if (std::abs(b - a) > 0.5 * width) {  // too slow: bisect once
      const double m = 0.5 * (a + b), fm = gap(m);
      if (fm * fa < 0.0) {
        b = m, fb = fm, wb = fm;
      } else {
        a = m, fa = fm, wa = fm;
      }
    }
  }
  return to_x(std::abs(fa) < std::abs(fb) ? a : b);
}

// The binomial MC SE of a landmark estimate from `count` patients.
double binomial_se(double value, double count) {
  return count > 0.0 ? std::sqrt(std::max(value * (1.0 - value), 0.0) / count) : 0.0;
}

nlohmann::json landmark_json(double time, double value, double se,
                             const LandmarkSolveSettings& settings) {
  return {{"time", time},
          {"value", value},
          {"mcse", se},
          {"patients", settings.patients},
          {"seed", settings.seed}};
}

// The x with w logistic(x + c1) + (1 - w) logistic(x + c0) = target, x in [-bound, bound]: the
// left side increases in x, so Newton steps kept inside a bisection bracket (each evaluation
// moves one end) converge; 200 steps are far more than double precision needs. c0, c1 may be
// -inf or +inf (a subgroup whose probability is 0 or 1 stays so). The caller checks reach.
double solve_logistic_mixture(double w, double c1, double c0, double target, double bound) {
  const auto gap = [&](double x) {
    return w * logistic(x + c1) + (1.0 - w) * logistic(x + c0) - target;
  };
  double lo = -bound, hi = bound;
  double x = std::clamp(std::isfinite(c0) ? logit(target) - c0 : 0.0, lo, hi);
  for (int step = 0; step < 200; ++step) {
    const double f = gap(x);
    if (std::abs(f) <= 1e-15 || hi - lo <= 1e-15) break;
    (f > 0.0 ? hi : lo) = x;
    const double s1 = logistic(x + c1), s0 = logistic(x + c0);
    const double slope = w * s1 * (1.0 - s1) + (1.0 - w) * s0 * (1.0 - s0);
    double next = slope > 0.0 ? x - f / slope : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    x = next;
  }
  return x;
}

}  // namespace

TargetError::TargetError(std::string key, std::string subkey, std::string problem,
                         std::string expected)
    : std::runtime_error(key + (subkey.empty() ? "" : "." + subkey) + ": " + problem +
                         ", expected " + expected),
      key_(std::move(key)),
      subkey_(std::move(subkey)),
      problem_(std::move(problem)),
      expected_(std::move(expected)) {}

bool ClinicalTargets::empty() const noexcept {
  return !orr && !orr_extramedullary && !orr_non_extramedullary && !crs_rate &&
         !crs_grade3plus_rate && !icans_rate && !has_landmark_target();
}

bool ClinicalTargets::has_landmark_target() const noexcept {
  return os_at || rfs_at || maintenance_rfs_at;
}

std::vector<std::string> ClinicalTargets::solved_parameter_names() const {
  std::vector<std::string> names;
  const int response_count =
      (orr ? 1 : 0) + (orr_extramedullary ? 1 : 0) + (orr_non_extramedullary ? 1 : 0);
  if (response_count > 0) names.emplace_back("response_logit_intercept");
  if (response_count > 1) names.emplace_back("response_logit_emd");
  if (crs_rate) names.emplace_back("p_crs_any");
  if (crs_grade3plus_rate) {
    names.emplace_back("p_crs_grade3plus_emd");
    names.emplace_back("p_crs_grade3plus_non_emd");
  }
  if (icans_rate) {
    names.emplace_back("p_icans_emd");
    names.emplace_back("p_icans_non_emd");
  }
  const bool rfs_target = rfs_at || maintenance_rfs_at;
  if (rfs_at || (maintenance_rfs_at && maintenance_rfs_at->observation))
    names.emplace_back("cure_fraction");
  if (maintenance_rfs_at) names.emplace_back("maintenance_hazard_ratio");
  if (os_at) names.emplace_back(rfs_target ? "death_after_relapse_rate" : "cure_fraction");
  return names;
}

void SolvedTargets::set(CarTParameters& p, const std::string& name, double value) {
  const double before = car_t::get_parameter(p, name);
  car_t::set_parameter(p, name, value);
  for (auto& [solved_name, solved_value] : parameters) {
    if (solved_name == name) {
      solved_value = value;
      return;
    }
  }
  parameters.emplace_back(name, value);
  previous.push_back(before);
}

void shift_draw(CarTParameters& draw, const SolvedTargets& solved) {
  for (std::size_t i = 0; i < solved.parameters.size(); ++i) {
    const auto& [name, after] = solved.parameters[i];
    const double before = solved.previous[i];
    const car_t::NamedParameter* parameter = car_t::find_parameter(name);
    const double value = car_t::get_parameter(draw, name);
    double shifted = after;
    if (parameter->domain == car_t::ParameterDomain::log_odds) {
      shifted = std::clamp(value + (after - before), -LOGIT_BOUND, LOGIT_BOUND);
    } else if (parameter->domain == car_t::ParameterDomain::proportion && before > 0.0 &&
               before < 1.0 && after > 0.0 && after < 1.0) {
      shifted = value <= 0.0 || value >= 1.0
                    ? value
                    : logistic(logit(value) + logit(after) - logit(before));
    } else if ((parameter->domain == car_t::ParameterDomain::positive ||
                parameter->domain == car_t::ParameterDomain::non_negative) &&
               before > 0.0) {
      shifted = std::min(value * (after / before), 1e6);  // rates, hazard ratios: by their ratio
    }
    car_t::set_parameter(draw, name, shifted);
  }
}

// ---- Response -------------------------------------------------------------------------------

double solve_response_intercept(const CarTParameters& p, double orr) {
  const double w = p.p_extramedullary, b = p.response_logit_emd;
  const auto orr_at = [&](double a) { return w * logistic(a + b) + (1.0 - w) * logistic(a); };
  const double reach_lo = orr_at(-LOGIT_BOUND), reach_hi = orr_at(LOGIT_BOUND);
  if (!(orr > reach_lo && orr < reach_hi)) {
    throw TargetError("orr", "",
                      "orr " + number_text(orr) + " is out of reach with response_logit_emd " +
                          number_text(b) + " and p_extramedullary " + number_text(w) +
                          ": response_logit_intercept in [-50, 50] reaches ORR in " +
                          range_text(reach_lo, reach_hi),
                      "an orr in " + range_text(reach_lo, reach_hi) +
                          ", or a subgroup ORR beside it to move the EMD effect too");
  }
  const double a = solve_logistic_mixture(w, b, 0.0, orr, LOGIT_BOUND);
  CarTParameters q = p;
  q.response_logit_intercept = a;
  if (!(std::abs(car_t::population_response_probability(q) - orr) <= 1e-12)) {
    throw TargetError("orr", "", "the ORR solve did not reach 1e-12", "a reachable orr");
  }
  return a;
}

namespace {

// Two of orr / orr_extramedullary / orr_non_extramedullary: the subgroups' logits in closed
// form (w = p_extramedullary; ORR = w P(R | EMD) + (1 - w) P(R | no EMD)).
void solve_two_response_targets(CarTParameters& p, const ClinicalTargets& t, SolvedTargets& out) {
  const double w = p.p_extramedullary;
  double emd = 0.0, non_emd = 0.0;
  if (t.orr_extramedullary && t.orr_non_extramedullary) {
    emd = *t.orr_extramedullary, non_emd = *t.orr_non_extramedullary;
  } else if (t.orr_non_extramedullary) {  // with orr: the EMD subgroup's rate follows
    non_emd = *t.orr_non_extramedullary;
    const double lo = (1.0 - w) * non_emd, hi = lo + w;
    if (!(w > 0.0) || !(*t.orr > lo && *t.orr < hi)) {
      throw TargetError("orr", "",
                        "orr " + number_text(*t.orr) + " with orr_non_extramedullary " +
                            number_text(non_emd) + " and p_extramedullary " + number_text(w) +
                            " needs an EMD subgroup ORR outside (0, 1)",
                        "an orr in (" + number_text(lo) + ", " + number_text(hi) + ")");
    }
    emd = (*t.orr - lo) / w;
  } else {  // orr and orr_extramedullary: the non-EMD subgroup's rate follows
    emd = *t.orr_extramedullary;
    const double lo = w * emd, hi = lo + (1.0 - w);
    if (!(w < 1.0) || !(*t.orr > lo && *t.orr < hi)) {
      throw TargetError("orr", "",
                        "orr " + number_text(*t.orr) + " with orr_extramedullary " +
                            number_text(emd) + " and p_extramedullary " + number_text(w) +
                            " needs a non-EMD subgroup ORR outside (0, 1)",
                        "an orr in (" + number_text(lo) + ", " + number_text(hi) + ")");
    }
    non_emd = (*t.orr - lo) / (1.0 - w);
  }
  const std::string key = t.orr ? "orr" : "orr_non_extramedullary";
  const double a = checked_logit(logit(non_emd), key, "response_logit_intercept");
  const double b = checked_logit(logit(emd) - a, key, "response_logit_emd");
  out.set(p, "response_logit_intercept", a);
  out.set(p, "response_logit_emd", b);
}

}  // namespace

void solve_response_targets(CarTParameters& p, const ClinicalTargets& t, SolvedTargets& out) {
  const int count =
      (t.orr ? 1 : 0) + (t.orr_extramedullary ? 1 : 0) + (t.orr_non_extramedullary ? 1 : 0);
  if (count == 0) return;
  if (count == 3) {
    throw TargetError("orr", "",
                      "orr with both subgroup ORRs over-determines the response model (two "
                      "parameters)",
                      "at most two of orr, orr_extramedullary, orr_non_extramedullary");
  }
  const double w = p.p_extramedullary;
  if (t.orr_extramedullary && !(w > 0.0)) {
    throw TargetError("orr_extramedullary", "", "p_extramedullary is 0: no patient has EMD",
                      "orr or orr_non_extramedullary");
  }
  if (t.orr_non_extramedullary && !(w < 1.0)) {
    throw TargetError("orr_non_extramedullary", "", "p_extramedullary is 1: every patient has EMD",
                      "orr or orr_extramedullary");
  }
  if (count == 2) {
    solve_two_response_targets(p, t, out);
  } else if (t.orr) {
    out.set(p, "response_logit_intercept", solve_response_intercept(p, *t.orr));
  } else if (t.orr_non_extramedullary) {  // the EMD log-odds ratio kept
    out.set(p, "response_logit_intercept",
            checked_logit(logit(*t.orr_non_extramedullary), "orr_non_extramedullary",
                          "response_logit_intercept"));
  } else {
    out.set(p, "response_logit_intercept",
            checked_logit(logit(*t.orr_extramedullary) - p.response_logit_emd, "orr_extramedullary",
                          "response_logit_intercept"));
  }
  out.true_values["orr"] = car_t::population_response_probability(p);
  out.true_values["orr_extramedullary"] = car_t::response_probability(p, true);
  out.true_values["orr_non_extramedullary"] = car_t::response_probability(p, false);
}

// ---- CRS and ICANS --------------------------------------------------------------------------

namespace {

// Moves the by-EMD pair (emd, non_emd) so that its population average w emd + (1 - w) non_emd is
// `target`, shifting both on the log-odds scale by one amount (their odds ratio kept: the fitted
// EMD pattern; a rate of 0 stays 0), or setting both to `target` when both are 0 (no pattern to
// keep). A shift reaches every target in (0, 1) when both rates lie in (0, 1).
void shift_pair(double& emd, double& non_emd, double w, double target, const std::string& key) {
  if (emd == 0.0 && non_emd == 0.0) {
    emd = non_emd = target;
    return;
  }
  constexpr double SHIFT_BOUND = 100.0;
  const double c1 = logit(emd), c0 = logit(non_emd);
  const auto average = [&](double x) {
    return w * logistic(x + c1) + (1.0 - w) * logistic(x + c0);
  };
  const double reach_lo = average(-SHIFT_BOUND), reach_hi = average(SHIFT_BOUND);
  if (!(target >= reach_lo && target <= reach_hi) && target != 0.0 && target != 1.0) {
    throw TargetError(key, "",
                      number_text(target) +
                          " is out of reach keeping the odds ratio of the EMD "
                          "and non-EMD rates (" +
                          number_text(emd) + ", " + number_text(non_emd) + ")",
                      "a rate in " + range_text(reach_lo, reach_hi));
  }
  if (target == 0.0 || target == 1.0) {
    emd = non_emd = target;
    return;
  }
  const double x = solve_logistic_mixture(w, c1, c0, target, SHIFT_BOUND);
  emd = logistic(x + c1);
  non_emd = logistic(x + c0);
}

}  // namespace

void solve_adverse_event_targets(CarTParameters& p, const ClinicalTargets& t, SolvedTargets& out) {
  const double w = p.p_extramedullary;
  if (t.crs_rate) out.set(p, "p_crs_any", *t.crs_rate);
  if (t.crs_grade3plus_rate) {
    double emd = p.p_crs_grade3plus_emd, non_emd = p.p_crs_grade3plus_non_emd;
    shift_pair(emd, non_emd, w, *t.crs_grade3plus_rate, "crs_grade3plus_rate");
    out.set(p, "p_crs_grade3plus_emd", emd);
    out.set(p, "p_crs_grade3plus_non_emd", non_emd);
  }
  if (t.crs_rate || t.crs_grade3plus_rate) {
    // Grade >= 3 is a part of any grade: in a subgroup whose grade >= 3 rate exceeded the
    // any-grade rate the model's any-grade rate would no longer be p_crs_any.
    const double severe = std::max(p.p_crs_grade3plus_emd, p.p_crs_grade3plus_non_emd);
    if (severe > p.p_crs_any) {
      throw TargetError(
          t.crs_grade3plus_rate ? "crs_grade3plus_rate" : "crs_rate", "",
          "the any-grade CRS rate " + number_text(p.p_crs_any) +
              " is below the grade >= 3 CRS rate " + number_text(severe) +
              " of a subgroup (EMD or not)",
          "a crs_rate of at least " + number_text(severe) + ", or a lower crs_grade3plus_rate");
    }
    out.true_values["crs_any_grade"] = car_t::population_crs_probability(p);
    out.true_values["crs_grade3plus"] =
        w * p.p_crs_grade3plus_emd + (1.0 - w) * p.p_crs_grade3plus_non_emd;
  }
  if (t.icans_rate) {
    double emd = p.p_icans_emd, non_emd = p.p_icans_non_emd;
    shift_pair(emd, non_emd, w, *t.icans_rate, "icans_rate");
    out.set(p, "p_icans_emd", emd);
    out.set(p, "p_icans_non_emd", non_emd);
    out.true_values["icans_any_grade"] = car_t::population_icans_probability(p);
  }
}

// ---- Landmarks ------------------------------------------------------------------------------

double estimated_os_at(const CarTParameters& p, double time,
                       const LandmarkSolveSettings& settings) {
  return car_t::true_values(p, {time}, settings.seed, settings.patients).os_at[0];
}

double estimated_rfs_at(const CarTParameters& p, double time,
                        const LandmarkSolveSettings& settings) {
  return car_t::true_values(p, {time}, settings.seed, settings.patients).rfs_at[0];
}

std::pair<double, double> estimated_maintenance_rfs_at(const CarTParameters& p, double time,
                                                       const LandmarkSolveSettings& settings) {
  CarTParameters version[2] = {p, p};
  version[0].p_maintenance = 0.0;
  version[1].p_maintenance = 1.0;
  car_t::CarTStreams streams(settings.seed, 1ULL << 42);
  car_t::CarTPatient patient[2];
  double responders = 0.0, relapse_free[2] = {0.0, 0.0};
  const car_t::PatientConstants constants[2] = {car_t::patient_constants(version[0]),
                                                car_t::patient_constants(version[1])};
  for (int i = 0; i < settings.patients; ++i) {
    const car_t::CarTStreams saved = streams;
    car_t::simulate_patient(version[0], constants[0], streams, patient[0]);
    if (!patient[0].responded) continue;
    car_t::CarTStreams again = saved;  // the same draws, now maintained
    car_t::simulate_patient(version[1], constants[1], again, patient[1]);
    responders += 1.0;
    for (int arm = 0; arm < 2; ++arm) {
      const PatientTrajectory& t = patient[arm].trajectory;
      const double rfs = std::min(t.relapse_time, t.death_time) - t.response_time;
      relapse_free[arm] += rfs > time ? 1.0 : 0.0;
    }
  }
  if (responders == 0.0) return {0.0, 0.0};
  return {relapse_free[0] / responders, relapse_free[1] / responders};
}

namespace {

void solve_rfs_target(CarTParameters& p, const LandmarkTarget& target,
                      const LandmarkSolveSettings& settings, SolvedTargets& out) {
  const double responders = car_t::population_response_probability(p) * settings.patients;
  const LandmarkSolve solve{
      "rfs_at",        "value",
      "cure_fraction", "RFS of responders at " + number_text(target.time) + " months",
      target.value,    1.0 / std::max(responders, 1.0)};
  CarTParameters q = p;
  const double cure = solve_monotone(
      [&](double x) {
        q.cure_fraction = x;
        return estimated_rfs_at(q, target.time, settings);
      },
      {0.0, 1.0, false}, solve);
  out.set(p, "cure_fraction", cure);
  const double value = estimated_rfs_at(p, target.time, settings);
  out.true_values["rfs_at"] =
      landmark_json(target.time, value, binomial_se(value, responders), settings);
}

void solve_maintenance_target(CarTParameters& p, const MaintenanceRfsTarget& target,
                              const LandmarkSolveSettings& settings, SolvedTargets& out) {
  const double responders = car_t::population_response_probability(p) * settings.patients;
  const double step = 1.0 / std::max(responders, 1.0);
  const std::string when = " at " + number_text(target.time) + " months";
  CarTParameters q = p;
  if (target.observation) {  // the observation arm does not depend on the hazard ratio
    const LandmarkSolve solve{"maintenance_rfs_at", "observation",
                              "cure_fraction",      "RFS without maintenance" + when,
                              *target.observation,  step};
    out.set(p, "cure_fraction",
            solve_monotone(
                [&](double x) {
                  q.cure_fraction = x;
                  return estimated_maintenance_rfs_at(q, target.time, settings).first;
                },
                {0.0, 1.0, false}, solve));
    q = p;
  }
  const bool by_difference = target.difference.has_value();
  const LandmarkSolve solve{"maintenance_rfs_at",
                            by_difference ? "difference" : "maintained",
                            "maintenance_hazard_ratio",
                            by_difference ? "RFS difference (maintained - observation)" + when
                                          : "RFS with maintenance" + when,
                            by_difference ? *target.difference : *target.maintained,
                            step};
  out.set(p, "maintenance_hazard_ratio",
          solve_monotone(
              [&](double x) {
                q.maintenance_hazard_ratio = x;
                const auto [observed, maintained] =
                    estimated_maintenance_rfs_at(q, target.time, settings);
                return by_difference ? maintained - observed : maintained;
              },
              {1e-4, 1e4, true}, solve));
  const auto [observed, maintained] = estimated_maintenance_rfs_at(p, target.time, settings);
  out.true_values["maintenance_rfs_at"] = {{"time", target.time},
                                           {"observation", observed},
                                           {"maintained", maintained},
                                           {"difference", maintained - observed},
                                           {"mcse", binomial_se(maintained, responders)},
                                           {"patients", settings.patients},
                                           {"seed", settings.seed}};
}

void solve_os_target(CarTParameters& p, const LandmarkTarget& target, bool rfs_fixed,
                     const LandmarkSolveSettings& settings, SolvedTargets& out) {
  // With an RFS target the cure fraction is taken; survival after relapse moves OS and leaves
  // RFS alone (death after relapse comes after the RFS event).
  const std::string parameter = rfs_fixed ? "death_after_relapse_rate" : "cure_fraction";
  const LandmarkSolve solve{"os_at",      "value",
                            parameter,    "OS at " + number_text(target.time) + " months",
                            target.value, 1.0 / settings.patients};
  CarTParameters q = p;
  const double x = solve_monotone(
      [&](double value) {
        car_t::set_parameter(q, parameter, value);
        return estimated_os_at(q, target.time, settings);
      },
      rfs_fixed ? Bracket{1e-4, 1e4, true} : Bracket{0.0, 1.0, false}, solve);
  out.set(p, parameter, x);
  const double value = estimated_os_at(p, target.time, settings);
  out.true_values["os_at"] =
      landmark_json(target.time, value, binomial_se(value, settings.patients), settings);
}

}  // namespace

void solve_landmark_targets(CarTParameters& p, const ClinicalTargets& t,
                            const LandmarkSolveSettings& settings, SolvedTargets& out) {
  if (t.rfs_at && t.maintenance_rfs_at) {
    throw TargetError("maintenance_rfs_at", "",
                      "rfs_at and maintenance_rfs_at both move the RFS of responders (cure "
                      "fraction and maintenance hazard ratio together)",
                      "one of them (maintenance_rfs_at.observation sets the cure fraction)");
  }
  if (t.rfs_at) solve_rfs_target(p, *t.rfs_at, settings, out);
  if (t.maintenance_rfs_at) solve_maintenance_target(p, *t.maintenance_rfs_at, settings, out);
  if (t.os_at) solve_os_target(p, *t.os_at, t.rfs_at || t.maintenance_rfs_at, settings, out);
}

SolvedTargets solve_clinical_targets(CarTParameters& p, const ClinicalTargets& targets,
                                     const LandmarkSolveSettings& settings) {
  SolvedTargets solved;
  solve_response_targets(p, targets, solved);
  solve_adverse_event_targets(p, targets, solved);
  solve_landmark_targets(p, targets, settings, solved);
  return solved;
}

}  // namespace trialsim
