#include "designs/single_arm_sequential/sequential_rules.h"

#include "config/study_keys.h"

namespace trialsim {

namespace {

constexpr std::int64_t MAX_SEQUENTIAL_PATIENTS = 10000;

// `prior: {a, b}` of a beta prior, under `mapping_path`.
KeyTable beta_prior_keys(std::string_view mapping_path, std::string_view of_what) {
  return {
      mapping_path,
      {{.path = "a", .type = KeyType::number, .range = NumberRange::positive(), .meaning = of_what},
       {.path = "b",
        .type = KeyType::number,
        .range = NumberRange::positive(),
        .meaning = of_what}}};
}

const KeyTable& efficacy_prior_keys() {
  static const KeyTable table =
      beta_prior_keys("design.efficacy.prior", "beta prior of the response rate: Beta(a, b)");
  return table;
}

const KeyTable& safety_prior_keys() {
  static const KeyTable table =
      beta_prior_keys("design.safety.prior", "beta prior of the toxicity rate: Beta(a, b)");
  return table;
}

const KeyTable& stages_keys() {
  static const KeyTable table{
      "design.efficacy.stages",
      {{.path = "n1",
        .type = KeyType::integer,
        .integers = {1, MAX_SEQUENTIAL_PATIENTS},
        .unit = "patients",
        .meaning = "patients in stage 1"},
       {.path = "r1",
        .type = KeyType::integer,
        .integers = {0, MAX_SEQUENTIAL_PATIENTS},
        .unit = "responses",
        .meaning = "stop for futility after stage 1 when responses <= r1 (r1 <= n1)"},
       {.path = "n",
        .type = KeyType::integer,
        .integers = {2, MAX_SEQUENTIAL_PATIENTS},
        .unit = "patients",
        .meaning = "patients in all (n > n1)"},
       {.path = "r",
        .type = KeyType::integer,
        .integers = {0, MAX_SEQUENTIAL_PATIENTS},
        .unit = "responses",
        .meaning = "reject H0 when responses > r of n (r1 <= r <= n)"}}};
  return table;
}

std::vector<KeySpec> simon_keys() {
  return {
      {.path = "alternative_response_rate",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("required for rule simon"),
       .unit = "proportion",
       .meaning = "p1, the response rate the design is powered for (> null_response_rate)"},
      {.path = "alpha",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("required for the search (without stages)"),
       .meaning = "one-sided type I error bound of Simon's search"},
      {.path = "beta",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("required for the search (without stages)"),
       .meaning = "type II error bound of Simon's search (power 1 - beta)"},
      {.path = "choose",
       .type = KeyType::choice,
       .choices = {"optimal", "minimax"},
       .fallback = defaults_to("optimal"),
       .meaning = "the searched design: smallest E[N | p0] (optimal) or smallest n (minimax)"},
      {.path = "nmax",
       .type = KeyType::integer,
       .integers = {2, 1000},
       .fallback = defaults_to(100),
       .unit = "patients",
       .meaning = "largest n the search considers"},
      {.path = "stages",
       .type = KeyType::mapping,
       .fallback = absent_means("none (the search chooses n1, r1, n, r)"),
       .meaning = "a given Simon design; alpha, beta, choose and nmax are then checked, unused"},
  };
}

std::vector<KeySpec> bayesian_efficacy_keys() {
  return {
      {.path = "prior",
       .type = KeyType::mapping,
       .fallback = absent_means("required for rule bayesian"),
       .meaning = "beta prior of the response rate"},
      {.path = "max_patients",
       .type = KeyType::integer,
       .integers = {1, MAX_SEQUENTIAL_PATIENTS},
       .fallback = absent_means("required for rule bayesian"),
       .unit = "patients",
       .meaning = "maximum sample size"},
      {.path = "final_threshold",
       .type = KeyType::number,
       .range = NumberRange::open_unit(),
       .fallback = absent_means("required for rule bayesian"),
       .unit = "probability",
       .meaning = "success at the end when P(p > null_response_rate | data) > this"},
      {.path = "efficacy_cutoff",
       .type = KeyType::number,
       .range = NumberRange{0.0, 1.0, false, true},
       .fallback = defaults_to(1.0),
       .unit = "probability",
       .meaning = "stop early for efficacy when the predictive probability of success is >= "
                  "this (1: never)"},
      {.path = "futility_cutoff",
       .type = KeyType::number,
       .range = NumberRange{0.0, 1.0, true, false},
       .fallback = defaults_to(0.0),
       .unit = "probability",
       .meaning = "stop early for futility when the predictive probability of success is <= "
                  "this (0: never)"},
      {.path = "first_look",
       .type = KeyType::integer,
       .integers = {1, MAX_SEQUENTIAL_PATIENTS},
       .fallback = computed_default("max_patients (a single look)"),
       .unit = "patients",
       .meaning = "patients at the first look (<= max_patients)"},
      {.path = "every",
       .type = KeyType::integer,
       .integers = {1, MAX_SEQUENTIAL_PATIENTS},
       .fallback = computed_default("max_patients"),
       .unit = "patients",
       .meaning = "patients between looks (<= max_patients)"},
  };
}

const KeyTable& efficacy_keys() {
  static const KeyTable table = [] {
    KeyTable t{"design.efficacy",
               {{.path = "rule",
                 .type = KeyType::choice,
                 .choices = {"simon", "bayesian"},
                 .meaning = "Simon two-stage (given or searched) or Bayesian predictive "
                            "monitoring (Lee & Liu 2008)"},
                {.path = "null_response_rate",
                 .type = KeyType::number,
                 .range = NumberRange::open_unit(),
                 .unit = "proportion",
                 .meaning = "p0, the response rate of no interest"}}};
    for (KeySpec& spec : simon_keys()) t.keys.push_back(std::move(spec));
    for (KeySpec& spec : bayesian_efficacy_keys()) t.keys.push_back(std::move(spec));
    t.conditions = {
        {"rule",
         {"simon"},
         {"alternative_response_rate"},
         {"prior", "max_patients", "final_threshold", "efficacy_cutoff", "futility_cutoff",
          "first_look", "every"}},
        {"rule",
         {"bayesian"},
         {"prior", "max_patients", "final_threshold"},
         {"alternative_response_rate", "alpha", "beta", "choose", "nmax", "stages"}},
    };
    return t;
  }();
  return table;
}

const KeyTable& safety_keys() {
  static const KeyTable table{
      "design.safety",
      {{.path = "rule",
        .type = KeyType::choice,
        .choices = {"bayesian", "pocock"},
        .meaning = "stop for toxicity when P(rate > threshold | data) > cutoff (bayesian), or at "
                   "a Pocock-type boundary of overall level alpha (pocock)"},
       {.path = "event",
        .type = KeyType::choice,
        .choices = car_t_safety_event_names(),
        .fallback = defaults_to(car_t_safety_event_names().front()),
        .meaning = "the model's adverse event monitored (only with `model`)"},
       {.path = "every",
        .type = KeyType::integer,
        .integers = {1, MAX_SEQUENTIAL_PATIENTS},
        .fallback = defaults_to(1),
        .unit = "patients",
        .meaning = "known outcomes between safety looks"},
       {.path = "prior",
        .type = KeyType::mapping,
        .fallback = absent_means("required for rule bayesian"),
        .meaning = "beta prior of the toxicity rate"},
       {.path = "threshold",
        .type = KeyType::number,
        .range = NumberRange::open_unit(),
        .fallback = absent_means("required for rule bayesian"),
        .unit = "proportion",
        .meaning = "the toxicity rate of concern (a rate above it is \"truly toxic\")"},
       {.path = "cutoff",
        .type = KeyType::number,
        .range = NumberRange::open_unit(),
        .fallback = absent_means("required for rule bayesian"),
        .unit = "probability",
        .meaning = "stop when P(rate > threshold | data) > this"},
       {.path = "acceptable_rate",
        .type = KeyType::number,
        .range = NumberRange::open_unit(),
        .fallback = absent_means("required for rule pocock"),
        .unit = "proportion",
        .meaning = "the toxicity rate the boundary is calibrated at (a rate above it is \"truly "
                   "toxic\")"},
       {.path = "alpha",
        .type = KeyType::number,
        .range = NumberRange::open_unit(),
        .fallback = absent_means("required for rule pocock"),
        .unit = "probability",
        .meaning = "probability of stopping at the acceptable rate over all looks"}},
      {},
      {{"rule", {"bayesian"}, {"prior", "threshold", "cutoff"}, {"acceptable_rate", "alpha"}},
       {"rule", {"pocock"}, {"acceptable_rate", "alpha"}, {"prior", "threshold", "cutoff"}}}};
  return table;
}

// `stages: {n1, r1, n, r}`: a given Simon design.
void read_given_simon(MappingReader& rule, MappingReader& stages, double p0, double p1,
                      SequentialRules& out) {
  const KeyTable& keys = stages_keys();
  const int n1 = static_cast<int>(stages.integer(keys["n1"]));
  const int r1 = static_cast<int>(stages.integer(keys["r1"].with_bounds(0, n1)));
  const int n =
      static_cast<int>(stages.integer(keys["n"].with_bounds(n1 + 1, MAX_SEQUENTIAL_PATIENTS)));
  const int r = static_cast<int>(stages.integer(keys["r"].with_bounds(r1, n)));
  stages.finish();
  out.design.efficacy.simon = with_characteristics(n1, r1, n, r, p0, p1);
  out.echo = {{"rule", "simon"}, {"chosen", "given"}};
  // alpha/beta/choose/nmax describe a search; they are checked but not used with given stages.
  const KeyTable& efficacy = efficacy_keys();
  rule.number(efficacy["alpha"].with_default(0.05));
  rule.number(efficacy["beta"].with_default(0.2));
  rule.choice(efficacy["choose"]);
  rule.integer(efficacy["nmax"]);
}

// alpha, beta, choose, nmax: Simon's optimal or minimax design found by the search.
void read_searched_simon(MappingReader& rule, double p0, double p1, SequentialRules& out) {
  const KeyTable& keys = efficacy_keys();
  const double alpha = rule.number(keys["alpha"].as_required());
  const double beta = rule.number(keys["beta"].as_required());
  const std::string choose = rule.choice(keys["choose"]);
  const int nmax = static_cast<int>(rule.integer(keys["nmax"]));
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
  const KeyTable& keys = efficacy_keys();
  out.design.efficacy.kind = SequentialEfficacyRule::Kind::simon;
  const double p0 = rule.number(keys["null_response_rate"]);
  const double p1 = rule.number(keys["alternative_response_rate"].as_required());
  if (p1 <= p0) rule.fail("alternative_response_rate", "not above null_response_rate", "p1 > p0");
  if (auto stages = rule.optional_mapping(keys["stages"])) {
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

BetaPrior read_prior(MappingReader& parent, const KeySpec& spec, const KeyTable& keys) {
  MappingReader prior = parent.mapping(spec.as_required());
  const BetaPrior out{prior.number(keys["a"]), prior.number(keys["b"])};
  prior.finish();
  return out;
}

void read_bayesian_efficacy(MappingReader& rule, SequentialRules& out) {
  const KeyTable& keys = efficacy_keys();
  SequentialEfficacyRule& efficacy = out.design.efficacy;
  efficacy.kind = SequentialEfficacyRule::Kind::bayesian;
  PredictiveMonitoringRule m;
  m.prior = read_prior(rule, keys["prior"], efficacy_prior_keys());
  m.max_patients = static_cast<int>(rule.integer(keys["max_patients"].as_required()));
  m.p0 = rule.number(keys["null_response_rate"]);
  m.theta_t = rule.number(keys["final_threshold"].as_required());
  m.efficacy_cutoff = rule.number(keys["efficacy_cutoff"]);
  m.futility_cutoff = rule.number(keys["futility_cutoff"]);
  m.first_look = static_cast<int>(
      rule.integer(keys["first_look"].with_default(m.max_patients).with_bounds(1, m.max_patients)));
  m.every = static_cast<int>(
      rule.integer(keys["every"].with_default(m.max_patients).with_bounds(1, m.max_patients)));
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

void read_safety(MappingReader& safety, bool read_safety_event, SequentialRules& out) {
  const KeyTable& keys = safety_keys();
  const std::string kind = safety.choice(keys["rule"]);
  if (read_safety_event) out.safety_event = safety.choice(keys["event"]);
  const int every = static_cast<int>(safety.integer(keys["every"]));
  const int n_max = out.design.efficacy.max_patients();
  nlohmann::json echo = {{"rule", kind}, {"every", every}};
  if (kind == "bayesian") {
    const BetaPrior prior = read_prior(safety, keys["prior"], safety_prior_keys());
    const double threshold = safety.number(keys["threshold"].as_required());
    const double cutoff = safety.number(keys["cutoff"].as_required());
    out.design.safety =
        bayesian_toxicity_boundary(prior.a, prior.b, threshold, cutoff, n_max, every);
    out.safety_threshold = threshold;
    echo.update({{"prior", {{"a", prior.a}, {"b", prior.b}}},
                 {"threshold", threshold},
                 {"cutoff", cutoff}});
  } else {
    const double acceptable = safety.number(keys["acceptable_rate"].as_required());
    const double alpha = safety.number(keys["alpha"].as_required());
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

std::vector<std::string> car_t_safety_event_names() {
  return {"crs_grade3plus", "icans_grade3plus", "crs_or_icans_grade3plus"};
}

const KeyTable& sequential_design_keys() {
  static const KeyTable table{
      "design",
      {{.path = "type",
        .type = KeyType::choice,
        .choices = {"single_arm_sequential"},
        .meaning = "this design"},
       {.path = "efficacy", .type = KeyType::mapping, .meaning = "the efficacy decision rule"},
       {.path = "safety",
        .type = KeyType::mapping,
        .fallback = absent_means("none (no safety rule)"),
        .meaning = "a stopping rule on a binary adverse event"},
       {.path = "conduct",
        .type = KeyType::mapping,
        .fallback = absent_means("none: every outcome known at enrolment (required with `model`)"),
        .meaning = "calendar-time conduct: accrual, when outcomes become known, and whether "
                   "enrolment pauses at interim looks"}}};
  return table;
}

std::vector<const KeyTable*> sequential_rule_key_tables() {
  return {&efficacy_keys(), &efficacy_prior_keys(), &stages_keys(), &safety_keys(),
          &safety_prior_keys()};
}

SequentialRules read_sequential_rules(MappingReader& design, bool read_safety_event) {
  const KeyTable& keys = sequential_design_keys();
  design.choice(keys["type"]);
  SequentialRules out;
  MappingReader rule = design.mapping(keys["efficacy"]);
  const std::string kind = rule.choice(efficacy_keys()["rule"]);
  if (kind == "simon") {
    read_simon(rule, out);
  } else {
    read_bayesian_efficacy(rule, out);
  }
  rule.finish();
  if (auto safety = design.optional_mapping(keys["safety"]))
    read_safety(*safety, read_safety_event, out);
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
