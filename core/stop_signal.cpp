#include "core/stop_signal.h"

#include <csignal>

namespace trialsim {
namespace {

volatile std::sig_atomic_t stop_signal = 0;

extern "C" void record_stop_signal(int signal) { stop_signal = signal; }

}  // namespace

void install_stop_handlers() {
  stop_signal = 0;
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal ends the process at once
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

bool stop_requested() noexcept { return stop_signal != 0; }

}  // namespace trialsim
