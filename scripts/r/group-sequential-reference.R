#!/usr/bin/env Rscript
# Reference values for tests/test_group_sequential.cpp (statistics/group_sequential.h), computed with
# rpact. Run from the repository root:
#
#   Rscript scripts/r/group-sequential-reference.R   # writes tests/fixtures/group_sequential/*.csv
#
# Conventions, as in statistics/group_sequential.h: one-sided test (sided = 1), alpha = 0.025, z
# scale with benefit positive, information fractions t_k = informationRates.
#   boundaries.csv  getDesignGroupSequential(...)$criticalValues and $alphaSpent, and the
#                   spending function evaluated here by formula (rpact "asOF" with sided = 1 is
#                   2 (1 - Phi(z_{1-alpha/2} / sqrt(t))), "asP" alpha log(1 + (e - 1) t),
#                   "asHSD" alpha (1 - exp(-gamma t)) / (1 - exp(-gamma))).
#   crossing.csv    per-look rejection and futility probabilities and the expected information
#                   fraction at stop from getPowerAndAverageSampleNumber(design, theta = drift,
#                   nMax = 1), i.e. E[Z_k] = drift sqrt(t_k); rpact stops at the futility bounds
#                   (binding for these probabilities; the critical values are computed with
#                   bindingFutility = FALSE). drift "h1" is sqrt(shift) from
#                   getDesignCharacteristics(design) for beta = 0.2, whose power is 1 - beta.
#                   Designs without futility bounds use rpact's default bound of -6 (P < 1e-9).
# Numbers are written with 17 significant digits; futility is NA at the final look.
suppressPackageStartupMessages(library(rpact))

out_dir <- file.path("tests", "fixtures", "group_sequential")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

fmt <- function(x) {
  if (is.character(x)) return(x)
  out <- sprintf("%.17g", x)
  out[is.na(x)] <- "NA"
  out
}
write_table <- function(df, name) {
  cols <- lapply(df, fmt)
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  writeLines(lines, file.path(out_dir, name))
}

alpha <- 0.025
spending <- function(t, type, gamma) {
  switch(type,
    asOF = 2 * pnorm(qnorm(1 - alpha / 2) / sqrt(t), lower.tail = FALSE),  # no cancellation
    asP = alpha * log(1 + (exp(1) - 1) * t),
    asHSD = if (gamma == 0) alpha * t else alpha * (1 - exp(-gamma * t)) / (1 - exp(-gamma)))
}
equal <- function(K) (1:K) / K

designs <- list(
  list(name = "of_k2", type = "asOF", rates = equal(2)),
  list(name = "of_k3", type = "asOF", rates = equal(3)),
  list(name = "of_k4", type = "asOF", rates = equal(4)),
  list(name = "of_k5", type = "asOF", rates = equal(5)),
  list(name = "of_unequal", type = "asOF", rates = c(0.3, 0.7, 1)),
  list(name = "of_unequal4", type = "asOF", rates = c(0.2, 0.45, 0.8, 1)),
  list(name = "p_k2", type = "asP", rates = equal(2)),
  list(name = "p_k3", type = "asP", rates = equal(3)),
  list(name = "p_k4", type = "asP", rates = equal(4)),
  list(name = "p_k5", type = "asP", rates = equal(5)),
  list(name = "p_unequal", type = "asP", rates = c(0.3, 0.7, 1)),
  list(name = "hsd_m4_k5", type = "asHSD", gamma = -4, rates = equal(5)),
  list(name = "hsd_1_unequal", type = "asHSD", gamma = 1, rates = c(0.25, 0.6, 1)),
  list(name = "hsd_m2_k3", type = "asHSD", gamma = -2, rates = equal(3)),
  # Non-binding futility bounds (z scale) at the interim looks.
  list(name = "of_unequal_fut", type = "asOF", rates = c(0.3, 0.7, 1), futility = c(0, 0.5)),
  list(name = "p_k4_fut", type = "asP", rates = equal(4), futility = c(-0.5, 0, 0.5)))

bounds <- list()
crossing <- list()
for (d in designs) {
  gamma <- if (is.null(d$gamma)) 0 else d$gamma
  K <- length(d$rates)
  args <- list(kMax = K, alpha = alpha, beta = 0.2, sided = 1, typeOfDesign = d$type,
               informationRates = d$rates)
  if (d$type == "asHSD") args$gammaA <- gamma
  if (!is.null(d$futility)) {
    args$futilityBounds <- d$futility
    args$bindingFutility <- FALSE
  }
  design <- do.call(getDesignGroupSequential, args)
  stopifnot(isTRUE(all.equal(design$alphaSpent, spending(d$rates, d$type, gamma),
                             tolerance = 1e-6)))
  bounds[[d$name]] <- data.frame(
    design = d$name, spending = d$type, gamma = gamma, K = K, k = 1:K, fraction = d$rates,
    futility = if (is.null(d$futility)) rep(NA, K) else c(d$futility, NA),
    critical = design$criticalValues, alpha_spent = design$alphaSpent,
    spending_function = spending(d$rates, d$type, gamma))

  shift <- getDesignCharacteristics(design)$shift
  for (drift_name in c("h0", "h1")) {
    drift <- if (drift_name == "h0") 0 else sqrt(shift)
    p <- getPowerAndAverageSampleNumber(design, theta = drift, nMax = 1)
    crossing[[paste(d$name, drift_name)]] <- data.frame(
      design = d$name, drift_name = drift_name, drift = drift, k = 1:K,
      efficacy = as.numeric(p$rejectPerStage[, 1]),
      futility = c(as.numeric(p$futilityPerStage[, 1]), NA),
      power = p$overallReject, expected_fraction = p$averageSampleNumber)
  }
}
write_table(do.call(rbind, bounds), "boundaries.csv")
write_table(do.call(rbind, crossing), "crossing.csv")
writeLines(c(R.version.string, paste("rpact", packageVersion("rpact"))),
           file.path(out_dir, "VERSION.txt"))
