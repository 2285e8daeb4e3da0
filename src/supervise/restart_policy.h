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

// The wait before a start after `consecutive` quick failures in a row:
// 100ms doubling, at most max_backoff.
std::chrono::milliseconds backoff_delay(const spec::ProcessSpec& spec, int consecutive);

// Decides after an exit that tend did not ask for. `ran_for` is the run's
// length; a spawn that failed counts as a quick failure with `spawn_failed`.
RestartDecision decide_restart(const spec::ProcessSpec& spec, const os::ExitStatus& exit,
    std::chrono::milliseconds ran_for, bool spawn_failed, FailureCount& failures);

// Decides when a recycle (health, max_memory, max_age) replaces a run: it
// counts like an exit. A run shorter than stable_after, or one whose last
// replacement failed (`retry`), is a quick failure, and after quick failures
// the replacement waits the backoff (`crash_looping` once it is at the cap).
// Never refuses: `restart` is always true.
RestartDecision decide_recycle(
    const spec::ProcessSpec& spec, std::chrono::milliseconds ran_for, bool retry, FailureCount& failures);

}  // namespace tend::supervise
