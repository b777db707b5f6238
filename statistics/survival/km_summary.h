#pragma once
// Summaries of a Kaplan-Meier curve: median survival with its confidence interval, and the
// restricted mean survival time (RMST). Times in months.
#include <optional>

#include "statistics/survival/kaplan_meier.h"

namespace trialsim {

// Median survival and CI exactly as R's quantile(fit, probs = 0.5) (survival:::findq):
// with F = 1 - S prepended by (0, 0) and tol = sqrt(machine epsilon),
//   median = first time at which S <= 0.5 - tol (S strictly below one half); if S equals 0.5
//            (within tol) on a flat segment, the midpoint of the time S reached 0.5 and the
//            time it dropped below; if the curve ends flat at 0.5, the midpoint of the time S
//            reached 0.5 and the last observed time.
//   lower  = the same rule applied to the lower pointwise confidence curve,
//   upper  = the same rule applied to the upper pointwise confidence curve
// (Brookmeyer & Crowley 1982: the times whose pointwise CI contains 0.5). NaN points of a
// confidence curve are skipped, as approx() does. std::nullopt = "not reached" (R's NA).
// Note print.survfit uses a slightly different rule only when S ends flat at exactly 0.5
// (it then reports the time S reached 0.5); we follow quantile.survfit.
struct MedianEstimate {
  std::optional<double> median, lower, upper;
};
MedianEstimate median_survival(const KaplanMeierCurve& curve, SurvivalWorkspace& ws,
                               CiType type = CiType::log, double level = 0.95);

// The point estimate alone (no confidence curves): the `median` of median_survival, the same
// value, in one scan of the curve without sorting (S is monotone, which makes findq's search a
// first-crossing scan). Requires 0 < p < 1.
std::optional<double> survival_quantile_point(const KaplanMeierCurve& curve, double p = 0.5);

// survival_quantile_point's rule fed while a curve is walked, without tabulating it: visit(t, S)
// at each of the curve's distinct times in order (times without events may be visited too: they
// repeat the previous S and change nothing), then result(). Requires 0 < p < 1.
class QuantilePointTracker {
 public:
  explicit QuantilePointTracker(double p);
  // findq's first point (0, 0), i.e. S = 1; the curve's (first_time, 0) point adds nothing.
  void start() { visit(0.0, 1.0); }
  void visit(double x, double surv) {
    // A point with S above skip_above_ cannot meet either condition (y + tol >= p with
    // y = 1 - S needs S <= 1 - p + tol, up to rounding far below tol), and after both crossings
    // no point changes anything: one comparison instead of the arithmetic, on most points.
    if (surv > skip_above_) return;
    const double y = 1.0 - surv;
    if (!have_below_ && y + tol_ >= p_) {
      have_below_ = true;
      first_ = x;
    }
    if (!have_above_ && y - tol_ >= p_) {
      have_above_ = true;
      second_ = x;
      skip_above_ = -1.0;
    }
  }
  bool done() const noexcept { return have_above_; }
  // The quantile of a curve of n subjects whose final S is `last_surv` (1 without events) and
  // whose last observed time is `last_time`.
  std::optional<double> result(std::size_t n, double last_surv, double last_time) const;

 private:
  double p_, tol_, skip_above_;
  bool have_below_ = false, have_above_ = false;
  double first_ = 0.0, second_ = 0.0;
};

// Whether survival_quantile_point(curve, p) has a value, from the curve's size and final S alone:
// 1 - S never decreases along the curve and rounding is monotone, so some point meets findq's
// conditions exactly when the last one does. Requires 0 < p < 1.
bool survival_quantile_reached(std::size_t n, double last_surv, double p = 0.5);

// Quantile rule above for any probability 0 < p < 1 of the distribution function 1 - S.
MedianEstimate survival_quantile(const KaplanMeierCurve& curve, SurvivalWorkspace& ws, double p,
                                 CiType type = CiType::log, double level = 0.95);

// RMST up to tau: the area under the KM curve on [0, tau] (the curve is held flat beyond the
// last observed time, as R does), and its standard error as print(fit, rmean = tau) reports:
//   Var = sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j)),  A_j = area under S from t_j to tau
// (terms with n_j = d_j contribute 0). R refuses tau below the first observed time; we return
// rmst = tau, std_err = 0 there.
struct RmstEstimate {
  double tau;
  double rmst;
  double std_err;
};
RmstEstimate restricted_mean(const KaplanMeierCurve& curve, double tau);

}  // namespace trialsim
