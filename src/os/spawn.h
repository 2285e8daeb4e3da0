// Starting child processes. The child gets its own session and process group,
// a clean signal mask and dispositions, the given stdio and inherited fds, and
// is exec'd from argv directly (a shell only when argv names one).
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "base/result.h"

namespace tend::os {

struct SpawnOptions {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH from `env` when it has no slash
    std::vector<std::string> env;  // complete environment, "KEY=VALUE"
    std::string cwd;  // empty: inherit the daemon's
    int stdin_fd = -1;  // -1: /dev/null
    int stdout_fd = -1;  // -1: /dev/null
    int stderr_fd = -1;  // -1: same as stdout
    std::vector<int> pass_fds;  // become fds 3, 4, ... in the child
    bool set_listen_pid = false;  // with pass_fds: LISTEN_PID is set to the child's own pid
    std::optional<uid_t> uid;  // switch user (root only)
    std::optional<gid_t> gid;  // switch group (root only)
    bool new_session = true;  // setsid(): own session and process group
};

// Starts the child (clone with CLONE_VM | CLONE_VFORK, as posix_spawn does)
// and execs it. On success returns the child's pid; the exec has already
// happened. On failure (binary missing, cwd missing, permission) returns an
// Error naming the step, e.g. "exec ./server: No such file or directory";
// no child is left behind.
Result<pid_t> spawn(const SpawnOptions& options);

}  // namespace tend::os
