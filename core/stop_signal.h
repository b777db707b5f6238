#pragma once
// SIGTERM/SIGINT as a request to stop: the handler only records the signal (async-signal-safe);
// a run polls stop_requested() between waves of replicate blocks (or between grid cells) and
// then leaves in order — writing a checkpoint where it keeps one, removing its staging directory
// and any directory it created otherwise. A second signal ends the process at once.
namespace trialsim {

// Installs the handlers and clears any earlier request. Call once, before the run starts.
void install_stop_handlers();

// True once SIGTERM or SIGINT arrived after install_stop_handlers().
bool stop_requested() noexcept;

}  // namespace trialsim
