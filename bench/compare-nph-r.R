# The non-proportional-hazards study of configs/examples/nph-delayed-effect.yaml (with design.nph:
# rmst_tau 24, milestones 12 and 24) written as the plain R loop a statistician would write, for
# bench/compare-nph-r (issue 16, acceptance 4). Usage:
#   Rscript bench/compare-nph-r.R REPLICATES SEED
# Per scenario and replicate: simulate the cohort, cut it at the 280th event, and analyse it with
#   survival::survdiff(rho = 0) (log-rank = FH(0,0)) and survdiff(rho = 1) (FH(1,0));
#   FH(0,1) and FH(1,1) from the weights S(t-)^rho (1 - S(t-))^gamma on the pooled left-continuous
#     Kaplan-Meier (own code: the formulas of statistics/survival/weighted_logrank.h, as in
#     scripts/r/nph-reference.R), and the 4 x 4 covariance of the four FH scores;
#   MaxCombo: p = 1 - Phi_4(c, ..., c; R), c = max(-z), R the estimated correlation, by
#     mvtnorm::pmvnorm with simtrial's pvalue_maxcombo() settings (GenzBretz(maxpts = 50000,
#     abseps = 1e-5));
#   survival::survfit per arm (log-log CIs): Kaplan-Meier at the landmarks 6, 12, 24 with CIs, the
#     milestone differences at 12 and 24 (Greenwood standard errors, plain scale), the medians, the
#     RMST at tau = 24 with its standard error (summary(fit, rmean = 24), survRM2's formula);
#   survival::coxph (Efron ties) for the hazard ratio with its Wald CI; the reverse Kaplan-Meier
#     and the simple median follow-up (trialsim's default estimates).
# Decisions at one-sided alpha = 0.025, as designs/two_arm_survival/nph_tally.h: FH z <= -z_{0.975}
# (z < 0 favours the experimental arm, arm 1); MaxCombo p <= alpha; RMST and milestone differences
# (experimental - control) z >= z_{0.975}, no rejection when not estimable (tau or t beyond an
# arm's last observed time).
# Prints:
#   timing REPLICATES SCENARIOS WALL_SECONDS CPU_SECONDS      (clock around the loop only)
#   power SCENARIO TEST REJECTIONS REPLICATES                 (one line per scenario and test)
#   mean SCENARIO ESTIMATE VALUE                              (information)
suppressPackageStartupMessages({
  library(survival)
  library(mvtnorm)
})
args <- commandArgs(trailingOnly = TRUE)
replicates <- as.integer(args[1])
seed <- as.numeric(args[2])

n_patients <- 400
accrual_months <- 18
target_events <- 280
alpha <- 0.025
z_crit <- qnorm(1 - alpha)
landmarks <- c(6, 12, 24)
milestones <- c(12, 24)
rmst_tau <- 24
fh_set <- list(c(0, 0), c(0, 1), c(1, 0), c(1, 1))  # (rho, gamma)

# Piecewise exponential arms: rates[k] on [starts[k], starts[k + 1]). Control 0.07 then 0.0455 per
# month from 6 months; the experimental arm's hazard is the control's times a hazard ratio that is
# itself piecewise in time (delayed effect: 1 on [0, 3), 0.6 afterwards).
control <- list(starts = c(0, 6), rates = c(0.07, 0.0455))
with_hazard_ratio <- function(arm, hr_starts, hrs) {
  starts <- sort(unique(c(arm$starts, hr_starts)))
  list(starts = starts, rates = arm$rates[findInterval(starts, arm$starts)] *
         hrs[findInterval(starts, hr_starts)])
}
scenarios <- list(
  "delayed-effect" = with_hazard_ratio(control, c(0, 3), c(1, 0.6)),
  "proportional-hazards-hr-0.7" = with_hazard_ratio(control, 0, 0.7),
  "no-effect" = control)

# Event time by inversion of the cumulative hazard: T = H^{-1}(E), E ~ Exp(1).
invert_cumulative_hazard <- function(e, arm) {
  h_at_start <- c(0, cumsum(diff(arm$starts) * head(arm$rates, -1)))
  k <- findInterval(e, h_at_start)
  arm$starts[k] + (e - h_at_start[k]) / arm$rates[k]
}

simulate_cut_cohort <- function(experimental) {
  entry <- sort(runif(n_patients, 0, accrual_months))
  arm <- as.vector(replicate(n_patients / 4, sample(c(0, 0, 1, 1))))  # permuted blocks of 4
  e <- rexp(n_patients)
  event_time <- ifelse(arm == 1, invert_cumulative_hazard(e, experimental),
                       invert_cumulative_hazard(e, control))
  calendar <- entry + event_time
  cutoff <- sort(calendar, partial = target_events)[target_events]
  enrolled <- entry <= cutoff
  observed <- calendar <= cutoff  # the 280th event itself included, whatever cutoff - entry rounds to
  d <- data.frame(time = ifelse(observed, event_time, cutoff - entry)[enrolled],
                  status = as.integer(observed)[enrolled], arm = arm[enrolled])
  # survival's functions merge times closer than about 1e-8 relative into ties (timefix, aeqSurv);
  # the own FH code below does the same so that it sees the data survdiff sees.
  d$time <- aeqSurv(Surv(d$time, d$status))[, "time"]
  d
}

# Scores, variances and covariances of the FH tests (arm 1 = experimental; U = sum w (d1 - d n1/n),
# Cov(U_a, U_b) = sum w_a w_b d (n - d)/(n - 1) (n1/n)(1 - n1/n)).
fleming_harrington <- function(d) {
  event_times <- d$time[d$status == 1]
  tt <- sort(unique(event_times))
  all_sorted <- sort(d$time)
  arm1_sorted <- sort(d$time[d$arm == 1])
  n <- length(all_sorted) - findInterval(tt, all_sorted, left.open = TRUE)
  n1 <- length(arm1_sorted) - findInterval(tt, arm1_sorted, left.open = TRUE)
  dd <- tabulate(match(event_times, tt), length(tt))
  d1 <- tabulate(match(d$time[d$status == 1 & d$arm == 1], tt), length(tt))
  s_before <- c(1, head(cumprod(1 - dd / n), -1))
  v <- ifelse(n > 1, dd * (n - dd) / (n - 1) * (n1 / n) * (1 - n1 / n), 0)
  w <- sapply(fh_set, function(p) s_before^p[1] * (1 - s_before)^p[2])  # 0^0 = 1
  u <- colSums(w * (d1 - dd * n1 / n))
  covariance <- t(w) %*% (w * v)
  list(z = u / sqrt(diag(covariance)), covariance = covariance)
}

survdiff_z <- function(d, rho) {
  sd <- survdiff(Surv(time, status) ~ arm, data = d, rho = rho)
  (sd$obs[2] - sd$exp[2]) / sqrt(sd$var[2, 2])
}

analyse <- function(d) {
  z_logrank <- survdiff_z(d, 0)
  z_fh10 <- survdiff_z(d, 1)
  fh <- fleming_harrington(d)
  # The own code is survdiff's for gamma = 0 (checked on every cohort).
  stopifnot(abs(fh$z[1] - z_logrank) < 1e-8, abs(fh$z[3] - z_fh10) < 1e-8)
  z <- c(z_logrank, fh$z[2], z_fh10, fh$z[4])
  statistic <- max(-z)
  p_max_combo <- 1 - pmvnorm(upper = rep(statistic, 4), corr = cov2cor(fh$covariance),
                             algorithm = GenzBretz(maxpts = 50000, abseps = 1e-5))[1]

  per_arm <- lapply(0:1, function(a) {
    da <- d[d$arm == a, ]
    fit <- survfit(Surv(time, status) ~ 1, data = da, conf.type = "log-log")
    s <- summary(fit, times = landmarks, rmean = rmst_tau)
    last <- max(da$time)
    list(surv = s$surv[match(milestones, s$time)], se = s$std.err[match(milestones, s$time)],
         landmark = s$surv, lower = s$lower, upper = s$upper,
         median = s$table[["median"]], rmst = s$table[["rmean"]],
         rmst_se = s$table[["se(rmean)"]], rmst_estimable = rmst_tau <= last)
  })
  control_arm <- per_arm[[1]]
  experimental_arm <- per_arm[[2]]
  rmst_difference <- experimental_arm$rmst - control_arm$rmst
  rmst_z <- rmst_difference / sqrt(experimental_arm$rmst_se^2 + control_arm$rmst_se^2)
  rmst_reject <- control_arm$rmst_estimable && experimental_arm$rmst_estimable && rmst_z >= z_crit
  milestone_z <- (experimental_arm$surv - control_arm$surv) /
    sqrt(experimental_arm$se^2 + control_arm$se^2)
  milestone_reject <- !is.na(milestone_z) & milestone_z >= z_crit

  cox <- coxph(Surv(time, status) ~ arm, data = d)
  log_hr <- coef(cox)[[1]]
  hr_ci <- exp(confint(cox))
  reverse <- survfit(Surv(time, 1 - status) ~ 1, data = d)
  follow_up_reverse <- summary(reverse)$table[["median"]]
  follow_up_simple <- median(d$time)

  c(logrank = z_logrank <= -z_crit, fh_0_0 = z[1] <= -z_crit, fh_0_1 = z[2] <= -z_crit,
    fh_1_0 = z[3] <= -z_crit, fh_1_1 = z[4] <= -z_crit, max_combo = p_max_combo <= alpha,
    rmst_24 = rmst_reject, milestone_12 = milestone_reject[1], milestone_24 = milestone_reject[2],
    log_hr = log_hr, hr_ci_width = hr_ci[2] - hr_ci[1], rmst_difference = rmst_difference,
    median_control = control_arm$median, median_experimental = experimental_arm$median,
    follow_up_reverse = follow_up_reverse, follow_up_simple = follow_up_simple)
}

set.seed(seed)
start <- proc.time()
results <- lapply(scenarios, function(experimental) {
  total <- 0
  for (r in seq_len(replicates)) total <- total + analyse(simulate_cut_cohort(experimental))
  total
})
used <- proc.time() - start

cat("timing", replicates, length(scenarios), sprintf("%.4f", used[["elapsed"]]),
    sprintf("%.4f", used[["user.self"]] + used[["sys.self"]]), "\n")
tests <- c("logrank", "fh_0_0", "fh_0_1", "fh_1_0", "fh_1_1", "max_combo", "rmst_24",
           "milestone_12", "milestone_24")
for (name in names(results)) {
  totals <- results[[name]]
  for (test in tests) cat("power", name, test, totals[[test]], replicates, "\n")
  for (estimate in setdiff(names(totals), tests))
    cat("mean", name, estimate, sprintf("%.6f", totals[[estimate]] / replicates), "\n")
}
