// The daemon: builds the object graph for one app (loop, store, supervisor,
// API server) and runs the loop until `tend down` or a signal.
//
// Owns: the app's state directory lock (an flock the kernel drops when the
// process dies, so it never goes stale), the control socket, tend.db.
// On start it ends processes a crashed predecessor left running, using the
// live-process table, and records that as an event.
#pragma once

#include <string>

namespace tend::daemon {

struct DaemonOptions {
    std::string app;
    std::string file;  // app file to apply at start; empty: none (or the last one with resume)
    std::string environment;  // --env for that file
    bool resume = false;  // apply the file and environment applied last, if any
    int ready_fd = -1;  // written "ready" and closed once the socket listens
};

// Runs in the foreground. Returns the process exit code: 0 after a clean
// shutdown, 1 when it could not start, 2 when the app file is invalid.
int run(const DaemonOptions& options);

}  // namespace tend::daemon
