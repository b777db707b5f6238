#include "designs/single_arm_sequential/single_arm_sequential.h"

#include <cmath>
#include <limits>

namespace trialsim {

SequentialReplicate run_sequential_trial(const SingleArmSequentialDesign& design,
                                         const SequentialScenario& scenario,
                                         const std::vector<double>& response_u,
                                         const std::vector<double>& toxicity_u) {
  SequentialReplicate out;
  const int n_max = design.efficacy.max_patients();
  int responses = 0, toxicities = 0;
  std::size_t efficacy_look = 0, safety_look = 0;
  int stage1_responses = 0;
  for (int i = 0; i < n_max; ++i) {
    responses += response_u[static_cast<std::size_t>(i)] < scenario.response_rate ? 1 : 0;
    toxicities += toxicity_u[static_cast<std::size_t>(i)] < scenario.toxicity_rate ? 1 : 0;
    const int enrolled = i + 1;
    out.patients = enrolled;
    // Safety first: a toxicity stop at this patient pre-empts an efficacy decision on the same
    // data.
    if (design.safety && safety_look < design.safety->look_sizes.size() &&
        design.safety->look_sizes[safety_look] == enrolled) {
      if (stops_at_look(*design.safety, static_cast<int>(safety_look), toxicities)) {
        out.safety_stop = true;
        return out;
      }
      ++safety_look;
    }
    if (design.efficacy.kind == SequentialEfficacyRule::Kind::simon) {
      const SimonDesign& s = design.efficacy.simon;
      if (enrolled == s.n1) {
        stage1_responses = responses;
        if (stage1_responses <= s.r1) {
          out.early_futility = true;
          return out;
        }
      }
      if (enrolled == s.n) {
        out.success = simon_decide(s, stage1_responses, responses - stage1_responses).rejected_null;
        return out;
      }
    } else {
      const EfficacyFutilityBoundary& b = design.efficacy.bayesian;
      if (efficacy_look < b.look_sizes.size() && b.look_sizes[efficacy_look] == enrolled) {
        const bool final_look = efficacy_look + 1 == b.look_sizes.size();
        if (responses >= b.min_events_for_efficacy[efficacy_look]) {
          out.success = true;
          out.early_efficacy = !final_look;
          return out;
        }
        if (responses <= b.max_events_for_futility[efficacy_look]) {
          out.early_futility = !final_look;
          return out;
        }
        ++efficacy_look;
      }
    }
  }
  return out;
}

void SingleArmSequentialTally::add(const SequentialReplicate& r) {
  success_.add(r.success ? 1.0 : 0.0);
  early_efficacy_.add(r.early_efficacy ? 1.0 : 0.0);
  early_futility_.add(r.early_futility ? 1.0 : 0.0);
  safety_stop_.add(r.safety_stop ? 1.0 : 0.0);
  patients_.add(r.patients);
}

void SingleArmSequentialTally::merge(const SingleArmSequentialTally& o) {
  success_.merge(o.success_);
  early_efficacy_.merge(o.early_efficacy_);
  early_futility_.merge(o.early_futility_);
  safety_stop_.merge(o.safety_stop_);
  patients_.merge(o.patients_);
}

namespace {
// Row order shared by oc_rows and exact_sequential_rows.
constexpr const char* ROWS[][2] = {
    {"sequential_test", "rejection_probability"},
    {"sequential_test", "early_efficacy_probability"},
    {"sequential_test", "early_termination_probability"},
    {"safety", "stop_probability"},
    {"sequential_test", "expected_patients"},
};
}  // namespace

std::vector<OcRow> SingleArmSequentialTally::oc_rows(const SingleArmSequentialDesign&,
                                                     const SequentialScenario& s) const {
  const MomentAccumulator* accs[] = {&success_, &early_efficacy_, &early_futility_, &safety_stop_,
                                     &patients_};
  std::vector<OcRow> rows;
  for (std::size_t i = 0; i < 5; ++i) {
    rows.push_back(
        {s.name, ROWS[i][0], ROWS[i][1], accs[i]->mean(), accs[i]->mcse(), accs[i]->count()});
  }
  return rows;
}

std::vector<double> exact_sequential_rows(const SingleArmSequentialDesign& design,
                                          const SequentialScenario& scenario) {
  constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> exact(5, NaN);
  const bool efficacy_has_interims = design.efficacy.kind == SequentialEfficacyRule::Kind::simon ||
                                     design.efficacy.bayesian.look_sizes.size() > 1;
  if (!design.safety) {
    exact[3] = 0.0;
    if (design.efficacy.kind == SequentialEfficacyRule::Kind::simon) {
      const SimonOperatingCharacteristics oc =
          simon_exact(design.efficacy.simon, scenario.response_rate);
      exact[0] = oc.rejection_probability;
      exact[1] = 0.0;
      exact[2] = oc.pet;
      exact[4] = oc.expected_n;
    } else {
      const EfficacyFutilityCharacteristics oc =
          exact_efficacy_futility(design.efficacy.bayesian, scenario.response_rate);
      exact[0] = oc.success_probability;
      exact[1] = oc.early_efficacy_probability;
      exact[2] = oc.early_futility_probability;
      exact[4] = oc.expected_patients;
    }
  } else if (!efficacy_has_interims) {
    const StoppingCharacteristics safety = exact_stopping(*design.safety, scenario.toxicity_rate);
    exact[3] = safety.stop_probability;
    exact[4] = safety.expected_patients;
    exact[1] = 0.0;
    exact[2] = 0.0;
  }
  return exact;
}

}  // namespace trialsim
