#include "designs/report_run_files.h"

#include <cmath>
#include <map>

#include "core/output.h"

namespace trialsim {
namespace {

// A value held as bin * resolution, printed as its shortest decimal (0.645, not
// 0.6450000000000001).
double tidy(double value, double resolution) {
  return std::round(value / resolution) / std::round(1.0 / resolution);
}

// One histogram row per 0.1-month bin of a duration distribution.
void append_duration_rows(std::string& out, const std::string& scenario,
                          const QuantisedDistribution& durations) {
  out += duration_histogram_rows(scenario, durations.distribution());
}

}  // namespace

std::string duration_histogram_rows(const std::string& scenario_field,
                                    const DiscreteDistribution& durations) {
  constexpr double BIN = car_t::DURATION_HISTOGRAM_RESOLUTION;
  // Bins keyed by their index held as a double (a whole number): std::llround of a huge duration
  // overflowed (UB; it gave -9.2e18 bins), a double index only loses precision beyond 2^53.
  // Non-finite values have no bin and are left out; so is a bin whose value overflows.
  std::map<double, std::uint64_t> bins;
  for (const auto& [months, count] : durations.counts()) {
    const double bin = std::round(months / BIN);
    if (std::isfinite(bin)) bins[bin] += count;
  }
  std::string out;
  for (const auto& [bin, count] : bins) {
    // bin / 10 prints as its shortest decimal (0.6, not 0.6000000000000001), as tidy() does.
    out += scenario_field + ",study_duration," + format_number(bin / std::round(1.0 / BIN)) + ',' +
           std::to_string(count) + '\n';
  }
  return out;
}

std::vector<NamedFile> two_arm_report_files(const std::vector<TwoArmSurvivalTally>& totals,
                                            const std::vector<std::string>& scenario_names) {
  std::string histograms = "scenario,quantity,value,cohorts\n";
  for (std::size_t s = 0; s < totals.size(); ++s) {
    append_duration_rows(histograms, csv_field(scenario_names[s]), totals[s].study_durations());
  }
  return {{"distributions.csv", histograms}};
}

std::vector<NamedFile> binary_report_files(const std::vector<SingleArmBinaryTally>& totals,
                                           const std::vector<std::string>& scenario_names,
                                           const SingleArmBinaryDesign& design,
                                           const SingleArmBinaryTable& table) {
  std::string histograms = "scenario,quantity,value,cohorts\n";
  for (std::size_t s = 0; s < totals.size(); ++s) {
    const std::string scenario = csv_field(scenario_names[s]);
    const std::vector<std::uint64_t>& counts = totals[s].response_count_histogram();
    for (std::size_t x = 0; x < counts.size(); ++x) {
      if (counts[x] > 0)
        histograms +=
            scenario + ",responders," + std::to_string(x) + ',' + std::to_string(counts[x]) + '\n';
    }
    for (const IntervalMethod method : design.intervals) {
      for (std::size_t x = 0; x < counts.size(); ++x) {
        if (counts[x] == 0) continue;
        histograms += scenario + ",orr_" + std::string(to_string(method)) + "_lower_bound," +
                      format_number(table.interval(method, static_cast<int>(x)).lower) + ',' +
                      std::to_string(counts[x]) + '\n';
      }
    }
  }
  return {{"distributions.csv", histograms}};
}

std::vector<NamedFile> car_t_report_files(const std::vector<car_t::SingleArmCarTTally>& totals,
                                          const std::vector<std::string>& scenario_names,
                                          const car_t::SingleArmCarTDesign& design,
                                          const SingleArmBinaryTable& table) {
  std::string curves = "scenario,endpoint,time,cohorts,estimable_probability,q025,q50,q975\n";
  std::string histograms = "scenario,quantity,value,cohorts\n";
  constexpr const char* ENDPOINTS[car_t::BAND_ENDPOINT_COUNT] = {"os", "rfs", "dor"};
  for (std::size_t s = 0; s < totals.size(); ++s) {
    const car_t::SingleArmCarTTally& tally = totals[s];
    const std::string scenario = csv_field(scenario_names[s]);
    const auto all = static_cast<double>(tally.cohorts());
    for (int e = 0; e < car_t::BAND_ENDPOINT_COUNT; ++e) {
      const auto& band = tally.km_band(static_cast<car_t::BandEndpoint>(e));
      for (std::size_t k = 0; k < band.size(); ++k) {
        if (band[k].count() == 0) continue;
        const DiscreteDistribution d = band[k].distribution();
        curves += scenario + ',' + ENDPOINTS[e] + ',' +
                  format_number(static_cast<double>(k) * car_t::KM_BAND_STEP) + ',' +
                  std::to_string(d.count()) + ',' +
                  format_number(static_cast<double>(d.count()) / all) + ',' +
                  format_number(tidy(d.quantile(0.025), car_t::KM_BAND_RESOLUTION)) + ',' +
                  format_number(tidy(d.quantile(0.5), car_t::KM_BAND_RESOLUTION)) + ',' +
                  format_number(tidy(d.quantile(0.975), car_t::KM_BAND_RESOLUTION)) + '\n';
      }
    }
    for (const auto& [responders, count] : tally.responder_counts().counts()) {
      histograms += scenario + ",responders," + format_number(responders) + ',' +
                    std::to_string(count) + '\n';
    }
    for (const IntervalMethod method : design.intervals) {
      for (const auto& [responders, count] : tally.responder_counts().counts()) {
        const double lower = table.interval(method, static_cast<int>(responders)).lower;
        histograms += scenario + ",orr_" + std::string(to_string(method)) + "_lower_bound," +
                      format_number(lower) + ',' + std::to_string(count) + '\n';
      }
    }
    append_duration_rows(histograms, scenario, tally.duration_histogram());
  }
  return {{"curves.csv", curves}, {"distributions.csv", histograms}};
}

}  // namespace trialsim
