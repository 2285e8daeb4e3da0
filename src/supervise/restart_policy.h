// When an exited instance starts again, as data: a stable run restarts at
// once; quick failures back off from 100ms, doubling, up to max_backoff, and
// keep retrying at the cap for ever (shown as crash-looping).
#pragma once

#include <chrono>

#include "os/process.h"
#include "spec/app_spec.h"

namespace tend::supervise {

struct RestartDecision {
    bool restart = false;
    std::chrono::milliseconds delay{0};
    bool crash_looping = false;  // the delay has reached the cap
};

struct FailureCount {
    int consecutive = 0;  // quick failures in a row
};

constexpr std::chrono::milliseconds initial_backoff{100};

// Decides after an exit that tend did not ask for. `ran_for` is the run's
// length; a spawn that failed counts as a quick failure with `spawn_failed`.
RestartDecision decide_restart(const spec::ProcessSpec& spec, const os::ExitStatus& exit,
    std::chrono::milliseconds ran_for, bool spawn_failed, FailureCount& failures);

}  // namespace tend::supervise
