#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace trialsim {

ProgressLine::ProgressLine(std::uint64_t total_replicates, ProgressMode mode)
    : total_(total_replicates),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {
  enabled_ = mode == ProgressMode::always || (mode == ProgressMode::automatic && terminal_);
}

void ProgressLine::update(std::uint64_t replicates_done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // At most 4 lines a second on a terminal, one every 10 s in a log.
  const auto interval = terminal_ ? std::chrono::milliseconds(250) : std::chrono::seconds(10);
  if (now - last_print_ < interval && replicates_done < total_) return;
  last_print_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(replicates_done) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - replicates_done) / rate : 0.0;
  std::fprintf(
      stderr, "%s%llu/%llu replicates (%.1f%%), %.0f/s, ETA %.0f s%s", terminal_ ? "\r" : "",
      static_cast<unsigned long long>(replicates_done), static_cast<unsigned long long>(total_),
      total_ ? 100.0 * static_cast<double>(replicates_done) / static_cast<double>(total_) : 100.0,
      rate, eta, terminal_ ? "   " : "\n");
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (enabled_ && terminal_) std::fprintf(stderr, "\n");
}

}  // namespace trialsim
