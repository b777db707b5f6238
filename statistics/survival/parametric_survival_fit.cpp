#include "statistics/survival/parametric_survival_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

namespace trialsim {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
// Log-likelihood at theta; fills the gradient and Hessian when asked (non-null).
using Objective = std::function<double(const Vector&, Vector*, Matrix*)>;

struct Totals {
  int events = 0;
  double time = 0.0;  // sum of all times
};

Totals check_data(const SurvivalData& data, const char* function) {
  check_survival_data(data, function, 1);
  Totals totals;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.status[i] == 1 && data.time[i] <= 0.0)
      throw std::invalid_argument(std::string(function) + ": an event at time 0 (subject " +
                                  std::to_string(i) + "), expected event times > 0");
    totals.events += data.status[i];
    totals.time += data.time[i];
  }
  if (totals.events == 0)
    throw std::invalid_argument(std::string(function) +
                                ": no events, the likelihood has no maximum");
  return totals;
}

// Weibull log-likelihood in (a, b) = (log k, log lambda) with z = k (log t - b), u = e^z:
//   l = sum d (a + z - log t) - u
//   dl/da = sum d (1 + z) - u z             dl/db = k (sum u - D)
//   d2l/da2 = sum d z - u z (z + 1)         d2l/dadb = -k D + k sum u (z + 1)
//   d2l/db2 = -k^2 sum u
double weibull_log_likelihood(const SurvivalData& data, const Vector& theta, Vector* g, Matrix* h) {
  const double a = theta[0], b = theta[1], k = std::exp(a);
  double ll = 0.0, d_total = 0.0, sum_u = 0.0, ga = 0.0, haa = 0.0, sum_u_z1 = 0.0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.time[i] <= 0.0) continue;  // censored at 0: S = 1, no contribution
    const double log_t = std::log(data.time[i]), d = data.status[i];
    const double z = k * (log_t - b), u = std::exp(z);
    ll += d * (a + z - log_t) - u;
    d_total += d;
    sum_u += u;
    ga += d * (1.0 + z) - u * z;
    haa += d * z - u * z * (z + 1.0);
    sum_u_z1 += u * (z + 1.0);
  }
  if (g) *g = Vector{{ga, k * (sum_u - d_total)}};
  if (h) {
    const double hab = -k * d_total + k * sum_u_z1;
    *h = Matrix{{haa, hab}, {hab, -k * k * sum_u}};
  }
  return ll;
}

// Mixture-cure Weibull, theta = (log k, log lambda, logit pi):
//   event:    log(1 - pi) + log f(t)     censored: log(pi + (1 - pi) S_u(t))
double cure_log_likelihood(const SurvivalData& data, const Vector& theta) {
  const double a = theta[0], b = theta[1], c = theta[2], k = std::exp(a);
  const double log_pi = -std::log1p(std::exp(-c)), log_not_pi = -std::log1p(std::exp(c));
  double ll = 0.0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const double t = data.time[i];
    if (data.status[i] == 1) {
      const double log_t = std::log(t), z = k * (log_t - b);
      ll += log_not_pi + a + z - log_t - std::exp(z);
    } else if (t > 0.0) {
      const double log_su = -std::exp(k * (std::log(t) - b));
      const double hi = std::max(log_pi, log_not_pi + log_su);
      ll += hi + std::log(std::exp(log_pi - hi) + std::exp(log_not_pi + log_su - hi));
    }
  }
  return ll;
}

// Gradient and Hessian by central differences (steps 1e-5 and 1e-4 on the working scale:
// truncation O(h^2) and rounding ~1e-13 |l| / h^2 both far below the statistical error).
double numeric_derivatives(const std::function<double(const Vector&)>& f, const Vector& theta,
                           Vector* g, Matrix* h) {
  const double value = f(theta);
  const Eigen::Index p = theta.size();
  auto shifted = [&](Eigen::Index i, double di, Eigen::Index j, double dj) {
    Vector x = theta;
    x[i] += di;
    x[j] += dj;
    return f(x);
  };
  if (g) {
    const double step = 1e-5;
    g->resize(p);
    for (Eigen::Index i = 0; i < p; ++i)
      (*g)[i] = (shifted(i, step, i, 0.0) - shifted(i, -step, i, 0.0)) / (2.0 * step);
  }
  if (h) {
    const double step = 1e-4;
    h->resize(p, p);
    for (Eigen::Index i = 0; i < p; ++i) {
      for (Eigen::Index j = i; j < p; ++j) {
        const double v = (shifted(i, step, j, step) - shifted(i, step, j, -step) -
                          shifted(i, -step, j, step) + shifted(i, -step, j, -step)) /
                         (4.0 * step * step);
        (*h)(i, j) = (*h)(j, i) = v;
      }
    }
  }
  return value;
}

struct NewtonResult {
  Vector theta;
  Matrix covariance;
  double log_likelihood = NaN;
  int iterations = 0;
  bool converged = false;
};

// A Newton step solving (-H + mu I) step = g, with the smallest mu in {0, 1e-6, 1e-5, ...} that
// makes the matrix positive definite (Levenberg damping far from the maximum).
Vector damped_newton_step(const Vector& g, const Matrix& h) {
  const Matrix information = -h;
  const Eigen::Index p = g.size();
  for (double mu = 0.0; mu < 1e12; mu = mu == 0.0 ? 1e-6 : mu * 10.0) {
    Eigen::LLT<Matrix> llt(information + mu * Matrix::Identity(p, p));
    if (llt.info() == Eigen::Success) return llt.solve(g);
  }
  return g * 1e-6;
}

// Newton-Raphson ascent with step halving; converged when the largest score component is below
// `score_tolerance` (or the step vanishes). Covariance = inverse observed information at the end
// (NaN when the information is not positive definite there).
NewtonResult newton_maximise(const Objective& f, Vector theta, double score_tolerance) {
  NewtonResult r;
  Vector g;
  Matrix h;
  double ll = f(theta, &g, &h);
  for (r.iterations = 0; r.iterations < 200; ++r.iterations) {
    if (std::isfinite(ll) && g.cwiseAbs().maxCoeff() < score_tolerance) {
      r.converged = true;
      break;
    }
    Vector step = damped_newton_step(g, h);
    double candidate = -INF;
    for (int half = 0; half < 60; ++half, step *= 0.5) {
      candidate = f(theta + step, nullptr, nullptr);
      if (std::isfinite(candidate) && candidate >= ll) break;
    }
    if (!(std::isfinite(candidate) && candidate >= ll)) break;  // no ascent direction left
    theta += step;
    ll = f(theta, &g, &h);
    if (step.cwiseAbs().maxCoeff() < 1e-12) {
      r.converged = true;
      break;
    }
  }
  r.theta = theta;
  r.log_likelihood = ll;
  Eigen::LLT<Matrix> llt(-h);
  const Eigen::Index p = theta.size();
  r.covariance = llt.info() == Eigen::Success ? Matrix(llt.solve(Matrix::Identity(p, p)))
                                              : Matrix::Constant(p, p, NaN);
  if (llt.info() != Eigen::Success) r.converged = false;
  return r;
}

void store(ParametricSurvivalFit& fit, const NewtonResult& r, Eigen::Index first_parameter) {
  WorkingEstimate* slots[3] = {&fit.log_shape, &fit.log_scale, &fit.logit_cure};
  for (Eigen::Index i = 0; i < r.theta.size(); ++i) {
    const Eigen::Index slot = first_parameter + i;
    *slots[slot] = {r.theta[i], std::sqrt(r.covariance(i, i))};
    for (Eigen::Index j = 0; j < r.theta.size(); ++j)
      fit.covariance[slot][first_parameter + j] = r.covariance(i, j);
  }
  fit.log_likelihood = r.log_likelihood;
  fit.iterations = r.iterations;
  fit.converged = r.converged;
}

}  // namespace

double ParametricSurvivalFit::shape() const { return std::exp(log_shape.estimate); }
double ParametricSurvivalFit::scale() const { return std::exp(log_scale.estimate); }
double ParametricSurvivalFit::cure_fraction() const {
  return 1.0 / (1.0 + std::exp(-logit_cure.estimate));
}
double ParametricSurvivalFit::survival(double t) const {
  const double pi = cure_fraction();
  return pi + (1.0 - pi) * std::exp(-std::pow(t / scale(), shape()));
}

// Closed form: lambda_hat = sum t / D, Var(log lambda_hat) = 1 / D (observed information D).
ParametricSurvivalFit fit_exponential(const SurvivalData& data) {
  const Totals totals = check_data(data, "fit_exponential");
  ParametricSurvivalFit fit;
  fit.family = ParametricFamily::exponential;
  const double d = totals.events, lambda = totals.time / d;
  fit.log_scale = {std::log(lambda), 1.0 / std::sqrt(d)};
  fit.logit_cure = {-INF, 0.0};
  fit.covariance[1][1] = 1.0 / d;
  fit.log_likelihood = -d * std::log(lambda) - totals.time / lambda;
  fit.converged = true;
  fit.events = totals.events;
  return fit;
}

ParametricSurvivalFit fit_weibull(const SurvivalData& data) {
  const Totals totals = check_data(data, "fit_weibull");
  const Objective objective = [&data](const Vector& theta, Vector* g, Matrix* h) {
    return weibull_log_likelihood(data, theta, g, h);
  };
  const Vector start{{0.0, std::log(totals.time / totals.events)}};  // the exponential fit
  ParametricSurvivalFit fit;
  fit.family = ParametricFamily::weibull;
  fit.logit_cure = {-INF, 0.0};
  store(fit, newton_maximise(objective, start, 1e-9), 0);  // analytic score: tight
  fit.events = totals.events;
  return fit;
}

// Starts from the Weibull fit and a cure fraction of half the censored fraction.
ParametricSurvivalFit fit_weibull_cure(const SurvivalData& data) {
  const Totals totals = check_data(data, "fit_weibull_cure");
  const ParametricSurvivalFit weibull = fit_weibull(data);
  const double censored = 1.0 - static_cast<double>(totals.events) / data.size();
  const double pi0 = std::clamp(0.5 * censored, 0.01, 0.9);
  const auto ll = [&data](const Vector& theta) { return cure_log_likelihood(data, theta); };
  const Objective objective = [&ll](const Vector& theta, Vector* g, Matrix* h) {
    return numeric_derivatives(ll, theta, g, h);
  };
  const Vector start{
      {weibull.log_shape.estimate, weibull.log_scale.estimate, std::log(pi0 / (1.0 - pi0))}};
  ParametricSurvivalFit fit;
  fit.family = ParametricFamily::weibull_mixture_cure;
  store(fit, newton_maximise(objective, start, 1e-5), 0);  // numeric score: noise ~1e-7
  fit.events = totals.events;
  return fit;
}

}  // namespace trialsim
