#pragma once
// Two doubles in one SSE register (a GCC vector extension): for loops that wait on the divider,
// two quotients per packed division, each lane the correctly rounded quotient as a scalar
// division's.

namespace trialsim {

using Double2 = double __attribute__((vector_size(16)));

}  // namespace trialsim
