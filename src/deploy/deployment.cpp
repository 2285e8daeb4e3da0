#include "deploy/deployment.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "deploy/shared_paths.h"
#include "logs/format.h"
#include "os/beneath.h"
#include "os/files.h"
#include "spec/deploy_settings.h"
#include "spec/parse.h"
#include "supervise/environment.h"
#include "supervise/guarded.h"

namespace tend::deploy {

using supervise::guarded;

namespace {

constexpr std::size_t kept_output_lines = 20;
constexpr std::size_t kept_stdout_bytes = 4096;

}  // namespace

Deployment::Deployment(DeployContext& context, DeploySource source, DeployRequest request)
    : m_context(context)
    , m_source(std::move(source))
    , m_deploy(m_source.deploy)
    , m_request(std::move(request))
    , m_self(std::make_shared<Deployment*>(this))
{
    // Still empty with no [deploy].ref: the remote's default branch, found after the fetch.
    if (m_request.ref.empty())
        m_request.ref = m_deploy.ref;
    m_environment = m_request.environment ? *m_request.environment : m_context.hooks.current().environment;
    m_outcome.deploy = m_deploy;
    m_outcome.steps_from = m_source.file;
    m_outcome.ref = m_request.ref;
}

Deployment::~Deployment() = default;

std::string Deployment::shown_ref() const
{
    return m_request.ref.empty() ? std::string("the default branch") : m_request.ref;
}

std::int64_t Deployment::now_us() const
{
    return to_micros(m_context.instances.loop.clock().wall_now());
}

std::string_view Deployment::phase() const
{
    switch (m_phase) {
    case Phase::Fetch: return "fetch";
    case Phase::Head:
    case Phase::Resolve: return "resolve";
    case Phase::Checkout: return "checkout";
    case Phase::Steps: return "steps";
    case Phase::Shared: return "shared";
    case Phase::Build: return "build";
    case Phase::Check: return "check";
    case Phase::Load: return "load";
    case Phase::Release: return "release";
    case Phase::Switch: return "switch";
    case Phase::Done: return "done";
    case Phase::Failed: return "failed";
    }
    return "?";
}

Result<void> Deployment::start(std::function<void(const DeployOutcome&)> done)
{
    m_done = std::move(done);
    m_since = m_context.instances.loop.clock().wall_now();
    if (!m_request.plan_only) {
        m_release = store::Release{.ref = m_request.ref,
            .environment = m_environment,
            .state = "building",
            .who = m_request.who,
            .created_us = to_micros(m_since)};
        m_release.id = TRY(m_context.releases.create(m_release));
        m_context.events.record("deploy", "deploy-started",
            fmt::format("release {} of {} by {} from {}", m_release.id, shown_ref(), m_request.who, m_deploy.source));
    }
    m_outcome.release = m_release.id;
    m_context.log->note(fmt::format("deploy#{}", m_release.id),
        fmt::format("{} {} from {} by {}", m_request.plan_only ? "plan for" : "deploy of", shown_ref(), m_deploy.source,
            m_request.who));
    m_context.instances.loop.defer(guarded(m_self, [](Deployment& self) { self.enter(Phase::Fetch); }));
    return Ok{};
}

void Deployment::enter(Phase phase)
{
    m_phase = phase;
    if (!m_stop_reason.empty()) {
        fail(m_stop_reason);
        return;
    }
    const DeployPaths& paths = m_context.paths;
    std::deque<Command> commands;
    switch (phase) {
    case Phase::Fetch:
        if (os::kind_of(paths.mirror) == os::PathKind::Directory) {
            commands.push_back({"fetch", git::set_source(paths.mirror, m_deploy.source), paths.state});
            commands.push_back({"fetch", git::fetch(paths.mirror), paths.state});
        } else {
            // Cloned beside it and renamed once whole, so a cut clone never passes for a mirror.
            std::string partial = paths.mirror + ".partial";
            if (os::kind_of(partial) != os::PathKind::Missing)
                commands.push_back({"fetch", {"rm", "-rf", "--", partial}, paths.state});
            commands.push_back({"fetch", git::clone_mirror(m_deploy.source, partial), paths.state});
            commands.push_back({"fetch", {"mv", "-T", "--", partial, paths.mirror}, paths.state});
        }
        run_commands(std::move(commands), m_request.ref.empty() ? Phase::Head : Phase::Resolve);
        return;
    case Phase::Head:
        // Asked of the remote each time: a mirror's HEAD is only what it was when cloned.
        m_stdout.clear();
        commands.push_back({"fetch", git::remote_head(paths.mirror), paths.state});
        run_commands(std::move(commands), Phase::Resolve);
        return;
    case Phase::Resolve: resolve(); return;
    case Phase::Checkout: {
        std::string sha = std::string(trim(m_stdout));
        if (!git::is_full_sha(sha)) {
            fail(fmt::format("ref \"{}\" resolved to \"{}\", not a commit", m_request.ref, sha));
            return;
        }
        m_release.sha = sha;
        m_outcome.sha = sha;
        std::string name = m_request.plan_only ? ".plan-" + sha.substr(0, 7) : git::release_name(m_release.id, sha);
        m_directory = fmt::format("{}/{}", paths.releases, name);
        m_outcome.directory = m_directory;
        if (!m_request.plan_only) {
            m_release.directory = m_directory;
            (void)m_context.releases.update(m_release);
        }
        if (auto made = os::make_directories(paths.releases, 0755); !made) {
            fail(made.error().message());
            return;
        }
        if (os::kind_of(m_directory) != os::PathKind::Missing)
            commands.push_back({"checkout", {"rm", "-rf", "--", m_directory}, paths.state});
        commands.push_back({"checkout", git::clone_release(paths.mirror, m_directory), paths.state});
        commands.push_back({"checkout", git::checkout(m_directory, sha), paths.state});
        run_commands(std::move(commands), Phase::Steps);
        return;
    }
    case Phase::Steps: read_steps(); return;
    case Phase::Shared: link_shared_paths(); return;
    case Phase::Build: run_commands(step_commands("build", m_deploy.build), Phase::Check); return;
    case Phase::Check:
        // A plan builds (to resolve the commands the build makes) but runs no check: it only shows.
        run_commands(m_request.plan_only ? std::deque<Command>{} : step_commands("check", m_deploy.check), Phase::Load);
        return;
    case Phase::Load: load(); return;
    case Phase::Release: run_commands(step_commands("release", m_deploy.release), Phase::Switch); return;
    case Phase::Switch: switch_over(); return;
    case Phase::Done:
    case Phase::Failed: return;
    }
}

void Deployment::run_commands(std::deque<Command> commands, Phase then)
{
    if (!m_stop_reason.empty()) {
        fail(m_stop_reason);
        return;
    }
    if (commands.empty()) {
        m_context.instances.loop.defer(guarded(m_self, [then](Deployment& self) { self.enter(then); }));
        return;
    }
    Command command = std::move(commands.front());
    commands.pop_front();
    run_command(std::move(command),
        [this, rest = std::move(commands), then]() mutable { run_commands(std::move(rest), then); });
}

std::shared_ptr<const spec::JobSpec> command_job(
    git::Argv argv, std::string cwd, std::map<std::string, std::string> env, Duration timeout, std::string environment)
{
    spec::JobSpec job;
    job.name = "deploy";
    job.process.name = "deploy";
    job.process.argv = std::move(argv);
    job.process.cwd = std::move(cwd);
    job.process.env = std::move(env);
    job.process.environment = std::move(environment);
    job.timeout = timeout;
    return std::make_shared<const spec::JobSpec>(std::move(job));
}

std::shared_ptr<const spec::JobSpec> Deployment::step_spec(const Command& command) const
{
    std::map<std::string, std::string> env = m_deploy.env;
    for (const auto& [key, value] : git::environment())
        env.emplace(key, value);
    env["TEND_REF"] = m_request.ref;
    env["TEND_SHARED"] = m_context.paths.shared;
    if (m_release.id != 0)
        env["TEND_RELEASE"] = std::to_string(m_release.id);
    if (!m_release.sha.empty())
        env["TEND_SHA"] = m_release.sha;
    if (!m_directory.empty())
        env["TEND_RELEASE_DIR"] = m_directory;
    return command_job(command.argv, command.cwd, std::move(env), m_deploy.timeout, m_environment);
}

std::vector<std::vector<std::string>> Deployment::expanded(const std::vector<std::vector<std::string>>& list) const
{
    std::vector<std::vector<std::string>> out;
    for (const auto& argv : list)
        out.push_back(
            supervise::expand_placeholders(argv, {{"{env}", m_environment}, {"{app}", m_context.instances.app}}));
    return out;
}

std::deque<Deployment::Command> Deployment::step_commands(
    std::string_view step, const std::vector<std::vector<std::string>>& list) const
{
    // Expanded here, so the log and the step rows show what runs.
    std::deque<Command> commands;
    for (auto& argv : expanded(list))
        commands.push_back({std::string(step), std::move(argv), m_directory});
    return commands;
}

void Deployment::run_command(Command command, std::function<void()> next)
{
    std::string shown = join_command(command.argv);
    std::int64_t step = begin_step(command.step, shown);
    m_output.clear();
    ++m_steps;
    schedule::RunRequest request{.id = m_release.id,
        .trigger = "deploy",
        .step = command.step,
        .name = fmt::format("deploy#{}.{}", m_release.id, m_steps),
        .quiet = true};
    m_context.log->note(request.name, fmt::format("{}: {}", command.step, shown));
    m_run = std::make_unique<schedule::JobRun>(m_context.instances, step_spec(command), m_context.log, request);
    auto started = m_context.instances.loop.now();
    m_run->start(guarded(m_self,
        [step, started, kind = command.step, next = std::move(next)](
            Deployment& self, const schedule::RunOutcome& outcome) {
            // The run is destroyed once its callback chain has unwound.
            self.m_context.instances.loop.defer([run = std::shared_ptr<schedule::JobRun>(std::move(self.m_run))] {});
            auto took
                = std::chrono::duration_cast<std::chrono::milliseconds>(self.m_context.instances.loop.now() - started);
            if (outcome.state == "succeeded") {
                self.end_step(step, true, format_duration(took));
                next();
                return;
            }
            std::string detail = schedule::describe(outcome);
            if (std::string said = self.telling_line(); !said.empty())
                detail += ": " + said;
            self.end_step(step, false, detail);
            if (!self.m_stop_reason.empty())
                self.fail(self.m_stop_reason);
            else if (kind == "resolve")
                self.fail(fmt::format("unknown ref \"{}\": not a branch, tag or commit of {}{}", self.m_request.ref,
                    self.m_deploy.source, self.m_source.deploy.ref.empty() ? " (its default branch)" : ""));
            else
                self.fail(fmt::format("{} {}", kind, detail));  // "check failed (exit 1): LAST LINE"
        }));
}

std::string Deployment::telling_line() const
{
    // git says what went wrong first ("fatal: '/x' does not appear to be a git
    // repository") and then generic advice; other tools print an error and
    // end with a summary: the first error line, and the last line when it differs.
    if (m_output.empty())
        return {};
    const std::string* error = nullptr;
    for (const std::string& line : m_output) {
        if (line.starts_with("fatal:") || line.starts_with("error:"))
            return line;
        std::string lower = line;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (error == nullptr && lower.find("error") != std::string::npos)
            error = &line;
    }
    if (error == nullptr || *error == m_output.back())
        return m_output.back();
    return fmt::format("{} ... {}", *error, m_output.back());
}

void Deployment::observe(std::string_view records)
{
    if (!m_run)
        return;
    while (!records.empty()) {
        std::size_t end = records.find('\n');
        std::string_view line = records.substr(0, end);
        records = end == std::string_view::npos ? std::string_view() : records.substr(end + 1);
        auto record = logs::parse_record(line);
        if (!record || record->instance != m_run->name() || record->stream.starts_with("tend"))
            continue;
        if (!trim(record->text).empty()) {
            m_output.emplace_back(record->text);
            if (m_output.size() > kept_output_lines)
                m_output.pop_front();
        }
        if (record->stream.starts_with("out") && m_stdout.size() < kept_stdout_bytes) {
            m_stdout += record->text;
            if (!record->stream.ends_with("+"))
                m_stdout += '\n';
        }
    }
}

void Deployment::resolve()
{
    if (m_request.ref.empty()) {
        auto branch = git::parse_remote_head(m_stdout);
        if (!branch) {
            fail(fmt::format("{} has no default branch (its HEAD names none): set [deploy].ref", m_deploy.source));
            return;
        }
        m_request.ref = *branch;
        m_release.ref = *branch;
        m_outcome.ref = *branch;
        if (!m_request.plan_only)
            (void)m_context.releases.update(m_release);
        m_context.log->note(fmt::format("deploy#{}", m_release.id),
            fmt::format("the default branch of {} is {}", m_deploy.source, *branch));
    }
    m_stdout.clear();
    run_commands(
        {{"resolve", git::resolve(m_context.paths.mirror, m_request.ref), m_context.paths.state}}, Phase::Checkout);
}

void Deployment::read_steps()
{
    // The commit's own [deploy] says how to build, check and release it; only
    // where to fetch from is the host's. Read on its own: the rest of the file
    // is validated once the build has made its commands.
    std::string sha = m_release.sha.substr(0, 12);
    auto own = spec::deploy_settings::read_deploy_table(m_directory + "/tend.toml", m_environment);
    if (!own) {
        std::int64_t step = begin_step("steps", fmt::format("{}:tend.toml", sha));
        end_step(step, false, own.error().message());
        fail(fmt::format(
            "the release's app file is not valid: {} (`git show {}:tend.toml` shows it)", own.error().message(), sha));
        return;
    }
    m_deploy = spec::deploy_settings::in_effect(m_source.deploy, *own);
    m_outcome.deploy = m_deploy;  // as it runs, for --plan
    m_outcome.deploy.build = expanded(m_deploy.build);
    m_outcome.deploy.check = expanded(m_deploy.check);
    m_outcome.deploy.release = expanded(m_deploy.release);
    m_outcome.steps_from = own->has_value() ? fmt::format("{}:tend.toml", sha)
                                            : fmt::format("{} ({}:tend.toml has no [deploy])", m_source.file, sha);
    std::int64_t step = begin_step("steps", "from " + m_outcome.steps_from);
    end_step(step, true, "");
    m_context.log->note(fmt::format("deploy#{}", m_release.id), fmt::format("steps from {}", m_outcome.steps_from));
    enter(Phase::Shared);
}

void Deployment::link_shared_paths()
{
    // shared/ is there for the steps ($TEND_SHARED) whether or not any path is linked from it.
    if (auto made = os::make_directories(m_context.paths.shared, 0755); !made) {
        fail(made.error().message());
        return;
    }
    if (m_deploy.shared.empty()) {
        enter(Phase::Build);
        return;
    }
    std::int64_t step = begin_step("shared", fmt::format("{}", fmt::join(m_deploy.shared, " ")));
    auto linked = [&]() -> Result<std::string> {
        auto release = TRY(os::Beneath::open(m_directory));
        auto shared = TRY(os::Beneath::open(m_context.paths.shared));
        std::vector<std::string> notes;
        for (const std::string& path : m_deploy.shared) {
            auto note = link_shared_path(release, shared, path, m_request.plan_only ? Seed::No : Seed::Yes);
            if (!note)
                return Error(fmt::format("shared path \"{}\": {}", path, note.error().message()));
            if (!note->empty()) {
                notes.push_back(fmt::format("{}: {}", path, *note));
                m_context.log->note(fmt::format("deploy#{}", m_release.id), notes.back());
            }
        }
        return fmt::format("{}", fmt::join(notes, "; "));
    }();
    if (!linked) {
        end_step(step, false, linked.error().message());
        fail(linked.error().message());
        return;
    }
    end_step(step, true, *linked);
    enter(Phase::Build);
}

void Deployment::load()
{
    const spec::AppSpec& current = m_context.hooks.current();
    std::string file = m_directory + "/tend.toml";
    std::int64_t step = begin_step("load", file);
    auto next = spec::load_app_file(file, m_environment, spec::BuildOutputs::Built);
    const std::string& app = m_context.instances.app;
    if (next && next->app != app)
        next = Error(fmt::format("{} is for app \"{}\", but this daemon runs \"{}\"", file, next->app, app));
    if (!next) {
        end_step(step, false, next.error().message());
        // The failed release's directory is removed; the file stays in the repository.
        fail(fmt::format("the release's app file is not valid: {} (`git show {}:tend.toml` shows it)",
            next.error().message(), m_release.sha.substr(0, 12)));
        return;
    }
    next->deploy = m_deploy;
    m_outcome.plan = spec::make_plan(current, *next, spec::Code::New);
    m_next = next.release_value();
    end_step(step, true, "");
    if (m_request.plan_only) {
        m_outcome.ok = true;
        m_phase = Phase::Done;
        finish();
        return;
    }
    m_release.file = m_next->file;
    m_release.state = "ready";
    (void)m_context.releases.update(m_release);
    enter(Phase::Release);
}

void Deployment::switch_over()
{
    if (!m_next) {
        fail("the release's app file was not read");
        return;
    }
    std::int64_t step = begin_step("switch", m_directory);
    m_context.log->note(fmt::format("deploy#{}", m_release.id), "switching: each group rolls to the new release");
    auto begun
        = m_context.hooks.switch_to(*m_next, guarded(m_self, [step](Deployment& self, const Result<void>& outcome) {
              if (!outcome) {
                  self.end_step(step, false, outcome.error().message());
                  self.fail(fmt::format("switch failed: {}", outcome.error().message()));
                  return;
              }
              std::int64_t now = self.now_us();
              auto live = self.m_context.releases.make_live(self.m_release.id, now);
              auto linked = os::replace_symlink(self.m_directory, self.m_context.paths.current);
              self.end_step(step, true, linked ? "" : linked.error().message());
              if (!live)
                  self.m_context.events.record("deploy", "store-failed", live.error().message());
              self.m_release.state = "live";
              self.m_release.ended_us = now;
              self.m_phase = Phase::Done;
              self.m_outcome.ok = true;
              self.m_context.events.record("deploy", "deploy-live",
                  fmt::format("release {} ({} at {}) is live, by {}", self.m_release.id, self.m_request.ref,
                      self.m_release.sha.substr(0, 7), self.m_request.who));
              self.m_context.log->note(fmt::format("deploy#{}", self.m_release.id), "live");
              self.finish();
          }));
    if (!begun) {
        end_step(step, false, begun.error().message());
        fail(fmt::format("switch failed: {}", begun.error().message()));
    }
}

void Deployment::stop(const std::string& why)
{
    if (m_phase == Phase::Done || m_phase == Phase::Failed || !m_stop_reason.empty())
        return;
    m_stop_reason = why;
    if (m_run)
        m_run->stop(why);
}

void Deployment::fail(std::string why)
{
    if (m_phase == Phase::Failed || m_phase == Phase::Done)
        return;
    m_phase = Phase::Failed;
    m_outcome.ok = false;
    m_outcome.error = why;
    m_context.log->note(fmt::format("deploy#{}", m_release.id), fmt::format("failed: {}", why));
    if (!m_request.plan_only) {
        m_release.state = "failed";
        m_release.error = why;
        m_release.ended_us = now_us();
        (void)m_context.releases.update(m_release);
        m_context.events.record("deploy", "deploy-failed", fmt::format("release {}: {}", m_release.id, why));
    }
    finish();
}

void Deployment::finish()
{
    if (!m_done)
        return;
    m_context.instances.loop.defer(guarded(m_self, [](Deployment& self) {
        auto done = std::move(self.m_done);
        self.m_done = nullptr;
        if (done)
            done(self.m_outcome);
    }));
}

std::int64_t Deployment::begin_step(std::string_view kind, std::string_view command)
{
    if (m_request.plan_only)
        return 0;
    auto step = m_context.releases.begin_step(m_release.id, kind, command, now_us());
    if (step && m_outcome.first_step == 0)
        m_outcome.first_step = *step;
    return step ? *step : 0;
}

void Deployment::end_step(std::int64_t step, bool ok, std::string_view detail)
{
    if (step != 0)
        (void)m_context.releases.end_step(step, ok ? "ok" : "failed", detail, now_us());
}

}  // namespace tend::deploy
