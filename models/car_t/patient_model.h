#pragma once
// The post-transplant CD19 CAR-T patient model: what happens to an adult with B-ALL relapsed
// after allo-HSCT who receives CAR-T, as a pure function of (parameters, rng&).
//
// Per patient, on the patient's clock (months from infusion; AE onsets in days):
//  1. Baseline covariates: independent Bernoulli prevalences, except Ph+ and IKZF1 alteration,
//     linked by a Gaussian copula with correlation rho; CNS leukaemia only within EMD.
//  2. Best response CR/CRi:  logit P(response) = beta_0 + beta_EMD * EMD.
//  3. Responders: MRD-negative with probability p_MRD; response assessed at t_resp.
//     Maintenance after response with probability p_maint (type TKI / low-dose chemotherapy /
//     inotuzumab by shares); it multiplies the relapse and non-relapse-death hazards by HR_maint.
//     Cured (never relapse) with probability pi; otherwise relapse at t_resp + L,
//       L ~ Weibull(shape k, scale lambda) under proportional hazards: L = lambda (E / h)^(1/k),
//       E ~ Exp(1), h = HR_maint if maintained else 1, times HR_EMD for a patient with EMD
//       (extramedullary disease may act on relapse as well as on response).
//     Relapse is CD19-negative with probability p_CD19neg.
//     Death in remission (non-relapse mortality) at t_resp + T, T Weibull with cumulative hazard
//     mu_NRM * h * t^k_NRM (k_NRM = 1: the constant rate mu_NRM; k_NRM < 1: a hazard falling
//     over time); infection with probability p_infection, otherwise other causes.
//     After relapse, death from disease at relapse + Exp(mu_relapse).
//  4. Non-responders: death from disease at Exp(mu_NR), competing with non-relapse death (the
//     Weibull above, from infusion, h = 1).
//  5. CRS any grade with probability p_CRS(response): logit p_CRS(R) = a + theta R, theta the
//     CRS-response log-odds ratio (0 = independence) and a solved so that the population rate
//     stays p_CRS (r p_CRS(1) + (1 - r) p_CRS(0) = p_CRS, r the population response rate).
//     Grade >= 3 with probability p_CRS3(EMD) p_CRS(R) / p_CRS, else any grade;
//     grade 2 of mild with q_CRS2, grade 4 of severe with q_CRS4; onset day lognormal.
//     ICANS: any grade with p_ICANS(EMD); grade >= 3 of those with q_ICANS3; grade 4 of severe
//     with q_ICANS4; onset day lognormal.
// Every patient consumes a fixed number of draws from each purpose stream, whatever happens to
// them, so scenarios and designs stay on common random numbers.
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.h"
#include "models/endpoints.h"
#include "models/patient_model.h"

namespace trialsim::car_t {
inline constexpr double NEVER_TIME = std::numeric_limits<double>::infinity();
}

namespace trialsim::car_t {

enum class Maintenance { none, tki, low_dose_chemotherapy, inotuzumab };
enum class DeathCause { none, disease, infection, other };

struct CarTParameters {
  // Baseline covariate prevalences (proportions of patients)
  double p_extramedullary = 0.355;
  double p_cns_given_extramedullary = 0.636;
  double p_ph_positive = 0.419;
  double p_tp53 = 0.097;
  double p_kmt2a = 0.097;
  double p_ikzf1 = 0.161;
  double p_prior_blinatumomab = 0.387;
  double p_prior_inotuzumab = 0.226;
  double ph_ikzf1_correlation = 0.3;  // Gaussian-copula correlation (assumption)
  // Response
  double response_logit_intercept = 2.197;  // logit P(CR/CRi) without EMD (log-odds)
  double response_logit_emd = -1.216;       // log-odds ratio for EMD
  double p_mrd_negative = 0.962;            // among responders
  double response_time = 1.0;               // months from infusion to the response assessment
  // Relapse and death among responders
  double cure_fraction = 0.5;  // responders who never relapse
  double relapse_shape = 1.3;  // Weibull shape (-)
  double relapse_scale = 9.0;  // Weibull scale, months from response
  double p_cd19_negative_relapse = 0.1;
  double p_maintenance = 0.538;                                            // among responders
  std::array<double, 3> maintenance_shares{6.0 / 14, 5.0 / 14, 3.0 / 14};  // TKI, chemo, inotuzumab
  double maintenance_hazard_ratio = 0.5;     // on relapse and non-relapse-death hazards
  double relapse_hazard_ratio_emd = 1.0;     // on the relapse hazard of responders with EMD
  double nonrelapse_mortality_rate = 0.008;  // per month (with shape k: cumulative hazard at 1)
  double nonrelapse_mortality_shape = 1.0;   // Weibull shape: < 1 a hazard falling over time
  double p_infection_given_nonrelapse_death = 0.5;
  double death_after_relapse_rate = 0.17;     // per month
  double death_after_nonresponse_rate = 0.2;  // per month
  double dropout_rate = 0.0;                  // loss to follow-up, per month
  // Adverse events (proportions of patients)
  double p_crs_any = 0.452;
  double crs_response_log_odds_ratio = 0.0;  // CRS-response association (0 = independent)
  double p_crs_grade3plus_non_emd = 0.05;
  double p_crs_grade3plus_emd = 0.0;
  double q_crs_grade2_of_mild = 0.35;    // assumption
  double q_crs_grade4_of_severe = 0.25;  // assumption
  double p_icans_non_emd = 0.05;
  double p_icans_emd = 0.0;
  double q_icans_grade3plus = 0.25;
  double q_icans_grade4_of_severe = 0.25;  // assumption
  double crs_onset_median_days = 3.0, crs_onset_sdlog = 0.5;
  double icans_onset_median_days = 7.0, icans_onset_sdlog = 0.4;
};

// The values a parameter may take, from its unit; config overrides and fitted files are checked
// against it before anything is simulated (a percentage given for a proportion, a negative rate
// or a NaN draw would otherwise run and report nonsense).
enum class ParameterDomain {
  proportion,    // [0, 1]
  correlation,   // [-1, 1]
  log_odds,      // [-50, 50]: beyond, a probability is within 2e-22 of 0 or 1 (no more to say)
  positive,      // (0, 1e6]: scales, shapes, medians, hazard ratios (0 would divide by zero)
  non_negative,  // [0, 1e6]: rates (0 = never) and times; 1e6 per month or months is absurd
};

// Names, units and values of every parameter, in a fixed order (parameter files, reports).
struct NamedParameter {
  const char* name;
  const char* unit;
  double CarTParameters::*member;
  ParameterDomain domain;
};
const std::vector<NamedParameter>& parameter_table();

// Whether `value` (finite) lies in the domain of `parameter`, and that domain in words, e.g.
// "a proportion in [0, 1]" or "a number in (0, 1e6] (months)".
bool parameter_value_allowed(const NamedParameter& parameter, double value);
std::string describe_domain(const NamedParameter& parameter);
// The parameter of that name, or nullptr.
const NamedParameter* find_parameter(const std::string& name);

struct CarTPatient {
  bool extramedullary = false, cns = false, ph_positive = false, tp53 = false, kmt2a = false,
       ikzf1 = false, prior_blinatumomab = false, prior_inotuzumab = false;
  bool responded = false;
  bool mrd_negative = false;
  Maintenance maintenance = Maintenance::none;
  bool relapsed = false;  // true relapse time is finite
  bool cd19_negative_relapse = false;
  DeathCause death_cause = DeathCause::none;
  PatientTrajectory trajectory;  // response, relapse, death, dropout times (months)
  int crs_grade = 0;             // 0 = none, 1-4
  double crs_onset_day = 0.0;
  int icans_grade = 0;
  double icans_onset_day = 0.0;
};

// The per-replicate streams a cohort draws from, one per purpose (models/patient_model.h).
using CarTStreams = PatientStreams;

// What every patient of a parameter set needs and only the parameter set determines: the copula
// thresholds and the CRS probability by response. Computing them once per cohort instead of per
// patient halves the cost of a patient (boost's normal quantile and the CRS root dominate).
struct PatientConstants {
  double ph_threshold = 0.0, ikzf1_threshold = 0.0;  // Phi^-1(p_Ph), Phi^-1(p_IKZF1)
  double crs_responder = 0.0, crs_other = 0.0;       // P(CRS any grade | response or not)
};
PatientConstants patient_constants(const CarTParameters& p);

// One patient; consumes a fixed number of draws from each stream. With `constants` (from
// patient_constants of the population's parameters) the same patient as without them — except
// that a patient whose response is conditioned on (response logit +/-infinity, as the fit's
// conditioned replicas do) keeps the population's CRS-response association, which the patient's
// own parameters (population response 0 or 1) would lose.
void simulate_patient(const CarTParameters& p, CarTStreams& streams, CarTPatient& out);
void simulate_patient(const CarTParameters& p, const PatientConstants& constants,
                      CarTStreams& streams, CarTPatient& out);

// Probability of response for a patient with/without EMD, and the population averages the
// model implies (used for "true" values in coverage metrics).
double response_probability(const CarTParameters& p, bool extramedullary);
double population_response_probability(const CarTParameters& p);
double population_crs_probability(const CarTParameters& p);
// P(CRS any grade | responded or not): equal to p_crs_any under independence (theta = 0).
double crs_probability_given_response(const CarTParameters& p, bool responded);
// P(CRS grade >= 3 | EMD status): p_CRS3(EMD) under independence; with the association, the
// response groups' rates p_CRS3(EMD) p_CRS(R) / p_CRS (at most 1) averaged over P(R | EMD).
double crs_grade3plus_probability(const CarTParameters& p, bool extramedullary);
double population_icans_probability(const CarTParameters& p);

}  // namespace trialsim::car_t
