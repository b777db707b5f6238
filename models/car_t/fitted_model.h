#pragma once
// A fitted CAR-T patient model as `trialsim fit` writes it: the point estimate and the posterior
// draws. Plain data; the file format is read and written at the edges (edges/fit/).
#include <string>
#include <vector>

#include "models/car_t/patient_model.h"

namespace trialsim::car_t {

struct FittedModel {
  std::string source_file;
  CarTParameters point;
  std::vector<CarTParameters> draws;
};

}  // namespace trialsim::car_t
