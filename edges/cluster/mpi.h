#pragma once
// MPI, when trialsim is built with -DTRIALSIM_MPI=ON (OpenMPI from Debian). Only the main thread
// calls MPI (MPI_THREAD_FUNNELED); TBB workers never do. Without MPI every function here is the
// trivial single-process version, so callers need no #ifdefs.
#include <string>
#include <vector>

#include "core/cluster/partial_file.h"

namespace trialsim::mpi {

// Call once from main() before anything else, and finalise() before returning.
void initialise(int* argc, char*** argv);
void finalise();

bool built_with_mpi() noexcept;
int rank() noexcept;  // 0 without MPI
int size() noexcept;  // 1 without MPI

// Every rank's nodes, concatenated in rank order, on every rank (MPI_Allgatherv).
std::vector<PartialNode> all_gather(std::vector<PartialNode> mine);

// Rank 0's `value` on every rank (MPI_Bcast); `value` itself without MPI.
int broadcast_from_root(int value);

// Ends every rank of the job (a failure on one rank would otherwise leave the others waiting).
[[noreturn]] void abort_all(int exit_code);

}  // namespace trialsim::mpi
