# The main study, configs/studies/inati-cel-next-study.yaml (design single_arm_car_t, at the
# fitted point estimate: model.uncertainty = point), written as the plain R loop a statistician
# would write, for bench/compare-r (issue 18, item 2). Usage:
#   Rscript bench/compare-r.R REPLICATES SEED PARAMETERS
# PARAMETERS: a tab-separated file written by bench/compare-r from the fitted model file and a
# trialsim summary.json, one line per scenario and value:
#   parameter SCENARIO NAME VALUE   every CarTParameters field (fitted point + model overrides +
#                                   the scenario's overrides + its solved clinical targets)
#   truth SCENARIO NAME VALUE       trialsim's design.true_values (orr, os_12, rfs_12, cir_12, ...)
#
# Per scenario and replicate (models/car_t/patient_model.cpp, models/conduct.cpp,
# models/endpoints.cpp, designs/single_arm_car_t/single_arm_study.cpp):
#   45 entry times iid U(0, 18); data cut 12 months after the last entry; loss to follow-up at
#     the fitted dropout rate (0: none);
#   each patient: covariates (Ph+ and IKZF1 through a Gaussian copula, EMD, CNS within EMD, TP53,
#     KMT2A, prior blinatumomab / inotuzumab), response logit(b0 + b_EMD EMD), MRD, maintenance
#     (and its type), cure, Weibull relapse from the response time under proportional hazards
#     (maintenance and EMD hazard ratios), Weibull non-relapse death, exponential death after
#     relapse or after non-response, CD19-negative relapse, cause of non-relapse death, CRS (by
#     response, solved intercept) and ICANS grades and onsets — the same distributions, not the
#     same random numbers;
#   analysis: binom.test(x, 45, p = 0.6, alternative = "greater") for the exact test (reject at
#     p <= 0.025) and binom.test(x, 45)$conf.int for the two-sided 95 % Clopper-Pearson interval;
#     Wilson (prop.test(correct = FALSE)) and Jeffreys (qbeta) intervals; survfit(Surv(time,
#     status) ~ 1, conf.type = "log-log") with summary(fit, times = 12) for OS (all patients) and
#     RFS (responders); survfit with a factor status (Aalen-Johansen) for the cumulative incidence
#     of relapse at 12 among responders; CRS any grade, CRS grade >= 3 and ICANS counts with
#     binom.test Clopper-Pearson intervals; deaths, study duration and the simple median
#     follow-up. A landmark estimate counts in coverage only where usable, as trialsim's: 12 within
#     the follow-up (summary() returns the row) and both log-log limits finite (not NA).
# Prints:
#   timing REPLICATES SCENARIOS WALL_SECONDS CPU_SECONDS      (clock around the loop only)
#   rate SCENARIO exact_binomial_test REJECTIONS REPLICATES   (one line per scenario)
#   rate SCENARIO QUANTITY COVERED USABLE                     (orr_clopper_pearson, km_os_t12)
#   mean SCENARIO ESTIMATE VALUE                              (information)
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
replicates <- as.integer(args[1])
seed <- as.numeric(args[2])
table_in <- read.table(args[3], sep = "\t", col.names = c("kind", "scenario", "name", "value"),
                       stringsAsFactors = FALSE, colClasses = c("character", "character",
                                                                "character", "numeric"))

n_patients <- 45
accrual_months <- 18
follow_up_after_last <- 12
p0 <- 0.60
alpha <- 0.025
landmark <- 12
maintenance_shares <- c(6, 5, 3) / 14  # TKI, low-dose chemotherapy, inotuzumab (not fitted)

scenario_names <- unique(table_in$scenario)
as_list <- function(kind, scenario) {
  rows <- table_in[table_in$kind == kind & table_in$scenario == scenario, ]
  setNames(as.list(rows$value), rows$name)
}

# P(CRS any grade | response) with the CRS-response log-odds ratio theta, the intercept solved so
# that the population rate stays p_crs_any (models/car_t/patient_model.cpp).
crs_by_response <- function(p) {
  c0 <- p$p_crs_any
  theta <- p$crs_response_log_odds_ratio
  if (theta == 0 || c0 <= 0 || c0 >= 1) return(c(other = c0, responder = c0))
  orr <- p$p_extramedullary * plogis(p$response_logit_intercept + p$response_logit_emd) +
    (1 - p$p_extramedullary) * plogis(p$response_logit_intercept)
  a <- uniroot(function(a) orr * plogis(a + theta) + (1 - orr) * plogis(a) - c0,
               c(-60, 60), tol = 1e-13)$root
  c(other = plogis(a), responder = plogis(a + theta))
}

simulate_cohort <- function(p, k) {
  n <- n_patients
  entry <- sort(runif(n, 0, accrual_months))
  # 1. Covariates (only EMD acts on the outcomes).
  z_ph <- rnorm(n)
  z_ikzf1 <- p$ph_ikzf1_correlation * z_ph + sqrt(1 - p$ph_ikzf1_correlation^2) * rnorm(n)
  ph_positive <- z_ph < k$ph_threshold
  ikzf1 <- z_ikzf1 < k$ikzf1_threshold
  emd <- runif(n) < p$p_extramedullary
  cns <- emd & runif(n) < p$p_cns_given_extramedullary
  tp53 <- runif(n) < p$p_tp53
  kmt2a <- runif(n) < p$p_kmt2a
  prior_blinatumomab <- runif(n) < p$p_prior_blinatumomab
  prior_inotuzumab <- runif(n) < p$p_prior_inotuzumab
  # 2-3. Response and MRD.
  responded <- runif(n) < plogis(p$response_logit_intercept + p$response_logit_emd * emd)
  mrd_negative <- responded & runif(n) < p$p_mrd_negative
  # Outcomes (months from infusion).
  maintained <- responded & runif(n) < p$p_maintenance
  maintenance_type <- ifelse(maintained, findInterval(runif(n), cumsum(maintenance_shares)) + 1, 0)
  cured <- runif(n) < p$cure_fraction
  hazard_multiplier <- ifelse(maintained, p$maintenance_hazard_ratio, 1)
  relapse_multiplier <- hazard_multiplier * ifelse(emd, p$relapse_hazard_ratio_emd, 1)
  relapse_after_response <- p$relapse_scale * (rexp(n) / relapse_multiplier)^(1 / p$relapse_shape)
  cd19_negative <- runif(n) < p$p_cd19_negative_relapse
  # Non-relapse death: cumulative hazard rate * multiplier * t^shape, inverted.
  nonrelapse <- (rexp(n) / (p$nonrelapse_mortality_rate * ifelse(responded, hazard_multiplier, 1)))^
    (1 / p$nonrelapse_mortality_shape)
  infection <- runif(n) < p$p_infection_given_nonrelapse_death
  e_disease <- rexp(n)
  disease_death <- e_disease / p$death_after_nonresponse_rate
  dropout <- if (p$dropout_rate > 0) rexp(n, p$dropout_rate) else rep(Inf, n)  # 0 when fitted
  relapse <- ifelse(responded & !cured, p$response_time + relapse_after_response, Inf)
  nonrelapse_death <- ifelse(responded, p$response_time + nonrelapse, nonrelapse)
  relapsed <- responded & relapse < nonrelapse_death
  relapse[!relapsed] <- Inf
  death <- ifelse(responded,
                  ifelse(relapsed, relapse + e_disease / p$death_after_relapse_rate,
                         nonrelapse_death),
                  pmin(disease_death, nonrelapse_death))
  death_cause <- ifelse(relapsed | (!responded & disease_death <= nonrelapse_death), "disease",
                        ifelse(infection, "infection", "other"))
  cd19_negative <- relapsed & cd19_negative
  # 5. CRS and ICANS.
  u_crs <- runif(n)
  u_crs_grade <- runif(n)
  crs_onset <- p$crs_onset_median_days * exp(p$crs_onset_sdlog * rnorm(n))
  u_icans <- runif(n)
  u_icans_grade <- runif(n)
  icans_onset <- p$icans_onset_median_days * exp(p$icans_onset_sdlog * rnorm(n))
  p_crs <- ifelse(responded, k$crs[["responder"]], k$crs[["other"]])
  p_crs3_population <- ifelse(emd, p$p_crs_grade3plus_emd, p$p_crs_grade3plus_non_emd)
  p_crs3 <- ifelse(p_crs == p$p_crs_any, p_crs3_population,
                   pmin(1, p_crs3_population * p_crs / p$p_crs_any))
  crs_grade <- ifelse(u_crs < p_crs3, ifelse(u_crs_grade < p$q_crs_grade4_of_severe, 4, 3),
                      ifelse(u_crs < pmax(p_crs, p_crs3),
                             ifelse(u_crs_grade < p$q_crs_grade2_of_mild, 2, 1), 0))
  severe <- p$q_icans_grade3plus
  icans_grade <- ifelse(u_icans < ifelse(emd, p$p_icans_emd, p$p_icans_non_emd),
                        ifelse(u_icans_grade < severe * p$q_icans_grade4_of_severe, 4,
                               ifelse(u_icans_grade < severe, 3,
                                      ifelse(u_icans_grade < severe + (1 - severe) / 2, 2, 1))), 0)
  data.frame(entry, responded, relapse, death, dropout, crs_grade, icans_grade)
}

covers <- function(lower, upper, truth) lower <= truth && truth <= upper

# KM at the landmark with log-log limits: c(usable, estimate, covered), as trialsim's tally.
km_landmark <- function(time, status, truth) {
  fit <- survfit(Surv(time, status) ~ 1, conf.type = "log-log")
  s <- summary(fit, times = landmark)
  if (length(s$surv) == 0 || is.na(s$lower) || is.na(s$upper)) return(c(0, 0, 0))
  c(1, s$surv, covers(s$lower, s$upper, truth))
}

analyse <- function(d, truth, p_response_time) {
  n <- n_patients
  x <- sum(d$responded)
  reject <- binom.test(x, n, p = p0, alternative = "greater")$p.value <= alpha
  cp <- binom.test(x, n)$conf.int
  wilson <- prop.test(x, n, correct = FALSE)$conf.int
  jeffreys <- c(if (x == 0) 0 else qbeta(0.025, x + 0.5, n - x + 0.5),
                if (x == n) 1 else qbeta(0.975, x + 0.5, n - x + 0.5))

  cutoff <- max(d$entry) + follow_up_after_last
  # Censored at loss to follow-up or the cut (every patient entered before it); an event at the
  # censoring time counts (models/endpoints.cpp).
  follow_up <- pmin(d$dropout, cutoff - d$entry)
  os_time <- pmin(d$death, follow_up)
  os_status <- as.integer(d$death <= follow_up)
  os <- km_landmark(os_time, os_status, truth$os_12)
  seen <- d$responded & p_response_time <= follow_up  # responders-only endpoints: response seen
  r <- d[seen, ]
  r_follow_up <- follow_up[seen]
  first <- pmin(r$relapse, r$death)
  rfs_time <- pmin(first, r_follow_up)
  rfs_status <- as.integer(first <= r_follow_up)
  rfs <- if (nrow(r) > 0) km_landmark(rfs_time, rfs_status, truth$rfs_12) else c(0, 0, 0)
  cir <- NA
  if (nrow(r) > 0) {
    cause <- ifelse(rfs_status == 1, ifelse(r$relapse <= r$death, 1, 2), 0)
    aj <- survfit(Surv(rfs_time, factor(cause, 0:2)) ~ 1)
    s <- summary(aj, times = landmark)
    if (length(s$time) == 1) cir <- s$pstate[1, which(aj$states == "1")]
  }
  crs_any <- sum(d$crs_grade >= 1)
  crs3 <- sum(d$crs_grade >= 3)
  icans <- sum(d$icans_grade >= 1)
  crs_ci <- binom.test(crs_any, n)$conf.int
  crs3_ci <- binom.test(crs3, n)$conf.int
  icans_ci <- binom.test(icans, n)$conf.int

  c(reject = reject, cp_covered = covers(cp[1], cp[2], truth$orr),
    os_usable = os[1], os_covered = os[3], orr = x / n, cp_width = cp[2] - cp[1],
    wilson_covered = covers(wilson[1], wilson[2], truth$orr),
    jeffreys_covered = covers(jeffreys[1], jeffreys[2], truth$orr),
    os_12 = os[2], rfs_usable = rfs[1], rfs_12 = rfs[2], rfs_covered = rfs[3],
    cir_estimable = !is.na(cir), cir_12 = if (is.na(cir)) 0 else cir,
    crs_any = crs_any / n, crs_grade3plus = crs3 / n, icans_any = icans / n,
    crs_any_covered = covers(crs_ci[1], crs_ci[2], truth$crs_any_grade),
    deaths = sum(os_status), study_duration = cutoff, median_follow_up = median(os_time))
}

scenarios <- lapply(scenario_names, function(name) {
  p <- as_list("parameter", name)
  k <- list(ph_threshold = qnorm(p$p_ph_positive), ikzf1_threshold = qnorm(p$p_ikzf1),
            crs = crs_by_response(p))
  list(p = p, k = k, truth = as_list("truth", name))
})
names(scenarios) <- scenario_names

set.seed(seed)
start <- proc.time()
results <- lapply(scenarios, function(s) {
  total <- 0
  for (r in seq_len(replicates)) total <- total + analyse(simulate_cohort(s$p, s$k), s$truth,
                                                        s$p$response_time)
  total
})
used <- proc.time() - start

cat("timing", replicates, length(scenarios), sprintf("%.4f", used[["elapsed"]]),
    sprintf("%.4f", used[["user.self"]] + used[["sys.self"]]), "\n")
for (name in names(results)) {
  t <- results[[name]]
  cat("rate", name, "exact_binomial_test", t[["reject"]], replicates, "\n")
  cat("rate", name, "orr_clopper_pearson", t[["cp_covered"]], replicates, "\n")
  cat("rate", name, "km_os_t12", t[["os_covered"]], t[["os_usable"]], "\n")
  per_cohort <- c("orr", "cp_width", "wilson_covered", "jeffreys_covered", "os_usable",
                  "rfs_usable", "cir_estimable", "crs_any", "crs_grade3plus", "icans_any",
                  "crs_any_covered", "deaths", "study_duration", "median_follow_up")
  for (e in per_cohort) cat("mean", name, e, sprintf("%.6f", t[[e]] / replicates), "\n")
  cat("mean", name, "os_12", sprintf("%.6f", t[["os_12"]] / t[["os_usable"]]), "\n")
  cat("mean", name, "rfs_12", sprintf("%.6f", t[["rfs_12"]] / t[["rfs_usable"]]), "\n")
  cat("mean", name, "rfs_covered", sprintf("%.6f", t[["rfs_covered"]] / t[["rfs_usable"]]), "\n")
  cat("mean", name, "cir_12", sprintf("%.6f", t[["cir_12"]] / t[["cir_estimable"]]), "\n")
}
