#!/usr/bin/env Rscript
# Reference for the per-look table of configs/examples/group-sequential.yaml (issue 17, item 2;
# tests/test_per_look_table.cpp), computed with rpact. Run from the repository root:
#
#   Rscript scripts/r/per-look-reference.R   # writes tests/fixtures/group_sequential/per_look.csv
#
# The design: 1:1, exponential control arm with S(12) = 0.55, 120 patients uniform over 18
# months, looks at 30 and 60 events, O'Brien-Fleming-type spending (asOF), one-sided alpha 0.025,
# hazard ratios 1, 0.6, 0.4.
#   efficacy_z, efficacy_p, efficacy_hr   getPowerSurvival(...)$criticalValues (design),
#                                         $criticalValuesPValueScale, $criticalValuesEffectScale
#   expected_time                         getPowerSurvival(...)$analysisTime: the calendar time at
#                                         which the expected events reach the look's target
#   rpact_sim_*                           getSimulationSurvival(..., 10 000 iterations): per
#                                         look, over the iterations that reached it, the mean
#                                         analysis time and number of subjects with their Monte
#                                         Carlo standard errors (sd / sqrt(count)), from getData.
#                                         rpact places entries otherwise than trialsim (its mean
#                                         look times are 0.09-0.14 months later than both
#                                         trialsim's and the plain loop's), so it is shown, not
#                                         compared.
#   loop_*                                a plain R loop of trialsim's conduct (20 000 trials per
#                                         hazard ratio): entries the order statistics of 120
#                                         uniforms on [0, 18], arms in permuted blocks of 4 in
#                                         entry order, exponential event times, no dropout; look
#                                         k at the calendar time of the k-th target event;
#                                         survival::survdiff's log-rank z at look 1 against the
#                                         efficacy boundary (stop when the benefit z >= c_1).
#                                         Per look, over the trials that reached it: mean
#                                         calendar time and patients enrolled, with MCSEs.
# Numbers are written with 17 significant digits.
suppressPackageStartupMessages(library(rpact))

out_dir <- file.path("tests", "fixtures", "group_sequential")
fmt <- function(x) sprintf("%.17g", x)

hazard_ratios <- c(1, 0.6, 0.4)
events <- c(30, 60)
lambda2 <- -log(0.55) / 12
design <- getDesignGroupSequential(kMax = 2, informationRates = events / 60, typeOfDesign = "asOF",
                                   alpha = 0.025, sided = 1)
power <- getPowerSurvival(design, lambda2 = lambda2, hazardRatio = hazard_ratios,
                          accrualTime = c(0, 18), maxNumberOfSubjects = 120,
                          maxNumberOfEvents = 60, directionUpper = FALSE)
simulation <- getSimulationSurvival(design, lambda2 = lambda2, hazardRatio = hazard_ratios,
                                    accrualTime = c(0, 18), maxNumberOfSubjects = 120,
                                    plannedEvents = events, directionUpper = FALSE,
                                    maxNumberOfIterations = 10000, seed = 20261202)
raw <- getData(simulation)
suppressPackageStartupMessages(library(survival))

# The plain loop: per hazard ratio, a matrix of (time, enrolled, reached) per look.
plain_loop <- function(hazard_ratio, trials, boundary) {
  out <- array(NA_real_, c(trials, 2, 2))  # trial, look, (time, enrolled)
  for (r in seq_len(trials)) {
    entry <- sort(runif(120, 0, 18))
    arm <- as.vector(replicate(30, sample(c(0, 0, 1, 1))))
    event <- rexp(120, lambda2 * ifelse(arm == 1, hazard_ratio, 1))
    calendar <- sort(entry + event)
    for (k in 1:2) {
      cut <- calendar[events[k]]
      seen <- entry <= cut
      out[r, k, ] <- c(cut, sum(seen))
      if (k == 2) break
      time <- pmin(event[seen], cut - entry[seen])
      status <- as.numeric(event[seen] <= cut - entry[seen])
      test <- survdiff(Surv(time, status) ~ arm[seen])
      observed_minus_expected <- test$obs[2] - test$exp[2]
      benefit_z <- -observed_minus_expected / sqrt(test$var[2, 2])
      if (benefit_z >= boundary) break
    }
  }
  out
}
set.seed(20261202)
loops <- lapply(hazard_ratios, plain_loop, trials = 20000, boundary = design$criticalValues[1])

rows <- paste0("hazard_ratio,look,events,efficacy_z,efficacy_p,efficacy_hr,expected_time,",
               "rpact_sim_time_mean,rpact_sim_time_mcse,rpact_sim_enrolled_mean,",
               "rpact_sim_enrolled_mcse,rpact_sim_reached,loop_time_mean,loop_time_mcse,",
               "loop_enrolled_mean,loop_enrolled_mcse,loop_reached")
mcse <- function(x) sd(x) / sqrt(length(x))
for (h in seq_along(hazard_ratios)) {
  for (k in seq_along(events)) {
    at <- raw[abs(raw$hazardRatio - hazard_ratios[h]) < 1e-9 & raw$stageNumber == k, ]
    loop_time <- loops[[h]][, k, 1]
    loop_enrolled <- loops[[h]][, k, 2]
    reached <- !is.na(loop_time)
    rows <- c(rows, paste(fmt(hazard_ratios[h]), k, events[k], fmt(design$criticalValues[k]),
                          fmt(power$criticalValuesPValueScale[k]),
                          fmt(power$criticalValuesEffectScale[k]),
                          fmt(power$analysisTime[k, h]), fmt(mean(at$analysisTime)),
                          fmt(mcse(at$analysisTime)), fmt(mean(at$numberOfSubjects)),
                          fmt(mcse(at$numberOfSubjects)), nrow(at),
                          fmt(mean(loop_time[reached])), fmt(mcse(loop_time[reached])),
                          fmt(mean(loop_enrolled[reached])), fmt(mcse(loop_enrolled[reached])),
                          sum(reached), sep = ","))
  }
}
writeLines(rows, file.path(out_dir, "per_look.csv"))
writeLines(sprintf("rpact %s, survival %s, R %s", packageVersion("rpact"),
                   packageVersion("survival"), getRversion()),
           file.path(out_dir, "VERSION-per-look.txt"))
