#include "os/spawn.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/fd.h"
#include "os/files.h"
#include "os/limits.h"
#include "os/process.h"

namespace tend::os {
namespace {

// Written by the child when a step before exec fails. The child shares the
// daemon's memory (CLONE_VM), and the daemon reads this once the child is gone.
struct ChildFailure {
    int step = -1;
    int code = 0;
};

enum Step : int { StepSession, StepStdio, StepFds, StepCwd, StepGroup, StepUser, StepExec, StepListenPid, StepLimit };
constexpr std::array step_names{"setsid", "set up stdio", "pass fds", "chdir", "set group", "set user", "exec",
    "set LISTEN_PID", "set RLIMIT_NOFILE"};

// Everything the child needs, laid out by the daemon before the clone.
struct ChildPlan {
    const SpawnOptions* options = nullptr;
    const char* program = nullptr;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    char* listen_pid_slot = nullptr;
    int null_fd = -1;
    const rlimit* descriptor_limit = nullptr;  // the daemon raised its own: the child gets this back
    ChildFailure failure;
};

[[noreturn]] void fail_in_child(ChildPlan& plan, Step step)
{
    plan.failure = ChildFailure{step, errno};
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

// The kernel's struct sigaction (x86-64 and arm64 layout).
struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    std::uint64_t mask;
};

// Sets the default disposition with the system call itself: libc refuses the
// two signals it keeps for its threads (32 and 33), and those can arrive
// ignored from whoever started the daemon (commands run by GNU make have both
// ignored here), and an ignored signal stays ignored across exec.
void reset_signal(int sig)
{
    KernelSigaction action{SIG_DFL, 0, nullptr, 0};
    ::syscall(SYS_rt_sigaction, sig, &action, nullptr, sizeof action.mask);
}

// Runs in the child, on its own stack but in the daemon's memory, until the
// exec: only system calls, no allocation, and nothing written but the plan's
// failure and the LISTEN_PID slot. Credentials are changed with raw system
// calls: libc's wrappers would try to reach the daemon's other threads.
[[noreturn]] void run_child(ChildPlan& plan)
{
    const SpawnOptions& options = *plan.options;
    // Every signal is blocked (by the daemon, around the clone) until the
    // dispositions are the defaults, so no handler ever runs in the child.
    for (int sig = 1; sig < NSIG; ++sig)
        reset_signal(sig);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.new_session && ::setsid() < 0)
        fail_in_child(plan, StepSession);

    // Copy every source fd above the target range first so placing one never
    // clobbers another that is still to be placed.
    int lowest = 3 + static_cast<int>(options.pass_fds.size()) + 8;
    auto lift = [&](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, lowest); };
    int in = lift(options.stdin_fd >= 0 ? options.stdin_fd : plan.null_fd);
    int out = lift(options.stdout_fd >= 0 ? options.stdout_fd : plan.null_fd);
    int err = lift(
        options.stderr_fd >= 0 ? options.stderr_fd : (options.stdout_fd >= 0 ? options.stdout_fd : plan.null_fd));
    if (in < 0 || out < 0 || err < 0)
        fail_in_child(plan, StepStdio);
    int lifted[64];
    std::size_t count = options.pass_fds.size() < 64 ? options.pass_fds.size() : 64;
    for (std::size_t i = 0; i < count; ++i) {
        lifted[i] = lift(options.pass_fds[i]);
        if (lifted[i] < 0)
            fail_in_child(plan, StepFds);
    }
    if (!place_fd(in, 0) || !place_fd(out, 1) || !place_fd(err, 2))
        fail_in_child(plan, StepStdio);
    for (std::size_t i = 0; i < count; ++i) {
        if (!place_fd(lifted[i], 3 + static_cast<int>(i)))
            fail_in_child(plan, StepFds);
    }
    if (plan.listen_pid_slot != nullptr) {
        // The slot is the digits part of a preallocated "LISTEN_PID=" entry.
        pid_t self = ::getpid();
        char digits[16];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + self % 10);
            self /= 10;
        } while (self > 0);
        for (int i = 0; i < n; ++i)
            plan.listen_pid_slot[i] = digits[n - 1 - i];
        plan.listen_pid_slot[n] = '\0';
    }
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0)
        fail_in_child(plan, StepCwd);
    if (options.gid) {
        if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setgid, *options.gid) != 0)
            fail_in_child(plan, StepGroup);
    }
    if (options.uid && ::syscall(SYS_setuid, *options.uid) != 0)
        fail_in_child(plan, StepUser);
    if (plan.descriptor_limit != nullptr
        && ::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, plan.descriptor_limit, nullptr) != 0)
        fail_in_child(plan, StepLimit);
    ::execve(plan.program, plan.argv, plan.envp);
    fail_in_child(plan, StepExec);
}

int child_main(void* plan)
{
    run_child(*static_cast<ChildPlan*>(plan));
}

}  // namespace

Result<pid_t> spawn(const SpawnOptions& options)
{
    if (options.argv.empty())
        return Error("spawn: empty command");
    std::string program = resolve_program(options);
    // Everything the child needs is laid out before the clone: the child may
    // not allocate.
    std::vector<char*> argv;
    argv.reserve(options.argv.size() + 1);
    for (const std::string& arg : options.argv)
        argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = options.env;
    if (options.set_listen_pid)
        env_storage.push_back("LISTEN_PID=" + std::string(16, '\0'));
    std::vector<char*> envp;
    envp.reserve(env_storage.size() + 1);
    for (std::string& entry : env_storage)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    auto null_fd = TRY(open_null());
    std::optional<rlimit> descriptor_limit;
    if (auto limit = child_descriptor_limit())
        descriptor_limit = rlimit{limit->soft, limit->hard};
    ChildPlan plan{.options = &options,
        .program = program.c_str(),
        .argv = argv.data(),
        .envp = envp.data(),
        .listen_pid_slot = options.set_listen_pid ? env_storage.back().data() + std::strlen("LISTEN_PID=") : nullptr,
        .null_fd = null_fd.get(),
        .descriptor_limit = descriptor_limit ? &*descriptor_limit : nullptr};

    // As posix_spawn does: the child shares the daemon's memory instead of a
    // copy of its page tables (fork's cost grows with the daemon and makes
    // every page the daemon writes next a copy-on-write fault), and the daemon
    // waits only until the child has exec'd or failed (CLONE_VFORK). The
    // child's stack is a part of this frame the daemon does not touch while it
    // waits.
    alignas(16) std::array<char, std::size_t{32} * 1024> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &previous);
    pid_t pid = ::clone(child_main, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    int clone_errno = errno;
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0)
        return Error::from_errno("clone", clone_errno);
    if (plan.failure.step >= 0) {
        // The child failed before exec; reap it here so no zombie is left.
        reap(pid);
        const ChildFailure& failure = plan.failure;
        std::string what = failure.step == StepExec ? fmt::format("exec {}", options.argv[0])
            : failure.step == StepCwd               ? fmt::format("chdir {}", options.cwd)
                                      : std::string(step_names.at(static_cast<std::size_t>(failure.step)));
        return Error::from_errno(what, failure.code);
    }
    return pid;
}

}  // namespace tend::os
