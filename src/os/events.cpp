#include "os/events.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace tend::os {

Result<Epoll> Epoll::create()
{
    int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return Error::from_errno("epoll_create1");
    return Epoll(UniqueFd(fd));
}

Result<void> Epoll::add(int fd, Interest interest)
{
    epoll_event event{.events = static_cast<std::uint32_t>(interest), .data = {.fd = fd}};
    if (::epoll_ctl(m_fd.get(), EPOLL_CTL_ADD, fd, &event) != 0)
        return Error::from_errno("epoll_ctl ADD");
    return Ok{};
}

Result<void> Epoll::modify(int fd, Interest interest)
{
    epoll_event event{.events = static_cast<std::uint32_t>(interest), .data = {.fd = fd}};
    if (::epoll_ctl(m_fd.get(), EPOLL_CTL_MOD, fd, &event) != 0)
        return Error::from_errno("epoll_ctl MOD");
    return Ok{};
}

void Epoll::remove(int fd)
{
    ::epoll_ctl(m_fd.get(), EPOLL_CTL_DEL, fd, nullptr);
}

Result<std::size_t> Epoll::wait(std::span<ReadyFd> out, std::chrono::milliseconds timeout)
{
    epoll_event events[64];
    int capacity = static_cast<int>(std::min<std::size_t>(out.size(), 64));
    int n = ::epoll_wait(m_fd.get(), events, capacity, static_cast<int>(timeout.count()));
    if (n < 0) {
        if (errno == EINTR)
            return std::size_t{0};
        return Error::from_errno("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
        out[static_cast<std::size_t>(i)] = ReadyFd{
            .fd = events[i].data.fd,
            .readable = (events[i].events & EPOLLIN) != 0,
            .writable = (events[i].events & EPOLLOUT) != 0,
            .hangup = (events[i].events & (EPOLLHUP | EPOLLERR)) != 0,
        };
    }
    return static_cast<std::size_t>(n);
}

Result<UniqueFd> make_signal_fd(std::initializer_list<int> signals)
{
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : signals)
        sigaddset(&mask, sig);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0)
        return Error::from_errno("sigprocmask");
    int fd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return Error::from_errno("signalfd");
    return UniqueFd(fd);
}

Result<int> read_signal(int signal_fd)
{
    signalfd_siginfo info{};
    ssize_t n = ::read(signal_fd, &info, sizeof info);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        return Error::from_errno("read signalfd");
    }
    return static_cast<int>(info.ssi_signo);
}

Result<UniqueFd> make_timer_fd(TimerClock clock)
{
    int fd = ::timerfd_create(
        clock == TimerClock::Monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0)
        return Error::from_errno("timerfd_create");
    return UniqueFd(fd);
}

Result<void> arm_timer(int timer_fd, std::chrono::nanoseconds delay)
{
    itimerspec spec{};
    if (delay.count() > 0) {
        spec.it_value.tv_sec = static_cast<time_t>(delay.count() / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(delay.count() % 1'000'000'000);
    } else if (delay.count() == 0) {
        spec.it_value.tv_nsec = 0;
    } else {
        spec.it_value.tv_nsec = 1;  // already due: fire as soon as possible
    }
    if (::timerfd_settime(timer_fd, 0, &spec, nullptr) != 0)
        return Error::from_errno("timerfd_settime");
    return Ok{};
}

void drain_timer(int timer_fd)
{
    std::uint64_t expirations = 0;
    (void)!::read(timer_fd, &expirations, sizeof expirations);
}

}  // namespace tend::os

namespace tend::os {
void ignore_sigpipe()
{
    ::signal(SIGPIPE, SIG_IGN);
}
}  // namespace tend::os

namespace tend::os {

Result<UniqueFd> make_inotify()
{
    int fd = ::inotify_init1(IN_CLOEXEC);
    if (fd < 0)
        return Error::from_errno("inotify_init1");
    return UniqueFd(fd);
}

Result<void> watch_directory(int inotify_fd, const std::string& directory)
{
    if (::inotify_add_watch(
            inotify_fd, directory.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
        < 0)
        return Error::from_errno("inotify_add_watch " + directory);
    return Ok{};
}

Result<std::vector<InotifyEvent>> read_inotify(int inotify_fd)
{
    alignas(inotify_event) char buffer[8192];
    ssize_t n = 0;
    do {
        n = ::read(inotify_fd, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return std::vector<InotifyEvent>();
    if (n < 0)
        return Error::from_errno("read inotify");
    std::vector<InotifyEvent> events;
    for (ssize_t at = 0; at < n;) {
        auto* event = reinterpret_cast<inotify_event*>(buffer + at);  // NOLINT
        events.push_back({event->len > 0 ? std::string(event->name) : std::string(), event->mask, event->wd});
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    return events;
}

Result<UniqueFd> make_inotify_nonblocking()
{
    int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
        return Error::from_errno("inotify_init1");
    return UniqueFd(fd);
}

Result<int> add_watch(int inotify_fd, const std::string& directory, WatchKind kind)
{
    std::uint32_t mask = kind == WatchKind::Arrivals
        ? IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR
        : IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
    int watch = ::inotify_add_watch(inotify_fd, directory.c_str(), mask);
    if (watch < 0)
        return Error::from_errno("watch " + directory);
    return watch;
}

void remove_watch(int inotify_fd, int watch)
{
    ::inotify_rm_watch(inotify_fd, watch);
}

bool is_arrival(std::uint32_t mask)
{
    return (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0 && (mask & IN_ISDIR) == 0;
}

bool is_appearance(std::uint32_t mask)
{
    return (mask & (IN_CREATE | IN_MOVED_TO)) != 0;
}

bool is_watch_gone(std::uint32_t mask)
{
    return (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;
}

bool is_overflow(std::uint32_t mask)
{
    return (mask & IN_Q_OVERFLOW) != 0;
}

Result<void> arm_wall_timer(int timer_fd, WallTime at)
{
    itimerspec spec{};
    std::int64_t micros = std::max<std::int64_t>(to_micros(at), 1);
    spec.it_value.tv_sec = static_cast<time_t>(micros / 1'000'000);
    spec.it_value.tv_nsec = static_cast<long>(micros % 1'000'000) * 1000;
    if (::timerfd_settime(timer_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr) != 0)
        return Error::from_errno("timerfd_settime");
    return Ok{};
}

WallTimerRead read_wall_timer(int timer_fd)
{
    std::uint64_t expirations = 0;
    ssize_t got = ::read(timer_fd, &expirations, sizeof expirations);
    if (got == static_cast<ssize_t>(sizeof expirations))
        return WallTimerRead::Expired;
    if (got < 0 && errno == ECANCELED)
        return WallTimerRead::ClockChanged;
    return WallTimerRead::Nothing;
}

}  // namespace tend::os
