#include "edges/fit/sensitivity_report.h"

#include <tbb/parallel_for.h>

#include <cmath>
#include <cstdio>

#include "config/config_error.h"
#include "config/config_reader.h"
#include "core/output.h"
#include "core/text_escape.h"
#include "models/car_t/truth.h"
#include "statistics/binomial.h"

namespace trialsim {

SensitivityStudy load_sensitivity_study(const std::filesystem::path& file) {
  ConfigDocument document = ConfigDocument::load_file(file.string());
  MappingReader root(document, document.root(), "", "", nullptr);
  MappingReader design = root.mapping("design");
  design.required_choice("type", {"single_arm_car_t"});
  SensitivityStudy study;
  study.file = file.string();
  study.sample_size = static_cast<int>(design.required_integer("sample_size", 1, 100000));
  study.null_response_rate = design.required_number("null_response_rate", NumberRange::open_unit());
  study.alpha = design.required_number("alpha", NumberRange::open_unit());
  study.critical_value =
      exact_test_critical_value(study.sample_size, study.null_response_rate, study.alpha);
  return study;
}

SensitivityTable study_prior_sensitivity(const car_t::FitResult& fit,
                                         const car_t::Evidence& evidence,
                                         const SensitivityStudy& study, std::uint64_t seed,
                                         int truth_patients) {
  const std::size_t n = fit.draws.size();
  std::vector<car_t::DrawQuantity> quantities = {{"assurance", std::vector<double>(n)},
                                                 {"os_12m_true", std::vector<double>(n)},
                                                 {"rfs_12m_true", std::vector<double>(n)}};
  // Each draw's values depend on the draw and the seed only (common streams for every draw), so
  // the table does not depend on the thread count.
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t j) {
    const car_t::CarTParameters& draw = fit.draws[j];
    quantities[0].values[j] = binomial_upper_tail(study.critical_value, study.sample_size,
                                                  car_t::population_response_probability(draw));
    const car_t::CarTTruth truth = car_t::true_values(draw, {12.0}, seed, truth_patients);
    quantities[1].values[j] = truth.os_at[0];
    quantities[2].values[j] = truth.rfs_at[0];
  });
  SensitivityTable table;
  for (const auto& q : quantities) table.quantities.push_back(q.name);
  table.rows = car_t::prior_sensitivity(fit.draws, evidence,
                                        car_t::default_prior_alternatives(evidence), quantities);
  return table;
}

std::string sensitivity_csv(const SensitivityTable& table) {
  std::string out = "parameter,alternative,prior,parameter_mean,effective_draws,supported";
  // Appended piecewise: operator+ chains trip GCC 12's false -Wrestrict (GCC bug 105329).
  for (const auto& name : table.quantities)
    out.append(1, ',').append(name).append(1, ',').append(name).append("_mcse");
  out += "\n";
  for (const auto& row : table.rows) {
    const std::string fields[] = {csv_field(row.parameter),
                                  csv_field(row.label),
                                  csv_field(row.prior),
                                  format_number(row.parameter_mean),
                                  format_number(row.effective_draws),
                                  row.supported ? "yes" : "no"};
    for (std::size_t f = 0; f < std::size(fields); ++f) out.append(f ? "," : "").append(fields[f]);
    for (std::size_t q = 0; q < row.means.size(); ++q)
      out.append(1, ',')
          .append(format_number(row.means[q]))
          .append(1, ',')
          .append(format_number(row.mcse[q]));
    out.append(1, '\n');
  }
  return out;
}

void print_sensitivity(const SensitivityTable& table, const SensitivityStudy& study) {
  std::printf(
      "prior sensitivity of %s (reject H0: ORR <= %g when responses >= %d of %d), by "
      "reweighting the posterior draws:\n",
      terminal_safe(study.file).c_str(), study.null_response_rate, study.critical_value,
      study.sample_size);
  std::printf("%-28s %-27s %-36s %7s %6s %16s %16s %16s\n", "parameter", "alternative", "prior",
              "mean", "ESS", "assurance", "OS 12m (true)", "RFS 12m (true)");
  for (const auto& row : table.rows) {
    std::printf("%-28s %-27s %-36s ", row.parameter.c_str(), row.label.c_str(), row.prior.c_str());
    if (std::isnan(row.parameter_mean))
      std::printf("%7s", "-");  // the fitted prior: no parameter of its own
    else
      std::printf("%7.3f", row.parameter_mean);
    std::printf(" %6.0f", row.effective_draws);
    for (std::size_t q = 0; q < row.means.size(); ++q)
      std::printf("  %.4f (%.4f)", row.means[q], row.mcse[q]);
    std::printf("%s\n", row.supported ? "" : "  too few effective draws: refit under this prior");
  }
}

}  // namespace trialsim
