#pragma once
// A one-line progress report on stderr: replicates done, rate and ETA. Shown when stderr is a
// terminal unless quiet; `force` shows it anyway (e.g. in a batch log).
#include <chrono>
#include <cstdint>

namespace trialsim {

enum class ProgressMode { automatic, quiet, always };

class ProgressLine {
 public:
  ProgressLine(std::uint64_t total_replicates, ProgressMode mode);
  void update(std::uint64_t replicates_done);
  void finish();

 private:
  std::uint64_t total_;
  bool enabled_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace trialsim
