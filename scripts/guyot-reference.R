# Reference values for tests/test_guyot.cpp ("parametric fits ... match R's survreg"): the
# Weibull maximum-likelihood fit of a small data set with R's survival::survreg, converted to
# trialsim's working scale (log shape k, log scale lambda): survreg's Weibull has
# log T = mu + sigma W, so k = 1 / sigma and lambda = exp(mu); var(log k) = var(log sigma).
# usage: Rscript scripts/guyot-reference.R
suppressPackageStartupMessages(library(survival))
time <- c(1, 2, 3, 4, 10, 0.5, 7, 12, 6, 2.5)
status <- c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1)
fit <- survreg(Surv(time, status) ~ 1, dist = "weibull")
v <- vcov(fit)  # on (Intercept, Log(scale))
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
cat(sprintf("log_shape %.10f sd %.10f\n", -log(fit$scale), sqrt(v[2, 2])))
cat(sprintf("log_scale %.10f sd %.10f\n", coef(fit)[1], sqrt(v[1, 1])))
cat(sprintf("cov(log_shape, log_scale) %.10f\n", -v[1, 2]))
cat(sprintf("loglik %.10f\n", fit$loglik[1]))
