#include "loop/loop.h"

#include <array>
#include <csignal>
#include <cstdio>

namespace tend {

Result<std::unique_ptr<Loop>> Loop::create(os::Clock& clock)
{
    os::ignore_sigpipe();
    auto epoll = TRY(os::Epoll::create());
    auto signal_fd = TRY(os::make_signal_fd({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}));
    auto timer_fd = TRY(os::make_timer_fd(os::TimerClock::Monotonic));
    TRY(epoll.add(signal_fd.get(), os::Interest::Read));
    TRY(epoll.add(timer_fd.get(), os::Interest::Read));
    return std::unique_ptr<Loop>(new Loop(clock, std::move(epoll), std::move(signal_fd), std::move(timer_fd)));
}

Loop::Loop(os::Clock& clock, os::Epoll epoll, os::UniqueFd signal_fd, os::UniqueFd timer_fd)
    : m_clock(clock)
    , m_epoll(std::move(epoll))
    , m_signal_fd(std::move(signal_fd))
    , m_timer_fd(std::move(timer_fd))
{}

void Loop::run()
{
    m_running = true;
    while (m_running)
        run_once();
}

void Loop::run_once()
{
    std::array<os::ReadyFd, 64> ready{};
    auto wait_for = m_deferred.empty() ? std::chrono::milliseconds(-1) : std::chrono::milliseconds(0);
    auto count = m_epoll.wait(ready, wait_for);
    if (!count) {
        std::fprintf(stderr, "tend: %s\n", count.error().message().c_str());
        m_running = false;
        return;
    }
    for (std::size_t i = 0; i < *count; ++i)
        dispatch(ready.at(i));
    run_deferred();
}

void Loop::dispatch(const os::ReadyFd& ready)
{
    if (ready.fd == m_signal_fd.get()) {
        handle_signals();
        return;
    }
    if (ready.fd == m_timer_fd.get()) {
        os::drain_timer(m_timer_fd.get());
        m_armed_for = {};
        fire_due_timers();
        return;
    }
    auto it = m_fds.find(ready.fd);
    if (it == m_fds.end())
        return;
    // Hold a reference: the callback may remove its own fd.
    std::shared_ptr<FdCallback> callback = it->second;
    (*callback)(FdEvent{.readable = ready.readable, .writable = ready.writable, .hangup = ready.hangup});
}

Result<void> Loop::add_fd(int fd, os::Interest interest, FdCallback callback)
{
    TRY(m_epoll.add(fd, interest));
    m_fds[fd] = std::make_shared<FdCallback>(std::move(callback));
    return Ok{};
}

void Loop::modify_fd(int fd, os::Interest interest)
{
    (void)m_epoll.modify(fd, interest);
}

void Loop::remove_fd(int fd)
{
    if (m_fds.erase(fd) > 0)
        m_epoll.remove(fd);
}

TimerId Loop::add_timer(std::chrono::nanoseconds delay, std::function<void()> callback)
{
    TimerId id = m_next_timer++;
    MonoTime due = now() + std::chrono::duration_cast<MonoTime::duration>(delay);
    m_timers.emplace(id, Timer{due, std::move(callback)});
    m_timer_order.emplace(due, id);
    rearm_timer();
    return id;
}

void Loop::cancel_timer(TimerId id)
{
    auto it = m_timers.find(id);
    if (it == m_timers.end())
        return;
    auto [first, last] = m_timer_order.equal_range(it->second.due);
    for (auto order = first; order != last; ++order) {
        if (order->second == id) {
            m_timer_order.erase(order);
            break;
        }
    }
    m_timers.erase(it);
}

void Loop::fire_due_timers()
{
    MonoTime current = now();
    while (!m_timer_order.empty() && m_timer_order.begin()->first <= current) {
        TimerId id = m_timer_order.begin()->second;
        m_timer_order.erase(m_timer_order.begin());
        auto node = m_timers.extract(id);
        if (!node.empty())
            node.mapped().callback();
    }
    rearm_timer();
}

void Loop::rearm_timer()
{
    if (m_timer_order.empty())
        return;
    MonoTime due = m_timer_order.begin()->first;
    if (m_armed_for != MonoTime{} && m_armed_for <= due)
        return;
    m_armed_for = due;
    auto delay = due - now();
    if (delay <= std::chrono::nanoseconds::zero())
        delay = std::chrono::nanoseconds(-1);
    (void)os::arm_timer(m_timer_fd.get(), delay);
}

void Loop::defer(std::function<void()> callback)
{
    m_deferred.push_back(std::move(callback));
}

void Loop::run_deferred()
{
    // Deferred calls may defer more; those run in the next round.
    std::vector<std::function<void()>> batch;
    batch.swap(m_deferred);
    for (auto& callback : batch)
        callback();
}

void Loop::on_signal(int signal, std::function<void()> handler)
{
    m_signal_handlers[signal] = std::move(handler);
}

void Loop::handle_signals()
{
    for (;;) {
        auto signal = os::read_signal(m_signal_fd.get());
        if (!signal || *signal == 0)
            return;
        if (*signal == SIGCHLD) {
            reap_children();
            continue;
        }
        auto it = m_signal_handlers.find(*signal);
        if (it != m_signal_handlers.end())
            it->second();
    }
}

void Loop::watch_child(pid_t pid, ExitCallback callback)
{
    m_children[pid] = std::move(callback);
}

void Loop::unwatch_child(pid_t pid)
{
    m_children.erase(pid);
}

void Loop::on_unwatched_exit(ExitCallback callback)
{
    m_unwatched_exit = std::move(callback);
}

void Loop::reap_children()
{
    // Signals coalesce: one SIGCHLD may stand for many exits, so reap until none is left.
    while (auto exit = os::reap_any()) {
        auto node = m_children.extract(exit->pid);
        if (!node.empty())
            node.mapped()(*exit);
        else if (m_unwatched_exit)
            m_unwatched_exit(*exit);
    }
}

void Loop::set_tick(std::chrono::milliseconds period, std::function<void()> callback)
{
    m_tick_period = period;
    m_tick = std::move(callback);
    schedule_tick();
}

void Loop::schedule_tick()
{
    add_timer(m_tick_period, [this] {
        m_tick();
        schedule_tick();
    });
}

}  // namespace tend
