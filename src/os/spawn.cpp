#include "os/spawn.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/fd.h"
#include "os/files.h"

namespace tend::os {
namespace {

// What the child reports through the close-on-exec pipe when a step fails.
struct ChildFailure {
    int step;
    int code;
};

enum Step : int { StepSession, StepStdio, StepFds, StepCwd, StepGroup, StepUser, StepExec, StepListenPid };
constexpr std::array step_names{
    "setsid", "set up stdio", "pass fds", "chdir", "set group", "set user", "exec", "set LISTEN_PID"};

[[noreturn]] void fail_in_child(int report_fd, Step step)
{
    ChildFailure failure{step, errno};
    (void)!::write(report_fd, &failure, sizeof failure);
    ::_exit(127);
}

// Moves fd to `target`; works when they are equal by clearing close-on-exec.
bool place_fd(int fd, int target)
{
    if (fd == target)
        return ::fcntl(fd, F_SETFD, 0) == 0;
    return ::dup2(fd, target) >= 0;
}

std::string resolve_program(const SpawnOptions& options)
{
    std::string search_path = "/usr/local/bin:/usr/bin:/bin";
    for (const std::string& entry : options.env) {
        if (entry.starts_with("PATH="))
            search_path = entry.substr(5);
    }
    auto found = find_executable(options.argv[0], search_path);
    return found.value_or(options.argv[0]);
}

// Runs in the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void run_child(const SpawnOptions& options, const std::string& program, char* const* argv,
    char* const* envp, char* listen_pid_slot, int null_fd, int report_fd)
{
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig)
        ::signal(sig, SIG_DFL);
    if (options.new_session && ::setsid() < 0)
        fail_in_child(report_fd, StepSession);

    // Copy every source fd above the target range first so placing one never
    // clobbers another that is still to be placed.
    int lowest = 3 + static_cast<int>(options.pass_fds.size()) + 8;
    auto lift = [&](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, lowest); };
    int in = lift(options.stdin_fd >= 0 ? options.stdin_fd : null_fd);
    int out = lift(options.stdout_fd >= 0 ? options.stdout_fd : null_fd);
    int err = lift(options.stderr_fd >= 0 ? options.stderr_fd : (options.stdout_fd >= 0 ? options.stdout_fd : null_fd));
    int report = lift(report_fd);
    if (in < 0 || out < 0 || err < 0 || report < 0)
        fail_in_child(report_fd, StepStdio);
    report_fd = report;
    int lifted[64];
    std::size_t count = options.pass_fds.size() < 64 ? options.pass_fds.size() : 64;
    for (std::size_t i = 0; i < count; ++i) {
        lifted[i] = lift(options.pass_fds[i]);
        if (lifted[i] < 0)
            fail_in_child(report_fd, StepFds);
    }
    if (!place_fd(in, 0) || !place_fd(out, 1) || !place_fd(err, 2))
        fail_in_child(report_fd, StepStdio);
    for (std::size_t i = 0; i < count; ++i) {
        if (!place_fd(lifted[i], 3 + static_cast<int>(i)))
            fail_in_child(report_fd, StepFds);
    }
    if (listen_pid_slot != nullptr) {
        // The slot is the digits part of a preallocated "LISTEN_PID=" entry.
        pid_t self = ::getpid();
        char digits[16];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + self % 10);
            self /= 10;
        } while (self > 0);
        for (int i = 0; i < n; ++i)
            listen_pid_slot[i] = digits[n - 1 - i];
        listen_pid_slot[n] = '\0';
    }
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0)
        fail_in_child(report_fd, StepCwd);
    if (options.gid) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(*options.gid) != 0)
            fail_in_child(report_fd, StepGroup);
    }
    if (options.uid && ::setuid(*options.uid) != 0)
        fail_in_child(report_fd, StepUser);
    ::execve(program.c_str(), argv, envp);
    fail_in_child(report_fd, StepExec);
}

}  // namespace

Result<pid_t> spawn(const SpawnOptions& options)
{
    if (options.argv.empty())
        return Error("spawn: empty command");
    std::string program = resolve_program(options);
    // Everything the child needs is laid out before fork: after fork only
    // async-signal-safe calls are allowed.
    std::vector<char*> argv;
    argv.reserve(options.argv.size() + 1);
    for (const std::string& arg : options.argv)
        argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = options.env;
    char* listen_pid_slot = nullptr;
    if (options.set_listen_pid)
        env_storage.push_back("LISTEN_PID=" + std::string(16, '\0'));
    std::vector<char*> envp;
    envp.reserve(env_storage.size() + 1);
    for (std::string& entry : env_storage)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    if (options.set_listen_pid)
        listen_pid_slot = env_storage.back().data() + std::strlen("LISTEN_PID=");

    auto null_fd = TRY(open_null());
    auto report = TRY(make_pipe());
    pid_t pid = ::fork();
    if (pid < 0)
        return Error::from_errno("fork");
    if (pid == 0)
        run_child(options, program, argv.data(), envp.data(), listen_pid_slot, null_fd.get(), report.write_end.get());
    report.write_end.reset();
    ChildFailure failure{};
    ssize_t n = 0;
    do {
        n = ::read(report.read_end.get(), &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == sizeof failure) {
        // The child failed before exec; reap it here so no zombie is left.
        ::waitpid(pid, nullptr, 0);
        std::string what = failure.step == StepExec ? fmt::format("exec {}", options.argv[0])
            : failure.step == StepCwd               ? fmt::format("chdir {}", options.cwd)
                                      : std::string(step_names.at(static_cast<std::size_t>(failure.step)));
        return Error::from_errno(what, failure.code);
    }
    return pid;
}

}  // namespace tend::os
