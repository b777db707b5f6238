#!/usr/bin/env Rscript
# Reference values for trialsim's non-proportional-hazards statistics (issue 16, acceptance 1):
# statistics/survival/{weighted_logrank,max_combo,rmst,nph_pass}.h. Run from the repository root
# (after scripts/r/survival-fixtures.R, whose datasets it reads):
#
#   Rscript scripts/r/nph-reference.R        # writes tests/fixtures/survival/*.{fh,maxcombo,
#                                            #   nph}.csv, nph_*.data.csv, mvn.csv
#
# Packaged functions where R has them: survival::survdiff(rho =) for FH(rho, 0), survival's
# survfit for Kaplan-Meier milestones (Greenwood std.err), mvtnorm::pmvnorm for the multivariate
# normal. Own code, from the formulas in the C++ headers, for FH(rho, gamma > 0), the covariance
# of the FH statistics, and the RMST with its variance (survRM2's formula; survRM2 is not in
# Debian; checked here against survival's print(fit, rmean = tau) where tau is within follow-up).
# Numbers are written with 17 significant digits, datasets written and read back first (as
# scripts/r/survival-fixtures.R does).
suppressPackageStartupMessages({
  library(survival)
  library(mvtnorm)
})

out_dir <- file.path("tests", "fixtures", "survival")

fmt <- function(x) {
  if (is.character(x)) return(x)
  if (is.logical(x)) return(ifelse(is.na(x), "NA", ifelse(x, "1", "0")))
  out <- sprintf("%.17g", x)
  out[is.na(x) & !is.nan(x)] <- "NA"
  out[is.nan(x)] <- "NaN"
  out[is.infinite(x) & x > 0] <- "Inf"
  out[is.infinite(x) & x < 0] <- "-Inf"
  out
}
write_table <- function(df, name) {
  cols <- lapply(df, fmt)
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  writeLines(lines, file.path(out_dir, name))
}
read_dataset <- function(name) read.csv(file.path(out_dir, paste0(name, ".data.csv")))

# ---------------------------------------------------------------------------------------------
# Two new datasets with non-proportional hazards, ties and censoring
# ---------------------------------------------------------------------------------------------
# Delayed effect: the same hazard 0.10/month for 4 months, then 0.04 in the experimental arm;
# uniform censoring 6..36 months; times rounded to 0.1 month (ties).
set.seed(16001)
n <- 300
arm <- rep(0:1, length.out = n)
e1 <- rexp(n, 0.10)
late <- 4 + rexp(n, 0.04)
ev <- ifelse(arm == 1 & e1 > 4, late, e1)
cens <- runif(n, 6, 36)
write_table(data.frame(time = round(pmin(ev, cens), 1), status = as.integer(ev <= cens),
                       arm = arm, stratum = 1, x = 0), "nph_delayed.data.csv")
# Crossing curves with a cured fraction in the experimental arm (early harm, late benefit), whole
# months (heavy ties), and administrative censoring at 1..30 months.
set.seed(16002)
n <- 120
arm <- rep(0:1, length.out = n)
ev <- ifelse(arm == 1, ifelse(runif(n) < 0.35, Inf, rexp(n, 0.20)), rexp(n, 0.08))
cens <- runif(n, 1, 30)
write_table(data.frame(time = ceiling(pmin(ev, cens)), status = as.integer(ev <= cens),
                       arm = arm, stratum = 1, x = 0), "nph_crossing.data.csv")

datasets <- c("ties", "n10", "noevents", "strata", "random200", "nph_delayed", "nph_crossing")

# ---------------------------------------------------------------------------------------------
# Fleming-Harrington FH(rho, gamma) from the formulas (weighted_logrank.h)
# ---------------------------------------------------------------------------------------------
risk_table <- function(d) {
  tt <- sort(unique(d$time[d$status == 1]))
  n <- vapply(tt, function(t) sum(d$time >= t), 0)
  n1 <- vapply(tt, function(t) sum(d$time >= t & d$arm == 1), 0)
  dd <- vapply(tt, function(t) sum(d$time == t & d$status == 1), 0)
  d1 <- vapply(tt, function(t) sum(d$time == t & d$status == 1 & d$arm == 1), 0)
  s <- cumprod(1 - dd / n)
  data.frame(t = tt, n = n, n1 = n1, d = dd, d1 = d1, s_before = c(1, head(s, -1)),
             v = ifelse(n > 1, dd * (n - dd) / (n - 1) * (n1 / n) * (1 - n1 / n), 0))
}
fh_weights <- function(rt, rho, gamma) rt$s_before^rho * (1 - rt$s_before)^gamma  # 0^0 = 1
fh_test <- function(rt, rho, gamma) {
  w <- fh_weights(rt, rho, gamma)
  u <- sum(w * (rt$d1 - rt$d * rt$n1 / rt$n))
  v <- sum(w^2 * rt$v)
  list(score = u, variance = v, z = u / sqrt(v), chisq = u^2 / v)
}

fh_grid <- data.frame(rho = c(0, 0, 1, 1, 0.5, 2, 0, 0.5, 1.5),
                      gamma = c(0, 1, 0, 1, 0, 0, 0.5, 2, 0.5))
fh_results <- function(d, name) {
  rt <- risk_table(d)
  rows <- lapply(seq_len(nrow(fh_grid)), function(i) {
    rho <- fh_grid$rho[i]
    gamma <- fh_grid$gamma[i]
    r <- fh_test(rt, rho, gamma)
    sd_chisq <- NA_real_
    if (gamma == 0) {
      sd_chisq <- survdiff(Surv(time, status) ~ arm, data = d, rho = rho)$chisq
      stopifnot(abs(sd_chisq - r$chisq) <= 1e-10 * r$chisq)  # the formulas are survdiff's
    }
    data.frame(rho = rho, gamma = gamma, score = r$score, variance = r$variance, z = r$z,
               chisq = r$chisq, survdiff_chisq = sd_chisq)
  })
  write_table(do.call(rbind, rows), paste0(name, ".fh.csv"))
}

# ---------------------------------------------------------------------------------------------
# MaxCombo (max_combo.h): p = 1 - Phi_K(c, ..., c; R), c = max(-z)
# ---------------------------------------------------------------------------------------------
fh_sets <- list(default = list(c(0, 0), c(0, 1), c(1, 0), c(1, 1)),
                pair = list(c(0, 0), c(0, 1)),
                three = list(c(0, 0), c(0, 1), c(1, 0)),
                six = list(c(0, 0), c(0, 1), c(1, 0), c(1, 1), c(0, 2), c(2, 0)),
                # Sets whose weights are linearly independent (a non-singular correlation, which
                # Miwa's algorithm accepts): integer exponents with rho + gamma <= 2 span only
                # the polynomials of degree 2 in S, so the sets above are singular (rank 3).
                four_regular = list(c(0, 0), c(0, 1), c(0.5, 0.5), c(0, 0.5)),
                six_regular = list(c(0, 0), c(0, 1), c(0, 0.5), c(0.5, 0.5), c(0.5, 0), c(2, 0.5)))
# The p-value 1 - Phi_K(c, ..., c; R) three ways:
#  * inclusion-exclusion over the upper orthants, P(max X >= c) = sum_{S} (-1)^(|S|+1)
#    P(X_S >= c), each term by Genz-Bretz with a relative error target (the terms are tail
#    probabilities, so this is accurate relative to p even for p ~ 1e-6; pairs are computed
#    exactly by mvtnorm's bivariate code). This is the reference (p_ref, with the sum of the
#    terms' error estimates);
#  * Miwa's deterministic algorithm (Miwa, Hayter & Kuriki 2003; steps = 4096) for 1 - Phi_K: an
#    absolute error of ~1e-12 to 3e-11 (its grid), so informative for p >~ 1e-4 only, and it
#    refuses singular matrices (NA);
#  * Genz-Bretz for Phi_K directly (randomised lattice, fixed seed): an absolute error ~1e-7.
# The default set is singular (w = 1 is (1 - S) + S, so U_00 = U_01 + U_10).
upper_tail_ie <- function(c, r) {
  k <- nrow(r)
  total <- 0
  error <- 0
  for (j in seq_len(k)) {
    subsets <- combn(k, j)
    for (col in seq_len(ncol(subsets))) {
      idx <- subsets[, col]
      if (j == 1) {
        term <- pnorm(-c)
        e <- 0
      } else {
        set.seed(20261202)
        g <- pmvnorm(lower = rep(c, j), upper = rep(Inf, j), corr = r[idx, idx, drop = FALSE],
                     algorithm = GenzBretz(maxpts = 2e6, abseps = 0, releps = 1e-10))
        term <- as.numeric(g)
        e <- attr(g, "error")
      }
      total <- total + (-1)^(j + 1) * term
      error <- error + e
    }
  }
  list(p = total, error = error)
}
p_value_references <- function(c, r) {
  k <- nrow(r)
  ie <- upper_tail_ie(c, r)
  set.seed(20261202)
  g <- pmvnorm(upper = rep(c, k), corr = r,
               algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-10, releps = 0))
  m <- tryCatch(pmvnorm(upper = rep(c, k), corr = r, algorithm = Miwa(steps = 4096)),
                error = function(e) NA_real_)
  list(p_ref = ie$p, p_ref_error = ie$error, p_miwa = 1 - as.numeric(m), p_genz = 1 - as.numeric(g),
       genz_error = attr(g, "error"))
}
max_combo_results <- function(d, name) {
  rt <- risk_table(d)
  rows <- lapply(names(fh_sets), function(set) {
    ws <- sapply(fh_sets[[set]], function(p) fh_weights(rt, p[1], p[2]))
    u <- colSums(ws * (rt$d1 - rt$d * rt$n1 / rt$n))
    cv <- t(ws) %*% (ws * rt$v)                  # Cov(U_a, U_b) = sum w_a w_b v
    r <- cov2cor(cv)
    z <- u / sqrt(diag(cv))
    stat <- max(-z)
    ph <- p_value_references(stat, r)
    corr <- r[upper.tri(r)]
    data.frame(set = set, size = length(z), statistic = stat, best = which.max(-z) - 1,
               z = paste(fmt(z), collapse = ";"), corr = paste(fmt(corr), collapse = ";"),
               p_ref = ph$p_ref, p_ref_error = ph$p_ref_error, p_miwa = ph$p_miwa,
               p_genz = ph$p_genz, genz_error = ph$genz_error)
  })
  write_table(do.call(rbind, rows), paste0(name, ".maxcombo.csv"))
}

# ---------------------------------------------------------------------------------------------
# RMST and milestones (rmst.h)
# ---------------------------------------------------------------------------------------------
rmst_arm <- function(dg, tau) {
  fit <- survfit(Surv(time, status) ~ 1, data = dg)
  keep <- fit$time <= tau & fit$n.event > 0
  tj <- fit$time[keep]
  nj <- fit$n.risk[keep]
  dj <- fit$n.event[keep]
  pieces <- diff(c(0, tj, tau)) * c(1, fit$surv[keep])  # S is flat between event times
  mu <- sum(pieces)
  beyond <- mu - cumsum(pieces)[seq_along(tj)]          # A_j = integral_{t_j}^tau S
  g <- ifelse(nj > dj, dj / (nj * (nj - dj)), 0)
  within <- tau <= max(dg$time)
  if (within && length(tj) > 0) {                        # survival's own rmean agrees
    tb <- summary(fit, rmean = tau)$table
    stopifnot(abs(tb[["rmean"]] - mu) <= 1e-12 * mu,
              abs(tb[["se(rmean)"]] - sqrt(sum(beyond^2 * g))) <= 1e-10 * tb[["se(rmean)"]])
  }
  list(rmst = mu, variance = sum(beyond^2 * g), within = within)
}
milestone_arm <- function(dg, t) {
  fit <- survfit(Surv(time, status) ~ 1, data = dg)
  # Beyond the last observed time: not estimable (summary refuses, or drops the row).
  s <- tryCatch(summary(fit, times = t, extend = FALSE), error = function(e) NULL)
  if (is.null(s) || length(s$time) == 0) return(list(surv = NA_real_, se = NA_real_))
  list(surv = s$surv, se = s$std.err)
}
nph_results <- function(d, name) {
  arms <- list(d[d$arm == 0, ], d[d$arm == 1, ])
  rows <- list()
  for (tau in c(6, 12, 24, 48)) {
    a <- lapply(arms, rmst_arm, tau = tau)
    diff <- a[[2]]$rmst - a[[1]]$rmst
    se <- sqrt(a[[2]]$variance + a[[1]]$variance)
    lse <- sqrt(a[[2]]$variance / a[[2]]$rmst^2 + a[[1]]$variance / a[[1]]$rmst^2)
    rows[[length(rows) + 1]] <- data.frame(
      kind = "rmst", t = tau, estimable = a[[1]]$within && a[[2]]$within,
      value0 = a[[1]]$rmst, value1 = a[[2]]$rmst, se0 = sqrt(a[[1]]$variance),
      se1 = sqrt(a[[2]]$variance), difference = diff, difference_se = se, difference_z = diff / se,
      ratio = a[[2]]$rmst / a[[1]]$rmst, log_ratio_se = lse,
      cloglog_z = NA_real_)
  }
  for (t in c(3, 6, 12, 1000)) {
    m <- lapply(arms, milestone_arm, t = t)
    ok <- !is.na(m[[1]]$surv) && !is.na(m[[2]]$surv)
    diff <- m[[2]]$surv - m[[1]]$surv
    se <- sqrt(m[[1]]$se^2 + m[[2]]$se^2)
    vlog <- c((m[[1]]$se / m[[1]]$surv)^2, (m[[2]]$se / m[[2]]$surv)^2)
    cll <- (log(-log(m[[1]]$surv)) - log(-log(m[[2]]$surv))) /
      sqrt(vlog[2] / log(m[[2]]$surv)^2 + vlog[1] / log(m[[1]]$surv)^2)
    rows[[length(rows) + 1]] <- data.frame(
      kind = "milestone", t = t, estimable = ok, value0 = m[[1]]$surv, value1 = m[[2]]$surv,
      se0 = m[[1]]$se, se1 = m[[2]]$se, difference = diff, difference_se = se,
      difference_z = diff / se, ratio = NA_real_, log_ratio_se = NA_real_,
      cloglog_z = if (ok) cll else NA_real_)
  }
  write_table(do.call(rbind, rows), paste0(name, ".nph.csv"))
}

for (nm in datasets) {
  d <- read_dataset(nm)
  fh_results(d, nm)
  max_combo_results(d, nm)
  nph_results(d, nm)
}

# ---------------------------------------------------------------------------------------------
# The multivariate normal CDF alone (multivariate_normal_cdf): dimensions 2..6, correlations
# from independent to 0.99, equal and unequal limits, one negative correlation.
# ---------------------------------------------------------------------------------------------
equi <- function(k, r) { m <- matrix(r, k, k); diag(m) <- 1; m }
ar1 <- function(k, r) r^abs(outer(1:k, 1:k, "-"))
problems <- list(
  list(b = c(1.96, 1.96), r = equi(2, 0.5)),
  list(b = c(2.2, 1.1), r = equi(2, -0.4)),
  list(b = rep(2, 3), r = equi(3, 0.9)),
  list(b = c(0.5, -0.3, 1.2), r = ar1(3, 0.6)),
  list(b = rep(2.2, 4), r = equi(4, 0.5)),
  list(b = rep(2.0, 4), r = ar1(4, 0.95)),
  list(b = rep(2.5, 4), r = equi(4, 0.99)),
  list(b = c(1, 2, 0, 1.5), r = matrix(c(1, 0.3, -0.2, 0.1, 0.3, 1, 0.4, 0.2, -0.2, 0.4, 1, 0.5,
                                         0.1, 0.2, 0.5, 1), 4)),
  list(b = rep(2.1, 5), r = ar1(5, 0.8)),
  list(b = rep(2.3, 6), r = equi(6, 0.7)),
  list(b = rep(1.8, 6), r = ar1(6, 0.9)))
mvn_rows <- lapply(problems, function(pr) {
  k <- length(pr$b)
  set.seed(20261202)
  g <- pmvnorm(upper = pr$b, corr = pr$r,
               algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-10, releps = 0))
  m <- pmvnorm(upper = pr$b, corr = pr$r, algorithm = Miwa(steps = 4096))
  data.frame(dim = k, upper = paste(fmt(pr$b), collapse = ";"),
             corr = paste(fmt(pr$r[upper.tri(pr$r)]), collapse = ";"),
             cdf_miwa = as.numeric(m), cdf_genz = as.numeric(g), genz_error = attr(g, "error"))
})
write_table(do.call(rbind, mvn_rows), "mvn.csv")

writeLines(c(R.version.string, paste("survival", as.character(packageVersion("survival"))),
             paste("mvtnorm", as.character(packageVersion("mvtnorm")))),
           file.path(out_dir, "VERSION-nph.txt"))
