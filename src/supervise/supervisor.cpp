#include "supervise/supervisor.h"

#include <fmt/format.h>

#include "base/units.h"
#include "os/files.h"

namespace tend::supervise {

Supervisor::Supervisor(Loop& loop, store::EventLog& events, store::LiveProcesses& live, SupervisorOptions options)
    : m_loop(loop)
    , m_events(events)
    , m_options(std::move(options))
    , m_killer(loop, m_attribution)
    , m_context{.loop = loop,
          .events = events,
          .live = live,
          .killer = m_killer,
          .attribution = m_attribution,
          .app = m_options.app,
          .runtime_directory = m_options.runtime_directory,
          .on_state_change = [this] { schedule_reconcile(); }}
    , m_self(std::make_shared<Supervisor*>(this))
{
    m_killer.on_idle([this] {
        if (m_shutting_down)
            schedule_reconcile();
    });
}

Supervisor::~Supervisor() = default;

Result<spec::Plan> Supervisor::apply(const spec::AppSpec& next)
{
    spec::Plan plan = make_plan(m_spec, next);
    // Open every new group's log and bind its sockets first, so a failure changes nothing.
    std::map<std::string, std::unique_ptr<Group>> added;
    for (const spec::GroupChange& change : plan.groups) {
        if (change.kind != spec::ChangeKind::Added)
            continue;
        auto spec = std::make_shared<const spec::ProcessSpec>(next.processes.at(change.name));
        // A group of this name removed and still stopping keeps writing through
        // the same log file object: one writer per file.
        std::shared_ptr<logs::LogFile> log;
        for (const auto& [key, removed] : m_removed) {
            if (removed->name() == change.name)
                log = removed->log();
        }
        if (log) {
            log->set_policy(rotation_policy(spec->logs));
        } else {
            log = std::make_shared<logs::LogFile>(
                m_loop, m_options.log_directory, change.name, rotation_policy(spec->logs));
            if (auto opened = log->open(); !opened)
                return opened.error().context(fmt::format("process {}", change.name));
        }
        auto group = TRY(Group::create(m_context, spec, std::move(log)));
        added.emplace(change.name, std::move(group));
    }
    // Sockets of changed groups too: every bind that can fail happens before anything changes.
    std::map<std::string, std::optional<std::vector<os::UniqueFd>>> sockets;
    for (const spec::GroupChange& change : plan.groups) {
        if (change.kind == spec::ChangeKind::Added || change.kind == spec::ChangeKind::Removed)
            continue;
        auto prepared = m_groups.at(change.name)->prepare_sockets(next.processes.at(change.name));
        if (!prepared) {
            m_events.record(change.name, "apply-failed", prepared.error().message());
            return prepared.error();
        }
        sockets.emplace(change.name, prepared.release_value());
    }
    for (const spec::GroupChange& change : plan.groups) {
        switch (change.kind) {
        case spec::ChangeKind::Added: {
            auto group = std::move(added.at(change.name));
            group->start_when_ready = !m_shutting_down;
            m_groups.emplace(change.name, std::move(group));
            break;
        }
        case spec::ChangeKind::Removed: {
            // Keyed uniquely: a group of the same name may be removed again before this one has stopped.
            auto node = m_groups.extract(change.name);
            Group* group = node.mapped().get();
            node.key() = fmt::format("{}#{}", change.name, m_next_removed++);
            std::string key = node.key();
            m_removed.insert(std::move(node));
            group->stop([this, key] {
                m_loop.defer([this, key] {
                    m_removed.erase(key);
                    schedule_reconcile();  // a shutdown may be waiting for it
                });
            });
            break;
        }
        default:
            m_groups.at(change.name)
                ->apply(std::make_shared<const spec::ProcessSpec>(next.processes.at(change.name)), change.kind,
                    std::move(sockets.at(change.name)));
            break;
        }
        if (change.kind != spec::ChangeKind::Unchanged)
            m_events.record(change.name, "applied",
                fmt::format("{}{}", to_string(change.kind),
                    change.reasons.empty() ? "" : fmt::format(": {}", fmt::join(change.reasons, ", "))));
    }
    m_spec = next;
    schedule_reconcile();
    return plan;
}

Result<spec::Plan> Supervisor::switch_to(const spec::AppSpec& next, const std::set<std::string>& replace_anyway,
    std::chrono::milliseconds deadline, std::function<void(Result<void>)> done)
{
    spec::Plan plan = TRY(apply(next));
    struct Pending {
        std::size_t left = 1;  // one for the setup below
        bool finished = false;
        std::function<void(Result<void>)> done;
    };
    std::set<std::string> changed;
    for (const spec::GroupChange& change : plan.groups) {
        if (change.kind != spec::ChangeKind::Unchanged || replace_anyway.contains(change.name))
            changed.insert(change.name);
    }
    auto pending = std::make_shared<Pending>(Pending{.done = std::move(done)});
    auto weak = std::weak_ptr<Supervisor*>(m_self);
    auto one_done = [pending, weak, deadline, changed](const Result<void>& outcome) {
        if (pending->finished)
            return;
        if (!outcome) {
            pending->finished = true;
            pending->done(outcome);
            return;
        }
        if (--pending->left > 0)
            return;
        pending->finished = true;
        if (auto self = weak.lock())
            (*self)->await_all_ready(deadline, changed, std::move(pending->done));
        else
            pending->done(Error("the supervisor is gone"));
    };
    for (const spec::GroupChange& change : plan.groups) {
        auto it = m_groups.find(change.name);
        if (it == m_groups.end() || !it->second->started())
            continue;
        ++pending->left;
        if (change.kind == spec::ChangeKind::Unchanged && replace_anyway.contains(change.name))
            it->second->replace_all("new release", one_done);
        else
            it->second->await_rollout(one_done);
    }
    one_done(Ok{});
    return plan;
}

void Supervisor::await_all_ready(
    std::chrono::milliseconds deadline, std::set<std::string> groups, std::function<void(Result<void>)> done)
{
    auto waiter = std::make_shared<ReadyWaiter>(ReadyWaiter{.done = std::move(done), .groups = std::move(groups)});
    waiter->deadline = m_loop.add_timer(deadline, [this, waiter, deadline] {
        waiter->deadline = 0;
        std::erase(m_ready_waiters, waiter);
        std::string why = not_ready();
        waiter->done(Error(fmt::format("{} after {}", why.empty() ? "not ready" : why, format_duration(deadline))));
    });
    m_ready_waiters.push_back(waiter);
    schedule_reconcile();
}

std::string Supervisor::not_ready() const
{
    for (const auto& [name, group] : m_groups) {
        if (!group->wanted() && !group->start_when_ready)
            continue;  // stopped on purpose
        if (!group->started())
            return fmt::format("{} has not started (waiting for {})", name, fmt::join(group->spec().after, ", "));
        if (group->replacing())
            return fmt::format("{} is still being replaced", name);
        if (group->ready())
            continue;
        if (const Instance* failing = group->failing()) {
            InstanceStatus status = failing->status();
            return fmt::format("{} is not ready ({}{}){}", status.name, to_string(status.state),
                status.last_exit.empty() ? "" : ", last " + status.last_exit, failing->last_output());
        }
        for (const InstanceStatus& member : group->status()) {
            if (member.state != InstanceState::Running && member.state != InstanceState::Stopping)
                return fmt::format("{} is not ready ({}{})", member.name, to_string(member.state),
                    member.last_exit.empty() ? "" : ", last " + member.last_exit);
        }
        return fmt::format("{} is not ready", name);
    }
    return {};
}

std::string Supervisor::failed_already(const std::set<std::string>& groups) const
{
    for (const std::string& name : groups) {
        auto it = m_groups.find(name);
        if (it == m_groups.end())
            continue;
        if (const Instance* failing = it->second->failing()) {
            InstanceStatus status = failing->status();
            return fmt::format("{} exited before it was ready ({}){}", status.name,
                status.last_exit.empty() ? status.last_error : status.last_exit, failing->last_output());
        }
    }
    return {};
}

void Supervisor::check_ready_waiters()
{
    if (m_ready_waiters.empty())
        return;
    bool all_ready = not_ready().empty();
    auto waiters = std::move(m_ready_waiters);
    m_ready_waiters.clear();
    for (auto& waiter : waiters) {
        std::string failed = all_ready ? std::string() : failed_already(waiter->groups);
        if (!all_ready && failed.empty()) {
            m_ready_waiters.push_back(waiter);
            continue;
        }
        if (waiter->deadline != 0)
            m_loop.cancel_timer(waiter->deadline);
        waiter->done(failed.empty() ? Result<void>(Ok{}) : Result<void>(Error(failed)));
    }
}

Result<Supervisor::Target> Supervisor::resolve(const std::string& target)
{
    std::string group_name = target;
    std::optional<int> index;
    std::size_t dot = target.rfind('.');
    if (dot != std::string::npos) {
        group_name = target.substr(0, dot);
        try {
            index = std::stoi(target.substr(dot + 1));
        } catch (const std::exception&) {
            return Error(fmt::format("\"{}\" is not a process group or an instance like web.0", target));
        }
    }
    auto it = m_groups.find(group_name);
    if (it == m_groups.end()) {
        std::vector<std::string> names;
        for (const auto& [name, group] : m_groups)
            names.push_back(name);
        return Error(fmt::format("no process group \"{}\" (have: {})", group_name,
            names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))));
    }
    Target resolved{.group = it->second.get()};
    if (index) {
        resolved.instance = it->second->find(*index);
        if (resolved.instance == nullptr)
            return Error(fmt::format("{} has {} instance(s): {}.0 to {}.{}", group_name, it->second->spec().instances,
                group_name, group_name, it->second->spec().instances - 1));
    }
    return resolved;
}

Result<void> Supervisor::start(const std::string& target)
{
    auto resolved = TRY(resolve(target));
    if (resolved.instance != nullptr)
        resolved.instance->start();
    else
        resolved.group->start();
    return Ok{};
}

Result<void> Supervisor::stop(const std::string& target, std::function<void()> done)
{
    auto resolved = TRY(resolve(target));
    if (resolved.instance != nullptr)
        resolved.instance->stop(std::move(done));
    else
        resolved.group->stop(std::move(done));
    return Ok{};
}

Result<void> Supervisor::restart(const std::string& target, std::function<void(Result<void>)> done)
{
    auto resolved = TRY(resolve(target));
    std::string reason = "restart requested";
    if (resolved.instance != nullptr)
        resolved.group->replace(resolved.instance->index(), reason, std::move(done));
    else
        resolved.group->replace_all(reason, std::move(done));
    return Ok{};
}

void Supervisor::schedule_reconcile()
{
    if (m_reconcile_scheduled)
        return;
    m_reconcile_scheduled = true;
    m_loop.defer([weak = std::weak_ptr<Supervisor*>(m_self)] {
        if (auto self = weak.lock()) {
            (*self)->m_reconcile_scheduled = false;
            (*self)->reconcile();
        }
    });
}

bool Supervisor::dependencies_ready(const Group& group) const
{
    for (const std::string& dependency : group.spec().after) {
        auto it = m_groups.find(dependency);
        if (it != m_groups.end() && (!it->second->started() || !it->second->ready()))
            return false;
    }
    return true;
}

bool Supervisor::dependents_settled(const Group& group) const
{
    for (const auto& [name, other] : m_groups) {
        const auto& after = other->spec().after;
        if (std::find(after.begin(), after.end(), group.name()) != after.end() && !other->settled_down())
            return false;
    }
    return true;
}

void Supervisor::reconcile()
{
    if (m_shutting_down) {
        continue_shutdown();
        return;
    }
    for (const std::string& name : m_spec.start_order()) {
        auto it = m_groups.find(name);
        if (it == m_groups.end())
            continue;
        Group& group = *it->second;
        if (group.start_when_ready && dependencies_ready(group)) {
            group.start_when_ready = false;
            group.start();
        }
    }
    check_ready_waiters();
}

void Supervisor::shut_down(std::function<void()> done)
{
    m_shutting_down = true;
    m_shutdown_done = std::move(done);
    m_events.record("daemon", "shutdown", "stopping every process group");
    for (auto& [name, group] : m_groups)
        group->start_when_ready = false;
    continue_shutdown();
}

void Supervisor::continue_shutdown()
{
    bool all_settled = true;
    for (auto& [name, group] : m_groups) {
        if (group->wanted() && dependents_settled(*group))
            group->stop([this] { schedule_reconcile(); });
        all_settled = all_settled && group->settled_down();
    }
    if (!all_settled || !m_removed.empty() || !m_killer.idle() || !m_shutdown_done)
        return;
    // Last sweep: anything still descending from tend goes now.
    if (!m_final_sweep_done) {
        m_final_sweep_done = true;
        if (std::size_t count = m_killer.kill_all_descendants(); count > 0) {
            m_events.record("daemon", "shutdown", fmt::format("killed {} leftover process(es)", count));
            m_loop.add_timer(std::chrono::milliseconds(50), [this] { schedule_reconcile(); });
            return;
        }
    }
    auto done = std::move(m_shutdown_done);
    m_shutdown_done = nullptr;
    done();
}

void Supervisor::tick()
{
    auto snapshot = ProcessSnapshot::take(os::self_pid());
    MonoTime now = m_loop.now();
    for (auto& [name, group] : m_groups) {
        group->sample(snapshot, now);
        group->tick_log();
    }
    m_attribution.prune(snapshot);
}

void Supervisor::on_orphan_exit()
{
    m_killer.notice_exit();
    if (m_shutting_down)
        schedule_reconcile();
}

std::vector<GroupStatus> Supervisor::status() const
{
    std::vector<GroupStatus> out;
    for (const auto& [name, group] : m_groups) {
        out.push_back(GroupStatus{
            .name = name,
            .instances = group->spec().instances,
            .ready = group->started() && group->ready(),
            .replacing = group->replacing(),
            .rollout_error = group->last_rollout_error(),
            .members = group->status(),
        });
    }
    return out;
}

}  // namespace tend::supervise
