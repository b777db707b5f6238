# One timed rpact simulation for bench/compare-rpact. Usage:
#   Rscript bench/compare-rpact.R DESIGN ITERATIONS SEED
# DESIGN: single-arm-binary | two-arm-survival | group-sequential (the trialsim example configs of
# the same names, see bench/README.md). Prints one line:
#   DESIGN ITERATIONS_PER_SCENARIO SCENARIOS WALL_SECONDS CPU_SECONDS POWER1,POWER2,...
# The clock runs around the rpact call only (package loading and design setup excluded).
suppressPackageStartupMessages(library(rpact))
args <- commandArgs(trailingOnly = TRUE)
design_name <- args[1]
iterations <- as.integer(args[2])
seed <- as.numeric(args[3])

lambda_control <- -log(0.55) / 12  # exponential, S(12) = 0.55 in the control arm
hazard_ratios <- c(1, 0.6, 0.4)
run <- switch(design_name,
  "single-arm-binary" = {
    # n = 40, H0: p <= 0.6, exact binomial test (normalApproximation = FALSE), one-sided 0.025.
    design <- getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
    function() getSimulationRates(design = design, groups = 1, normalApproximation = FALSE,
      thetaH0 = 0.6, pi1 = c(0.6, 0.8), plannedSubjects = 40, directionUpper = TRUE,
      maxNumberOfIterations = iterations, seed = seed)
  },
  "two-arm-survival" = {
    # 1:1, 120 patients uniformly over 18 months, no dropout, one log-rank analysis at 60 events.
    design <- getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
    function() getSimulationSurvival(design = design, lambda2 = lambda_control,
      hazardRatio = hazard_ratios, accrualTime = c(0, 18), maxNumberOfSubjects = 120,
      plannedEvents = 60, allocation1 = 1, allocation2 = 1, dropoutRate1 = 0, dropoutRate2 = 0,
      directionUpper = FALSE, maxNumberOfIterations = iterations, seed = seed)
  },
  "group-sequential" = {
    # The same trial with looks at 30 and 60 events, Lan-DeMets O'Brien-Fleming alpha spending.
    design <- getDesignGroupSequential(kMax = 2, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
      informationRates = c(0.5, 1))
    function() getSimulationSurvival(design = design, lambda2 = lambda_control,
      hazardRatio = hazard_ratios, accrualTime = c(0, 18), maxNumberOfSubjects = 120,
      plannedEvents = c(30, 60), allocation1 = 1, allocation2 = 1, dropoutRate1 = 0,
      dropoutRate2 = 0, directionUpper = FALSE, maxNumberOfIterations = iterations, seed = seed)
  },
  stop("unknown design ", design_name))

start <- proc.time()
sim <- run()
used <- proc.time() - start
per_scenario <- sim$iterations[1, ]
cat(design_name, sprintf("%d", as.integer(per_scenario[1])), length(per_scenario), sprintf("%.4f", used[["elapsed"]]),
    sprintf("%.4f", used[["user.self"]] + used[["sys.self"]]),
    paste(sprintf("%.6f", sim$overallReject), collapse = ","), "\n")
