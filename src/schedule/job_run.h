// One run of a job's command, from spawn until nothing of its process tree is left.
//
//   start --spawn fails--> done(failed, the reason)
//   start --> Running --main exits--> Ending --tree gone--> done(succeeded | failed)
//   Running --timeout--> Stopping (stop_signal, then SIGKILL) --> done(timed-out)
//   Running --stop(why)--> Stopping --> done(stopped)
//
// Output goes to the job's log as instance `JOB#ID`, drained before the exit
// is reported. Owns: the run's pid, timers and capture. Persists: nothing;
// the scheduler records the outcome.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "logs/capture.h"
#include "logs/log_file.h"
#include "spec/app_spec.h"
#include "supervise/instance.h"

namespace tend::schedule {

struct RunOutcome {
    std::string state;  // succeeded | failed | timed-out | stopped
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::string error;  // why it failed, when not just an exit code
};

// "failed (exit 3): reason", "timed-out (signal TERM): ran longer than timeout 1s"
std::string describe(const RunOutcome& outcome);

// How long before retry number `attempt` (1 for the first): `backoff` doubled
// for each earlier retry, at most a day, shortened by up to half at random.
std::chrono::milliseconds retry_delay(const spec::RetrySpec& retry, int attempt);

struct RunRequest {
    std::int64_t id = 0;
    std::string trigger;
    int attempt = 1;
    std::optional<std::int64_t> nominal_us;
    std::optional<std::string> item;  // `{item}` in argv elements and TEND_ITEM, never through a shell
    std::string step;  // TEND_STEP, for item steps
    std::string name;  // in the log and events; default JOB#ID
    bool quiet = false;  // no run-started event: the caller records its own (deploy steps)
};

class JobRun {
public:
    JobRun(supervise::InstanceContext& context, std::shared_ptr<const spec::JobSpec> spec,
        std::shared_ptr<logs::LogFile> log, RunRequest request);
    ~JobRun();
    JobRun(const JobRun&) = delete;
    JobRun& operator=(const JobRun&) = delete;

    // Spawns the command; `done` runs once, when the run is over (possibly from within start).
    void start(std::function<void(const RunOutcome&)> done);
    // Stops the whole tree with the job's stop rule; the outcome is `stopped`.
    void stop(const std::string& why);

    [[nodiscard]] const RunRequest& request() const { return m_request; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] pid_t pid() const { return m_main_exited ? 0 : m_pid; }
    [[nodiscard]] std::optional<WallTime> started_at() const { return m_started_at; }

private:
    void on_exit(const os::ExitStatus& exit);
    void on_timeout();
    void begin_stop(std::string state, std::string why);
    void finish_if_done();
    [[nodiscard]] std::vector<std::string> child_environment() const;
    [[nodiscard]] std::vector<std::string> child_argv() const;

    supervise::InstanceContext& m_context;
    std::shared_ptr<const spec::JobSpec> m_spec;
    std::shared_ptr<logs::LogFile> m_log;  // shared: a removed job's log lives until its last run ends
    RunRequest m_request;
    std::string m_name;  // JOB#ID
    std::string m_run_id;  // TEND_RUN_ID
    pid_t m_pid = 0;
    std::optional<WallTime> m_started_at;
    MonoTime m_started_mono{};
    bool m_main_exited = false;
    bool m_tree_gone = false;
    bool m_finished = false;
    std::unique_ptr<logs::Capture> m_capture;
    TimerId m_timeout_timer = 0;
    RunOutcome m_outcome;
    std::optional<std::string> m_stop_state;  // set when tend stopped the run
    std::function<void(const RunOutcome&)> m_done;
    std::shared_ptr<JobRun*> m_self;
};

}  // namespace tend::schedule
