// The kernel's notification primitives, wrapped once: epoll, signalfd and
// timerfd. The event loop is built on these and nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <sys/epoll.h>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "os/fd.h"

namespace tend::os {

enum class Interest : std::uint32_t {
    Read = EPOLLIN,
    Write = EPOLLOUT,
    ReadWrite = EPOLLIN | EPOLLOUT,
};

struct ReadyFd {
    int fd;
    bool readable;
    bool writable;
    bool hangup;  // EPOLLHUP or EPOLLERR
};

class Epoll {
public:
    static Result<Epoll> create();

    Result<void> add(int fd, Interest interest);
    Result<void> modify(int fd, Interest interest);
    void remove(int fd);

    // Waits up to `timeout` (negative: forever) and fills `out`; returns how many.
    Result<std::size_t> wait(std::span<ReadyFd> out, std::chrono::milliseconds timeout);

private:
    explicit Epoll(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
};

// Blocks the signals for normal delivery and returns a signalfd that reports
// them instead. Children get a clean mask back in spawn().
Result<UniqueFd> make_signal_fd(std::initializer_list<int> signals);
// Reads one pending signal number from a signalfd; 0 when none is pending.
Result<int> read_signal(int signal_fd);

enum class TimerClock { Monotonic, Realtime };

// A non-blocking timerfd on the given clock.
Result<UniqueFd> make_timer_fd(TimerClock clock);
// Arms the timer to fire once `delay` from now (zero disarms).
Result<void> arm_timer(int timer_fd, std::chrono::nanoseconds delay);
// Consumes the expiration count so the fd stops being readable.
void drain_timer(int timer_fd);

// A CLOCK_REALTIME timerfd armed for an absolute wall-clock time, with
// TFD_TIMER_CANCEL_ON_SET: when someone sets the clock (a jump), reading it
// says so instead of waiting on for a time that no longer means the same.
Result<void> arm_wall_timer(int timer_fd, WallTime at);
enum class WallTimerRead { Expired, ClockChanged, Nothing };
WallTimerRead read_wall_timer(int timer_fd);

}  // namespace tend::os

namespace tend::os {
// Writes to a closed pipe or socket return EPIPE instead of killing the daemon.
void ignore_sigpipe();
}  // namespace tend::os

namespace tend::os {

struct InotifyEvent {
    std::string name;  // file name within the watched directory
    std::uint32_t mask = 0;
    int watch = -1;  // the watch descriptor it came from
};

// An inotify instance (blocking reads: for the CLI's `logs -f`).
Result<UniqueFd> make_inotify();
// Watches a directory for files created, written, moved in or out, deleted.
Result<void> watch_directory(int inotify_fd, const std::string& directory);
// Blocks until events arrive (on a non-blocking fd: returns none when none wait).
Result<std::vector<InotifyEvent>> read_inotify(int inotify_fd);

// For the daemon: a non-blocking inotify instance, and watches of a directory
// for files that arrive complete (closed after writing, or moved in) and for
// the directory itself going away; or for an entry appearing in a parent.
Result<UniqueFd> make_inotify_nonblocking();
enum class WatchKind { Arrivals, Appearance };
Result<int> add_watch(int inotify_fd, const std::string& directory, WatchKind kind);
void remove_watch(int inotify_fd, int watch);
// What an event's mask means.
bool is_arrival(std::uint32_t mask);  // closed after writing, or moved in (a file, not a directory)
bool is_appearance(std::uint32_t mask);  // created or moved in (anything)
bool is_watch_gone(std::uint32_t mask);  // the watched directory was deleted or moved away
bool is_overflow(std::uint32_t mask);  // events were lost: rescan

}  // namespace tend::os
