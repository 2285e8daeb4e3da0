#include "daemon/daemon.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <set>

#include "api/handlers.h"
#include "api/paths.h"
#include "api/server.h"
#include "deploy/deployer.h"
#include "jobs/work.h"
#include "logs/capture.h"
#include "logs/log_file.h"
#include "loop/loop.h"
#include "os/files.h"
#include "os/limits.h"
#include "os/socket.h"
#include "schedule/scheduler.h"
#include "spec/deploy_settings.h"
#include "spec/parse.h"
#include "store/database.h"
#include "store/events.h"
#include "store/history_retention.h"
#include "store/items.h"
#include "store/releases.h"
#include "store/runs.h"
#include "supervise/leftovers.h"
#include "supervise/process_tree.h"
#include "supervise/supervisor.h"

namespace tend::daemon {
namespace {

constexpr auto tick_period = std::chrono::seconds(1);

// Once stderr goes to logs/@tend.log, whose records already say "tend tend:",
// messages are written without the "tend: " a terminal needs.
bool stderr_is_own_log = false;

void say(const std::string& message)
{
    std::fprintf(stderr, "%s%s\n", stderr_is_own_log ? "" : "tend: ", message.c_str());
    std::fflush(stderr);
}

class Daemon {
public:
    explicit Daemon(DaemonOptions options) : m_options(std::move(options)), m_paths(api::paths_for(m_options.app)) {}

    int run()
    {
        // Children must not inherit the pipe `tend up` waits on.
        if (m_options.ready_fd >= 0)
            (void)os::set_close_on_exec(m_options.ready_fd);
        if (auto started = start(); !started) {
            say(started.error().message());
            if (m_own_capture) {
                finish();
                say(started.error().message());
            }
            return 1;
        }
        if (auto applied = initial_apply(); !applied) {
            say(applied.error().message());
            finish();
            // Also where the daemon's own stderr goes (a terminal, journald), not only its log.
            say(applied.error().message());
            return 2;
        }
        if (m_options.ready_fd >= 0) {
            (void)os::write_all(m_options.ready_fd, "ready\n");
            os::UniqueFd(m_options.ready_fd).reset();
        }
        m_loop->run();
        finish();
        return m_exit_code;
    }

private:
    Result<void> start()
    {
        auto raised = os::raise_descriptor_limit();
        TRY(api::create_directories(m_paths));
        auto lock = os::lock_file(m_paths.lock);
        if (!lock) {
            if (lock.error().code() == EWOULDBLOCK)
                return Error(fmt::format(
                    "a tend daemon for app \"{}\" is already running (lock {})", m_options.app, m_paths.lock));
            return lock.error();
        }
        m_lock = lock.release_value();
        m_db = TRY(store::Database::open(m_paths.database));
        m_loop = TRY(Loop::create(m_clock));
        m_events = std::make_unique<store::EventLog>(*m_db, *m_loop);
        m_live = std::make_unique<store::LiveProcesses>(*m_db);
        TRY(capture_own_output());
        if (!raised)
            say(fmt::format("cannot raise the limit on open descriptors: {}", raised.error().message()));
        else if (raised->after.soft != raised->before.soft)
            say(fmt::format("raised the limit on open descriptors from {} to {} (children get {})", raised->before.soft,
                raised->after.soft, raised->before.soft));
        m_settings = std::make_unique<store::Settings>(*m_db);
        TRY(os::become_subreaper());
        end_leftovers();
        m_supervisor = std::make_unique<supervise::Supervisor>(*m_loop, *m_events, *m_live,
            supervise::SupervisorOptions{.app = m_options.app,
                .log_directory = m_paths.log_directory,
                .runtime_directory = runtime_directory(m_paths)});
        m_runs = std::make_unique<store::Runs>(*m_db);
        m_scheduler = std::make_unique<schedule::Scheduler>(
            m_supervisor->context(), *m_runs, schedule::SchedulerOptions{.log_directory = m_paths.log_directory});
        TRY(m_scheduler->start());
        m_items = std::make_unique<store::Items>(*m_db);
        m_work = std::make_unique<jobs::Work>(m_supervisor->context(), *m_items, *m_scheduler);
        TRY(m_work->start());
        m_releases = std::make_unique<store::Releases>(*m_db);
        m_retention = std::make_unique<store::HistoryRetention>(*m_db, m_events.get());
        const std::string& state = m_paths.state_directory;
        m_deployer = std::make_unique<deploy::Deployer>(m_supervisor->context(), *m_releases, *m_events,
            deploy::DeployPaths{.state = state,
                .releases = state + "/releases",
                .shared = state + "/shared",
                .mirror = state + "/mirror.git",
                .current = state + "/current"},
            deploy::DeployHooks{
                .current = [this]() -> const spec::AppSpec& { return m_supervisor->spec(); },
                .switch_to = [this](const spec::AppSpec& next,
                                 std::function<void(Result<void>)> done) { return switch_to(next, std::move(done)); },
            },
            m_paths.log_directory);
        TRY(m_deployer->start());
        m_loop->on_unwatched_exit([this](const os::ExitStatus&) { m_supervisor->on_orphan_exit(); });
        wire_signals();
        m_loop->set_tick(tick_period, [this] { tick(); });
        auto listener = TRY(os::listen_unix(m_paths.socket));
        m_control = std::make_unique<api::DaemonControl>(api::DaemonControl{
            .supervisor = *m_supervisor,
            .scheduler = *m_scheduler,
            .runs = *m_runs,
            .work = *m_work,
            .items = *m_items,
            .events = *m_events,
            .releases = *m_releases,
            .deployer = *m_deployer,
            .apply = [this](const api::ApplyRequest& request) { return apply(request); },
            .deploy =
                [this](deploy::DeployRequest request, std::function<void(const deploy::DeployOutcome&)> done) {
                    return start_deploy(std::move(request), std::move(done));
                },
            .shut_down = [this](std::function<void()> done) { shut_down(std::move(done)); },
            .clock = m_clock,
            .pid = os::self_pid(),
            .started_at = m_clock.wall_now(),
        });
        m_server = std::make_unique<api::Server>(*m_loop, std::move(listener), api::make_handler(*m_control));
        TRY(m_server->start());
        m_events->record("daemon", "started", fmt::format("pid {}", os::self_pid()));
        TRY(m_events->flush());
        say(fmt::format("daemon for {} running, pid {}, socket {}", m_options.app, os::self_pid(), m_paths.socket));
        return Ok{};
    }

    // Beside the control socket: "/run/tend/APP.run", "STATE/tend.run".
    static std::string runtime_directory(const api::AppPaths& paths)
    {
        std::string base
            = paths.socket.ends_with(".sock") ? paths.socket.substr(0, paths.socket.size() - 5) : paths.socket;
        return base + ".run";
    }

    // The daemon's own diagnostics (its stderr, whoever writes it) become
    // stamped records in logs/@tend.log, rotated like any group's log.
    Result<void> capture_own_output()
    {
        m_own_log = std::make_unique<logs::LogFile>(*m_loop, m_paths.log_directory, "@tend", logs::RotationPolicy{});
        m_own_log->set_repeats(logs::Repeats::Fold);
        TRY(m_own_log->open());
        m_own_capture = std::make_unique<logs::Capture>(*m_loop, *m_own_log, "tend", logs::Capture::Source::Tend);
        auto pipes = TRY(m_own_capture->open());
        m_saved_stderr = TRY(os::redirect(pipes.second, 2));
        stderr_is_own_log = true;
        return Ok{};
    }

    // A daemon that was killed leaves its runs going without a supervisor;
    // they are ended so the new daemon starts from a known state.
    void end_leftovers() { (void)supervise::end_leftovers(*m_live, *m_events); }

    Result<void> initial_apply()
    {
        api::ApplyRequest request{.who = "daemon start"};
        if (!m_options.file.empty()) {
            request.file = m_options.file;
            request.environment = m_options.environment;
        } else if (m_options.resume) {
            auto file = m_settings->get("file");
            auto environment = m_settings->get("environment");
            if (!file || !file->has_value())
                return Ok{};
            request.file = **file;
            request.environment = environment && environment->has_value() ? **environment : "";
        } else {
            return Ok{};
        }
        auto outcome = TRY(apply(request));
        std::fputs(outcome.plan.describe().c_str(), stderr);
        return Ok{};
    }

    Result<api::ApplyOutcome> apply(const api::ApplyRequest& request)
    {
        if (m_shutting_down)
            return Error("the daemon is shutting down");
        const spec::AppSpec& current = m_supervisor->spec();
        // With none given: the file given last (the host's, for an app that deploys).
        std::string file = request.file.value_or(m_host ? m_host->file : current.file);
        std::string environment = request.environment.value_or(current.environment);
        if (file.empty())
            return Error("no app file given and none applied yet");
        if (auto busy = m_deployer->busy_message(); !busy.empty())
            return Error(busy, EBUSY);
        auto next = TRY(spec::load_app_file(file, environment));
        if (next.app != m_options.app)
            return Error(
                fmt::format("{} is for app \"{}\", but this daemon runs \"{}\"", file, next.app, m_options.app));
        std::optional<deploy::DeploySource> host;
        std::string note;
        if (inside(next.file, m_deployer->paths().releases)) {
            host = m_host ? m_host : saved_host(environment);  // a release's own file (at resume)
        } else if (next.deploy) {
            // An app file with [deploy] stands for its releases: what runs is the
            // live release's own app file, and with none live yet, a deploy.
            host = deploy::DeploySource{*next.deploy, next.file};
            auto live = TRY(m_releases->live());
            if (!live) {
                api::ApplyOutcome outcome{{}, next.file, environment};
                std::string ref = next.deploy->ref.empty() ? "the default branch" : next.deploy->ref;
                if (request.plan_only) {
                    outcome.note
                        = fmt::format("nothing is deployed yet: tend up deploys {} from {}", ref, next.deploy->source);
                    return outcome;
                }
                (void)m_settings->set("file", next.file);
                (void)m_settings->set("environment", environment);
                remember_host(host, environment);
                outcome.deploying = TRY(m_deployer->deploy(
                    *host, {.who = request.who, .environment = environment}, [](const deploy::DeployOutcome& done) {
                        say(done.ok ? fmt::format("release {} is live", done.release)
                                    : fmt::format("deploy failed: {}", done.error));
                    }));
                outcome.note
                    = fmt::format("deploying {} from {} as release {}", ref, next.deploy->source, *outcome.deploying);
                return outcome;
            }
            auto released = spec::load_app_file(live->file, environment);
            if (!released)
                return released.error().context(fmt::format("the live release {}", live->id));
            note = steps_note(*next.deploy, released->deploy, next.file);
            released->deploy = spec::deploy_settings::in_effect(*next.deploy, released->deploy);
            next = released.release_value();
        }
        if (request.plan_only)
            return api::ApplyOutcome{
                .plan = spec::make_plan(current, next), .file = next.file, .environment = environment, .note = note};
        auto plan = TRY(m_supervisor->apply(next));
        TRY(m_scheduler->apply(next));
        m_work->apply(next);
        remember_host(host, environment);
        (void)m_settings->set("file", next.file);
        (void)m_settings->set("environment", environment);
        m_events->record("daemon", "apply",
            fmt::format("{}{} by {}: {}", next.file, environment.empty() ? "" : " --env " + environment, request.who,
                plan.empty() ? "no changes" : "changes applied"));
        return api::ApplyOutcome{.plan = plan, .file = next.file, .environment = environment, .note = note};
    }

    static bool inside(const std::string& path, const std::string& directory)
    {
        return path.starts_with(directory + "/");
    }

    // The host's [deploy] (where deploys fetch from), kept across daemon
    // restarts by the name of its file: the app file resumed with is the live
    // release's own.
    void remember_host(const std::optional<deploy::DeploySource>& host, const std::string& environment)
    {
        m_host = host;
        m_host_environment = environment;
        (void)m_settings->set("deploy_file", host ? host->file : std::string());
    }

    std::optional<deploy::DeploySource> saved_host(const std::string& environment)
    {
        auto file = m_settings->get("deploy_file");
        if (!file || !file->has_value() || (*file)->empty())
            return std::nullopt;
        auto deploy = spec::deploy_settings::read_deploy_table(**file, environment);
        if (!deploy || !deploy->has_value()) {
            m_events->record("deploy", "host-file-unreadable",
                fmt::format("{}: {}; deploys use the live release's own [deploy] until tend apply is given one", **file,
                    deploy ? std::string("no [deploy] table") : deploy.error().message()));
            return std::nullopt;
        }
        return deploy::DeploySource{std::move(**deploy), **file};
    }

    // Said by `tend up` and `tend apply` when the host's steps are not the ones a deploy runs.
    static std::string steps_note(
        const spec::DeploySpec& host, const std::optional<spec::DeploySpec>& release, const std::string& file)
    {
        bool host_steps = !host.build.empty() || !host.check.empty() || !host.release.empty() || !host.shared.empty();
        if (!release || !host_steps)
            return {};
        return fmt::format("{} gives where deploys fetch from (source, ref); build, check, release and shared come "
                           "from the [deploy] of each release's own tend.toml",
            file);
    }

    Result<std::int64_t> start_deploy(
        deploy::DeployRequest request, std::function<void(const deploy::DeployOutcome&)> done)
    {
        if (m_shutting_down)
            return Error("the daemon is shutting down");
        if (m_host) {
            if (!request.environment)
                request.environment = m_host_environment;
            return m_deployer->deploy(*m_host, std::move(request), std::move(done));
        }
        const spec::AppSpec& current = m_supervisor->spec();
        if (!current.deploy)
            return Error(current.file.empty() ? std::string("no app file applied yet: run tend up first")
                                              : fmt::format("{} has no [deploy] table", current.file));
        return m_deployer->deploy({*current.deploy, current.file}, std::move(request), std::move(done));
    }

    // Longest a switch waits, after the rollouts, for every group to be ready.
    static std::chrono::milliseconds ready_deadline(const spec::AppSpec& next)
    {
        Duration longest = std::chrono::seconds(60);
        for (const auto& [name, process] : next.processes)
            longest = std::max(longest, process.ready.timeout);
        return std::chrono::duration_cast<std::chrono::milliseconds>(longest + std::chrono::seconds(30));
    }

    // A deploy's or rollback's switch: processes roll to `next` (every group,
    // changed or not: the code is new); jobs and items follow once all are
    // ready. When one never gets ready, everything rolls back to what ran
    // before, and `done` gets the failure once that has settled.
    Result<void> switch_to(const spec::AppSpec& next, std::function<void(Result<void>)> done)
    {
        if (m_shutting_down)
            return Error("the daemon is shutting down");
        spec::AppSpec previous = m_supervisor->spec();
        std::set<std::string> unchanged;
        for (const spec::GroupChange& change : spec::make_plan(previous, next).groups) {
            if (change.kind == spec::ChangeKind::Unchanged)
                unchanged.insert(change.name);
        }
        auto deadline = ready_deadline(next);
        auto undo = [this, previous, unchanged, deadline, done](const Error& why) {
            m_events->record("deploy", "switch-undone", why.message());
            auto back = m_supervisor->switch_to(previous, unchanged, deadline, [this, done, why](Result<void> settled) {
                if (!settled)
                    m_events->record("deploy", "undo-incomplete", settled.error().message());
                done(why);
            });
            if (!back)
                done(why);
        };
        TRY(m_supervisor->switch_to(next, unchanged, deadline, [this, next, done, undo](Result<void> outcome) {
            if (outcome)
                outcome = m_scheduler->apply(next);
            if (!outcome) {
                undo(outcome.error());
                return;
            }
            m_work->apply(next);
            (void)m_settings->set("file", next.file);
            (void)m_settings->set("environment", next.environment);
            m_events->record("daemon", "apply", fmt::format("{} (a release) switched to", next.file));
            done(Ok{});
        }));
        return Ok{};
    }

    void wire_signals()
    {
        auto graceful = [this] {
            if (m_shutting_down) {
                // A second signal: end now, taking every descendant along.
                say("second signal: exiting at once");
                supervise::Attribution attribution;
                supervise::TreeKiller(*m_loop, attribution).kill_all_descendants();
                m_exit_code = 1;
                m_loop->stop();
                return;
            }
            say("stopping (send the signal again to exit at once)");
            shut_down({});
        };
        m_loop->on_signal(SIGTERM, graceful);
        m_loop->on_signal(SIGINT, graceful);
        m_loop->on_signal(SIGQUIT, graceful);
        m_loop->on_signal(SIGHUP, [this] {
            auto outcome = apply({.who = "SIGHUP"});
            say(outcome ? "reloaded the app file" : "reload failed: " + outcome.error().message());
        });
    }

    void shut_down(std::function<void()> done)
    {
        if (done)
            m_shutdown_waiters.push_back(std::move(done));
        if (m_shutting_down)
            return;
        m_shutting_down = true;
        // A deploy's step stops first (the deploy fails), then item steps (their
        // items go back to the queue), then job runs (recorded as stopped), then
        // the process groups.
        m_deployer->shut_down([this] {
            m_work->shut_down([this] {
                m_scheduler->shut_down([this] {
                    m_supervisor->shut_down([this] {
                        m_events->record("daemon", "stopped", "every process has stopped");
                        (void)m_events->flush();
                        for (auto& waiter : m_shutdown_waiters)
                            waiter();
                        // Let the answers reach their callers before the loop ends.
                        m_loop->add_timer(std::chrono::milliseconds(20), [this] { m_loop->stop(); });
                    });
                });
            });
        });
    }

    void tick()
    {
        m_supervisor->tick();
        m_scheduler->tick();
        m_work->tick();
        const spec::RetentionSpec& keep = m_supervisor->spec().retention;
        m_retention->tick({.max_age = keep.max_age,
                              .max_runs = keep.max_runs,
                              .max_items = keep.max_items,
                              .max_events = keep.max_events},
            to_micros(m_clock.wall_now()));
        m_deployer->tick();
        m_own_log->tick();
        (void)m_events->flush();
    }

    void finish()
    {
        (void)m_events->flush();
        m_server.reset();
        (void)os::remove_file(m_paths.socket);
        say("daemon stopped");
        if (m_own_capture) {
            os::restore(m_saved_stderr, 2);
            stderr_is_own_log = false;
            m_own_capture->drain();
        }
    }

    DaemonOptions m_options;
    api::AppPaths m_paths;
    os::SystemClock m_clock;
    os::UniqueFd m_lock;
    std::unique_ptr<store::Database> m_db;
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<store::EventLog> m_events;
    std::unique_ptr<store::LiveProcesses> m_live;
    std::unique_ptr<store::Settings> m_settings;
    std::unique_ptr<logs::LogFile> m_own_log;
    std::unique_ptr<logs::Capture> m_own_capture;
    os::UniqueFd m_saved_stderr;
    std::unique_ptr<supervise::Supervisor> m_supervisor;
    std::unique_ptr<store::Runs> m_runs;
    std::unique_ptr<schedule::Scheduler> m_scheduler;
    std::unique_ptr<store::Items> m_items;
    std::unique_ptr<jobs::Work> m_work;
    std::unique_ptr<store::Releases> m_releases;
    std::unique_ptr<store::HistoryRetention> m_retention;
    std::unique_ptr<deploy::Deployer> m_deployer;
    std::unique_ptr<api::DaemonControl> m_control;
    std::unique_ptr<api::Server> m_server;
    std::optional<deploy::DeploySource> m_host;  // the host's [deploy], when the file given has one
    std::string m_host_environment;
    std::vector<std::function<void()>> m_shutdown_waiters;
    int m_exit_code = 0;
    bool m_shutting_down = false;
};

}  // namespace

int run(const DaemonOptions& options)
{
    return Daemon(options).run();
}

}  // namespace tend::daemon
