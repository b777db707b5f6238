#pragma once
// A two-arm cohort whose outcomes come from a patient model per arm (models/patient_model.h),
// for `model.type: per_arm`. Entry times, arms and the design's dropout draws are those of
// draw_cohort (shared by every scenario of the replicate); each arm's patients, in enrolment
// order, are simulated from that arm's own streams (cohort 1 control, 2 experimental), so an
// arm's j-th patient is the same patient in every scenario that keeps the arm's model family
// (common random numbers), whatever the other arm does.
#include <cstdint>

#include "designs/two_arm_survival/two_arm_survival.h"
#include "models/patient_model.h"

namespace trialsim {

// Fills ws.event_time (the endpoint's event, months from entry) and ws.dropout_time (the earlier
// of the model's own loss to follow-up and the design's exponential dropout of the arm) for the
// patients of ws.entry / ws.arm. No allocation.
void fill_arm_outcomes(const PatientModel& control, const PatientModel& experimental,
                       PatientOutcome endpoint, const TwoArmSurvivalDesign& design,
                       std::uint64_t seed, std::uint64_t replicate, TwoArmSurvivalWorkspace& ws);

}  // namespace trialsim
