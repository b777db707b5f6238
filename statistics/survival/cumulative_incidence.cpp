#include "statistics/survival/cumulative_incidence.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace trialsim {

void cumulative_incidence(const SurvivalData& data, SurvivalWorkspace& ws, int cause,
                          std::span<const double> times, std::span<CumulativeIncidenceEstimate> out,
                          int arm) {
  check_survival_data(data, "cumulative_incidence", INT_MAX);
  if (cause < 1) throw std::invalid_argument("cumulative_incidence: cause must be >= 1");
  if (out.size() < times.size())
    throw std::invalid_argument("cumulative_incidence: out is shorter than times");
  if (arm >= 0 && !data.has_arm())
    throw std::invalid_argument("cumulative_incidence: arm selected but data.arm is empty");
  sort_subjects(data, ws, /*by_stratum=*/false, arm);
  const std::size_t n = ws.order.size();

  // Event-time table: t_j, n_j, d_j, d_kj, S(t_j-), F_k(t_j).
  ws.event_time.clear();
  ws.n_risk.clear();
  ws.n_event.clear();
  ws.n_cause.clear();
  ws.surv_before.clear();
  ws.cif.clear();
  double s = 1.0, f = 0.0, at_risk = static_cast<double>(n);
  for (std::size_t k = 0; k < n;) {
    const double t = data.time[ws.order[k]];
    double d = 0.0, dk = 0.0, m = 0.0;
    for (; k < n && data.time[ws.order[k]] == t; ++k, m += 1.0) {
      const int st = data.status[ws.order[k]];
      d += st > 0;
      dk += st == cause;
    }
    if (d > 0.0) {
      ws.event_time.push_back(t);
      ws.n_risk.push_back(at_risk);
      ws.n_event.push_back(d);
      ws.n_cause.push_back(dk);
      ws.surv_before.push_back(s);
      f += s * (dk / at_risk);
      s *= (at_risk - d) / at_risk;
      ws.cif.push_back(f);
    }
    at_risk -= m;
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double last_time = n ? data.time[ws.order.back()] : nan;
  for (std::size_t q = 0; q < times.size(); ++q) {
    const double t = times[q];
    CumulativeIncidenceEstimate& e = out[q];
    e = {false, t, nan, nan};
    if (n == 0 || std::isnan(t) || t > last_time) continue;
    const std::size_t J = static_cast<std::size_t>(
        std::upper_bound(ws.event_time.begin(), ws.event_time.end(), t) - ws.event_time.begin());
    const double F = J ? ws.cif[J - 1] : 0.0;
    auto a_coef = [&](std::size_t j) { return ws.surv_before[j] / ws.n_risk[j]; };
    auto b_coef = [&](std::size_t j) {
      const double one_minus = 1.0 - ws.n_event[j] / ws.n_risk[j];
      return one_minus > 0.0 ? (F - ws.cif[j]) / (one_minus * ws.n_risk[j]) : 0.0;
    };
    // Subjects in ascending time; C accumulates c_j over event times <= min(T_i, t).
    double C = 0.0, var = 0.0;
    std::size_t j = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t i = ws.order[k];
      const double ti = data.time[i];
      while (j < J && ws.event_time[j] <= ti) {
        C +=
            a_coef(j) * (ws.n_cause[j] / ws.n_risk[j]) - b_coef(j) * (ws.n_event[j] / ws.n_risk[j]);
        ++j;
      }
      double u = -C;
      const int st = data.status[i];
      if (st > 0 && ti <= t) {  // its event time is t_{j-1}
        if (st == cause) u += a_coef(j - 1);
        u -= b_coef(j - 1);
      }
      var += u * u;
    }
    e.estimable = true;
    e.cif = F;
    e.std_err = std::sqrt(var);
  }
}

}  // namespace trialsim
