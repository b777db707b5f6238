#!/usr/bin/env Rscript
# Reference values for tests/test_sequential_monitoring.cpp (statistics/sequential_monitoring.h),
# base R only.
#
#   Rscript scripts/r/monitoring-reference.R
#
# Definitions (as in statistics/sequential_monitoring.h):
#   posterior   P(p > t | x, n) = pbeta(t, a + x, b + n - x, lower.tail = FALSE)
#   beta-binomial pmf  f(y; m, al, be) = choose(m, y) beta(y + al, m - y + be) / beta(al, be)
#   predictive  PP = sum_y f(y; N - n, a + x, b + n - x) * 1{P(p > p0 | x + y, N) > theta}
#               (Lee & Liu 2008), summed term by term over every y (no shortcut).
#   boundaries  smallest count at each look that stops the trial, by scanning x = 0..n.
#   stopping    by brute-force enumeration of all 2^N patient sequences (N = 12): no dynamic
#               programme, so it checks the C++ one independently.

fmt <- function(v) paste(sprintf("%.17g", v), collapse = ", ")

post <- function(a, b, x, n, t) pbeta(t, a + x, b + n - x, lower.tail = FALSE)
bb <- function(y, m, al, be) choose(m, y) * beta(y + al, m - y + be) / beta(al, be)
pp <- function(a, b, x, n, nmax, p0, theta) {
  m <- nmax - n
  y <- 0:m
  sum(bb(y, m, a + x, b + n - x) * (post(a, b, x + y, nmax, p0) > theta))
}

cat("# posterior P(p > t | x, n): a, b, x, n, t, value\n")
post_cases <- rbind(c(1, 1, 3, 10, 0.2), c(0.5, 0.5, 0, 15, 0.1), c(0.6, 0.4, 16, 23, 0.6),
                    c(1, 1, 2, 2, 0.3), c(0.3, 2.7, 7, 20, 0.3), c(2, 8, 40, 100, 0.33))
for (i in seq_len(nrow(post_cases))) {
  cs <- post_cases[i, ]
  cat(fmt(c(cs, post(cs[1], cs[2], cs[3], cs[4], cs[5]))), "\n")
}

cat("# beta-binomial pmf: y, m, alpha, beta, value\n")
bb_cases <- rbind(c(0, 17, 16.6, 7.4), c(9, 17, 16.6, 7.4), c(17, 17, 16.6, 7.4), c(3, 10, 0.5, 0.5))
for (i in seq_len(nrow(bb_cases))) {
  cs <- bb_cases[i, ]
  cat(fmt(c(cs, bb(cs[1], cs[2], cs[3], cs[4]))), "\n")
}

cat("# predictive probability (Lee & Liu 2008): a, b, x, n, nmax, p0, theta, value\n")
pp_cases <- rbind(c(0.6, 0.4, 16, 23, 40, 0.6, 0.9), c(0.6, 0.4, 10, 23, 40, 0.6, 0.9),
                  c(0.6, 0.4, 20, 23, 40, 0.6, 0.9), c(1, 1, 2, 10, 30, 0.2, 0.95),
                  c(1, 1, 5, 20, 20, 0.2, 0.95), c(1, 1, 10, 20, 20, 0.2, 0.95))
for (i in seq_len(nrow(pp_cases))) {
  cs <- pp_cases[i, ]
  cat(fmt(c(cs, pp(cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7]))), "\n")
}

bayes_boundary <- function(a, b, t, cutoff, nmax, every) {
  looks <- seq(every, nmax, by = every)
  sapply(looks, function(n) {
    x <- 0:n
    hit <- which(post(a, b, x, n, t) > cutoff)
    if (length(hit) == 0) n + 1 else x[min(hit)]
  })
}
nominal_boundary <- function(p, level, nmax, every) {
  looks <- seq(every, nmax, by = every)
  sapply(looks, function(n) {
    bs <- 1:n
    hit <- which(pbinom(bs - 1, n, p, lower.tail = FALSE) <= level)
    if (length(hit) == 0) n + 1 else bs[min(hit)]
  })
}
# All 2^N sequences; stop at the first look whose running count reaches the boundary.
enumerate_stopping <- function(bdry, looks, nmax, p) {
  seqs <- as.matrix(expand.grid(rep(list(0:1), nmax)))
  prob <- apply(seqs, 1, function(s) prod(ifelse(s == 1, p, 1 - p)))
  running <- t(apply(seqs, 1, cumsum))
  at_looks <- running[, looks, drop = FALSE]
  crossed <- sweep(at_looks, 2, bdry, ">=")
  first <- apply(crossed, 1, function(r) if (any(r)) which(r)[1] else NA)
  by_look <- sapply(seq_along(looks), function(k) sum(prob[!is.na(first) & first == k]))
  n_used <- ifelse(is.na(first), nmax, looks[first])
  list(stop = sum(by_look), en = sum(prob * n_used), by_look = by_look)
}

cat("# Bayesian toxicity boundary Beta(1, 1), threshold 0.3, cutoff 0.9, n_max 12, every 1\n")
b1 <- bayes_boundary(1, 1, 0.3, 0.9, 12, 1)
cat(fmt(b1), "\n")
for (p in c(0.2, 0.4)) {
  s <- enumerate_stopping(b1, 1:12, 12, p)
  cat(sprintf("# enumeration p = %.2f: stop, E[N], by look\n", p))
  cat(fmt(c(s$stop, s$en)), "\n", fmt(s$by_look), "\n")
}

cat("# Bayesian toxicity boundary Beta(0.5, 1.5), threshold 0.25, cutoff 0.8, n_max 12, every 3\n")
b2 <- bayes_boundary(0.5, 1.5, 0.25, 0.8, 12, 3)
cat(fmt(b2), "\n")
s <- enumerate_stopping(b2, seq(3, 12, 3), 12, 0.3)
cat("# enumeration p = 0.30: stop, E[N], by look\n")
cat(fmt(c(s$stop, s$en)), "\n", fmt(s$by_look), "\n")

cat("# Pocock-type: p_acceptable 0.2, alpha 0.1, n_max 12, every 1: candidate levels scanned\n")
looks <- 1:12
levels <- sort(unique(unlist(lapply(looks, function(n) pbinom((1:n) - 1, n, 0.2, lower.tail = FALSE)))))
crossing <- sapply(levels, function(c) enumerate_stopping(nominal_boundary(0.2, c, 12, 1), looks, 12, 0.2)$stop)
k <- max(which(crossing <= 0.1))
cat("# alpha*, crossing, next level, next crossing\n")
cat(fmt(c(levels[k], crossing[k], levels[k + 1], crossing[k + 1])), "\n")
cat("# boundary\n", fmt(nominal_boundary(0.2, levels[k], 12, 1)), "\n")
