// The event loop: one thread, one epoll, and everything that happens in the
// daemon arrives through it. It owns time (one monotonic timerfd drives every
// timer), signals (a signalfd; handlers run as ordinary loop callbacks, never in
// signal context), child exits (SIGCHLD reaps and dispatches by pid, including
// orphans re-parented to the subreaper), deferred calls, and one housekeeping tick.
//
// Why SIGCHLD rather than one pidfd per child: tend is a subreaper and must
// reap orphans it never spawned, which no pidfd can announce; one reaping path
// serves both. Reaping happens only here, so a pid is never reused while a
// component still refers to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "os/clock.h"
#include "os/events.h"
#include "os/process.h"

namespace tend {

using TimerId = std::uint64_t;

struct FdEvent {
    bool readable;
    bool writable;
    bool hangup;
};

class Loop {
public:
    using FdCallback = std::function<void(FdEvent)>;
    using ExitCallback = std::function<void(const os::ExitStatus&)>;

    // Blocks SIGCHLD, SIGTERM, SIGINT, SIGHUP and SIGQUIT into a signalfd and
    // ignores SIGPIPE. Create one loop per process, before spawning anything.
    static Result<std::unique_ptr<Loop>> create(os::Clock& clock);

    // Watches fd; the callback runs on every readiness. The fd stays owned by the caller.
    Result<void> add_fd(int fd, os::Interest interest, FdCallback callback);
    void modify_fd(int fd, os::Interest interest);
    void remove_fd(int fd);

    // One-shot timer on the monotonic clock. Cancelling an unknown or fired id is a no-op.
    TimerId add_timer(std::chrono::nanoseconds delay, std::function<void()> callback);
    void cancel_timer(TimerId id);

    // Runs callback after the current batch of events, before waiting again.
    void defer(std::function<void()> callback);

    // Handler for a signal in the set named at create().
    void on_signal(int signal, std::function<void()> handler);

    // Exit of a child this process spawned. Registered before the loop reaps it.
    void watch_child(pid_t pid, ExitCallback callback);
    void unwatch_child(pid_t pid);
    [[nodiscard]] bool watches_child(pid_t pid) const { return m_children.contains(pid); }
    // Exit of any reaped process nobody watches (adopted orphans).
    void on_unwatched_exit(ExitCallback callback);

    // The housekeeping tick: runs every `period`.
    void set_tick(std::chrono::milliseconds period, std::function<void()> callback);

    // Runs until stop() is called.
    void run();
    void stop() { m_running = false; }

    [[nodiscard]] os::Clock& clock() const { return m_clock; }
    [[nodiscard]] MonoTime now() const { return m_clock.mono_now(); }

private:
    Loop(os::Clock& clock, os::Epoll epoll, os::UniqueFd signal_fd, os::UniqueFd timer_fd);
    void run_once();
    void dispatch(const os::ReadyFd& ready);
    void handle_signals();
    void reap_children();
    void fire_due_timers();
    void rearm_timer();
    void run_deferred();
    void schedule_tick();

    struct Timer {
        MonoTime due;
        std::function<void()> callback;
    };

    os::Clock& m_clock;
    os::Epoll m_epoll;
    os::UniqueFd m_signal_fd;
    os::UniqueFd m_timer_fd;
    std::unordered_map<int, std::shared_ptr<FdCallback>> m_fds;
    std::multimap<MonoTime, TimerId> m_timer_order;
    std::unordered_map<TimerId, Timer> m_timers;
    TimerId m_next_timer = 1;
    MonoTime m_armed_for{};
    std::vector<std::function<void()>> m_deferred;
    std::unordered_map<int, std::function<void()>> m_signal_handlers;
    std::unordered_map<pid_t, ExitCallback> m_children;
    ExitCallback m_unwatched_exit;
    std::chrono::milliseconds m_tick_period{0};
    std::function<void()> m_tick;
    bool m_running = false;
};

}  // namespace tend
