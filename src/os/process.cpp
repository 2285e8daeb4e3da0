#include "os/process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/fd.h"
#include "os/files.h"

namespace tend::os {

std::string ExitStatus::describe() const
{
    if (signal != 0)
        return fmt::format("signal {} ({})", signal, signal_name(signal));
    return fmt::format("exit {}", exit_code);
}

namespace {

ExitStatus exit_status(pid_t pid, int status)
{
    ExitStatus exit{.pid = pid};
    if (WIFSIGNALED(status))
        exit.signal = WTERMSIG(status);
    else
        exit.exit_code = WEXITSTATUS(status);
    return exit;
}

}  // namespace

std::optional<ExitStatus> reap_any()
{
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            return std::nullopt;
        return exit_status(pid, status);
    }
}

ExitStatus reap(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return exit_status(pid, status);
}

Result<void> send_signal(pid_t pid, int signal)
{
    if (pid <= 0)
        return Error("send_signal: invalid pid");
    if (::kill(pid, signal) != 0 && errno != ESRCH)
        return Error::from_errno(fmt::format("kill {}", pid));
    return Ok{};
}

bool process_exists(pid_t pid)
{
    return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

Result<void> send_group_signal(pid_t pgid, int signal)
{
    if (pgid <= 1)
        return Error("send_group_signal: invalid process group");
    if (::kill(-pgid, signal) != 0 && errno != ESRCH)
        return Error::from_errno(fmt::format("kill -{}", pgid));
    return Ok{};
}

std::size_t await_exits(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout)
{
    std::vector<UniqueFd> handles;
    std::vector<pollfd> waiting;
    for (pid_t pid : pids) {
        UniqueFd handle(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        if (!handle.valid())
            continue;  // ESRCH: already gone
        waiting.push_back(pollfd{.fd = handle.get(), .events = POLLIN, .revents = 0});
        handles.push_back(std::move(handle));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!waiting.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        int ready = ::poll(waiting.data(), waiting.size(), static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR)
            break;
        // A pidfd becomes readable when its process has ended.
        std::erase_if(waiting, [](const pollfd& entry) { return (entry.revents & (POLLIN | POLLHUP)) != 0; });
    }
    return waiting.size();
}

Result<void> become_subreaper()
{
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        return Error::from_errno("prctl(PR_SET_CHILD_SUBREAPER)");
    return Ok{};
}

pid_t self_pid()
{
    return ::getpid();
}

uid_t effective_uid()
{
    return ::geteuid();
}

Result<int> parse_signal(std::string_view name)
{
    std::string upper;
    for (char c : name)
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper.starts_with("SIG"))
        upper = upper.substr(3);
    if (!upper.empty() && std::isdigit(static_cast<unsigned char>(upper[0])) != 0) {
        int number = std::atoi(upper.c_str());
        if (number > 0 && number < NSIG)
            return number;
    }
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = ::sigabbrev_np(sig);
        if (abbrev != nullptr && upper == abbrev)
            return sig;
    }
    return Error(fmt::format("unknown signal \"{}\" (expected e.g. TERM, INT, QUIT, HUP, USR1)", name));
}

std::string signal_name(int signal)
{
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev != nullptr ? abbrev : std::to_string(signal);
}

Result<UserIds> lookup_user(const std::string& name)
{
    errno = 0;
    struct passwd* entry = ::getpwnam(name.c_str());
    if (entry == nullptr)
        return Error(fmt::format("unknown user \"{}\"", name));
    return UserIds{entry->pw_uid, entry->pw_gid, entry->pw_dir};
}

Result<gid_t> lookup_group(const std::string& name)
{
    struct group* entry = ::getgrnam(name.c_str());
    if (entry == nullptr)
        return Error(fmt::format("unknown group \"{}\"", name));
    return entry->gr_gid;
}

std::optional<ProcessInfo> read_process(pid_t pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return std::nullopt;
    char buffer[1024];
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer - 1);
    if (n <= 0)
        return std::nullopt;
    buffer[n] = '\0';
    // The command name is in parentheses and may itself contain ") ".
    char* close = std::strrchr(buffer, ')');
    if (close == nullptr || close[1] == '\0')
        return std::nullopt;
    ProcessInfo info{.pid = pid};
    unsigned long utime = 0;
    unsigned long stime = 0;
    unsigned long long start = 0;
    long rss_pages = 0;
    int fields
        = std::sscanf(close + 2, "%c %d %d %d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %llu %*u %ld",
            &info.state, &info.ppid, &info.pgid, &info.sid, &utime, &stime, &start, &rss_pages);
    if (fields != 8)
        return std::nullopt;
    static const long page_size = ::sysconf(_SC_PAGESIZE);
    info.cpu_ticks = utime + stime;
    info.start_ticks = start;
    info.rss_bytes = static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(page_size);
    return info;
}

std::unordered_map<pid_t, ProcessInfo> read_process_table()
{
    std::unordered_map<pid_t, ProcessInfo> table;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr)
        return table;
    while (struct dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
        pid_t pid = std::atoi(entry->d_name);
        if (auto info = read_process(pid))
            table.emplace(pid, *info);
    }
    ::closedir(dir);
    return table;
}

std::optional<std::string> read_environ_value(pid_t pid, std::string_view key)
{
    auto content = read_file(fmt::format("/proc/{}/environ", pid));
    if (!content)
        return std::nullopt;
    std::string_view rest = *content;
    while (!rest.empty()) {
        std::size_t end = rest.find('\0');
        std::string_view entry = rest.substr(0, end);
        if (entry.size() > key.size() && entry.substr(0, key.size()) == key && entry[key.size()] == '=')
            return std::string(entry.substr(key.size() + 1));
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    return std::nullopt;
}

long ticks_per_second()
{
    static const long ticks = ::sysconf(_SC_CLK_TCK);
    return ticks;
}

Result<std::uint64_t> read_pss_bytes(pid_t pid)
{
    auto content = TRY(read_file(fmt::format("/proc/{}/smaps_rollup", pid)));
    std::size_t at = content.find("\nPss:");
    if (at == std::string::npos)
        return Error("smaps_rollup has no Pss line");
    return std::strtoull(content.c_str() + at + 5, nullptr, 10) * 1024;
}

Result<std::vector<pid_t>> direct_children()
{
    pid_t self = self_pid();
    auto text = TRY(read_file(fmt::format("/proc/{}/task/{}/children", self, self)));
    std::vector<pid_t> out;
    const char* cursor = text.c_str();
    while (*cursor != '\0') {
        char* end = nullptr;
        long pid = std::strtol(cursor, &end, 10);
        if (end == cursor)
            break;
        out.push_back(static_cast<pid_t>(pid));
        cursor = end;
    }
    return out;
}

}  // namespace tend::os
