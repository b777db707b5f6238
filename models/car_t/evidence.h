#pragma once
// Published evidence as typed data (parsed from configs/evidence/*.yaml at the app edge). The
// fit reads figures by (statistic, endpoint, subgroup, time); no reported number lives in C++.
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace trialsim::car_t {

enum class Statistic {
  proportion,              // count / denominator of patients with a binary endpoint
  conditional_proportion,  // the same within a subgroup such as responders
  km_landmark,             // Kaplan–Meier survival at `time` months
  median_not_reached,      // the KM median was not reached at the cut (= median, not_reached)
  count,                   // number of events of a kind observed by the cut
  subgroup_comparison,     // log-rank p-value between two subgroups
  median,                  // KM median (months), or not reached (Figure::not_reached)
  hazard_ratio,            // hazard ratio between two subgroups (subgroup vs comparison)
  km_curve,                // a digitised KM curve: (time, survival) points, numbers at risk
};

enum class Subgroup {
  all,
  responders,
  extramedullary,
  non_extramedullary,
  maintenance,
  no_maintenance,
  prior_blinatumomab,
  no_prior_blinatumomab,
  prior_inotuzumab,
  no_prior_inotuzumab,
  other,  // a population the model has no covariate for (Figure::subgroup_name says which)
};

// Binary endpoints (proportions) and time-to-event endpoints (KM, medians, comparisons).
enum class FigureEndpoint {
  none,
  best_overall_response,
  mrd_negative,
  crs_any_grade,
  crs_grade3plus,
  icans_any_grade,
  icans_grade3plus,
  overall_survival,
  relapse_free_survival,
  duration_of_response,
  event_free_survival,   // every patient from infusion; non-response an event at time 0 (ZUMA-3's
                         // "RFS"), relapse and death events
  response_at_landmark,  // in remission at `time` months (not best response), a proportion
};

// How a duration-of-response figure treats deaths in remission (publications differ).
enum class DeathsInDor { censored, events };

// A confidence interval reported with a figure; a bound the publication gives as not reached
// (a median's upper bound) is +infinity.
struct ReportedInterval {
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
  double level = 0.95;
};

// One digitised Kaplan–Meier curve point, and the numbers at risk printed under the curve.
struct CurvePoint {
  double time = 0.0, survival = 1.0;
};
struct AtRisk {
  double time = 0.0;
  int number = 0;
};

// Where an item sits in its file, for located errors raised after reading (by the fit).
struct SourceLocation {
  int line = 0, column = 0;  // 1-based; 0 = unknown
};

// Kinds of events for `count` figures.
enum class EventKind {
  none,
  death,
  death_from_disease,
  death_from_infection,
  death_from_other_causes,
  relapse,
  cd19_negative_relapse,
  subsequent_hsct_in_remission,
  maintenance_tki,
  maintenance_low_dose_chemotherapy,
  maintenance_inotuzumab,
};

struct Figure {
  std::string id;
  Statistic statistic = Statistic::proportion;
  FigureEndpoint endpoint = FigureEndpoint::none;
  EventKind event = EventKind::none;
  Subgroup subgroup = Subgroup::all;
  Subgroup comparison_subgroup = Subgroup::all;  // subgroup_comparison: the second group
  double time = 0.0;                             // km_landmark: months
  double value = 0.0;        // the reported value (proportion, survival, count, p, median, HR)
  std::optional<int> count;  // proportions: numerator (reported or derived)
  std::optional<int> denominator;
  std::string note;  // derivation or remark, echoed in reports
  // Open population vocabulary: the name as written (known names also set `subgroup`).
  std::string subgroup_name = "all", comparison_subgroup_name;
  std::optional<ReportedInterval> ci;  // used as information where the fit can (README)
  bool assumed = false;                // a number the authors of the evidence assumed, not data
  bool not_reached = false;            // median: not reached at the cut
  DeathsInDor dor_deaths = DeathsInDor::censored;  // duration_of_response figures
  std::vector<CurvePoint> curve;                   // km_curve
  std::vector<AtRisk> at_risk;                     // km_curve: numbers at risk
  SourceLocation where;
};

struct BaselineFigure {
  std::string id;         // e.g. extramedullary_disease, ph_positive
  std::string statistic;  // proportion | median
  double value = 0.0;
  std::optional<int> count;
  std::optional<int> denominator;
  std::vector<double> range;  // medians: [min, max]
  std::string unit;
  bool assumed = false;
};

struct Prior {
  enum class Kind { beta, lognormal, normal, fixed };
  Kind kind = Kind::fixed;
  double a = 0.0, b = 0.0;           // beta shapes
  double median = 0.0, sdlog = 0.0;  // lognormal (and fixed lognormal onset-day laws)
  double mean = 0.0, sd = 0.0;       // normal (e.g. a log-odds ratio)
  double value = 0.0;                // fixed
};

struct Assumption {
  std::string parameter;  // model parameter name
  Prior prior;
  std::string unit;
  std::string why;
  // Figures the fit must not use (they stay in the calibration report as checks): e.g. an
  // observational subgroup comparison that is not to be read as the parameter's causal effect.
  std::vector<std::string> not_fitted_to;
  SourceLocation where;
};

// Follow-up as published: a median alone is enough. `method` says how the median was computed:
// reverse Kaplan–Meier (the usual "median follow-up", censoring deaths) or the simple median of
// observed times. min/max are NaN when not reported.
struct FollowUp {
  enum class Method { reverse_km, simple };
  double median = 0.0;
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  Method method = Method::simple;
  bool has_range() const { return min == min && max == max; }  // both reported (not NaN)
};

struct Evidence {
  std::string source_file;
  std::string study_id;
  std::string title;
  int patients = 0;
  std::string enrolment_start, enrolment_end;  // ISO dates as written; empty = not reported
  FollowUp follow_up;
  std::vector<BaselineFigure> baseline;
  std::vector<Figure> figures;
  std::vector<Assumption> assumptions;

  const Figure* find(const std::string& id) const {
    for (const Figure& f : figures)
      if (f.id == id) return &f;
    return nullptr;
  }
  const BaselineFigure* find_baseline(const std::string& id) const {
    for (const BaselineFigure& b : baseline)
      if (b.id == id) return &b;
    return nullptr;
  }
  const Assumption* find_assumption(const std::string& parameter) const {
    for (const Assumption& a : assumptions)
      if (a.parameter == parameter) return &a;
    return nullptr;
  }
};

}  // namespace trialsim::car_t
