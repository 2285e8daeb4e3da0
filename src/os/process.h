// Processes: signals to processes and groups, reaping, the subreaper flag,
// users and groups, and reading the process table from /proc.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace tend::os {

// How a process ended: `exit_code` for a normal exit, `signal` when killed.
struct ExitStatus {
    pid_t pid = 0;
    int exit_code = 0;
    int signal = 0;

    [[nodiscard]] bool success() const { return signal == 0 && exit_code == 0; }
    // "exit 0", "exit 3", "signal 9 (KILL)"
    [[nodiscard]] std::string describe() const;
};

// Reaps one exited child without blocking; nullopt when none is waiting.
std::optional<ExitStatus> reap_any();
// Waits for this child to end and reaps it. The daemon calls it only for a
// child that has already ended (a spawn that failed before exec).
ExitStatus reap(pid_t pid);

// Sends `signal` to pid; ESRCH (already gone) is not an error.
Result<void> send_signal(pid_t pid, int signal);
// Sends `signal` to every member of process group pgid; ESRCH is not an error.
Result<void> send_group_signal(pid_t pgid, int signal);

// Waits until every process in `pids` has ended (a pidfd each, polled
// together; it works for processes that are not this one's children), for at
// most `timeout`. Pids already gone count as ended. Returns how many still ran
// at the deadline.
std::size_t await_exits(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout);

// Makes this process a child subreaper: orphaned descendants are re-parented
// to it instead of to init, so it sees and reaps them.
Result<void> become_subreaper();

pid_t self_pid();
// Whether a process with this pid exists (a zombie counts).
bool process_exists(pid_t pid);
// This (single-threaded) process's direct children, zombies included, from
// /proc/self/task/PID/children; an error when the kernel lacks that file.
Result<std::vector<pid_t>> direct_children();
uid_t effective_uid();

// "TERM" -> SIGTERM; accepts "SIGTERM", "TERM", "term" and numbers.
Result<int> parse_signal(std::string_view name);
std::string signal_name(int signal);

struct UserIds {
    uid_t uid;
    gid_t gid;  // the user's primary group
    std::string home;
};
Result<UserIds> lookup_user(const std::string& name);
Result<gid_t> lookup_group(const std::string& name);

// One row of the process table, from /proc/PID/stat.
struct ProcessInfo {
    pid_t pid = 0;
    pid_t ppid = 0;
    pid_t pgid = 0;
    pid_t sid = 0;
    std::uint64_t cpu_ticks = 0;  // utime + stime
    std::uint64_t start_ticks = 0;  // since boot; with pid, identifies a process across pid reuse
    std::uint64_t rss_bytes = 0;
    char state = '?';
};

// Reads every process visible in /proc. Processes that vanish mid-scan are skipped.
std::unordered_map<pid_t, ProcessInfo> read_process_table();
std::optional<ProcessInfo> read_process(pid_t pid);

// The value of `key` in the process's initial environment, if readable.
std::optional<std::string> read_environ_value(pid_t pid, std::string_view key);

// Clock ticks per second for cpu_ticks/start_ticks.
long ticks_per_second();

// Proportional set size of a process in bytes (smaps_rollup), for benchmarks.
Result<std::uint64_t> read_pss_bytes(pid_t pid);

}  // namespace tend::os
