#include "designs/single_arm_sequential/calendar_trial.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace trialsim {

namespace {

constexpr double NOT_AVAILABLE = std::numeric_limits<double>::infinity();

// ---- The efficacy rule as a list of looks by evaluated-response count ---------------------------

std::size_t efficacy_look_count(const SequentialEfficacyRule& rule) {
  return rule.kind == SequentialEfficacyRule::Kind::simon ? 2 : rule.bayesian.look_sizes.size();
}

int efficacy_look_size(const SequentialEfficacyRule& rule, std::size_t look) {
  if (rule.kind == SequentialEfficacyRule::Kind::simon) {
    return look == 0 ? rule.simon.n1 : rule.simon.n;
  }
  return rule.bayesian.look_sizes[look];
}

struct EfficacyVerdict {
  bool decided = false;
  bool success = false;
  bool early = false;  // decided at an interim look
};

// The decision at efficacy look `look` with `responses` among its evaluated patients, as in
// run_sequential_trial. Simon remembers its stage-1 count for the final analysis.
EfficacyVerdict efficacy_look(const SequentialEfficacyRule& rule, std::size_t look, int responses,
                              int& stage1_responses) {
  if (rule.kind == SequentialEfficacyRule::Kind::simon) {
    const SimonDesign& s = rule.simon;
    if (look == 0) {
      stage1_responses = responses;
      if (responses <= s.r1) return {true, false, true};
      return {};
    }
    return {true, simon_decide(s, stage1_responses, responses - stage1_responses).rejected_null,
            false};
  }
  const EfficacyFutilityBoundary& b = rule.bayesian;
  const bool final_look = look + 1 == b.look_sizes.size();
  if (responses >= b.min_events_for_efficacy[look]) return {true, true, !final_look};
  if (responses <= b.max_events_for_futility[look]) return {true, false, !final_look};
  // The final look's regions cover every count; a malformed table fails, as run_sequential_trial.
  if (final_look) return {true, false, false};
  return {};
}

// ---- Preparing the calendar ---------------------------------------------------------------------

void require_valid_patients(std::span<const PendingOutcomePatient> patients, int max_patients) {
  if (patients.size() < static_cast<std::size_t>(max_patients)) {
    throw std::invalid_argument("calendar sequential trial: " + std::to_string(patients.size()) +
                                " patients given, the design enrols up to " +
                                std::to_string(max_patients));
  }
  for (int i = 0; i < max_patients; ++i) {
    const PendingOutcomePatient& p = patients[static_cast<std::size_t>(i)];
    const bool finite = std::isfinite(p.enrolled_at) && std::isfinite(p.response_known_at) &&
                        std::isfinite(p.toxicity_known_at);
    const bool after_entry =
        p.response_known_at >= p.enrolled_at && p.toxicity_known_at >= p.enrolled_at;
    const bool in_order =
        i == 0 || p.enrolled_at >= patients[static_cast<std::size_t>(i) - 1].enrolled_at;
    if (!finite || !after_entry || !in_order) {
      throw std::invalid_argument("calendar sequential trial: patient " + std::to_string(i) +
                                  " needs finite times, outcomes known no earlier than enrolment "
                                  "and an enrolment time no earlier than the previous patient's");
    }
  }
}

// The trial's calendar into the workspace: the patients' times, shifted after each interim look
// by the pause length when enrolment pauses (header). Returns whether any time was shifted.
bool build_trial_calendar(const SequentialEfficacyRule& rule,
                          std::span<const PendingOutcomePatient> patients, std::size_t n,
                          bool pause, CalendarSequentialWorkspace& ws) {
  ws.enrolled_at.resize(n);
  ws.response_known_at.resize(n);
  ws.toxicity_known_at.resize(n);
  const std::size_t interim_looks = efficacy_look_count(rule) - 1;
  double shift = 0.0, latest_response = -NOT_AVAILABLE;
  std::size_t look = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (pause && look < interim_looks &&
        i == static_cast<std::size_t>(efficacy_look_size(rule, look))) {
      // Only the look's patients are enrolled, so its decision comes with the last of their
      // responses; the pause runs from the last of them enrolling to that decision.
      shift += latest_response - ws.enrolled_at[i - 1];
      ++look;
    }
    const PendingOutcomePatient& p = patients[i];
    ws.enrolled_at[i] = p.enrolled_at + shift;
    ws.response_known_at[i] = p.response_known_at + shift;
    ws.toxicity_known_at[i] = p.toxicity_known_at + shift;
    latest_response = std::max(latest_response, ws.response_known_at[i]);
  }
  return shift > 0.0;
}

// Patient indices in the order their outcomes become known: (time, index).
void order_by_known_time(const std::vector<double>& known_at, std::vector<std::uint32_t>& order) {
  order.resize(known_at.size());
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::sort(order.begin(), order.end(), [&known_at](std::uint32_t a, std::uint32_t b) {
    return known_at[a] < known_at[b] || (known_at[a] == known_at[b] && a < b);
  });
}

void order_by_toxicity_known_time(std::span<const PendingOutcomePatient> patients,
                                  std::vector<std::uint32_t>& order) {
  std::sort(order.begin(), order.end(), [patients](std::uint32_t a, std::uint32_t b) {
    const double ta = patients[a].toxicity_known_at, tb = patients[b].toxicity_known_at;
    return ta < tb || (ta == tb && a < b);
  });
}

// ---- Single rules over the whole patient list ---------------------------------------------------

bool safety_rule_stops(const StoppingBoundary& safety,
                       std::span<const PendingOutcomePatient> patients,
                       const std::vector<std::uint32_t>& order) {
  int toxicities = 0, known = 0;
  std::size_t look = 0;
  for (const std::uint32_t i : order) {
    if (look == safety.look_sizes.size()) break;
    toxicities += patients[i].toxic ? 1 : 0;
    if (++known == safety.look_sizes[look]) {
      if (stops_at_look(safety, static_cast<int>(look), toxicities)) return true;
      ++look;
    }
  }
  return false;
}

bool efficacy_rule_succeeds(const SequentialEfficacyRule& rule,
                            std::span<const PendingOutcomePatient> patients,
                            const std::vector<std::uint32_t>& order) {
  const std::size_t looks = efficacy_look_count(rule);
  int responses = 0, known = 0, stage1_responses = 0;
  std::size_t look = 0;
  for (const std::uint32_t i : order) {
    responses += patients[i].responded ? 1 : 0;
    if (look < looks && ++known == efficacy_look_size(rule, look)) {
      const EfficacyVerdict verdict = efficacy_look(rule, look, responses, stage1_responses);
      if (verdict.decided) return verdict.success;
      ++look;
    }
  }
  return false;
}

// ---- The calendar sweep -------------------------------------------------------------------------

// Merges the three event streams (enrolments in patient order, toxicity and response outcomes in
// their known orders) in calendar order with the header's tie order, until a look decides.
// An outcome is processed only after its patient enrolled, and with pauses an enrolment only after
// the interim look it waits for: these can only hold back events at or after the blocking event's
// time (shown in the header's conduct), so the sweep stays in calendar order.
class CalendarSweep {
 public:
  CalendarSweep(const SingleArmSequentialDesign& design,
                std::span<const PendingOutcomePatient> patients, bool pause,
                const CalendarSequentialWorkspace& ws)
      : design_(design),
        patients_(patients),
        pause_(pause),
        ws_(ws),
        n_(design.efficacy.max_patients()),
        efficacy_looks_(efficacy_look_count(design.efficacy)) {}

  CalendarSequentialReplicate run() {
    for (;;) {
      const double enrol_time =
          can_enrol() ? ws_.enrolled_at[static_cast<std::size_t>(enrolled_)] : NOT_AVAILABLE;
      const double toxicity_time =
          next_known_time(ws_.toxicity_order, ws_.toxicity_known_at, toxicities_known_);
      const double response_time =
          next_known_time(ws_.response_order, ws_.response_known_at, responses_known_);
      if (enrol_time != NOT_AVAILABLE && enrol_time <= toxicity_time &&
          enrol_time <= response_time) {
        ++enrolled_;
      } else if (toxicity_time != NOT_AVAILABLE && toxicity_time <= response_time) {
        if (learn_toxicity(toxicity_time)) return out_;
      } else if (response_time != NOT_AVAILABLE) {
        if (learn_response(response_time)) return out_;
      } else {
        throw std::logic_error("calendar sequential trial: no event can happen (internal error)");
      }
    }
  }

 private:
  bool can_enrol() const {
    if (enrolled_ == n_) return false;
    const bool waiting_for_interim =
        pause_ && efficacy_look_ + 1 < efficacy_looks_ &&
        enrolled_ == efficacy_look_size(design_.efficacy, efficacy_look_);
    return !waiting_for_interim;
  }

  // Time of the next outcome in `order` once its patient has enrolled; NOT_AVAILABLE otherwise.
  double next_known_time(const std::vector<std::uint32_t>& order,
                         const std::vector<double>& known_at, int known) const {
    if (known == n_) return NOT_AVAILABLE;
    const std::uint32_t patient = order[static_cast<std::size_t>(known)];
    return static_cast<int>(patient) < enrolled_ ? known_at[patient] : NOT_AVAILABLE;
  }

  bool learn_toxicity(double time) {
    const std::uint32_t patient = ws_.toxicity_order[static_cast<std::size_t>(toxicities_known_)];
    toxicities_ += patients_[patient].toxic ? 1 : 0;
    ++toxicities_known_;
    const StoppingBoundary* safety = design_.safety ? &*design_.safety : nullptr;
    if (!safety || safety_look_ == safety->look_sizes.size() ||
        safety->look_sizes[safety_look_] != toxicities_known_) {
      return false;
    }
    if (stops_at_look(*safety, static_cast<int>(safety_look_), toxicities_)) {
      out_.safety_stop = true;
      return decide(time);
    }
    ++safety_look_;
    return false;
  }

  bool learn_response(double time) {
    const std::uint32_t patient = ws_.response_order[static_cast<std::size_t>(responses_known_)];
    responses_ += patients_[patient].responded ? 1 : 0;
    ++responses_known_;
    if (efficacy_look_ == efficacy_looks_ ||
        efficacy_look_size(design_.efficacy, efficacy_look_) != responses_known_) {
      return false;
    }
    const EfficacyVerdict verdict =
        efficacy_look(design_.efficacy, efficacy_look_, responses_, stage1_responses_);
    ++efficacy_look_;
    if (!verdict.decided) return false;
    out_.success = verdict.success;
    out_.early_efficacy = verdict.success && verdict.early;
    out_.early_futility = !verdict.success && verdict.early;
    return decide(time);
  }

  bool decide(double time) {
    out_.duration = time;
    out_.patients_enrolled = enrolled_;
    out_.responses_evaluated = responses_known_;
    out_.toxicities_evaluated = toxicities_known_;
    return true;
  }

  const SingleArmSequentialDesign& design_;
  std::span<const PendingOutcomePatient> patients_;
  bool pause_;
  const CalendarSequentialWorkspace& ws_;
  int n_;
  std::size_t efficacy_looks_;
  int enrolled_ = 0, responses_known_ = 0, toxicities_known_ = 0, responses_ = 0, toxicities_ = 0;
  int stage1_responses_ = 0;
  std::size_t efficacy_look_ = 0, safety_look_ = 0;
  CalendarSequentialReplicate out_;
};

}  // namespace

CalendarSequentialReplicate run_sequential_trial_in_calendar_time(
    const SingleArmSequentialDesign& design, std::span<const PendingOutcomePatient> patients,
    const SequentialConductOptions& options, CalendarSequentialWorkspace& ws) {
  const int max_patients = design.efficacy.max_patients();
  require_valid_patients(patients, max_patients);
  const std::size_t n = static_cast<std::size_t>(max_patients);
  const std::span<const PendingOutcomePatient> trial_patients = patients.first(n);
  const bool shifted =
      build_trial_calendar(design.efficacy, trial_patients, n, options.pause_for_interim, ws);
  order_by_known_time(ws.response_known_at, ws.response_order);
  order_by_known_time(ws.toxicity_known_at, ws.toxicity_order);

  CalendarSequentialReplicate out =
      CalendarSweep(design, trial_patients, options.pause_for_interim, ws).run();
  out.efficacy_rule_alone_success =
      out.safety_stop ? efficacy_rule_succeeds(design.efficacy, trial_patients, ws.response_order)
                      : out.success;
  if (design.safety) {
    out.safety_would_stop_if_continued =
        out.safety_stop || safety_rule_stops(*design.safety, trial_patients, ws.toxicity_order);
    if (shifted) {
      ws.unpaused_toxicity_order = ws.toxicity_order;  // same indices: no allocation once grown
      order_by_toxicity_known_time(trial_patients, ws.unpaused_toxicity_order);
      out.safety_rule_alone_stop =
          safety_rule_stops(*design.safety, trial_patients, ws.unpaused_toxicity_order);
    } else {
      out.safety_rule_alone_stop = out.safety_would_stop_if_continued;
    }
  }
  return out;
}

}  // namespace trialsim
