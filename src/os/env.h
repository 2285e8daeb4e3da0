// The daemon's own environment and process-level settings.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tend::os {

std::optional<std::string> get_env(const char* name);
// This process's environment as "KEY=VALUE" entries.
std::vector<std::string> environment();
// Path of the running executable (/proc/self/exe).
std::string self_executable();

// Detaches from the terminal: new session, stdin from /dev/null, stdout and
// stderr to `log_path` (appended). Used by the background daemon.
void detach(const std::string& log_path);

// Forks; the child runs on and the parent gets the child's pid.
// The child gets 0. Fails only when fork fails.
int fork_process();

[[noreturn]] void exit_now(int code);

// Replaces this process with argv (for the background daemon).
[[noreturn]] void exec_self(const std::vector<std::string>& argv);

}  // namespace tend::os
