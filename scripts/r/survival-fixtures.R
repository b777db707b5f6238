#!/usr/bin/env Rscript
# Reference fixtures for trialsim's survival analyses (statistics/survival/), computed with R's
# survival package. Run from the repository root:
#
#   Rscript scripts/r/survival-fixtures.R            # writes tests/fixtures/survival/*.csv
#
# Every dataset is written to CSV first and *read back* before it is analysed, so R and the C++
# tests see bit-identical inputs. Numbers are written with 17 significant digits ("%.17g"); R's
# NA/NaN/Inf are written as NA, NaN, Inf. Times are in months.
suppressPackageStartupMessages(library(survival))

out_dir <- file.path("tests", "fixtures", "survival")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

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

write_dataset <- function(d, name) {
  write_table(d, paste0(name, ".data.csv"))
  read.csv(file.path(out_dir, paste0(name, ".data.csv")))
}

# ---------------------------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------------------------
datasets <- list()

# 1. Heavy ties: exponential times rounded *up* to whole months (no zero times).
set.seed(20240601)
n <- 80
arm <- rep(0:1, length.out = n)
ev <- ceiling(rexp(n, rate = ifelse(arm == 1, 0.06, 0.10)))
cens <- ceiling(runif(n, 4, 30))
datasets$ties <- data.frame(time = pmin(ev, cens), status = as.integer(ev <= cens), arm = arm,
                            stratum = rep(1:2, each = n / 2), x = round(rnorm(n), 2))

# 2. n = 10: the pooled curve reaches exactly 0.5 on a flat segment (median = midpoint rule).
datasets$n10 <- data.frame(time = c(1, 2, 3, 4, 5, 6.5, 8, 9, 10, 12),
                           status = c(1, 1, 1, 1, 1, 0, 1, 0, 1, 0),
                           arm = c(0, 1, 0, 1, 0, 1, 0, 1, 0, 1), stratum = 1,
                           x = c(0.3, -1.2, 0.8, 1.5, -0.4, 0.1, 2.0, -0.7, 0.9, -1.1))

# 3. Arm 1 has no events: the Cox estimate is -Inf (monotone likelihood).
set.seed(7)
n <- 40
arm <- rep(0:1, each = n / 2)
t0 <- round(rexp(n, 0.08), 3)
st <- ifelse(arm == 1, 0L, as.integer(runif(n) < 0.8))
datasets$noevents <- data.frame(time = t0, status = st, arm = arm, stratum = 1,
                                x = round(runif(n), 3))

# 4. Two arms, three strata with different baseline hazards.
set.seed(11)
n <- 150
stratum <- sample(1:3, n, replace = TRUE)
arm <- rbinom(n, 1, 0.5)
ev <- rexp(n, rate = c(0.04, 0.08, 0.15)[stratum] * ifelse(arm == 1, 0.65, 1))
cens <- runif(n, 6, 36)
datasets$strata <- data.frame(time = round(pmin(ev, cens), 2), status = as.integer(ev <= cens),
                              arm = arm, stratum = stratum, x = round(rnorm(n, 60, 10), 1))

# 5. Larger random set, n = 200, with a numeric covariate that matters.
set.seed(2024)
n <- 200
arm <- rbinom(n, 1, 0.5)
x <- round(rnorm(n), 3)
ev <- rexp(n, rate = 0.07 * exp(log(0.7) * arm + 0.3 * x))
cens <- runif(n, 3, 40)
datasets$random200 <- data.frame(time = round(pmin(ev, cens), 3), status = as.integer(ev <= cens),
                                 arm = arm, stratum = rep(1:2, length.out = n), x = x)

# 6. Competing risks (status 0 censored, 1 event of interest, 2 competing), with ties.
set.seed(99)
n <- 150
arm <- rbinom(n, 1, 0.5)
t1 <- rexp(n, 0.05)
t2 <- rexp(n, 0.03)
cens <- runif(n, 5, 30)
tt <- pmin(t1, t2, cens)
datasets$competing <- data.frame(time = round(tt, 1),
                                 status = ifelse(tt == cens, 0L, ifelse(t1 < t2, 1L, 2L)),
                                 arm = arm, stratum = 1, x = 0)

for (nm in names(datasets)) datasets[[nm]] <- write_dataset(datasets[[nm]], nm)

# ---------------------------------------------------------------------------------------------
# Analyses
# ---------------------------------------------------------------------------------------------
conf_types <- c("plain", "log", "log-log")
ct_name <- c("plain" = "plain", "log" = "log", "log-log" = "loglog")
landmarks <- c(6, 12, 1000)   # 1000 months is beyond every follow-up: not estimable
tau <- 12

groups_of <- function(d) list(all = d, arm0 = d[d$arm == 0, ], arm1 = d[d$arm == 1, ])

km_results <- function(d, name) {
  km <- list(); lm <- list(); med <- list(); rm <- list()
  for (g in names(groups_of(d))) {
    dg <- groups_of(d)[[g]]
    fits <- lapply(conf_types, function(ct) survfit(Surv(time, status) ~ 1, data = dg,
                                                    conf.type = ct))
    names(fits) <- conf_types
    s <- lapply(fits, summary)
    if (length(s$log$time) == 0) next   # no events: empty table (checked by the tests)
    tab <- data.frame(group = g, time = s$log$time, n_risk = s$log$n.risk,
                      n_event = s$log$n.event, surv = s$log$surv, std_err = s$log$std.err)
    for (ct in conf_types) {
      tab[[paste0("lower_", ct_name[ct])]] <- s[[ct]]$lower
      tab[[paste0("upper_", ct_name[ct])]] <- s[[ct]]$upper
    }
    km[[g]] <- tab
    sl <- lapply(fits, summary, times = landmarks, extend = FALSE)
    ltab <- data.frame(group = g, t = landmarks, estimable = landmarks %in% sl$log$time,
                       surv = NA_real_, std_err = NA_real_)
    idx <- match(sl$log$time, landmarks)
    ltab$surv[idx] <- sl$log$surv
    ltab$std_err[idx] <- sl$log$std.err
    for (ct in conf_types) {
      lo <- up <- rep(NA_real_, length(landmarks))
      lo[idx] <- sl[[ct]]$lower
      up[idx] <- sl[[ct]]$upper
      ltab[[paste0("lower_", ct_name[ct])]] <- lo
      ltab[[paste0("upper_", ct_name[ct])]] <- up
    }
    lm[[g]] <- ltab
    for (ct in conf_types) {
      q <- quantile(fits[[ct]], probs = 0.5)
      med[[paste(g, ct)]] <- data.frame(group = g, conf_type = ct_name[[ct]],
                                        median = unname(q$quantile), lower = unname(q$lower),
                                        upper = unname(q$upper))
    }
    tb <- summary(fits$log, rmean = tau)$table
    rm[[g]] <- data.frame(group = g, tau = tau, rmean = unname(tb["rmean"]),
                          se = unname(tb["se(rmean)"]))
  }
  write_table(do.call(rbind, km), paste0(name, ".km.csv"))
  write_table(do.call(rbind, lm), paste0(name, ".landmark.csv"))
  write_table(do.call(rbind, med), paste0(name, ".median.csv"))
  write_table(do.call(rbind, rm), paste0(name, ".rmst.csv"))
}

logrank_results <- function(d, name) {
  rows <- list()
  for (stratified in c(FALSE, TRUE)) {
    f <- if (stratified) Surv(time, status) ~ arm + strata(stratum) else Surv(time, status) ~ arm
    sd <- survdiff(f, data = d)
    obs <- rowSums(as.matrix(sd$obs))   # stratified: groups x strata matrices
    ex <- rowSums(as.matrix(sd$exp))
    rows[[length(rows) + 1]] <- data.frame(
      stratified = stratified, chisq = sd$chisq,
      p = pchisq(sd$chisq, 1, lower.tail = FALSE),
      obs0 = obs[[1]], obs1 = obs[[2]], exp0 = ex[[1]], exp1 = ex[[2]], var11 = sd$var[2, 2])
  }
  write_table(do.call(rbind, rows), paste0(name, ".logrank.csv"))
}

cox_results <- function(d, name) {
  rows <- list()
  models <- list(arm = "arm", x = "x", arm_x = "arm + x")
  for (m in names(models)) for (ties in c("breslow", "efron")) for (stratified in c(FALSE, TRUE)) {
    rhs <- models[[m]]
    if (stratified) rhs <- paste(rhs, "+ strata(stratum)")
    warned <- FALSE
    fit <- withCallingHandlers(
      coxph(as.formula(paste("Surv(time, status) ~", rhs)), data = d, ties = ties),
      warning = function(w) {
        if (grepl("infinite", conditionMessage(w))) warned <<- TRUE
        invokeRestart("muffleWarning")
      })
    sm <- summary(fit, conf.int = 0.95)
    co <- sm$coefficients
    ci <- sm$conf.int
    rows[[length(rows) + 1]] <- data.frame(
      model = m, ties = ties, stratified = stratified, term = rownames(co),
      coef = co[, "coef"], se = co[, "se(coef)"], hr = co[, "exp(coef)"],
      lower = ci[, "lower .95"], upper = ci[, "upper .95"], p = co[, "Pr(>|z|)"],
      loglik0 = fit$loglik[1], loglik = fit$loglik[2], iter = fit$iter,
      infinite_warning = warned)
  }
  write_table(do.call(rbind, rows), paste0(name, ".cox.csv"))
}

cif_results <- function(d, name) {
  rows <- list()
  for (g in names(groups_of(d))) {
    dg <- groups_of(d)[[g]]
    fit <- survfit(Surv(time, factor(status, 0:2)) ~ 1, data = dg)
    s <- summary(fit, times = landmarks, extend = FALSE)
    for (state in 1:2) {
      col <- which(fit$states == as.character(state))
      val <- se <- rep(NA_real_, length(landmarks))
      idx <- match(s$time, landmarks)
      val[idx] <- s$pstate[, col]
      se[idx] <- s$std.err[, col]
      rows[[length(rows) + 1]] <- data.frame(group = g, state = state, t = landmarks,
                                             estimable = landmarks %in% s$time,
                                             cif = val, std_err = se)
    }
  }
  write_table(do.call(rbind, rows), paste0(name, ".cif.csv"))
}

for (nm in setdiff(names(datasets), "competing")) {
  km_results(datasets[[nm]], nm)
  logrank_results(datasets[[nm]], nm)
  cox_results(datasets[[nm]], nm)
}
cif_results(datasets$competing, "competing")
cif_results(datasets$ties, "ties")   # plain survival data through Aalen-Johansen (no state 2)

writeLines(c(R.version.string, paste("survival", as.character(packageVersion("survival")))),
           file.path(out_dir, "VERSION.txt"))
