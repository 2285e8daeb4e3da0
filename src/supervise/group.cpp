#include "supervise/group.h"

#include <algorithm>
#include <memory>

namespace tend::supervise {

Group::Group(InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, os::UniqueFd log_fd)
    : m_context(context)
    , m_spec(std::move(spec))
    , m_log_fd(std::move(log_fd))
{
    resize();
}

void Group::resize()
{
    auto wanted = static_cast<std::size_t>(m_spec->instances);
    while (m_instances.size() < wanted) {
        auto index = static_cast<int>(m_instances.size());
        m_instances.push_back(std::make_unique<Instance>(m_context, m_spec, index, m_log_fd.get()));
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
    raw->stop([this, raw] {
        // Destroy after the current callback chain has unwound.
        m_context.loop.defer([this, raw] {
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
    auto remaining = std::make_shared<std::size_t>(m_instances.size() + m_retiring.size());
    auto finish = [remaining, done = std::move(done)] {
        if (--*remaining == 0 && done)
            done();
    };
    if (*remaining == 0) {
        if (done)
            m_context.loop.defer(done);
        return;
    }
    for (auto& instance : m_instances)
        instance->stop(finish);
    for (auto& instance : m_retiring)
        instance->stop(finish);
}

void Group::restart()
{
    m_wanted = true;
    m_started = true;
    for (auto& instance : m_instances)
        instance->restart();
}

void Group::apply(std::shared_ptr<const spec::ProcessSpec> spec, spec::ChangeKind kind)
{
    m_spec = std::move(spec);
    switch (kind) {
    case spec::ChangeKind::Changed:
        for (auto& instance : m_instances) {
            instance->update_spec(m_spec);
            if (m_started)
                instance->restart();
        }
        resize();
        break;
    case spec::ChangeKind::Scaled:
    case spec::ChangeKind::Unchanged:
        for (auto& instance : m_instances)
            instance->update_spec(m_spec);
        resize();
        break;
    case spec::ChangeKind::Added:
    case spec::ChangeKind::Removed: break;
    }
}

bool Group::ready() const
{
    return std::all_of(m_instances.begin(), m_instances.end(), [](const auto& instance) { return instance->ready(); });
}

bool Group::settled_down() const
{
    return m_retiring.empty() && std::all_of(m_instances.begin(), m_instances.end(), [](const auto& instance) {
        return instance->settled_down();
    });
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
}

std::vector<InstanceStatus> Group::status() const
{
    std::vector<InstanceStatus> out;
    for (const auto& instance : m_instances)
        out.push_back(instance->status());
    for (const auto& instance : m_retiring)
        out.push_back(instance->status());
    return out;
}

}  // namespace tend::supervise
