#include "edges/cli/cli.h"
#include "edges/cluster/mpi.h"

int main(int argc, char** argv) {
  trialsim::mpi::initialise(&argc, &argv);
  const int code = trialsim::run_cli({argv + 1, argv + argc});
  // Under MPI a rank that failed alone would leave the others waiting in a collective. (Invalid
  // input fails on every rank alike, before any collective, so they can all finish normally.)
  if (code == trialsim::EXIT_RUNTIME_FAILURE && trialsim::mpi::size() > 1)
    trialsim::mpi::abort_all(code);
  trialsim::mpi::finalise();
  return code;
}
