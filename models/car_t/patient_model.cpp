#include "models/car_t/patient_model.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "core/samplers.h"

namespace trialsim::car_t {
namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Time to death in remission from a unit exponential E: the Weibull with cumulative hazard
// rate * multiplier * t^shape, t = (E / (rate * multiplier))^(1 / shape) (exactly E / (rate *
// multiplier) at shape 1, the constant hazard).
double nonrelapse_death_time(const CarTParameters& p, double e, double multiplier) {
  const double t = e / (p.nonrelapse_mortality_rate * multiplier);
  return p.nonrelapse_mortality_shape == 1.0 ? t : std::pow(t, 1.0 / p.nonrelapse_mortality_shape);
}

// Standard normal quantile, for thresholding the Gaussian copula.
double normal_quantile(double p) {
  static const boost::math::normal standard;
  return boost::math::quantile(standard, std::clamp(p, 1e-300, 1.0 - 1e-16));
}

}  // namespace

const std::vector<NamedParameter>& parameter_table() {
  using P = CarTParameters;
  using D = ParameterDomain;
  static const std::vector<NamedParameter> table = {
      {"p_extramedullary", "proportion", &P::p_extramedullary, D::proportion},
      {"p_cns_given_extramedullary", "proportion", &P::p_cns_given_extramedullary, D::proportion},
      {"p_ph_positive", "proportion", &P::p_ph_positive, D::proportion},
      {"p_tp53", "proportion", &P::p_tp53, D::proportion},
      {"p_kmt2a", "proportion", &P::p_kmt2a, D::proportion},
      {"p_ikzf1", "proportion", &P::p_ikzf1, D::proportion},
      {"p_prior_blinatumomab", "proportion", &P::p_prior_blinatumomab, D::proportion},
      {"p_prior_inotuzumab", "proportion", &P::p_prior_inotuzumab, D::proportion},
      {"ph_ikzf1_correlation", "-", &P::ph_ikzf1_correlation, D::correlation},
      {"response_logit_intercept", "log-odds", &P::response_logit_intercept, D::log_odds},
      {"response_logit_emd", "log-odds ratio", &P::response_logit_emd, D::log_odds},
      {"p_mrd_negative", "proportion of responders", &P::p_mrd_negative, D::proportion},
      {"response_time", "months", &P::response_time, D::non_negative},
      {"cure_fraction", "proportion of responders", &P::cure_fraction, D::proportion},
      {"relapse_shape", "-", &P::relapse_shape, D::positive},
      {"relapse_scale", "months", &P::relapse_scale, D::positive},
      {"p_cd19_negative_relapse", "proportion of relapses", &P::p_cd19_negative_relapse,
       D::proportion},
      {"p_maintenance", "proportion of responders", &P::p_maintenance, D::proportion},
      {"maintenance_hazard_ratio", "-", &P::maintenance_hazard_ratio, D::positive},
      {"relapse_hazard_ratio_emd", "-", &P::relapse_hazard_ratio_emd, D::positive},
      {"nonrelapse_mortality_rate", "per month", &P::nonrelapse_mortality_rate, D::non_negative},
      {"nonrelapse_mortality_shape", "-", &P::nonrelapse_mortality_shape, D::positive},
      {"p_infection_given_nonrelapse_death", "proportion", &P::p_infection_given_nonrelapse_death,
       D::proportion},
      {"death_after_relapse_rate", "per month", &P::death_after_relapse_rate, D::non_negative},
      {"death_after_nonresponse_rate", "per month", &P::death_after_nonresponse_rate,
       D::non_negative},
      {"dropout_rate", "per month", &P::dropout_rate, D::non_negative},
      {"p_crs_any", "proportion", &P::p_crs_any, D::proportion},
      {"crs_response_log_odds_ratio", "log-odds ratio", &P::crs_response_log_odds_ratio,
       D::log_odds},
      {"p_crs_grade3plus_non_emd", "proportion", &P::p_crs_grade3plus_non_emd, D::proportion},
      {"p_crs_grade3plus_emd", "proportion", &P::p_crs_grade3plus_emd, D::proportion},
      {"q_crs_grade2_of_mild", "proportion", &P::q_crs_grade2_of_mild, D::proportion},
      {"q_crs_grade4_of_severe", "proportion", &P::q_crs_grade4_of_severe, D::proportion},
      {"p_icans_non_emd", "proportion", &P::p_icans_non_emd, D::proportion},
      {"p_icans_emd", "proportion", &P::p_icans_emd, D::proportion},
      {"q_icans_grade3plus", "proportion of ICANS", &P::q_icans_grade3plus, D::proportion},
      {"q_icans_grade4_of_severe", "proportion", &P::q_icans_grade4_of_severe, D::proportion},
      {"crs_onset_median_days", "days", &P::crs_onset_median_days, D::positive},
      {"crs_onset_sdlog", "-", &P::crs_onset_sdlog, D::non_negative},
      {"icans_onset_median_days", "days", &P::icans_onset_median_days, D::positive},
      {"icans_onset_sdlog", "-", &P::icans_onset_sdlog, D::non_negative},
  };
  return table;
}

bool parameter_value_allowed(const NamedParameter& parameter, double value) {
  if (!std::isfinite(value)) return false;
  switch (parameter.domain) {
    case ParameterDomain::proportion:
      return value >= 0.0 && value <= 1.0;
    case ParameterDomain::correlation:
      return value >= -1.0 && value <= 1.0;
    case ParameterDomain::log_odds:
      return value >= -50.0 && value <= 50.0;
    case ParameterDomain::positive:
      return value > 0.0 && value <= 1e6;
    case ParameterDomain::non_negative:
      return value >= 0.0 && value <= 1e6;
  }
  return false;
}

std::string describe_domain(const NamedParameter& parameter) {
  const std::string unit = parameter.unit;
  const std::string in_unit = unit == "-" ? "" : " (" + unit + ")";
  switch (parameter.domain) {
    case ParameterDomain::proportion:
      return "a proportion in [0, 1]";
    case ParameterDomain::correlation:
      return "a correlation in [-1, 1]";
    case ParameterDomain::log_odds:
      return "a " + unit + " value in [-50, 50]";
    case ParameterDomain::positive:
      return "a number in (0, 1e6]" + in_unit;
    case ParameterDomain::non_negative:
      return "a number in [0, 1e6]" + in_unit;
  }
  return "a number";
}

const NamedParameter* find_parameter(const std::string& name) {
  for (const NamedParameter& p : parameter_table()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

double response_probability(const CarTParameters& p, bool extramedullary) {
  return logistic(p.response_logit_intercept + (extramedullary ? p.response_logit_emd : 0.0));
}

double population_response_probability(const CarTParameters& p) {
  return p.p_extramedullary * response_probability(p, true) +
         (1.0 - p.p_extramedullary) * response_probability(p, false);
}

double population_crs_probability(const CarTParameters& p) { return p.p_crs_any; }

// Solves r logistic(a + theta) + (1 - r) logistic(a) = c for a by Newton's method from
// logit(c) - r theta, kept inside a bracket that halves whenever a step leaves it (the left side
// increases in a, so the root is unique); 60 steps reach double precision from any start.
double crs_probability_given_response(const CarTParameters& p, bool responded) {
  const double c = p.p_crs_any, theta = p.crs_response_log_odds_ratio;
  if (theta == 0.0 || c <= 0.0 || c >= 1.0) return c;
  const double r = population_response_probability(p);
  double lo = -60.0, hi = 60.0;
  double a = std::clamp(std::log(c / (1.0 - c)) - r * theta, lo, hi);
  for (int step = 0; step < 60; ++step) {
    const double s1 = logistic(a + theta), s0 = logistic(a);
    const double f = r * s1 + (1.0 - r) * s0 - c;
    if (f > 0.0)
      hi = a;
    else
      lo = a;
    const double slope = r * s1 * (1.0 - s1) + (1.0 - r) * s0 * (1.0 - s0);
    double next = slope > 0.0 ? a - f / slope : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - a) < 1e-13) {
      a = next;
      break;
    }
    a = next;
  }
  return logistic(a + (responded ? theta : 0.0));
}

// The grade >= 3 rate of a response group, as simulate_adverse_events draws it.
double crs_grade3plus_in_group(double p_crs3_population, double p_crs, double p_crs_any) {
  return p_crs == p_crs_any ? p_crs3_population
                            : std::min(1.0, p_crs3_population * p_crs / p_crs_any);
}

double crs_grade3plus_probability(const CarTParameters& p, bool extramedullary) {
  const double p3 = extramedullary ? p.p_crs_grade3plus_emd : p.p_crs_grade3plus_non_emd;
  const double r = response_probability(p, extramedullary);
  return r * crs_grade3plus_in_group(p3, crs_probability_given_response(p, true), p.p_crs_any) +
         (1.0 - r) *
             crs_grade3plus_in_group(p3, crs_probability_given_response(p, false), p.p_crs_any);
}

double population_icans_probability(const CarTParameters& p) {
  return p.p_extramedullary * p.p_icans_emd + (1.0 - p.p_extramedullary) * p.p_icans_non_emd;
}

namespace {

// 5. CRS and ICANS of a patient whose EMD status and response are set: 6 draws.
void simulate_adverse_events(const CarTParameters& p, const PatientConstants& k, CarTStreams& s,
                             CarTPatient& out) {
  const double u_crs = uniform01(s.adverse_events);
  const double u_crs_grade = uniform01(s.adverse_events);
  const double crs_onset =
      lognormal_median(p.crs_onset_median_days, p.crs_onset_sdlog, s.adverse_events);
  const double u_icans = uniform01(s.adverse_events);
  const double u_icans_grade = uniform01(s.adverse_events);
  const double icans_onset =
      lognormal_median(p.icans_onset_median_days, p.icans_onset_sdlog, s.adverse_events);
  // Under independence p_crs == p_crs_any and the grade >= 3 rate is p_CRS3(EMD) itself.
  const double p_crs = out.responded ? k.crs_responder : k.crs_other;
  const double p_crs3_population =
      out.extramedullary ? p.p_crs_grade3plus_emd : p.p_crs_grade3plus_non_emd;
  const double p_crs3 = crs_grade3plus_in_group(p_crs3_population, p_crs, p.p_crs_any);
  if (u_crs < p_crs3) {
    out.crs_grade = u_crs_grade < p.q_crs_grade4_of_severe ? 4 : 3;
  } else if (u_crs < std::max(p_crs, p_crs3)) {
    out.crs_grade = u_crs_grade < p.q_crs_grade2_of_mild ? 2 : 1;
  }
  if (out.crs_grade > 0) out.crs_onset_day = crs_onset;
  const double p_icans = out.extramedullary ? p.p_icans_emd : p.p_icans_non_emd;
  if (u_icans < p_icans) {
    const double severe = p.q_icans_grade3plus;
    out.icans_grade = u_icans_grade < severe * p.q_icans_grade4_of_severe ? 4
                      : u_icans_grade < severe                            ? 3
                      : u_icans_grade < severe + (1.0 - severe) / 2.0     ? 2
                                                                          : 1;
    out.icans_onset_day = icans_onset;
  }
}

}  // namespace

PatientConstants patient_constants(const CarTParameters& p) {
  return {normal_quantile(p.p_ph_positive), normal_quantile(p.p_ikzf1),
          crs_probability_given_response(p, true), crs_probability_given_response(p, false)};
}

void simulate_patient(const CarTParameters& p, CarTStreams& s, CarTPatient& out) {
  simulate_patient(p, patient_constants(p), s, out);
}

void simulate_patient(const CarTParameters& p, const PatientConstants& k, CarTStreams& s,
                      CarTPatient& out) {
  out = CarTPatient{};
  // 1. Covariates: 9 draws (two normals for the copula, seven uniforms).
  const double z_ph = standard_normal(s.covariates);
  const double z_other = standard_normal(s.covariates);
  const double z_ikzf1 = p.ph_ikzf1_correlation * z_ph +
                         std::sqrt(1.0 - p.ph_ikzf1_correlation * p.ph_ikzf1_correlation) * z_other;
  out.ph_positive = z_ph < k.ph_threshold;
  out.ikzf1 = z_ikzf1 < k.ikzf1_threshold;
  out.extramedullary = uniform01(s.covariates) < p.p_extramedullary;
  const double u_cns = uniform01(s.covariates);
  out.cns = out.extramedullary && u_cns < p.p_cns_given_extramedullary;
  out.tp53 = uniform01(s.covariates) < p.p_tp53;
  out.kmt2a = uniform01(s.covariates) < p.p_kmt2a;
  out.prior_blinatumomab = uniform01(s.covariates) < p.p_prior_blinatumomab;
  out.prior_inotuzumab = uniform01(s.covariates) < p.p_prior_inotuzumab;

  // 2-3. Response and MRD: 2 draws.
  const double u_response = uniform01(s.response);
  const double u_mrd = uniform01(s.response);
  out.responded = u_response < response_probability(p, out.extramedullary);
  out.mrd_negative = out.responded && u_mrd < p.p_mrd_negative;

  // Outcomes: 9 draws whatever the path.
  const double u_maintenance = uniform01(s.outcomes);
  const double u_maintenance_type = uniform01(s.outcomes);
  const double u_cure = uniform01(s.outcomes);
  const double e_relapse = exponential(1.0, s.outcomes);
  const double u_cd19 = uniform01(s.outcomes);
  const double e_nonrelapse_death = exponential(1.0, s.outcomes);
  const double u_infection = uniform01(s.outcomes);
  const double e_disease_death = exponential(1.0, s.outcomes);
  const double e_dropout = exponential(1.0, s.dropout);

  PatientTrajectory& t = out.trajectory;
  t.dropout_time = p.dropout_rate > 0.0 ? e_dropout / p.dropout_rate : NEVER_TIME;
  const DeathCause nonrelapse_cause = u_infection < p.p_infection_given_nonrelapse_death
                                          ? DeathCause::infection
                                          : DeathCause::other;
  if (out.responded) {
    t.responded = true;
    t.response_time = p.response_time;
    double hazard_multiplier = 1.0;
    if (u_maintenance < p.p_maintenance) {
      const double tki = p.maintenance_shares[0];
      const double chemo = tki + p.maintenance_shares[1];
      out.maintenance = u_maintenance_type < tki     ? Maintenance::tki
                        : u_maintenance_type < chemo ? Maintenance::low_dose_chemotherapy
                                                     : Maintenance::inotuzumab;
      hazard_multiplier = p.maintenance_hazard_ratio;
    }
    const double relapse_multiplier =
        hazard_multiplier * (out.extramedullary ? p.relapse_hazard_ratio_emd : 1.0);
    const bool cured = u_cure < p.cure_fraction;
    const double relapse =
        cured ? NEVER_TIME
              : p.response_time + p.relapse_scale * std::pow(e_relapse / relapse_multiplier,
                                                             1.0 / p.relapse_shape);
    const double nonrelapse_death =
        p.response_time + nonrelapse_death_time(p, e_nonrelapse_death, hazard_multiplier);
    if (relapse < nonrelapse_death) {
      out.relapsed = true;
      out.cd19_negative_relapse = u_cd19 < p.p_cd19_negative_relapse;
      t.relapse_time = relapse;
      t.death_time = relapse + e_disease_death / p.death_after_relapse_rate;
      out.death_cause = DeathCause::disease;
    } else {
      t.death_time = nonrelapse_death;
      out.death_cause = nonrelapse_cause;
    }
  } else {
    const double disease_death = e_disease_death / p.death_after_nonresponse_rate;
    const double nonrelapse_death = nonrelapse_death_time(p, e_nonrelapse_death, 1.0);
    t.death_time = std::min(disease_death, nonrelapse_death);
    out.death_cause = disease_death <= nonrelapse_death ? DeathCause::disease : nonrelapse_cause;
  }

  simulate_adverse_events(p, k, s, out);
}

}  // namespace trialsim::car_t
