#include "designs/single_arm_sequential/sequential_rules.h"

namespace trialsim {

namespace {

// `stages: {n1, r1, n, r}`: a given Simon design.
void read_given_simon(MappingReader& rule, MappingReader& stages, double p0, double p1,
                      SequentialRules& out) {
  const int n1 = static_cast<int>(stages.required_integer("n1", 1, 10000));
  const int r1 = static_cast<int>(stages.required_integer("r1", 0, n1));
  const int n = static_cast<int>(stages.required_integer("n", n1 + 1, 10000));
  const int r = static_cast<int>(stages.required_integer("r", r1, n));
  stages.finish();
  out.design.efficacy.simon = with_characteristics(n1, r1, n, r, p0, p1);
  out.echo = {{"rule", "simon"}, {"chosen", "given"}};
  // alpha/beta/choose/nmax describe a search; they are not used with given stages.
  rule.optional_number("alpha", 0.05, NumberRange::open_unit());
  rule.optional_number("beta", 0.2, NumberRange::open_unit());
  rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
  rule.optional_integer("nmax", 100, 2, 1000);
}

// alpha, beta, choose, nmax: Simon's optimal or minimax design found by the search.
void read_searched_simon(MappingReader& rule, double p0, double p1, SequentialRules& out) {
  const double alpha = rule.required_number("alpha", NumberRange::open_unit());
  const double beta = rule.required_number("beta", NumberRange::open_unit());
  const std::string choose = rule.optional_choice("choose", "optimal", {"optimal", "minimax"});
  const int nmax = static_cast<int>(rule.optional_integer("nmax", 100, 2, 1000));
  const SimonSearchResult found = simon_search(p0, p1, alpha, beta, nmax);
  const auto& chosen = choose == "optimal" ? found.optimal : found.minimax;
  if (!chosen) {
    rule.fail("nmax", "no Simon design with n <= " + std::to_string(nmax) + " meets alpha and beta",
              "a larger nmax");
  }
  out.design.efficacy.simon = *chosen;
  out.echo = {{"rule", "simon"}, {"chosen", choose}};
}

void read_simon(MappingReader& rule, SequentialRules& out) {
  out.design.efficacy.kind = SequentialEfficacyRule::Kind::simon;
  const double p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
  const double p1 = rule.required_number("alternative_response_rate", NumberRange::open_unit());
  if (p1 <= p0) rule.fail("alternative_response_rate", "not above null_response_rate", "p1 > p0");
  if (auto stages = rule.optional_mapping("stages")) {
    read_given_simon(rule, *stages, p0, p1, out);
  } else {
    read_searched_simon(rule, p0, p1, out);
  }
  const SimonDesign& d = out.design.efficacy.simon;
  out.echo.update({{"null_response_rate", p0},
                   {"alternative_response_rate", p1},
                   {"n1", d.n1},
                   {"r1", d.r1},
                   {"n", d.n},
                   {"r", d.r},
                   {"pet_p0", d.pet_p0},
                   {"expected_n_p0", d.expected_n_p0},
                   {"alpha_actual", d.alpha_actual},
                   {"power_actual", d.power_actual}});
}

void read_bayesian_efficacy(MappingReader& rule, SequentialRules& out) {
  SequentialEfficacyRule& efficacy = out.design.efficacy;
  efficacy.kind = SequentialEfficacyRule::Kind::bayesian;
  PredictiveMonitoringRule m;
  MappingReader prior = rule.mapping("prior");
  m.prior = {prior.required_number("a", NumberRange::positive()),
             prior.required_number("b", NumberRange::positive())};
  prior.finish();
  m.max_patients = static_cast<int>(rule.required_integer("max_patients", 1, 10000));
  m.p0 = rule.required_number("null_response_rate", NumberRange::open_unit());
  m.theta_t = rule.required_number("final_threshold", NumberRange::open_unit());
  m.efficacy_cutoff =
      rule.optional_number("efficacy_cutoff", 1.0, NumberRange{0.0, 1.0, false, true});
  m.futility_cutoff =
      rule.optional_number("futility_cutoff", 0.0, NumberRange{0.0, 1.0, true, false});
  m.first_look =
      static_cast<int>(rule.optional_integer("first_look", m.max_patients, 1, m.max_patients));
  m.every = static_cast<int>(rule.optional_integer("every", m.max_patients, 1, m.max_patients));
  efficacy.bayesian = predictive_monitoring_boundary(m);
  out.echo = {{"rule", "bayesian"},
              {"prior", {{"a", m.prior.a}, {"b", m.prior.b}}},
              {"max_patients", m.max_patients},
              {"null_response_rate", m.p0},
              {"final_threshold", m.theta_t},
              {"efficacy_cutoff", m.efficacy_cutoff},
              {"futility_cutoff", m.futility_cutoff},
              {"first_look", m.first_look},
              {"every", m.every},
              {"look_sizes", efficacy.bayesian.look_sizes},
              {"min_events_for_efficacy", efficacy.bayesian.min_events_for_efficacy},
              {"max_events_for_futility", efficacy.bayesian.max_events_for_futility}};
}

void read_safety(MappingReader& safety, const std::vector<std::string>& safety_events,
                 SequentialRules& out) {
  const std::string kind = safety.required_choice("rule", {"bayesian", "pocock"});
  if (!safety_events.empty()) {
    out.safety_event = safety.optional_choice("event", safety_events.front(), safety_events);
  }
  const int every = static_cast<int>(safety.optional_integer("every", 1, 1, 10000));
  const int n_max = out.design.efficacy.max_patients();
  nlohmann::json echo = {{"rule", kind}, {"every", every}};
  if (kind == "bayesian") {
    MappingReader prior = safety.mapping("prior");
    const double a = prior.required_number("a", NumberRange::positive());
    const double b = prior.required_number("b", NumberRange::positive());
    prior.finish();
    const double threshold = safety.required_number("threshold", NumberRange::open_unit());
    const double cutoff = safety.required_number("cutoff", NumberRange::open_unit());
    out.design.safety = bayesian_toxicity_boundary(a, b, threshold, cutoff, n_max, every);
    out.safety_threshold = threshold;
    echo.update({{"prior", {{"a", a}, {"b", b}}}, {"threshold", threshold}, {"cutoff", cutoff}});
  } else {
    const double acceptable = safety.required_number("acceptable_rate", NumberRange::open_unit());
    const double alpha = safety.required_number("alpha", NumberRange::open_unit());
    const PocockToxicityDesign pocock = pocock_toxicity_design(acceptable, alpha, n_max, every);
    out.design.safety = pocock.boundary;
    out.safety_threshold = acceptable;
    echo.update({{"acceptable_rate", acceptable},
                 {"alpha", alpha},
                 {"nominal_level", pocock.nominal_level},
                 {"crossing_probability", pocock.crossing_probability}});
  }
  echo["look_sizes"] = out.design.safety->look_sizes;
  echo["min_events_to_stop"] = out.design.safety->min_events_to_stop;
  if (!out.safety_event.empty()) echo["event"] = out.safety_event;
  safety.finish();
  out.echo["safety"] = echo;
}

}  // namespace

SequentialRules read_sequential_rules(MappingReader& design,
                                      const std::vector<std::string>& safety_events) {
  SequentialRules out;
  MappingReader rule = design.mapping("efficacy");
  const std::string kind = rule.required_choice("rule", {"simon", "bayesian"});
  if (kind == "simon") {
    read_simon(rule, out);
  } else {
    read_bayesian_efficacy(rule, out);
  }
  rule.finish();
  if (auto safety = design.optional_mapping("safety")) read_safety(*safety, safety_events, out);
  return out;
}

std::string describe_decision_rule(const SequentialEfficacyRule& efficacy) {
  if (efficacy.kind == SequentialEfficacyRule::Kind::bayesian) {
    return "Bayesian beta-binomial monitoring up to " + std::to_string(efficacy.max_patients()) +
           " patients";
  }
  const SimonDesign& s = efficacy.simon;
  return "Simon two-stage: stop after " + std::to_string(s.n1) +
         " patients if responses <= " + std::to_string(s.r1) + "; reject H0 if responses > " +
         std::to_string(s.r) + " of " + std::to_string(s.n);
}

}  // namespace trialsim
