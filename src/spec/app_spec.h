// The app file (`tend.toml`) as validated data: what the daemon should run.
//
// An AppSpec is produced only by load_app_file() (parse.h), so every value in it
// has already been checked: commands are non-empty argv, `after` names exist and
// form no cycle, secret files were readable and not too open.
#pragma once

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/units.h"

namespace tend::spec {

enum class RestartPolicy { Always, OnFailure, Never };

// Where a value came from, for error messages and `tend apply --plan`.
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
    bool operator==(const SourceLocation&) const = default;
};

struct ProcessSpec {
    std::string name;
    std::vector<std::string> argv;  // after string splitting or `shell = true` wrapping
    int instances = 1;  // 0 keeps the group defined but stopped
    std::map<std::string, std::string> env;  // [defaults].env overlaid with this process's env
    std::string env_file;  // absolute path, empty when none
    std::map<std::string, std::string> secret_env;  // values read from env_file: never shown anywhere
    std::string cwd;  // absolute; defaults to the app file's directory
    std::optional<std::string> user;  // switch to this user (daemon must run as root)
    std::optional<std::string> group;  // switch to this group (daemon must run as root)
    RestartPolicy restart = RestartPolicy::Always;
    Duration stable_after = std::chrono::seconds(10);  // a run longer than this restarts at once
    Duration max_backoff = std::chrono::seconds(30);  // cap of the quick-failure backoff
    int stop_signal = SIGTERM;
    Duration stop_timeout = std::chrono::seconds(10);  // then SIGKILL to the whole tree
    std::vector<std::string> after;  // start once these groups are ready; stop before them
    std::optional<int> port;  // PORT = port + instance index
    SourceLocation where;  // the [process.NAME] header

    bool operator==(const ProcessSpec& other) const = default;
};

struct AppSpec {
    std::string app;  // [a-zA-Z0-9_-]+
    std::string timezone = "UTC";
    std::string file;  // absolute path of the app file
    std::string directory;  // the app file's directory
    std::string environment;  // the --env overlay applied, empty for none
    std::map<std::string, ProcessSpec> processes;  // by name

    // Process names in an order where each comes after everything in its `after`.
    [[nodiscard]] std::vector<std::string> start_order() const;
};

std::string_view to_string(RestartPolicy policy);

}  // namespace tend::spec
