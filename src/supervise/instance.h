// One running copy of a process group ("web.2") and its lifecycle.
//
//   Stopped --start--> Starting --ready check passes (or 1s alive)--> Running
//   Starting --ready deadline passes--> Stopping --> Backoff (counts as a quick failure)
//   Running --health fails N times | max_memory | max_age--> asks its group for a replacement
//   Starting|Running --exit--> Backoff|CrashLooping --timer--> Starting   (restart policy)
//                          \--> Starting (stable run: at once)  \--> Exited (policy says no)
//   Starting|Running --stop--> Stopping --main exited and tree gone--> Stopped
//
// Every transition goes through handle(); each arm calls small named actions.
// Owns: the run's pid and run id while it lives. Persists: events for every
// start, exit and state change, and the live pid (for cleanup after a crash).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/time.h"
#include "logs/capture.h"
#include "loop/loop.h"
#include "os/spawn.h"
#include "spec/app_spec.h"
#include "store/events.h"
#include "supervise/probe.h"
#include "supervise/process_tree.h"
#include "supervise/restart_policy.h"
#include "supervise/tree_killer.h"

namespace tend::supervise {

enum class InstanceState { Stopped, Starting, Running, Stopping, Backoff, CrashLooping, Exited };
std::string_view to_string(InstanceState state);

// Where an instance stands in a rolling replacement: `New` is the successor
// on trial, `Old` the one it replaces (it stops once the new one has proven
// ready) and any replaced instance still stopping.
enum class RolloutRole { None, Old, New };
std::string_view to_string(RolloutRole role);

// Why an instance is replaced: a request (restart, apply, deploy) starts its
// failure count afresh; a recycle (health, max_memory, max_age) counts toward
// the restart policy like an exit.
enum class ReplaceCause { Requested, Recycle };

// Services every instance shares; owned by the Supervisor.
struct InstanceContext {
    Loop& loop;
    store::EventLog& events;
    store::LiveProcesses& live;
    TreeKiller& killer;
    Attribution& attribution;
    std::string app;
    std::string runtime_directory;  // private sockets of runs (notify), mode 0711, files 0600
    std::function<void()> on_state_change;  // lets the supervisor re-check ordering and shutdown
    std::uint64_t next_run = 1;
};

// What an instance borrows from its group.
struct InstanceResources {
    logs::LogFile* log = nullptr;  // the group's log; output is captured into it
    std::vector<int> sockets;  // passed as fds 3.. (LISTEN_FDS)
    std::string socket_names;  // LISTEN_FDNAMES
    std::function<void(std::string reason)> request_replacement;  // health, memory, age
};

struct InstanceStatus {
    std::string name;
    InstanceState state = InstanceState::Stopped;
    pid_t pid = 0;
    std::optional<WallTime> started_at;
    int restarts = 0;
    std::string last_exit;  // "exit 1", "signal 9 (KILL)"
    std::string last_error;  // why the last spawn failed
    double cpu_percent = 0;
    std::uint64_t rss_bytes = 0;  // whole process tree
    std::size_t processes = 0;  // in the tree
    std::optional<std::chrono::milliseconds> retry_in;
    std::string status_text;  // the last STATUS= the process sent
    int health_failures = 0;  // consecutive
    RolloutRole rollout = RolloutRole::None;  // set by the group
};

class Instance {
public:
    Instance(InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, int index,
        InstanceResources resources);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    void start();
    // Starts a successor for a rolling replacement: it is never restarted; `done`
    // says once whether it became ready and stayed up a moment (then it behaves
    // like any instance) or why not (with the last lines it wrote).
    using TrialDone = std::function<void(bool ready, const std::string& why)>;
    void start_trial(TrialDone done);
    // Restarts in place for a replacement with nothing to keep serving
    // (stop-first, or the instance was not running): `done` says as for
    // start_trial; a run that fails goes on under the restart policy.
    void restart_trial(ReplaceCause cause, TrialDone done);
    // Forgets the trial under way: its `done` never runs.
    void cancel_trial() { m_trial = nullptr; }
    // `done` runs once the main process has exited and nothing of its tree is left.
    void stop(std::function<void()> done = {});
    // Stops and starts again. A requested restart (manual) resets the failure
    // counters; a recycle keeps them.
    void restart(ReplaceCause cause = ReplaceCause::Requested);
    // A successor that replaces a recycled instance takes over its counters
    // (restarts, quick failures in a row) and says why its predecessor went.
    void carry_counters_from(const Instance& predecessor);
    // The replacement this instance asked for (a recycle) failed: it keeps
    // running, and asks again, as a quick failure, when the reason persists.
    void recycle_failed();
    // "; last output: LINE | LINE" from what the current or last run wrote; empty when nothing.
    [[nodiscard]] std::string last_output() const;
    // Takes new settings that need no restart (policies, timeouts).
    void update_spec(std::shared_ptr<const spec::ProcessSpec> spec) { m_spec = std::move(spec); }
    // Whether the process running now (or last) was started with exactly `spec`.
    [[nodiscard]] bool launched_with(const spec::ProcessSpec& spec) const { return m_launched && *m_launched == spec; }

    // Tick: updates CPU and memory of the whole tree from one process table scan.
    void sample(const ProcessSnapshot& snapshot, MonoTime now);

    [[nodiscard]] InstanceState state() const { return m_state; }
    [[nodiscard]] bool ready() const { return m_state == InstanceState::Running; }
    [[nodiscard]] bool settled_down() const
    {
        return m_state == InstanceState::Stopped || m_state == InstanceState::Exited;
    }
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] int index() const { return m_index; }
    [[nodiscard]] InstanceStatus status() const;

private:
    enum class Event { Start, Stop, Restart, Ready, ReadyFailed, BackoffElapsed, TreeGone };
    enum class Want { Up, Down };

    void handle(Event event);

    void spawn();
    Result<void> open_notify_socket(std::uint64_t run_number, os::SpawnOptions& options);
    void close_notify_socket();
    Result<void> open_instance_socket(std::uint64_t run_number);
    void remove_instance_socket();
    // Where an http or tcp check connects: the instance's own socket when it asks for it.
    [[nodiscard]] std::string check_address(const spec::CheckSpec& check) const;
    void on_spawn_failed(const Error& error);
    void on_exit(const os::ExitStatus& exit);
    void after_unexpected_exit(const os::ExitStatus& exit, bool spawn_failed);
    void begin_stop();
    void finish_stop_if_done();
    void enter(InstanceState state, std::string_view why = {});
    void cancel_timers();
    void begin_readiness();
    void probe_readiness();
    void on_notify_readable();
    void begin_health();
    void probe_health();
    void on_health_result(const ProbeResult& result);
    void begin_settling();
    void end_trial(bool ready, const std::string& why);
    void ask_replacement(std::string reason);
    void request_recycle();
    [[nodiscard]] ProbeEnvironment probe_environment(const spec::CheckSpec& check) const;
    void notify_stopped();
    [[nodiscard]] std::vector<std::string> child_environment() const;
    [[nodiscard]] std::vector<std::string> child_argv() const;
    // `argv` with this instance's placeholders ({env}, {app}, {instance}, {port}) expanded.
    [[nodiscard]] std::vector<std::string> expand_command(const std::vector<std::string>& argv) const;
    [[nodiscard]] RunIdentity run() const { return {m_run_id, m_pid}; }
    [[nodiscard]] std::chrono::milliseconds ran_for() const;

    InstanceContext& m_context;
    std::shared_ptr<const spec::ProcessSpec> m_spec;
    std::shared_ptr<const spec::ProcessSpec> m_launched;  // the spec of the last spawn
    int m_index;
    InstanceResources m_resources;
    std::string m_name;
    InstanceState m_state = InstanceState::Stopped;
    Want m_want = Want::Down;

    pid_t m_pid = 0;
    std::string m_run_id;
    MonoTime m_started_mono{};
    std::optional<WallTime> m_started_wall;
    bool m_main_exited = true;
    bool m_tree_gone = true;

    TimerId m_ready_timer = 0;  // deadline, or the 1s rule when there is no ready check
    TimerId m_probe_timer = 0;  // the next readiness or health probe
    TimerId m_settle_timer = 0;  // a successor's time to prove it stays up
    std::unique_ptr<Probe> m_probe;
    std::string m_last_probe;  // what the last failed probe said
    os::UniqueFd m_notify_fd;
    std::string m_notify_path;
    int m_notify_ignored = 0;  // datagrams from outside the run's tree
    bool m_notified = false;  // READY=1 came (a probe may follow)
    os::UniqueFd m_instance_socket;  // tend's copy, until the child has its own
    std::string m_instance_socket_path;  // for this run's checks
    std::unique_ptr<logs::Capture> m_capture;  // lives as long as the instance: pipes survive restarts
    std::string m_status_text;
    int m_health_failures = 0;
    std::optional<MonoTime> m_recycle_at;  // max_age, with its spread
    bool m_replacement_asked = false;
    bool m_failed_start = false;  // stopping because readiness never came
    enum class TrialKind { Successor, InPlace };
    TrialDone m_trial;
    TrialKind m_trial_kind = TrialKind::Successor;
    ReplaceCause m_restart_cause = ReplaceCause::Requested;
    std::string m_recycle_reason;  // why this run is (to be) recycled
    TimerId m_recycle_timer = 0;  // a recycle waiting out its backoff
    bool m_recycle_looping = false;  // that backoff is at the cap
    bool m_recycle_retry = false;  // the last recycle's successor failed
    TimerId m_backoff_timer = 0;
    MonoTime m_retry_at{};
    FailureCount m_failures;
    int m_restarts = 0;
    std::string m_last_exit;
    std::string m_last_error;
    std::vector<std::function<void()>> m_stop_waiters;

    std::uint64_t m_last_cpu_ticks = 0;
    MonoTime m_last_sample{};
    double m_cpu_percent = 0;
    std::uint64_t m_rss_bytes = 0;
    std::size_t m_processes = 0;

    // Callbacks registered with the loop hold a weak reference to this.
    std::shared_ptr<Instance*> m_self;
};

}  // namespace tend::supervise
