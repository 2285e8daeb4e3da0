// The checks of an instance: readiness (http, tcp, exec, notify, or alive for
// 1s), health probes, a successor's settling time, and replacement requests.
// Part of Instance (instance.h); split out of instance.cpp along that concept.
#include <fmt/format.h>

#include "os/process.h"
#include "os/socket.h"
#include "supervise/guarded.h"
#include "supervise/instance.h"

namespace tend::supervise {
namespace {

// With no readiness check, an instance is up once it has stayed alive this long.
constexpr auto ready_after = std::chrono::seconds(1);
// How long a successor must stay ready before an old instance stops (at most stable_after).
constexpr auto settle_time = std::chrono::milliseconds(2000);

}  // namespace

void Instance::begin_readiness()
{
    const spec::CheckSpec& ready = m_spec->ready;
    if (ready.kind == spec::CheckKind::None && !ready.notify) {
        m_ready_timer = m_context.loop.add_timer(ready_after, guarded(m_self, [](Instance& self) {
            self.m_ready_timer = 0;
            self.handle(Event::Ready);
        }));
        return;
    }
    m_ready_timer = m_context.loop.add_timer(ready.timeout, guarded(m_self, [](Instance& self) {
        self.m_ready_timer = 0;
        self.handle(Event::ReadyFailed);
    }));
    if (m_notify_fd.valid()) {
        // With a probe as well, probing begins once READY=1 has come.
        (void)m_context.loop.add_fd(m_notify_fd.get(), os::Interest::Read,
            guarded(m_self, [](Instance& self, FdEvent) { self.on_notify_readable(); }));
        return;
    }
    probe_readiness();
}

void Instance::probe_readiness()
{
    const spec::CheckSpec& ready = m_spec->ready;
    auto timeout = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(ready.timeout),
        std::max(std::chrono::milliseconds(1000), std::chrono::duration_cast<std::chrono::milliseconds>(ready.every)));
    m_probe = Probe::start(m_context.loop, ready, check_address(ready), timeout, probe_environment(ready),
        guarded(m_self, [](Instance& self, const ProbeResult& result) {
            self.m_probe.reset();
            if (self.m_state != InstanceState::Starting)
                return;
            if (result.passed) {
                self.handle(Event::Ready);
                return;
            }
            self.m_last_probe = result.detail;
            self.m_probe_timer
                = self.m_context.loop.add_timer(self.m_spec->ready.every, guarded(self.m_self, [](Instance& again) {
                      again.m_probe_timer = 0;
                      again.probe_readiness();
                  }));
        }));
}

void Instance::begin_health()
{
    const spec::CheckSpec& health = m_spec->health;
    if (health.kind == spec::CheckKind::None)
        return;
    auto first = health.grace.count() > 0 ? health.grace : health.every;
    m_probe_timer = m_context.loop.add_timer(first, guarded(m_self, [](Instance& self) {
        self.m_probe_timer = 0;
        self.probe_health();
    }));
}

void Instance::probe_health()
{
    const spec::CheckSpec& health = m_spec->health;
    if (m_state != InstanceState::Running || health.kind == spec::CheckKind::None)
        return;
    m_probe = Probe::start(m_context.loop, health, check_address(health),
        std::chrono::duration_cast<std::chrono::milliseconds>(health.timeout), probe_environment(health),
        guarded(m_self, [](Instance& self, const ProbeResult& result) {
            self.m_probe.reset();
            self.on_health_result(result);
        }));
}

void Instance::on_health_result(const ProbeResult& result)
{
    const spec::CheckSpec& health = m_spec->health;
    if (result.passed) {
        if (m_health_failures > 0)
            m_context.events.record(
                m_name, "health-recovered", fmt::format("after {} failure(s): {}", m_health_failures, result.detail));
        m_health_failures = 0;
    } else {
        ++m_health_failures;
        m_context.events.record(
            m_name, "health-failed", fmt::format("{}/{}: {}", m_health_failures, health.fails, result.detail));
        if (m_health_failures >= health.fails) {
            ask_replacement(fmt::format("unhealthy: {} health checks failed in a row", m_health_failures));
            return;
        }
    }
    m_probe_timer = m_context.loop.add_timer(health.every, guarded(m_self, [](Instance& self) {
        self.m_probe_timer = 0;
        self.probe_health();
    }));
}

// A successor must stay up a little after it says it is ready before an old
// instance stops: a server that reports READY and then fails (a worker that
// cannot boot) is caught here, while the old instance still serves.
void Instance::begin_settling()
{
    auto settle = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(m_spec->stable_after), settle_time);
    m_settle_timer = m_context.loop.add_timer(settle, guarded(m_self, [](Instance& self) {
        self.m_settle_timer = 0;
        if (self.m_state == InstanceState::Running)
            self.end_trial(true, {});
    }));
}

void Instance::end_trial(bool ready, const std::string& why)
{
    if (!m_trial)
        return;
    auto trial = std::move(m_trial);
    m_trial = nullptr;
    trial(ready, why);
}

void Instance::ask_replacement(std::string reason)
{
    if (m_replacement_asked || m_state != InstanceState::Running)
        return;
    m_replacement_asked = true;
    m_recycle_reason = std::move(reason);
    auto decision = decide_recycle(*m_spec, ran_for(), std::exchange(m_recycle_retry, false), m_failures);
    if (decision.delay.count() == 0) {
        m_context.events.record(m_name, "recycle", m_recycle_reason);
        request_recycle();
        return;
    }
    // Recycled again and again soon after starting: the cause persists (a
    // max_memory below the app's size, a health check that cannot pass), so
    // the next one waits the backoff, and the run serves until then.
    m_recycle_looping = decision.crash_looping;
    m_retry_at = m_context.loop.now() + decision.delay;
    m_context.events.record(m_name, "recycle",
        fmt::format("{}; {} quick recycles in a row, the next in {}{}", m_recycle_reason, m_failures.consecutive,
            format_duration(decision.delay), decision.crash_looping ? " (crash-looping)" : ""));
    m_recycle_timer = m_context.loop.add_timer(decision.delay, guarded(m_self, [](Instance& self) {
        self.m_recycle_timer = 0;
        if (self.m_state == InstanceState::Running)
            self.request_recycle();
    }));
}

void Instance::request_recycle()
{
    if (m_resources.request_replacement)
        m_resources.request_replacement(m_recycle_reason);
    else
        restart(ReplaceCause::Recycle);
}

void Instance::recycle_failed()
{
    if (!m_replacement_asked)
        return;
    m_replacement_asked = false;
    m_recycle_retry = true;
}

ProbeEnvironment Instance::probe_environment(const spec::CheckSpec& check) const
{
    int output = -1;
    if (m_capture) {
        if (auto pipes = m_capture->open())
            output = pipes->first;
    }
    return ProbeEnvironment{
        .env = child_environment(), .argv = expand_command(check.argv), .cwd = m_spec->cwd, .output_fd = output};
}

}  // namespace tend::supervise
