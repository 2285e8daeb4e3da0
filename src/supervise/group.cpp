#include "supervise/group.h"

#include <algorithm>
#include <fmt/format.h>
#include <memory>

#include "os/socket.h"

namespace tend::supervise {

Result<std::vector<os::UniqueFd>> bind_sockets(
    const spec::ProcessSpec& spec, const spec::ProcessSpec* current, const std::vector<os::UniqueFd>* current_sockets)
{
    std::vector<os::UniqueFd> sockets;
    for (const spec::ListenSpec& listen : spec.listen) {
        std::optional<os::UniqueFd> socket;
        if (current != nullptr && current_sockets != nullptr) {
            // An unchanged address keeps its socket: a duplicate of it, so the
            // current set stays whole if this apply fails later on.
            for (std::size_t i = 0; i < current->listen.size() && i < current_sockets->size(); ++i) {
                if (current->listen[i] == listen && (*current_sockets)[i].valid()) {
                    socket = TRY(os::duplicate((*current_sockets)[i].get()));
                    break;
                }
            }
        }
        if (!socket) {
            auto bound
                = listen.unix_socket ? os::listen_unix_stream(listen.path) : os::listen_tcp(listen.host, listen.port);
            if (!bound)
                return bound.error().context(fmt::format("process {}", spec.name));
            socket = bound.release_value();
        }
        sockets.push_back(std::move(*socket));
    }
    return sockets;
}

logs::RotationPolicy rotation_policy(const spec::LogSpec& spec)
{
    return logs::RotationPolicy{
        .max_size = spec.max_size,
        .max_age = std::chrono::duration_cast<std::chrono::milliseconds>(spec.max_age),
        .keep = spec.keep,
        .max_total = spec.max_total,
        .compress = spec.compress,
    };
}

Result<std::unique_ptr<Group>> Group::create(
    InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, std::shared_ptr<logs::LogFile> log)
{
    auto sockets = TRY(bind_sockets(*spec, nullptr, nullptr));
    return std::unique_ptr<Group>(new Group(context, std::move(spec), std::move(log), std::move(sockets)));
}

Group::Group(InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec,
    std::shared_ptr<logs::LogFile> log, std::vector<os::UniqueFd> sockets)
    : m_context(context)
    , m_spec(std::move(spec))
    , m_log(std::move(log))
    , m_sockets(std::move(sockets))
    , m_self(std::make_shared<Group*>(this))
{
    resize();
}

Group::~Group() = default;

std::unique_ptr<Instance> Group::make_instance(int index)
{
    InstanceResources resources{.log = m_log.get()};
    for (const os::UniqueFd& socket : m_sockets) {
        resources.sockets.push_back(socket.get());
        resources.socket_names += (resources.socket_names.empty() ? "" : ":") + m_spec->name;
    }
    resources.request_replacement = [weak = std::weak_ptr<Group*>(m_self), index](std::string reason) {
        if (auto self = weak.lock())
            (*self)->replace(index, std::move(reason), {}, ReplaceCause::Recycle);
    };
    return std::make_unique<Instance>(m_context, m_spec, index, std::move(resources));
}

void Group::resize()
{
    auto wanted = static_cast<std::size_t>(m_spec->instances);
    while (m_instances.size() < wanted) {
        m_instances.push_back(make_instance(static_cast<int>(m_instances.size())));
        if (m_started)
            m_instances.back()->start();
    }
    while (m_instances.size() > wanted) {
        retire(std::move(m_instances.back()));
        m_instances.pop_back();
    }
}

void Group::retire(std::unique_ptr<Instance> instance)
{
    Instance* raw = instance.get();
    m_retiring.push_back(std::move(instance));
    raw->stop([this, raw, weak = std::weak_ptr<Group*>(m_self)] {
        // Destroy after the current callback chain has unwound.
        m_context.loop.defer([this, raw, weak] {
            if (weak.expired())
                return;
            std::erase_if(m_retiring, [raw](const auto& candidate) { return candidate.get() == raw; });
            if (m_context.on_state_change)
                m_context.on_state_change();
        });
    });
}

void Group::start()
{
    m_wanted = true;
    m_started = true;
    for (auto& instance : m_instances)
        instance->start();
}

void Group::stop(std::function<void()> done)
{
    m_wanted = false;
    m_started = false;
    m_queue.clear();
    if (m_successor)
        retire(std::move(m_successor));
    if (m_in_place) {
        if (Instance* instance = find(*m_in_place))
            instance->cancel_trial();
        m_in_place.reset();
    }
    finish_replacements(Error("the group was stopped"));
    auto remaining = std::make_shared<std::size_t>(m_instances.size() + m_retiring.size());
    if (*remaining == 0) {
        // Nothing to wait for (a group of zero instances): done all the same.
        if (done)
            m_context.loop.defer(std::move(done));
        return;
    }
    auto finish = [remaining, done = std::move(done)] {
        if (--*remaining == 0 && done)
            done();
    };
    for (auto& instance : m_instances)
        instance->stop(finish);
    for (auto& instance : m_retiring)
        instance->stop(finish);
}

void Group::replace_all(std::string reason, std::function<void(Result<void>)> done)
{
    m_wanted = true;
    m_started = true;
    if (m_instances.empty()) {
        if (done)
            done(Ok{});
        return;
    }
    for (std::size_t index = 0; index < m_instances.size(); ++index) {
        bool last = index + 1 == m_instances.size();
        replace(static_cast<int>(index), reason, last ? std::move(done) : nullptr);
    }
}

void Group::await_rollout(std::function<void(Result<void>)> done)
{
    if (replacing())
        m_waiters.push_back(std::move(done));
    else
        m_context.loop.defer([done = std::move(done)] { done(Ok{}); });
}

void Group::replace(int index, std::string reason, std::function<void(Result<void>)> done, ReplaceCause cause)
{
    for (const Replacement& queued : m_queue) {
        if (queued.index == index && !done)
            return;  // already on its way out
    }
    m_queue.push_back(Replacement{index, std::move(reason), std::move(done), cause});
    if (!m_successor && !m_in_place)
        next_replacement();
}

void Group::next_replacement()
{
    while (!m_successor && !m_in_place && !m_queue.empty()) {
        Replacement next = std::move(m_queue.front());
        m_queue.pop_front();
        if (next.done)
            m_waiters.push_back(std::move(next.done));
        auto index = static_cast<std::size_t>(next.index);
        if (index >= m_instances.size() || !m_started)
            continue;
        Instance& current = *m_instances[index];
        m_context.events.record(current.name(), "replace", next.reason);
        auto weak = std::weak_ptr<Group*>(m_self);
        // With stop-first, or nothing healthy to keep serving, a restart in place is all there is.
        if (m_spec->rollout == spec::Rollout::StopFirst || current.state() != InstanceState::Running) {
            current.update_spec(m_spec);
            m_in_place = next.index;
            current.restart_trial(next.cause, [weak, index = next.index](bool ready, const std::string& why) {
                if (auto self = weak.lock())
                    (*self)->on_in_place(index, ready, why);
            });
            continue;
        }
        m_successor = make_instance(next.index);
        if (next.cause == ReplaceCause::Recycle)
            m_successor->carry_counters_from(current);
        m_successor->start_trial([weak, index = next.index, cause = next.cause](bool ready, const std::string& why) {
            if (auto self = weak.lock())
                (*self)->on_successor(index, cause, ready, why);
        });
    }
    if (!m_successor && !m_in_place && m_queue.empty())
        finish_replacements(m_rollout_error.empty() ? Result<void>(Ok{}) : Result<void>(Error(m_rollout_error)));
}

void Group::on_successor(int index, ReplaceCause cause, bool ready, const std::string& why)
{
    std::unique_ptr<Instance> successor = std::move(m_successor);
    auto slot = static_cast<std::size_t>(index);
    if (!ready) {
        if (cause == ReplaceCause::Recycle && slot < m_instances.size())
            m_instances[slot]->recycle_failed();
        std::string error
            = fmt::format("{} never became ready: {}; the old instance keeps serving", successor->name(), why);
        retire(std::move(successor));
        fail_rollout(std::move(error));
        return;
    }
    m_rollout_error.clear();
    if (slot < m_instances.size()) {
        std::swap(m_instances[slot], successor);
        retire(std::move(successor));  // the old instance, stopped gracefully now that its successor serves
    } else {
        retire(std::move(successor));
    }
    m_context.loop.defer([weak = std::weak_ptr<Group*>(m_self)] {
        if (auto self = weak.lock())
            (*self)->next_replacement();
    });
}

void Group::on_in_place(int index, bool ready, const std::string& why)
{
    m_in_place.reset();
    if (!ready) {
        auto slot = static_cast<std::size_t>(index);
        std::string name
            = slot < m_instances.size() ? m_instances[slot]->name() : fmt::format("{}.{}", this->name(), index);
        fail_rollout(fmt::format("{} never became ready: {}", name, why));
        return;
    }
    m_rollout_error.clear();
    m_context.loop.defer([weak = std::weak_ptr<Group*>(m_self)] {
        if (auto self = weak.lock())
            (*self)->next_replacement();
    });
}

void Group::fail_rollout(std::string error)
{
    m_rollout_error = std::move(error);
    m_context.events.record(name(), "rollout-failed", m_rollout_error);
    // The rest of this rollout would fail the same way.
    for (Replacement& queued : m_queue) {
        if (queued.done)
            m_waiters.push_back(std::move(queued.done));
        auto slot = static_cast<std::size_t>(queued.index);
        if (queued.cause == ReplaceCause::Recycle && slot < m_instances.size())
            m_instances[slot]->recycle_failed();
    }
    m_queue.clear();
    finish_replacements(Error(m_rollout_error));
}

void Group::finish_replacements(const Result<void>& outcome)
{
    auto waiters = std::move(m_waiters);
    m_waiters.clear();
    for (auto& waiter : waiters)
        waiter(outcome);
}

Result<std::optional<std::vector<os::UniqueFd>>> Group::prepare_sockets(const spec::ProcessSpec& spec) const
{
    if (spec.listen == m_spec->listen)
        return std::optional<std::vector<os::UniqueFd>>();
    auto sockets = TRY(bind_sockets(spec, m_spec.get(), &m_sockets));
    return std::optional(std::move(sockets));
}

void Group::apply(std::shared_ptr<const spec::ProcessSpec> spec, spec::ChangeKind kind,
    std::optional<std::vector<os::UniqueFd>> sockets)
{
    // Running instances keep their own copies of the old sockets; new ones get these.
    if (sockets)
        m_sockets = std::move(*sockets);
    m_spec = std::move(spec);
    m_log->set_policy(rotation_policy(m_spec->logs));
    for (auto& instance : m_instances)
        instance->update_spec(m_spec);
    if (kind == spec::ChangeKind::Changed) {
        // Instances made from here on (scaling, successors) get the new sockets.
        resize();
        if (!m_started)
            return;
        // Only instances not already running this spec (after a rollout that was undone, most still do).
        m_wanted = true;
        for (auto& instance : m_instances) {
            if (!instance->launched_with(*m_spec))
                replace(instance->index(), "the app file changed");
        }
        // A successor started from an older spec takes its slot, then is replaced in turn.
        if (m_successor && !m_successor->launched_with(*m_spec))
            replace(m_successor->index(), "the app file changed");
        return;
    }
    resize();
}

bool Group::ready() const
{
    return std::all_of(m_instances.begin(), m_instances.end(), [](const auto& instance) { return instance->ready(); });
}

bool Group::settled_down() const
{
    return m_retiring.empty() && !m_successor
        && std::all_of(
            m_instances.begin(), m_instances.end(), [](const auto& instance) { return instance->settled_down(); });
}

const Instance* Group::failing() const
{
    if (!m_wanted)
        return nullptr;
    for (const auto& instance : m_instances) {
        if (instance->state() == InstanceState::Backoff || instance->state() == InstanceState::CrashLooping)
            return instance.get();
    }
    return nullptr;
}

Instance* Group::find(int index)
{
    if (index < 0 || static_cast<std::size_t>(index) >= m_instances.size())
        return nullptr;
    return m_instances[static_cast<std::size_t>(index)].get();
}

void Group::sample(const ProcessSnapshot& snapshot, MonoTime now)
{
    for (auto& instance : m_instances)
        instance->sample(snapshot, now);
    if (m_successor)
        m_successor->sample(snapshot, now);
}

std::vector<InstanceStatus> Group::status() const
{
    std::vector<InstanceStatus> out;
    for (const auto& instance : m_instances) {
        out.push_back(instance->status());
        if (m_successor && m_successor->index() == instance->index())
            out.back().rollout = RolloutRole::Old;
    }
    if (m_successor) {
        out.push_back(m_successor->status());
        out.back().rollout = RolloutRole::New;
    }
    for (const auto& instance : m_retiring) {
        out.push_back(instance->status());
        out.back().rollout = RolloutRole::Old;
    }
    return out;
}

}  // namespace tend::supervise
