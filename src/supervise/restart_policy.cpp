#include "supervise/restart_policy.h"

#include <algorithm>

namespace tend::supervise {

std::chrono::milliseconds backoff_delay(const spec::ProcessSpec& spec, int consecutive)
{
    auto cap = std::chrono::duration_cast<std::chrono::milliseconds>(spec.max_backoff);
    // 100ms * 2^(n-1), computed without overflow for long crash loops.
    std::chrono::milliseconds delay = initial_backoff;
    for (int i = 1; i < consecutive && delay < cap; ++i)
        delay *= 2;
    return std::min(delay, cap);
}

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
    auto delay = backoff_delay(spec, failures.consecutive);
    return RestartDecision{.restart = true, .delay = delay, .crash_looping = delay >= spec.max_backoff};
}

RestartDecision decide_recycle(
    const spec::ProcessSpec& spec, std::chrono::milliseconds ran_for, bool retry, FailureCount& failures)
{
    if (!retry && ran_for >= spec.stable_after) {
        failures.consecutive = 0;
        return RestartDecision{.restart = true};
    }
    ++failures.consecutive;
    // The first quick recycle goes at once: only a loop of them waits.
    if (failures.consecutive == 1)
        return RestartDecision{.restart = true};
    auto delay = backoff_delay(spec, failures.consecutive - 1);
    return RestartDecision{.restart = true, .delay = delay, .crash_looping = delay >= spec.max_backoff};
}

}  // namespace tend::supervise
