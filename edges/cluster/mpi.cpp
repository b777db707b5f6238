#include "edges/cluster/mpi.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#ifdef TRIALSIM_WITH_MPI
#include <mpi.h>
#endif

namespace trialsim::mpi {
namespace {
int world_rank = 0;
int world_size = 1;
[[maybe_unused]] bool running = false;

// Nodes travel as one byte string per rank: (first block, block count, length, bytes)*.
std::string pack(const std::vector<PartialNode>& nodes) {
  std::string out;
  for (const PartialNode& node : nodes) {
    const std::uint64_t header[3] = {node.span.first_block, node.span.block_count,
                                     node.bytes.size()};
    out.append(reinterpret_cast<const char*>(header), sizeof header);
    out += node.bytes;
  }
  return out;
}

[[maybe_unused]] void unpack(std::string_view bytes, std::vector<PartialNode>& out) {
  while (!bytes.empty()) {
    std::uint64_t header[3];
    if (bytes.size() < sizeof header) throw std::runtime_error("MPI exchange: truncated message");
    std::memcpy(header, bytes.data(), sizeof header);
    bytes.remove_prefix(sizeof header);
    if (bytes.size() < header[2]) throw std::runtime_error("MPI exchange: truncated message");
    out.push_back({BlockSpan{header[0], header[1]}, std::string(bytes.substr(0, header[2]))});
    bytes.remove_prefix(header[2]);
  }
}
}  // namespace

#ifdef TRIALSIM_WITH_MPI

void initialise(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  running = true;
}

void finalise() {
  if (running) MPI_Finalize();
  running = false;
}

bool built_with_mpi() noexcept { return true; }

std::vector<PartialNode> all_gather(std::vector<PartialNode> mine) {
  if (world_size == 1) return mine;
  const std::string packed = pack(mine);
  // Byte counts first (int: MPI counts; a rank's partial tallies are far below 2 GiB).
  const int my_size = static_cast<int>(packed.size());
  std::vector<int> sizes(static_cast<std::size_t>(world_size));
  MPI_Allgather(&my_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> offsets(sizes.size(), 0);
  for (std::size_t r = 1; r < sizes.size(); ++r) offsets[r] = offsets[r - 1] + sizes[r - 1];
  std::string all(static_cast<std::size_t>(offsets.back() + sizes.back()), '\0');
  MPI_Allgatherv(packed.data(), my_size, MPI_BYTE, all.data(), sizes.data(), offsets.data(),
                 MPI_BYTE, MPI_COMM_WORLD);
  std::vector<PartialNode> out;
  unpack(all, out);
  return out;
}

int broadcast_from_root(int value) {
  if (world_size > 1) MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return value;
}

void abort_all(int exit_code) {
  if (running && world_size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

#else

void initialise(int*, char***) {}
void finalise() {}
bool built_with_mpi() noexcept { return false; }
std::vector<PartialNode> all_gather(std::vector<PartialNode> mine) {
  (void)pack;
  return mine;
}
int broadcast_from_root(int value) { return value; }
void abort_all(int exit_code) { std::exit(exit_code); }

#endif

int rank() noexcept { return world_rank; }
int size() noexcept { return world_size; }

}  // namespace trialsim::mpi
