#!/usr/bin/env Rscript
# Reference fits for trialsim's Cox model with singular and nearly singular designs
# (statistics/survival/cox.h, "Singular information"; tests/test_cox_singular.cpp), computed with
# R's survival::coxph (Debian: apt-get install r-cran-survival). Run from the repository root:
#
#   Rscript scripts/r/cox-singular-reference.R   # writes tests/fixtures/survival/cox_singular.*
#
# The data are survival-fixtures.R's random200 set (tests/fixtures/survival/random200.data.csv)
# with derived covariate columns; they are written to CSV with 17 significant digits and read
# back before fitting, so R and the C++ test see bit-identical inputs. For each model, ties
# method and term: coef (NA when coxph finds the column aliased: "X matrix deemed to be
# singular"), se, the log partial likelihoods at 0 and at the estimate, and the iterations.
suppressPackageStartupMessages(library(survival))

out_dir <- file.path("tests", "fixtures", "survival")
fmt <- function(x) {
  if (is.character(x)) return(x)
  if (is.logical(x)) return(ifelse(x, "1", "0"))
  out <- sprintf("%.17g", x)
  out[is.na(x)] <- "NA"
  out
}
write_table <- function(df, name) {
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(lapply(df, fmt), sep = ",")))
  writeLines(lines, file.path(out_dir, name))
}

d <- read.csv(file.path(out_dir, "random200.data.csv"))
set.seed(20261202)
d$one <- 1                                   # constant 0/1 column (not centred by coxph)
d$zero <- 0                                  # constant 0/1 column
d$x2 <- 2 * d$x + 3                          # collinear with x
d$notarm <- 1 - d$arm                        # collinear with arm (and the constant)
d$sum <- d$x + d$arm                         # collinear with x and arm
d$s2 <- as.integer(d$stratum == 2)           # constant within every stratum
d$near <- round(d$x + 0.001 * rnorm(nrow(d)), 6)  # nearly collinear with x, correlation ~1-5e-7
d$arm_flip <- d$arm                          # arm with one patient's value flipped
d$arm_flip[which(d$status == 1)[1]] <- 1 - d$arm_flip[which(d$status == 1)[1]]
d$rare <- 0                                  # a binary covariate with one patient at 1
d$rare[which(d$status == 1)[3]] <- 1
d$wild <- d$x                                # x with one gross outlier (~1e6 mean deviations)
d$wild[which(d$status == 1)[5]] <- 1e6
write_table(d, "cox_singular.data.csv")
d <- read.csv(file.path(out_dir, "cox_singular.data.csv"))

models <- list(
  one = list(rhs = "one", stratified = FALSE),
  zero = list(rhs = "zero", stratified = FALSE),
  arm_one = list(rhs = "arm + one", stratified = FALSE),
  x_x2 = list(rhs = "x + x2", stratified = FALSE),
  arm_notarm = list(rhs = "arm + notarm", stratified = FALSE),
  arm_one_x_sum = list(rhs = "arm + one + x + sum", stratified = FALSE),
  arm_s2_strata = list(rhs = "arm + s2", stratified = TRUE),
  x_near = list(rhs = "x + near", stratified = FALSE),
  arm_armflip = list(rhs = "arm + arm_flip", stratified = FALSE),
  arm_rare = list(rhs = "arm + rare", stratified = FALSE),
  rare_wild = list(rhs = "rare + wild", stratified = FALSE))

rows <- list()
for (m in names(models)) for (ties in c("breslow", "efron")) {
  rhs <- models[[m]]$rhs
  if (models[[m]]$stratified) rhs <- paste(rhs, "+ strata(stratum)")
  fit <- coxph(as.formula(paste("Surv(time, status) ~", rhs)), data = d, ties = ties)
  b <- fit$coefficients
  se <- ifelse(is.na(b), NA_real_, sqrt(diag(fit$var)))
  rows[[length(rows) + 1]] <- data.frame(
    model = m, ties = ties, stratified = models[[m]]$stratified, term = names(b),
    aliased = is.na(b), coef = unname(b), se = unname(se),
    loglik0 = fit$loglik[1], loglik = fit$loglik[2], iter = fit$iter)
}
write_table(do.call(rbind, rows), "cox_singular.cox.csv")
