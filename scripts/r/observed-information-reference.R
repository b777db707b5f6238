#!/usr/bin/env Rscript
# Reference boundaries for ObservedInformationBoundaries (statistics/group_sequential.h): Lan-DeMets
# boundaries at spending times s_k whose looks are correlated by the OBSERVED information I_k,
# Corr(Z_i, Z_j) = sqrt(I_i / I_j), which no packaged function takes apart from the spending
# time (rpact and gsDesign tie the two together). Computed here directly from the definition with
# mvtnorm: c_k solves
#   P(Z_1 < c_1, ..., Z_{k-1} < c_{k-1}, Z_k >= c_k) = alpha(s_k) - alpha(s_{k-1})
# by uniroot, the probability from pmvnorm (Miwa's algorithm, exact to ~1e-11 in these
# dimensions). Run from the repository root:
#
#   Rscript scripts/r/observed-information-reference.R
#     # writes tests/fixtures/group_sequential/observed_information.csv
#
# Spending functions as in the header (one-sided alpha = 0.025): "obrien_fleming"
# 2 (1 - Phi(z_{1-alpha/2} / sqrt(s))), "pocock" alpha log(1 + (e - 1) s), "hwang_shih_decani"
# alpha (1 - exp(-gamma s)) / (1 - exp(-gamma)).
suppressPackageStartupMessages(library(mvtnorm))

alpha <- 0.025
spend <- function(s, f, gamma) {
  if (s >= 1) return(alpha)
  switch(f,
    obrien_fleming = 2 * (1 - pnorm(qnorm(1 - alpha / 2) / sqrt(s))),
    pocock = alpha * log(1 + (exp(1) - 1) * s),
    hwang_shih_decani = alpha * (1 - exp(-gamma * s)) / (1 - exp(-gamma)))
}

boundaries <- function(s, information, f, gamma) {
  K <- length(s)
  corr <- outer(information, information, function(a, b) sqrt(pmin(a, b) / pmax(a, b)))
  c <- numeric(0)
  spent <- 0
  for (k in seq_len(K)) {
    target <- spend(s[k], f, gamma) - spent
    exit <- function(x) {
      if (k == 1) return(1 - pnorm(x))
      as.numeric(pmvnorm(lower = c(rep(-Inf, k - 1), x), upper = c(c, Inf),
                         corr = corr[1:k, 1:k], algorithm = Miwa(steps = 4097)))
    }
    root <- uniroot(function(x) exit(x) - target, c(-1, 10), tol = 1e-13)$root
    c <- c(c, root)
    spent <- spent + target
  }
  c
}

designs <- list(
  list(id = "of_late_weights", f = "obrien_fleming", gamma = 0,
       s = c(0.4, 0.7, 1), information = c(11, 36.5, 80)),
  list(id = "pocock_four_looks", f = "pocock", gamma = 0,
       s = c(0.25, 0.5, 0.75, 1), information = c(7, 19, 41, 70)),
  list(id = "hsd_early_information", f = "hwang_shih_decani", gamma = -2,
       s = c(0.3, 0.6, 1), information = c(40, 55, 60)))

rows <- character(0)
for (d in designs) {
  c <- boundaries(d$s, d$information, d$f, d$gamma)
  for (k in seq_along(c)) {
    rows <- c(rows, sprintf("%s,%s,%.17g,%d,%.17g,%.17g,%.17g", d$id, d$f, d$gamma, k, d$s[k],
                            d$information[k], c[k]))
  }
}
out <- file.path("tests", "fixtures", "group_sequential", "observed_information.csv")
writeLines(c("design,spending,gamma,look,spending_time,information,boundary", rows), out)
cat("wrote", out, "\n")
