// What a daemon that died left running. Every run tend starts is in the
// live-process record (store::LiveProcesses) until its main process exits; a
// daemon that starts and finds rows there was preceded by one that did not
// stop cleanly, and those runs have no supervisor any more.
#pragma once

#include <chrono>

#include "store/events.h"

namespace tend::supervise {

// Ends every recorded run whose pid still names the same process (same start
// time): SIGKILL to it, its process group, its session and its descendants.
// Waits until they are gone (at most `timeout`), so the ports and files they
// held are free for the runs that replace them. Records `leftover-killed` for
// each run ended, then clears the record. Returns how many runs were ended.
// A record that cannot be read ends nothing.
std::size_t end_leftovers(
    store::LiveProcesses& live, store::EventLog& events, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace tend::supervise
