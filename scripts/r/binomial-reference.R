#!/usr/bin/env Rscript
# Reference values for tests/test_binomial.cpp (statistics/binomial.h), base R only.
#
#   Rscript scripts/r/binomial-reference.R
#
# Prints every figure the test compares against, with 17 significant digits. The definitions
# mirror statistics/binomial.h:
#   Clopper & Pearson (1934): lower = qbeta(a/2; x, n-x+1) (0 if x=0),
#                             upper = qbeta(1-a/2; x+1, n-x) (1 if x=n).
#   Wilson (1927) score interval, no continuity correction, z = qnorm(1-a/2), by formula
#     (prop.test(correct = FALSE) would give the same interval but is not used here).
#   Jeffreys: equal-tailed Beta(x+1/2, n-x+1/2) quantiles with lower = 0 if x = 0 and
#     upper = 1 if x = n (Brown, Cai & DasGupta 2001, Statist. Sci. 16:101-133, sec. 4.1.2).
#   One-sided exact test of H0: p <= p0: reject when X >= r, r the smallest value with
#     P(X >= r | p0) <= alpha.
#   Exact operating characteristics: sums over x = 0..n weighted by dbinom(x, n, p); the
#     coverage counts the closed interval [L, U]; the q-quantile of the lower bound L is the
#     smallest v with P(L <= v) >= q.

fmt <- function(v) sprintf("%.17g", v)
say <- function(label, ...) cat(label, paste(fmt(c(...)), collapse = " "), "\n")

cp <- function(x, n, level = 0.95) {
  a <- 1 - level
  c(if (x == 0) 0 else qbeta(a / 2, x, n - x + 1),
    if (x == n) 1 else qbeta(1 - a / 2, x + 1, n - x))
}
wilson <- function(x, n, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  centre <- (x + z^2 / 2) / (n + z^2)
  half <- z / (n + z^2) * sqrt(x * (n - x) / n + z^2 / 4)
  c(if (x == 0) 0 else max(0, centre - half), if (x == n) 1 else min(1, centre + half))
}
jeffreys <- function(x, n, level = 0.95) {
  a <- 1 - level
  c(if (x == 0) 0 else qbeta(a / 2, x + 0.5, n - x + 0.5),
    if (x == n) 1 else qbeta(1 - a / 2, x + 0.5, n - x + 0.5))
}
methods <- list(clopper_pearson = cp, wilson = wilson, jeffreys = jeffreys)

cat("# Intervals at level 0.95: lower upper\n")
for (xn in list(c(26, 31), c(0, 40), c(40, 40), c(32, 40))) {
  for (m in names(methods)) {
    say(sprintf("%s x=%d n=%d:", m, xn[1], xn[2]), methods[[m]](xn[1], xn[2]))
  }
  # Cross-check of the Clopper-Pearson formula against binom.test's interval.
  stopifnot(isTRUE(all.equal(cp(xn[1], xn[2]),
                             as.numeric(binom.test(xn[1], xn[2])$conf.int), tolerance = 1e-12)))
}

cat("# binomial_upper_tail(x, n, p) = P(X >= x)\n")
for (a in list(c(26, 31, 0.6), c(32, 40, 0.6), c(32, 40, 0.8), c(1, 40, 0.01), c(40, 40, 0.5),
               c(3, 1000, 0.0001))) {
  say(sprintf("upper_tail x=%d n=%d p=%g:", a[1], a[2], a[3]),
      pbinom(a[1] - 1, a[2], a[3], lower.tail = FALSE))
}
say("dbinom(12, 40, 0.3):", dbinom(12, 40, 0.3))
say("pbinom(12, 40, 0.3):", pbinom(12, 40, 0.3))

cat("# Exact one-sided test, n = 40, p0 = 0.6, alpha = 0.025\n")
n <- 40; p0 <- 0.6; alpha <- 0.025
tails <- pbinom((0:(n + 1)) - 1, n, p0, lower.tail = FALSE)  # P(X >= r), r = 0..n+1
r <- min(which(tails <= alpha)) - 1
say("critical value:", r)
say("size P(X >= r | 0.6):", pbinom(r - 1, n, p0, lower.tail = FALSE))
say("P(X >= r - 1 | 0.6) (must exceed alpha):", pbinom(r - 2, n, p0, lower.tail = FALSE))
say("power P(X >= r | 0.8):", pbinom(r - 1, n, 0.8, lower.tail = FALSE))

lower_quantile <- function(lower, w, q) {
  o <- order(lower)
  cum <- cumsum(w[o])
  lower[o][min(which(cum >= q))]
}
cat("# Exact operating characteristics, n = 40, level 0.95:",
    "coverage E[width] E[lower] lower_q0.025 lower_q0.5 lower_q0.975\n")
for (p in c(0.6, 0.8)) {
  w <- dbinom(0:n, n, p)
  say(sprintf("p=%g E[p_hat] - p:", p), sum(w * (0:n) / n) - p)
  for (m in names(methods)) {
    b <- sapply(0:n, function(x) methods[[m]](x, n))
    lower <- b[1, ]; upper <- b[2, ]
    say(sprintf("p=%g %s:", p, m), sum(w * (lower <= p & p <= upper)), sum(w * (upper - lower)),
        sum(w * lower), sapply(c(0.025, 0.5, 0.975), function(q) lower_quantile(lower, w, q)))
  }
}
