#include "designs/maintenance_after_car_t/maintenance_trial.h"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include "core/samplers.h"

namespace trialsim::car_t {
namespace {

bool covariate_value(StratumCovariate c, const CarTPatient& p) {
  switch (c) {
    case StratumCovariate::extramedullary:
      return p.extramedullary;
    case StratumCovariate::ph_positive:
      return p.ph_positive;
    case StratumCovariate::cns:
      return p.cns;
    case StratumCovariate::prior_blinatumomab:
      return p.prior_blinatumomab;
    case StratumCovariate::prior_inotuzumab:
      return p.prior_inotuzumab;
  }
  return false;
}

constexpr int MAX_SCREENED_PER_RESPONDER = 10000;  // guards a model with a response rate of ~0

}  // namespace

StratumCovariate stratum_covariate_from(const std::string& name) {
  for (auto c :
       {StratumCovariate::extramedullary, StratumCovariate::ph_positive, StratumCovariate::cns,
        StratumCovariate::prior_blinatumomab, StratumCovariate::prior_inotuzumab}) {
    if (name == to_string(c)) return c;
  }
  throw std::invalid_argument("unknown stratum covariate " + name);
}

const char* to_string(StratumCovariate c) {
  switch (c) {
    case StratumCovariate::extramedullary:
      return "extramedullary";
    case StratumCovariate::ph_positive:
      return "ph_positive";
    case StratumCovariate::cns:
      return "cns";
    case StratumCovariate::prior_blinatumomab:
      return "prior_blinatumomab";
    case StratumCovariate::prior_inotuzumab:
      return "prior_inotuzumab";
  }
  return "";
}

void draw_maintenance_cohort(const CarTParameters& parameters, const TwoArmSurvivalDesign& design,
                             const std::vector<StratumCovariate>& strata, std::uint64_t seed,
                             std::uint64_t replicate, TwoArmSurvivalWorkspace& ws) {
  const auto n = static_cast<std::size_t>(design.sample_size);
  ws.resize(n);
  ws.stratum.resize(n);
  Rng enrolment = make_stream(seed, replicate, StreamPurpose::enrolment);
  sample_entry_times(design.accrual, enrolment, ws.entry);

  CarTParameters observation = parameters;
  observation.p_maintenance = 0.0;
  CarTParameters maintenance = parameters;
  maintenance.p_maintenance = 1.0;
  CarTStreams streams(seed, replicate);
  Rng randomisation = make_stream(seed, replicate, StreamPurpose::randomisation);

  // Stratified permuted blocks of 2 * (a_c + a_e): each stratum keeps its own current block.
  const std::size_t block =
      2 * static_cast<std::size_t>(design.allocation_control + design.allocation_experimental);
  const std::size_t control_per_block = 2 * static_cast<std::size_t>(design.allocation_control);
  constexpr std::size_t MAX_STRATA = 32;  // 5 binary covariates at most
  std::array<std::array<int, 64>, MAX_STRATA> blocks{};
  std::array<std::size_t, MAX_STRATA> position;
  position.fill(block);  // exhausted: a new block is drawn at the stratum's first patient

  CarTPatient without, with;
  const PatientConstants observation_constants = patient_constants(observation);
  const PatientConstants maintenance_constants = patient_constants(maintenance);
  for (std::size_t i = 0; i < n; ++i) {
    int screened = 0;
    for (;;) {
      // Same stream positions for both versions: copy the streams, simulate twice, keep going
      // from where either left off (every patient consumes a fixed number of draws).
      CarTStreams saved = streams;
      simulate_patient(observation, observation_constants, streams, without);
      if (without.responded) {
        simulate_patient(maintenance, maintenance_constants, saved, with);
        break;
      }
      if (++screened > MAX_SCREENED_PER_RESPONDER) {
        throw std::invalid_argument(
            "draw_maintenance_cohort: the model almost never produces a responder");
      }
    }
    int stratum = 0;
    for (std::size_t c = 0; c < strata.size(); ++c)
      stratum |= (covariate_value(strata[c], without) ? 1 : 0) << c;
    auto& current = blocks[static_cast<std::size_t>(stratum)];
    auto& at = position[static_cast<std::size_t>(stratum)];
    if (at >= block) {
      for (std::size_t j = 0; j < block; ++j) current[j] = j < control_per_block ? 0 : 1;
      for (std::size_t j = block - 1; j > 0; --j) {  // Fisher–Yates
        const auto k =
            static_cast<std::size_t>(uniform01(randomisation) * static_cast<double>(j + 1));
        std::swap(current[j], current[k]);
      }
      at = 0;
    }
    const int arm = current[at++];
    const CarTPatient& observed = arm == 1 ? with : without;
    const PatientTrajectory& t = observed.trajectory;
    ws.arm[i] = arm;
    ws.stratum[i] = stratum;
    // Relapse-free survival from randomisation (the response assessment).
    ws.event_time[i] = std::min(t.relapse_time, t.death_time) - t.response_time;
    ws.dropout_time[i] =
        std::isfinite(t.dropout_time) ? std::max(0.0, t.dropout_time - t.response_time) : NEVER;
  }
}

std::array<std::vector<double>, 2> true_rfs_from_randomisation(const CarTParameters& parameters,
                                                               const std::vector<double>& times,
                                                               std::uint64_t seed, int patients) {
  CarTParameters version[2] = {parameters, parameters};
  version[0].p_maintenance = 0.0;
  version[1].p_maintenance = 1.0;
  std::array<std::vector<double>, 2> surviving{std::vector<double>(times.size(), 0.0),
                                               std::vector<double>(times.size(), 0.0)};
  CarTStreams streams(seed, 1ULL << 42);
  CarTPatient patient[2];
  int responders = 0;
  const PatientConstants constants[2] = {patient_constants(version[0]),
                                         patient_constants(version[1])};
  // Bounded work: at most 20 patients screened per responder wanted (a model that rarely
  // responds gets its truths from the responders found, NaN with none).
  const std::int64_t max_screened = 20 * static_cast<std::int64_t>(patients);
  for (std::int64_t screened = 0; responders < patients && screened < max_screened; ++screened) {
    CarTStreams saved = streams;
    simulate_patient(version[0], constants[0], streams, patient[0]);
    if (!patient[0].responded) continue;
    simulate_patient(version[1], constants[1], saved, patient[1]);
    ++responders;
    for (int a = 0; a < 2; ++a) {
      const PatientTrajectory& t = patient[a].trajectory;
      const double rfs = std::min(t.relapse_time, t.death_time) - t.response_time;
      for (std::size_t k = 0; k < times.size(); ++k) surviving[a][k] += rfs > times[k] ? 1.0 : 0.0;
    }
  }
  for (auto& arm : surviving) {
    for (double& s : arm)
      s = responders > 0 ? s / responders : std::numeric_limits<double>::quiet_NaN();
  }
  return surviving;
}

}  // namespace trialsim::car_t
