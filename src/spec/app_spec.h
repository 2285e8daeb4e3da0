// The app file (`tend.toml`) as validated data: what the daemon should run.
//
// An AppSpec is produced only by load_app_file() (parse.h), so every value in it
// has already been checked: commands are non-empty argv, `after` names exist and
// form no cycle, secret files were readable and not too open.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/units.h"
#include "spec/retention_spec.h"

namespace tend::spec {

enum class RestartPolicy { Always, OnFailure, Never };

// How an instance is judged up (`ready`) or alive (`health`).
enum class CheckKind { None, Http, Tcp, Exec, Notify };

struct CheckSpec {
    CheckKind kind = CheckKind::None;
    std::string path;  // http: the request path, e.g. "/healthz"
    std::string address;  // http, tcp: "HOST:PORT" or "unix:PATH"; empty: the group's listen or port
    std::vector<std::string> argv;  // exec: the command (exit 0 passes)
    int status = 0;  // http: the expected status; 0 accepts any 2xx or 3xx
    Duration timeout{0};  // ready: deadline to become ready (60s); health: per probe (5s)
    Duration every{0};  // ready: probe interval (250ms); health: period (10s)
    int fails = 3;  // health: consecutive failures that restart the instance
    Duration grace{0};  // health: no probes this long after the instance is ready
    // ready: READY=1 is awaited as well; `kind` is the probe that follows it,
    // or Notify when READY=1 is all
    bool notify = false;
    // http, tcp: connect to a socket tend binds for this instance alone
    // (passed after the listen sockets), never to the shared listen socket
    bool instance_socket = false;
    bool operator==(const CheckSpec&) const = default;
};

// A socket tend binds for a group and passes as fds 3.. (systemd's LISTEN_FDS).
struct ListenSpec {
    std::string text;  // as written: "0.0.0.0:8080", "[::1]:8080", "unix:/run/app.sock"
    bool unix_socket = false;
    std::string host;  // tcp
    int port = 0;  // tcp
    std::string path;  // unix
    bool operator==(const ListenSpec&) const = default;
};

// Rotation and retention of a group's log file.
struct LogSpec {
    std::uint64_t max_size = 10ULL << 20U;  // rotate past this size
    Duration max_age = std::chrono::hours(24);  // rotate a non-empty file this old
    int keep = 10;  // rotated files kept
    std::uint64_t max_total = 100ULL << 20U;  // bytes of rotated files kept
    bool compress = true;  // gzip rotated files
    bool operator==(const LogSpec&) const = default;
};

// How a group is replaced on restart, apply and recycling.
enum class Rollout {
    Rolling,  // start a new instance, wait until ready, stop an old one; repeat
    StopFirst,  // stop the old instance, then start the new one (never two at once)
};

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
    std::string environment;  // the --env overlay it runs in ({env}, TEND_ENV); empty for none
    std::optional<std::string> user;  // switch to this user (daemon must run as root)
    std::optional<std::string> group;  // switch to this group (daemon must run as root)
    RestartPolicy restart = RestartPolicy::Always;
    Duration stable_after = std::chrono::seconds(10);  // a run longer than this restarts at once
    Duration max_backoff = std::chrono::seconds(30);  // cap of the quick-failure backoff
    int stop_signal = SIGTERM;
    Duration stop_timeout = std::chrono::seconds(10);  // then SIGKILL to the whole tree
    std::vector<std::string> after;  // start once these groups are ready; stop before them
    std::optional<int> port;  // PORT = port + instance index (the last one at most 65535)
    std::vector<ListenSpec> listen;  // bound once by tend, kept open across restarts
    CheckSpec ready;  // kind None: ready after 1s alive
    CheckSpec health;  // kind None: no liveness probes
    Rollout rollout = Rollout::Rolling;  // StopFirst for a group with port and no listen, unless refused
    std::optional<std::uint64_t> max_memory;  // RSS of the whole tree; over it: recycled
    std::optional<Duration> max_age;  // recycled after this long (with a random spread)
    LogSpec logs;
    SourceLocation where;  // the [process.NAME] header

    bool operator==(const ProcessSpec& other) const = default;
};

// What a scheduled fire does while the job's previous run is still going.
enum class Overlap {
    Skip,  // the fire is recorded as skipped
    Queue,  // runs when the current run ends; at most one waits
    Replace,  // the current run is stopped, then the new one starts
    Allow,  // runs alongside
};

// Which fires missed while the daemon was down (or the host asleep) run at start.
enum class Catchup {
    Latest,  // the most recent missed fire, once, if within catchup_window
    All,  // every missed fire within catchup_window, oldest first, at most 100
    None,
};

struct RetrySpec {
    int attempts = 0;  // retries after a failed run; 0: none
    Duration backoff = std::chrono::seconds(10);  // before the first retry; doubles, with jitter
    bool operator==(const RetrySpec&) const = default;
};

// One step of an item's processing; each is retried on its own.
struct StepSpec {
    std::string name;
    std::vector<std::string> argv;  // `{item}` is replaced by the item in any element
    std::optional<Duration> timeout;  // the job's when unset
    std::optional<RetrySpec> retry;  // the job's when unset
    bool operator==(const StepSpec&) const = default;
};

// What happens to a watched file once its item has ended.
struct FileAction {
    enum class Kind { Keep, Delete, Move };
    Kind kind = Kind::Keep;
    std::string directory;  // Move: absolute
    bool operator==(const FileAction&) const = default;
};

// A [job.NAME] table: a command run on a schedule, on demand, or once per item.
struct JobSpec {
    std::string name;
    ProcessSpec process;  // command, env, env_file, cwd, user, group, stop_signal, stop_timeout, logs
    std::string schedule;  // as written, already validated; empty: runs only with `tend run`
    std::string timezone;  // IANA name, already validated; the app's unless the job sets one
    Overlap overlap = Overlap::Skip;
    std::optional<Duration> timeout;  // then the stop rule: stop_signal, stop_timeout, SIGKILL
    RetrySpec retry;
    Duration jitter{0};  // each fire starts up to this much later, at random
    Catchup catchup = Catchup::Latest;
    Duration catchup_window = std::chrono::hours(1);
    // Items (fed, posted, or files arriving in `watch`).
    std::string watch;  // as written: "DIR/GLOB"
    std::string watch_directory;  // absolute
    std::string watch_pattern;  // a glob for names in it, e.g. "*.zip"
    int concurrency = 1;  // items processed at once
    std::optional<double> rate;  // items started per second at most
    std::vector<StepSpec> steps;  // empty: one step, the job's command
    FileAction on_success;
    FileAction on_failure;  // once an item is dead
    SourceLocation where;  // the [job.NAME] header

    // The steps an item goes through: `steps`, or the command as one step named "run".
    [[nodiscard]] std::vector<StepSpec> item_steps() const;

    bool operator==(const JobSpec& other) const = default;
};

// [deploy]: where releases come from and the steps that make one ready
// (carried out by deploy/, see docs/deploys.md).
struct DeploySpec {
    std::string source;  // a git URL, or a local path (absolute)
    std::string ref;  // empty: the remote's default branch (what its HEAD names)
    std::vector<std::vector<std::string>> build;  // argv of each command, run in the release directory
    std::vector<std::vector<std::string>> check;
    std::vector<std::vector<std::string>> release;  // once per deploy, before the switch (migrations)
    std::vector<std::string> shared;  // paths relative to the release, linked from shared/
    int keep = 5;  // good releases kept
    std::map<std::string, std::string> env;  // for the steps
    Duration timeout = std::chrono::minutes(30);  // per step
    SourceLocation where;  // the [deploy] header
    bool operator==(const DeploySpec&) const = default;
};

struct AppSpec {
    std::string app;  // a name (names.h)
    std::string timezone = "UTC";
    std::string file;  // absolute path of the app file
    std::string directory;  // the app file's directory
    std::string environment;  // the --env overlay applied, empty for none
    std::map<std::string, ProcessSpec> processes;  // by name
    std::map<std::string, JobSpec> jobs;  // by name; never the name of a process
    std::optional<DeploySpec> deploy;
    RetentionSpec retention;  // [retention]
    // What `tend check` says besides "ok", one "file:line:col: ..." line each:
    // groups that stop before they start (port, no listen), programs a deploy builds.
    std::vector<std::string> notes;

    // Process names in an order where each comes after everything in its `after`.
    [[nodiscard]] std::vector<std::string> start_order() const;
};

std::string_view to_string(RestartPolicy policy);
std::string_view to_string(Overlap overlap);
std::string_view to_string(Catchup catchup);

}  // namespace tend::spec
