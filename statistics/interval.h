#pragma once
// A two-sided interval [lower, upper], shared by the binomial and survival analyses.
namespace trialsim {

struct Interval {
  double lower;
  double upper;
};

}  // namespace trialsim
