// A process group: the instances of one [process.NAME], their shared log file,
// and how the group changes when the app file does (scale, restart, retire).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "os/fd.h"
#include "spec/plan.h"
#include "supervise/instance.h"

namespace tend::supervise {

class Group {
public:
    Group(InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, os::UniqueFd log_fd);

    [[nodiscard]] const std::string& name() const { return m_spec->name; }
    [[nodiscard]] const spec::ProcessSpec& spec() const { return *m_spec; }

    // Whether the supervisor should keep this group running.
    [[nodiscard]] bool wanted() const { return m_wanted; }
    [[nodiscard]] bool started() const { return m_started; }
    // Set by the supervisor: start once every group in `after` is ready.
    bool start_when_ready = false;

    void start();
    void stop(std::function<void()> done = {});
    void restart();

    // Applies a new spec for this group as the plan classified it.
    void apply(std::shared_ptr<const spec::ProcessSpec> spec, spec::ChangeKind kind);

    // Every wanted instance is running (an empty group is ready).
    [[nodiscard]] bool ready() const;
    // Nothing of the group is running or stopping.
    [[nodiscard]] bool settled_down() const;

    Instance* find(int index);
    void sample(const ProcessSnapshot& snapshot, MonoTime now);
    [[nodiscard]] std::vector<InstanceStatus> status() const;

private:
    void resize();
    void retire(std::unique_ptr<Instance> instance);

    InstanceContext& m_context;
    std::shared_ptr<const spec::ProcessSpec> m_spec;
    os::UniqueFd m_log_fd;
    std::vector<std::unique_ptr<Instance>> m_instances;
    std::vector<std::unique_ptr<Instance>> m_retiring;  // scaled away, still stopping
    bool m_wanted = false;
    bool m_started = false;
};

}  // namespace tend::supervise
