#pragma once
// Reconstruction of individual patient data (IPD) from a digitised Kaplan-Meier curve and its
// numbers at risk: Guyot P, Ades AE, Ouwens MJ, Welton NJ. Enhanced secondary analysis of
// survival data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med
// Res Methodol 2012;12:9.
//
// The algorithm inverts the Kaplan-Meier equations one at-risk interval at a time. Interval i
// runs from the at-risk time t_i to t_{i+1} and starts with n_i patients at risk.
//  1. Initial number censored in the interval: c_i = round(n_i S(t_{i+1}) / S(t_i) - n_{i+1}).
//  2. The c_i censoring times are spread evenly over the interval,
//     t_i + j (t_{i+1} - t_i) / (c_i + 1), j = 1..c_i (censoring uniform within the interval).
//  3. Events at each digitised point T_k of the interval, from the inverted KM step:
//     d_k = round(n_k (1 - S_k / S^_last)), S^_last the reconstructed KM after the last point
//     with events, S^_k = S^_last (1 - d_k / n_k), n_{k+1} = n_k - d_k - (censored in
//     [T_k, T_{k+1})).
//  4. If the reconstructed number at risk at t_{i+1} differs from n_{i+1}, c_i is corrected by
//     the difference and steps 2-4 repeat until they agree (or no integer c_i does better).
// The last interval has no closing number at risk: when the total number of events is given,
// its c is adjusted in the same way until the reconstructed total matches; otherwise its
// censoring rate per month is that of the earlier intervals (sum c_i / (t_last - t_0)), as in
// the paper. Patients still at risk after the last digitised point are censored at its time.
//
// Choices where the paper leaves room:
//  * Cleaning: digitisation noise is removed before anything else. Times are made
//    non-decreasing by a running maximum and survival non-increasing by a running minimum, both
//    clipped to [0, 1] / [0, inf). A point (0, 1) is prepended when the curve starts after 0,
//    and points at time 0 read as survival 1: a published curve starts at 1, and a drop read at
//    the axis is noise (it would put events at time 0, where no survival model has a density).
//  * A point is inserted at every at-risk time that has none (the curve's step value there), so
//    each interval starts exactly at its table time and censoring is uniform on [t_i, t_{i+1}).
//    At-risk times beyond the last digitised point extend the curve flat to them.
//  * The reconstructed number at risk is carried from one interval into the next (not reset to
//    the table's value), so the IPD always has exactly n_0 patients; an interval whose table
//    number cannot be reached (e.g. the table contradicts the curve) keeps the closest integer
//    c_i and reports the mismatch in GuyotInterval::at_risk_mismatch.
//  * Only the number at time 0 given (no further rows): one interval. Without a total number of
//    events no censoring rate can be learnt, so no one is censored before the last digitised
//    point (everyone event-free is censored there); with a total number of events the censoring
//    is spread evenly over the curve so that the total matches.
//  * Last interval without a total: the paper's rate-based number is taken as an upper bound and
//    lowered when fewer censorings reproduce the curve clearly better (the largest number whose
//    largest |reconstructed KM - S| over the interval's points is within 0.005 of the smallest
//    achievable): a curve that ends at 0 cannot have censored its last patients.
//  * Events d_k are rounded half away from zero (std::lround).
//  * A curve with no drop (zero events) reconstructs to censorings only.
// The result is deterministic (no random numbers). Times in months.
#include <optional>
#include <span>
#include <vector>

#include "statistics/survival/survival_data.h"

namespace trialsim {

struct DigitisedPoint {
  double time, survival;  // months; S(time) read off the published curve
};

struct NumberAtRisk {
  double time;  // months
  int number;   // patients at risk (time >= this time), as printed under the curve
};

struct ReconstructedPatient {
  double time;  // months
  int event;    // 1 = event, 0 = censored
};

// One at-risk interval of the reconstruction.
struct GuyotInterval {
  double start = 0.0, end = 0.0;  // months: [start, end); the last interval ends at the last point
  int at_risk_start = 0;          // reconstructed number at risk at `start`
  int events = 0, censored = 0;   // reconstructed within the interval (end-of-curve excluded)
  int at_risk_mismatch = 0;       // reconstructed minus table number at `end` (0 for the last)
};

struct GuyotReconstruction {
  std::vector<ReconstructedPatient> patients;  // sorted by (time, event first)
  std::vector<GuyotInterval> intervals;
  std::vector<DigitisedPoint> curve;  // the cleaned curve actually used (with inserted points)
  int total_events = 0;
  int censored_at_end = 0;  // event-free after the last point, censored at its time
  std::optional<int> total_events_mismatch;  // reconstructed minus given total (when given)
};

// The digitised curve cleaned of noise as described above (running maximum on time, running
// minimum on survival clipped to [0, 1], (0, 1) prepended when needed). Throws
// std::invalid_argument on an empty curve or a non-finite value.
std::vector<DigitisedPoint> clean_digitised_curve(std::span<const DigitisedPoint> points);

// Guyot et al.'s reconstruction. `at_risk`: strictly increasing times, the first at time 0 with
// the number of patients n > 0, numbers non-increasing and >= 0. `total_events`, when given,
// in [0, n]. Throws std::invalid_argument (naming the argument and the problem) otherwise.
GuyotReconstruction reconstruct_km_data(std::span<const DigitisedPoint> points,
                                        std::span<const NumberAtRisk> at_risk,
                                        std::optional<int> total_events = std::nullopt);

// The patients of reconstruct_km_data alone.
std::vector<ReconstructedPatient> reconstruct_ipd(std::span<const DigitisedPoint> points,
                                                  std::span<const NumberAtRisk> at_risk,
                                                  std::optional<int> total_events = std::nullopt);

// Reconstructed patients as columns, for the survival analyses (kaplan_meier, the parametric
// fits): view() borrows the vectors.
struct PatientColumns {
  std::vector<double> time;
  std::vector<int> status;
  SurvivalData view() const { return SurvivalData{time, status}; }
};
PatientColumns to_columns(std::span<const ReconstructedPatient> patients);

}  // namespace trialsim
