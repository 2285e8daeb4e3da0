// A process group: the instances of one [process.NAME], its log file, its
// listening sockets (bound once, before the first instance, open across every
// restart), and how it changes: scaling, and replacement one instance at a
// time (rolling: the new one must be ready before the old one stops).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "logs/log_file.h"
#include "os/fd.h"
#include "spec/plan.h"
#include "supervise/instance.h"

namespace tend::supervise {

class Group {
public:
    // Binds the group's sockets. Fails (binding nothing) when one cannot be bound.
    static Result<std::unique_ptr<Group>> create(
        InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, std::shared_ptr<logs::LogFile> log);
    ~Group();
    Group(const Group&) = delete;
    Group& operator=(const Group&) = delete;

    [[nodiscard]] const std::string& name() const { return m_spec->name; }
    [[nodiscard]] const spec::ProcessSpec& spec() const { return *m_spec; }

    // Whether the supervisor should keep this group running.
    [[nodiscard]] bool wanted() const { return m_wanted; }
    [[nodiscard]] bool started() const { return m_started; }
    // Set by the supervisor: start once every group in `after` is ready.
    bool start_when_ready = false;

    void start();
    void stop(std::function<void()> done = {});

    // Replaces every instance as the group's rollout says; `done` gets the
    // outcome once the last one is replaced or the first successor fails.
    void replace_all(std::string reason, std::function<void(Result<void>)> done = {});
    // `done` gets the outcome of the replacement under way, or Ok at once when there is none.
    void await_rollout(std::function<void(Result<void>)> done);
    // Replaces one instance (`tend restart web.2`, or a recycle: health, memory, age).
    void replace(int index, std::string reason, std::function<void(Result<void>)> done = {},
        ReplaceCause cause = ReplaceCause::Requested);

    // Binds what a new spec's `listen` needs (unchanged addresses keep their
    // sockets); nullopt when `listen` did not change. Changes nothing.
    [[nodiscard]] Result<std::optional<std::vector<os::UniqueFd>>> prepare_sockets(const spec::ProcessSpec& spec) const;
    // Applies a new spec as the plan classified it, with sockets from prepare_sockets().
    void apply(std::shared_ptr<const spec::ProcessSpec> spec, spec::ChangeKind kind,
        std::optional<std::vector<os::UniqueFd>> sockets);

    // Every wanted instance is running (an empty group is ready).
    [[nodiscard]] bool ready() const;
    // Nothing of the group is running or stopping.
    [[nodiscard]] bool settled_down() const;
    [[nodiscard]] bool replacing() const
    {
        return m_successor != nullptr || m_in_place.has_value() || !m_queue.empty();
    }
    [[nodiscard]] const std::string& last_rollout_error() const { return m_rollout_error; }

    Instance* find(int index);
    // A wanted instance that exited before it was ready and waits to start
    // again (backoff or crash loop); null when there is none.
    [[nodiscard]] const Instance* failing() const;
    void sample(const ProcessSnapshot& snapshot, MonoTime now);
    void tick_log() { m_log->tick(); }
    [[nodiscard]] const std::shared_ptr<logs::LogFile>& log() const { return m_log; }
    [[nodiscard]] std::vector<InstanceStatus> status() const;

private:
    struct Replacement {
        int index;
        std::string reason;
        std::function<void(Result<void>)> done;
        ReplaceCause cause = ReplaceCause::Requested;
    };

    Group(InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, std::shared_ptr<logs::LogFile> log,
        std::vector<os::UniqueFd> sockets);
    std::unique_ptr<Instance> make_instance(int index);
    void resize();
    void retire(std::unique_ptr<Instance> instance);
    void next_replacement();
    void on_successor(int index, ReplaceCause cause, bool ready, const std::string& why);
    void on_in_place(int index, bool ready, const std::string& why);
    void fail_rollout(std::string error);
    void finish_replacements(const Result<void>& outcome);

    InstanceContext& m_context;
    std::shared_ptr<const spec::ProcessSpec> m_spec;
    // Declared before the instances: it outlives their captures. Shared with a
    // group of the same name added back while this one still stops.
    std::shared_ptr<logs::LogFile> m_log;
    std::vector<os::UniqueFd> m_sockets;
    std::vector<std::unique_ptr<Instance>> m_instances;
    std::vector<std::unique_ptr<Instance>> m_retiring;  // replaced or scaled away, still stopping
    std::unique_ptr<Instance> m_successor;  // the new instance of a rolling replacement
    std::optional<int> m_in_place;  // the instance restarted in place, until it proves ready
    std::deque<Replacement> m_queue;
    std::vector<std::function<void(Result<void>)>> m_waiters;
    std::string m_rollout_error;
    bool m_wanted = false;
    bool m_started = false;
    std::shared_ptr<Group*> m_self;
};

logs::RotationPolicy rotation_policy(const spec::LogSpec& spec);

// Binds every listen socket of a spec, sharing (by duplicate) those of
// `current` whose address is unchanged, so an apply never rebinds a port it holds.
Result<std::vector<os::UniqueFd>> bind_sockets(
    const spec::ProcessSpec& spec, const spec::ProcessSpec* current, const std::vector<os::UniqueFd>* current_sockets);

}  // namespace tend::supervise
