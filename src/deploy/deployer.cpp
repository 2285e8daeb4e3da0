#include "deploy/deployer.h"

#include <cerrno>
#include <fmt/format.h>

#include "deploy/retention.h"
#include "os/beneath.h"
#include "os/files.h"
#include "spec/deploy_settings.h"
#include "spec/parse.h"
#include "supervise/guarded.h"

namespace tend::deploy {

using supervise::guarded;

Deployer::Deployer(supervise::InstanceContext& instances, store::Releases& releases, store::EventLog& events,
    DeployPaths paths, DeployHooks hooks, std::string log_directory)
    : m_context{.instances = instances,
        .releases = releases,
        .events = events,
        .log = nullptr,
        .paths = std::move(paths),
        .hooks = std::move(hooks)}
    , m_log_directory(std::move(log_directory))
    , m_self(std::make_shared<Deployer*>(this))
{}

Deployer::~Deployer() = default;

Result<void> Deployer::start()
{
    auto failed = TRY(m_context.releases.fail_unfinished(to_micros(m_context.instances.loop.clock().wall_now())));
    for (const store::Release& release : failed) {
        m_context.events.record("deploy", "deploy-failed",
            fmt::format(
                "release {} ({}): {}; the live release was never switched", release.id, release.ref, release.error));
    }
    return Ok{};
}

Result<void> Deployer::open_log()
{
    if (m_context.log)
        return Ok{};
    auto log
        = std::make_shared<logs::LogFile>(m_context.instances.loop, m_log_directory, "deploy", logs::RotationPolicy{});
    TRY(log->open());
    log->set_tap([this](std::string_view records) {
        if (m_deployment)
            m_deployment->observe(records);
    });
    m_context.log = std::move(log);
    return Ok{};
}

void Deployer::tick()
{
    if (m_context.log)
        m_context.log->tick();
}

std::optional<Activity> Deployer::activity() const
{
    if (m_rollback)
        return m_rollback;
    if (!m_deployment)
        return std::nullopt;
    return Activity{.kind = "deploy",
        .release = m_deployment->release(),
        .who = m_deployment->who(),
        .since = m_deployment->since(),
        .phase = std::string(m_deployment->phase())};
}

std::string Deployer::busy_message() const
{
    auto busy = activity();
    if (!busy)
        return {};
    std::string what = busy->kind == "rollback" ? fmt::format("rollback to release {}", busy->release)
        : busy->release == 0                    ? std::string("deploy plan")
                                                : fmt::format("deploy {}", busy->release);
    return fmt::format(
        "{} in progress since {} by {} ({})", what, format_wall_time(busy->since), busy->who, busy->phase);
}

Result<std::int64_t> Deployer::deploy(
    DeploySource source, DeployRequest request, std::function<void(const DeployOutcome&)> done)
{
    if (activity())
        return Error(busy_message(), EBUSY);
    if (m_shutdown_done)
        return Error("the daemon is shutting down");
    TRY(open_log());
    bool plan_only = request.plan_only;
    std::int64_t switched_from = 0;
    if (auto live = m_context.releases.live(); live) {
        if (const std::optional<store::Release>& found = *live; found.has_value())
            switched_from = found->id;
    }
    m_deployment = std::make_unique<Deployment>(m_context, std::move(source), std::move(request));
    m_waiters.push_back(std::move(done));
    auto started = m_deployment->start(
        guarded(m_self, [switched_from, plan_only](Deployer& self, const DeployOutcome& outcome) {
            // The deployment may be the caller: it goes once this callback chain has unwound.
            self.m_context.instances.loop.defer([gone = std::shared_ptr<Deployment>(std::move(self.m_deployment))] {});
            if (plan_only && !outcome.directory.empty())
                self.m_removals.push_back({0, outcome.directory});
            self.finished(outcome, plan_only ? -1 : switched_from);
        }));
    if (!started) {
        m_deployment.reset();
        m_waiters.clear();
        return started.error();
    }
    return m_deployment->release();
}

bool Deployer::attach(std::function<void(const DeployOutcome&)> done)
{
    if (!activity())
        return false;
    m_waiters.push_back(std::move(done));
    return true;
}

Result<std::int64_t> Deployer::rollback(const RollbackRequest& request, std::function<void(const DeployOutcome&)> done)
{
    if (activity())
        return Error(busy_message(), EBUSY);
    if (m_shutdown_done)
        return Error("the daemon is shutting down");
    TRY(open_log());
    auto live = TRY(m_context.releases.live());
    std::optional<store::Release> target;
    if (request.release) {
        target = TRY(m_context.releases.find(*request.release));
        if (!target)
            return Error(fmt::format("there is no release {}", *request.release));
        if (target->state == "failed")
            return Error(fmt::format(
                "release {} failed ({}); failed releases are never rollback targets", target->id, target->error));
        if (target->state == "live")
            return Error(fmt::format("release {} is already live", target->id));
        if (target->removed)
            return Error(fmt::format("release {} was removed by cleanup (keep)", target->id));
        if (!target->good())
            return Error(fmt::format("release {} is {}, not a release that was live", target->id, target->state));
    } else {
        if (!live)
            return Error("no release is live yet; there is nothing to roll back from");
        for (const store::Release& release : TRY(m_context.releases.list(1000))) {
            if (release.id < live->id && release.good()) {
                target = release;
                break;
            }
        }
        if (!target)
            return Error(fmt::format("no good release older than the live one ({}) to roll back to", live->id));
    }
    auto next = spec::load_app_file(target->file, target->environment);
    if (!next)
        return next.error().context(fmt::format("release {}'s app file no longer loads", target->id));
    // Where to fetch from stays the host's; the rest is the release's own, as when it was deployed.
    const spec::AppSpec& current = m_context.hooks.current();
    if (current.deploy)
        next->deploy = spec::deploy_settings::in_effect(*current.deploy, next->deploy);
    std::int64_t from = live ? live->id : 0;
    WallTime now = m_context.instances.loop.clock().wall_now();
    m_rollback
        = Activity{.kind = "rollback", .release = target->id, .who = request.who, .since = now, .phase = "switch"};
    auto begun_step = m_context.releases.begin_step(
        target->id, "rollback", fmt::format("from release {} by {}", from, request.who), to_micros(now));
    std::int64_t step = begun_step ? *begun_step : 0;
    m_context.events.record(
        "deploy", "rollback-started", fmt::format("to release {} from {} by {}", target->id, from, request.who));
    m_context.log->note(fmt::format("deploy#{}", target->id),
        fmt::format("rollback to release {} from {} by {}", target->id, from, request.who));
    m_waiters.push_back(std::move(done));
    DeployOutcome planned{
        .release = target->id, .ref = target->ref, .sha = target->sha, .directory = target->directory};
    planned.plan = spec::make_plan(current, *next, spec::Code::New);
    planned.deploy = next->deploy.value_or(spec::DeploySpec{});
    planned.first_step = step;
    auto finish = guarded(m_self, [planned, step, from](Deployer& self, const Result<void>& switched) {
        DeployOutcome outcome = planned;
        std::int64_t now_us = to_micros(self.m_context.instances.loop.clock().wall_now());
        if (switched) {
            auto live_now = self.m_context.releases.make_live(outcome.release, now_us);
            auto linked = os::replace_symlink(outcome.directory, self.m_context.paths.current);
            (void)self.m_context.releases.end_step(step, "ok", linked ? "" : linked.error().message(), now_us);
            if (!live_now)
                self.m_context.events.record("deploy", "store-failed", live_now.error().message());
            outcome.ok = true;
            self.m_context.events.record("deploy", "rolled-back", fmt::format("release {} is live", outcome.release));
            self.m_context.log->note(fmt::format("deploy#{}", outcome.release), "live (rollback)");
        } else {
            outcome.error = fmt::format("rollback failed: {}", switched.error().message());
            (void)self.m_context.releases.end_step(step, "failed", switched.error().message(), now_us);
            self.m_context.events.record("deploy", "rollback-failed", outcome.error);
            self.m_context.log->note(fmt::format("deploy#{}", outcome.release), outcome.error);
        }
        self.m_rollback.reset();
        self.finished(outcome, from);
    });
    auto begun = m_context.hooks.switch_to(*next, finish);
    if (!begun) {
        m_rollback.reset();
        m_waiters.clear();
        (void)m_context.releases.end_step(step, "failed", begun.error().message(), to_micros(now));
        return begun.error();
    }
    return target->id;
}

void Deployer::finished(const DeployOutcome& outcome, std::int64_t switched_from)
{
    notify(outcome);
    if (switched_from >= 0)
        clean_up(switched_from, outcome.deploy.keep);
    remove_next();
}

void Deployer::notify(const DeployOutcome& outcome)
{
    auto waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto& waiter : waiters) {
        if (waiter)
            waiter(outcome);
    }
}

void Deployer::clean_up(std::int64_t switched_from, int keep)
{
    auto all = m_context.releases.list(1000);
    if (!all)
        return;
    for (std::int64_t id : releases_to_remove(*all, keep, switched_from)) {
        for (const store::Release& release : *all) {
            if (release.id == id && !release.directory.empty())
                m_removals.push_back({id, release.directory});
        }
    }
}

void Deployer::remove_next()
{
    if (m_remover || m_removals.empty()) {
        if (!m_remover && m_shutdown_done && !m_deployment && !m_rollback) {
            auto done = std::move(m_shutdown_done);
            m_shutdown_done = nullptr;
            done();
        }
        return;
    }
    Removal removal = std::move(m_removals.front());
    m_removals.pop_front();
    if (auto safe = removable(removal.directory); !safe) {
        m_context.events.record(
            "deploy", "release-not-removed", fmt::format("release {}: {}", removal.release, safe.error().message()));
        m_context.instances.loop.defer(guarded(m_self, [](Deployer& me) { me.remove_next(); }));
        return;
    }
    schedule::RunRequest request{.id = removal.release,
        .trigger = "cleanup",
        .name = fmt::format("deploy#{}.cleanup", removal.release),
        .quiet = true};
    auto job = command_job({"rm", "-rf", "--", removal.directory}, m_context.paths.state, {}, std::chrono::minutes(10));
    m_remover = std::make_unique<schedule::JobRun>(m_context.instances, job, m_context.log, request);
    m_remover->start(guarded(m_self, [removal](Deployer& self, const schedule::RunOutcome& outcome) {
        self.m_context.instances.loop.defer([gone = std::shared_ptr<schedule::JobRun>(std::move(self.m_remover))] {});
        if (outcome.state == "succeeded" && removal.release != 0) {
            (void)self.m_context.releases.mark_removed(removal.release);
            self.m_context.events.record(
                "deploy", "release-removed", fmt::format("release {}: {}", removal.release, removal.directory));
        }
        self.m_context.instances.loop.defer(guarded(self.m_self, [](Deployer& me) { me.remove_next(); }));
    }));
}

Result<void> Deployer::removable(const std::string& directory) const
{
    const std::string& releases = m_context.paths.releases;
    std::string name = directory.starts_with(releases + "/") ? directory.substr(releases.size() + 1) : std::string();
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return Error(fmt::format("{} is not a directory in {}", directory, releases));
    auto beneath = TRY(os::Beneath::open(releases));
    auto kind = TRY(beneath.kind(name));
    if (kind != os::PathKind::Directory && kind != os::PathKind::Missing)
        return Error(fmt::format("{} is not a directory (a symlink?); left as it is", directory));
    return Ok{};
}

void Deployer::shut_down(std::function<void()> done)
{
    m_shutdown_done = std::move(done);
    m_removals.clear();
    if (m_deployment)
        m_deployment->stop("the daemon is shutting down");
    if (m_remover)
        m_remover->stop("the daemon is shutting down");
    remove_next();
}

}  // namespace tend::deploy
