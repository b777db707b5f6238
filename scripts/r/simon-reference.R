#!/usr/bin/env Rscript
# Reference designs for tests/test_simon_two_stage.cpp (statistics/simon_two_stage.h), base R only:
# an independent brute-force search for Simon's (1989) optimal and minimax two-stage designs.
#
#   Rscript scripts/r/simon-reference.R        # about a minute
#
# Design (r1/n1, r/n): stop after n1 patients if X1 <= r1; else reject H0: p <= p0 if
# X1 + X2 > r after n. For every 1 <= n1 < n <= nmax, 0 <= r1 < n1, r1 <= r < n (the whole
# range; the C++ search skips dominated r > n2 + r1):
#   P(reject | p) = sum_{x1 > r1} dbinom(x1, n1, p) * P(X2 > r - x1),  X2 ~ Bin(n - n1, p),
#   PET(p0) = pbinom(r1, n1, p0),  EN(p0) = n1 + (1 - PET(p0)) * (n - n1),
# feasible when P(reject | p0) <= alpha and P(reject | p1) >= 1 - beta.
# Optimal: minimum EN(p0). Minimax: minimum n, then minimum EN(p0). For the chosen (n1, r1, n)
# every feasible r has the same EN; the table prints the range and the C++ code reports the
# largest (clinfun::ph2simon's choice).

simon_brute_force <- function(p0, p1, alpha, beta, nmax = 100) {
  rows <- list()
  for (n in 2:nmax) for (n1 in 1:(n - 1)) {
    n2 <- n - n1
    x1 <- 0:n1
    r <- 0:(n - 1)
    # tail[i, j] = P(X2 > r_j - x1_i)
    reject <- function(p) {
      tail <- outer(x1, r, function(x, rr) pbinom(rr - x, n2, p, lower.tail = FALSE))
      terms <- dbinom(x1, n1, p) * tail
      # rows r1 = 0..n1-1: sum over x1 > r1 (reverse cumulative sum over x1, shifted by one)
      apply(terms, 2, function(col) rev(cumsum(rev(col))))[-1, , drop = FALSE]
    }
    a <- reject(p0)
    pw <- reject(p1)
    for (r1 in 0:(n1 - 1)) {
      ok <- which(r >= r1 & a[r1 + 1, ] <= alpha & pw[r1 + 1, ] >= 1 - beta)
      if (length(ok) == 0) next
      pet <- pbinom(r1, n1, p0)
      rows[[length(rows) + 1]] <- c(n1 = n1, r1 = r1, n = n, r_min = r[min(ok)], r_max = r[max(ok)],
                                    en = n1 + (1 - pet) * n2, pet = pet)
    }
  }
  d <- as.data.frame(do.call(rbind, rows))
  optimal <- d[which.min(d$en), ]
  smallest <- d[d$n == min(d$n), ]
  minimax <- smallest[which.min(smallest$en), ]
  list(optimal = optimal, minimax = minimax)
}

show <- function(label, row, p0, p1) {
  n1 <- row$n1; r1 <- row$r1; n <- row$n; r <- row$r_max; n2 <- n - n1
  rej <- function(p) sum(dbinom((r1 + 1):n1, n1, p) *
                           pbinom(r - ((r1 + 1):n1), n2, p, lower.tail = FALSE))
  cat(sprintf("  %-8s %d/%d %d/%d (feasible r %d..%d)  EN %.17g  PET %.17g  alpha %.17g  power %.17g\n",
              label, r1, n1, r, n, row$r_min, row$r_max, row$en, row$pet, rej(p0), rej(p1)))
}

cases <- rbind(c(0.05, 0.25, 0.10, 0.10), c(0.05, 0.25, 0.05, 0.20), c(0.05, 0.25, 0.05, 0.10),
               c(0.10, 0.30, 0.10, 0.10), c(0.10, 0.30, 0.05, 0.20), c(0.10, 0.30, 0.05, 0.10),
               c(0.20, 0.40, 0.10, 0.10), c(0.20, 0.40, 0.05, 0.20), c(0.20, 0.40, 0.05, 0.10),
               c(0.30, 0.50, 0.10, 0.10), c(0.30, 0.50, 0.05, 0.20), c(0.30, 0.50, 0.05, 0.10),
               c(0.40, 0.60, 0.05, 0.20), c(0.50, 0.70, 0.05, 0.20), c(0.60, 0.80, 0.05, 0.20),
               c(0.70, 0.90, 0.05, 0.20))
nmax <- as.integer(Sys.getenv("SIMON_NMAX", "70"))
cat(sprintf("# nmax = %d\n", nmax))
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  cat(sprintf("p0 %.2f p1 %.2f alpha %.2f beta %.2f\n", cs[1], cs[2], cs[3], cs[4]))
  res <- simon_brute_force(cs[1], cs[2], cs[3], cs[4], nmax)
  show("optimal", res$optimal, cs[1], cs[2])
  show("minimax", res$minimax, cs[1], cs[2])
}
