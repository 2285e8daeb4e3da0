// One deploy, from fetch to switched or failed, driven by the event loop.
//
//   Fetch   mirror cloned (first time) or fetched: only what is new
//   Head    with no ref: which branch the remote's HEAD names (its default branch)
//   Resolve ref -> sha
//   Checkout  releases/<n>-<shortsha>, a local clone of the mirror
//   Steps   the release's own tend.toml's [deploy] (see below), read before anything runs
//   Shared  each `shared` path linked from shared/ (shared_paths.h: nothing leaves the release)
//   Build, Check   the commands, in the release directory
//   Load    the release's own tend.toml, validated (file:line:col), commands
//           resolved now that the build has run -> state ready
//   Release the `release` commands, once, before the switch (migrations)
//   Switch  rolling replacement of every group; undone when one never gets ready
//   -> Done (live) | Failed (the live release untouched, the reason recorded)
//
// Every step is a row in release_steps with its outcome and duration; command
// output goes to logs/deploy.log as instance `deploy#N.STEP`. With plan_only
// it runs no check and stops after Load: the plan is computed, the checkout
// removed, nothing recorded.
// Where to fetch from (`source`, `ref`) comes from the host's [deploy] (the
// file given to `tend up` or `tend apply`); every other setting (build, check,
// release, shared, env, timeout, keep) from the [deploy] of the commit being
// deployed, or from the host's when that commit's tend.toml has none.
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

// Where a deploy fetches from: the host's [deploy] and the file it is in.
struct DeploySource {
    spec::DeploySpec deploy;  // its source and ref; its steps only for a release whose tend.toml has no [deploy]
    std::string file;  // the app file it was read from
};

struct DeployRequest {
    std::string ref;  // empty: [deploy].ref
    std::string who;
    std::optional<std::string> environment;  // the --env overlay to read the release with; none: the current one
    bool plan_only = false;
};

struct DeployOutcome {
    std::int64_t release = 0;  // 0 for a plan
    std::string ref;  // the branch, tag or commit deployed (the remote's default branch once known)
    std::string sha;
    std::string directory;
    bool ok = false;
    std::string error;
    std::optional<spec::Plan> plan;  // what the switch changes (or would)
    spec::DeploySpec deploy;  // the [deploy] it used (the host's until the release's was read)
    std::string steps_from;  // where its steps came from: "SHA12:tend.toml", or the host's file
    std::int64_t first_step = 0;  // the first release_steps row it recorded (a rollback's release has older ones)
};

// A command tend runs for deploys (a step, a cleanup) as a job run's spec:
// argv in cwd with env, stopped with its whole tree after `timeout`.
// `environment` is the --env it runs in ({env}, TEND_ENV).
std::shared_ptr<const spec::JobSpec> command_job(git::Argv argv, std::string cwd,
    std::map<std::string, std::string> env, Duration timeout, std::string environment = {});

class Deployment {
public:
    Deployment(DeployContext& context, DeploySource source, DeployRequest request);
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
    enum class Phase {
        Fetch,
        Head,
        Resolve,
        Checkout,
        Steps,
        Shared,
        Build,
        Check,
        Load,
        Release,
        Switch,
        Done,
        Failed
    };
    struct Command {
        std::string step;  // the release_steps kind
        git::Argv argv;
        std::string cwd;
    };

    void enter(Phase phase);
    // The [deploy] commands of one step (build, check, release), in the release directory.
    // Commands with {env} and {app} replaced (deploy steps have no other placeholders).
    [[nodiscard]] std::vector<std::vector<std::string>> expanded(
        const std::vector<std::vector<std::string>>& list) const;
    [[nodiscard]] std::deque<Command> step_commands(
        std::string_view step, const std::vector<std::vector<std::string>>& list) const;
    void run_commands(std::deque<Command> commands, Phase then);
    void run_command(Command command, std::function<void()> next);
    void resolve();
    void read_steps();  // Steps
    void link_shared_paths();  // Shared
    void load();
    void switch_over();
    void fail(std::string why);
    void finish();
    [[nodiscard]] std::shared_ptr<const spec::JobSpec> step_spec(const Command& command) const;
    std::int64_t begin_step(std::string_view kind, std::string_view command);
    void end_step(std::int64_t step, bool ok, std::string_view detail);
    [[nodiscard]] std::int64_t now_us() const;
    [[nodiscard]] std::string shown_ref() const;  // the ref, or "the default branch" before it is known
    // The line of the last command's output that best says why it failed.
    [[nodiscard]] std::string telling_line() const;

    DeployContext& m_context;
    DeploySource m_source;
    spec::DeploySpec m_deploy;  // in effect: the host's until the release's own is read
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
    std::deque<std::string> m_output;  // the last lines the running command wrote
    std::string m_stdout;  // what it wrote to stdout (kept short)
    std::string m_stop_reason;
    std::function<void(const DeployOutcome&)> m_done;
    std::shared_ptr<Deployment*> m_self;
};

}  // namespace tend::deploy
