// One deploy, from fetch to switched or failed, driven by the event loop.
//
//   Fetch   mirror cloned (first time) or fetched: only what is new
//   Resolve ref -> sha
//   Checkout  releases/<n>-<shortsha>, a local clone of the mirror
//   Shared  a `shared` path that is a file in the repo fails the deploy; a directory gives way
//   Link    each `shared` path linked from shared/
//   Build, Check   the [deploy] commands, in the release directory
//   Load    the release's own tend.toml, validated (file:line:col) -> state ready
//   Release the `release` commands, once, before the switch (migrations)
//   Switch  rolling replacement of every group; undone when one never gets ready
//   -> Done (live) | Failed (the live release untouched, the reason recorded)
//
// Every step is a row in release_steps with its outcome and duration; command
// output goes to logs/deploy.log as instance `deploy#N.STEP`. With plan_only
// it stops after Load: the plan is computed, the checkout removed, nothing recorded.
// Steps come from the [deploy] in effect when the deploy starts; a release's
// own [deploy] takes effect for the deploys after it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "deploy/git.h"
#include "logs/log_file.h"
#include "os/clock.h"
#include "schedule/job_run.h"
#include "spec/app_spec.h"
#include "spec/plan.h"
#include "store/events.h"
#include "store/releases.h"
#include "supervise/instance.h"

namespace tend::deploy {

struct DeployPaths {
    std::string state;  // the app's state directory
    std::string releases;  // STATE/releases
    std::string shared;  // STATE/shared
    std::string mirror;  // STATE/mirror.git
    std::string current;  // STATE/current, a symlink to the live release
};

// What a deploy needs from the daemon.
struct DeployHooks {
    std::function<const spec::AppSpec&()> current;  // the spec applied now
    // Switches processes, jobs and items to `next`; when a group never gets
    // ready it switches back before `done` gets the failure.
    std::function<Result<void>(const spec::AppSpec& next, std::function<void(Result<void>)> done)> switch_to;
};

struct DeployContext {
    supervise::InstanceContext& instances;
    store::Releases& releases;
    store::EventLog& events;
    std::shared_ptr<logs::LogFile> log;  // logs/deploy.log
    DeployPaths paths;
    DeployHooks hooks;
};

struct DeployRequest {
    std::string ref;  // empty: [deploy].ref
    std::string who;
    std::optional<std::string> environment;  // the --env overlay to read the release with; none: the current one
    bool plan_only = false;
};

struct DeployOutcome {
    std::int64_t release = 0;  // 0 for a plan
    std::string sha;
    std::string directory;
    bool ok = false;
    std::string error;
    std::optional<spec::Plan> plan;  // what the switch changes (or would)
};

// A command tend runs for deploys (a step, a cleanup) as a job run's spec:
// argv in cwd with env, stopped with its whole tree after `timeout`.
std::shared_ptr<const spec::JobSpec> command_job(
    git::Argv argv, std::string cwd, std::map<std::string, std::string> env, Duration timeout);

class Deployment {
public:
    Deployment(DeployContext& context, spec::DeploySpec deploy, DeployRequest request);
    ~Deployment();
    Deployment(const Deployment&) = delete;
    Deployment& operator=(const Deployment&) = delete;

    // Creates the release row and begins. `done` runs once, never from within start().
    Result<void> start(std::function<void(const DeployOutcome&)> done);
    // Stops the step under way (the daemon is shutting down); the deploy fails.
    void stop(const std::string& why);

    // Each record appended to the deploy log while this deploy runs.
    void observe(std::string_view records);

    [[nodiscard]] std::int64_t release() const { return m_release.id; }
    [[nodiscard]] const std::string& who() const { return m_request.who; }
    [[nodiscard]] WallTime since() const { return m_since; }
    [[nodiscard]] std::string_view phase() const;

private:
    enum class Phase { Fetch, Resolve, Checkout, Shared, Link, Build, Check, Load, Release, Switch, Done, Failed };
    struct Command {
        std::string step;  // the release_steps kind
        git::Argv argv;
        std::string cwd;
    };

    void enter(Phase phase);
    // The [deploy] commands of one step (build, check, release), in the release directory.
    [[nodiscard]] std::deque<Command> step_commands(
        std::string_view step, const std::vector<std::vector<std::string>>& list) const;
    void run_commands(std::deque<Command> commands, Phase then);
    void run_command(Command command, std::function<void()> next);
    void clear_shared_paths();  // Shared: a file in the way fails; a directory is removed
    void link_shared_paths();  // Link
    void load();
    void switch_over();
    void fail(std::string why);
    void finish();
    [[nodiscard]] std::shared_ptr<const spec::JobSpec> step_spec(const Command& command) const;
    std::int64_t begin_step(std::string_view kind, std::string_view command);
    void end_step(std::int64_t step, bool ok, std::string_view detail);
    [[nodiscard]] std::int64_t now_us() const;
    // The line of the last command's output that best says why it failed.
    [[nodiscard]] std::string telling_line() const;

    DeployContext& m_context;
    spec::DeploySpec m_deploy;
    DeployRequest m_request;
    std::string m_environment;  // the request's, else the one applied now
    store::Release m_release;
    WallTime m_since;
    Phase m_phase = Phase::Fetch;
    std::string m_directory;  // the checkout
    std::optional<spec::AppSpec> m_next;
    DeployOutcome m_outcome;
    std::unique_ptr<schedule::JobRun> m_run;
    int m_steps = 0;
    std::int64_t m_shared_step = 0;
    std::deque<std::string> m_output;  // the last lines the running command wrote
    std::string m_stdout;  // what it wrote to stdout (kept short)
    std::string m_stop_reason;
    std::function<void(const DeployOutcome&)> m_done;
    std::shared_ptr<Deployment*> m_self;
};

}  // namespace tend::deploy
