#include "supervise/restart_policy.h"

#include <algorithm>

namespace tend::supervise {

RestartDecision decide_restart(const spec::ProcessSpec& spec, const os::ExitStatus& exit,
    std::chrono::milliseconds ran_for, bool spawn_failed, FailureCount& failures)
{
    bool failed = spawn_failed || !exit.success();
    bool wanted
        = spec.restart == spec::RestartPolicy::Always || (spec.restart == spec::RestartPolicy::OnFailure && failed);
    bool stable = !spawn_failed && ran_for >= spec.stable_after;
    if (stable)
        failures.consecutive = 0;
    if (!wanted)
        return {};
    if (stable)
        return RestartDecision{.restart = true};
    ++failures.consecutive;
    // 100ms * 2^(n-1), computed without overflow for long crash loops.
    std::chrono::milliseconds delay = initial_backoff;
    for (int i = 1; i < failures.consecutive && delay < spec.max_backoff; ++i)
        delay *= 2;
    delay = std::min(delay, std::chrono::duration_cast<std::chrono::milliseconds>(spec.max_backoff));
    return RestartDecision{.restart = true, .delay = delay, .crash_looping = delay >= spec.max_backoff};
}

}  // namespace tend::supervise
