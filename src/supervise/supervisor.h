// The supervisor: every process group of the app, started in `after` order,
// stopped in reverse, changed only where the plan says.
//
// Owns: the groups, the tree killer and the attribution of processes to runs.
// Persists: through the event log and the live-process table (see Instance).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "loop/loop.h"
#include "spec/plan.h"
#include "store/events.h"
#include "supervise/group.h"
#include "supervise/tree_killer.h"

namespace tend::supervise {

struct SupervisorOptions {
    std::string app;
    std::string log_directory;  // each group appends its output to LOG_DIRECTORY/NAME.log
    std::string runtime_directory;  // the runs' private sockets (notify): created 0711 when first needed
};

struct GroupStatus {
    std::string name;
    int instances = 0;
    bool ready = false;
    bool replacing = false;  // a rolling replacement is under way
    std::string rollout_error;  // why the last one stopped short; empty when it succeeded
    std::vector<InstanceStatus> members;
};

class Supervisor {
public:
    Supervisor(Loop& loop, store::EventLog& events, store::LiveProcesses& live, SupervisorOptions options);
    ~Supervisor();

    // Makes `next` the desired state and returns what changed. Fails without
    // changing anything when a group's log file cannot be opened.
    Result<spec::Plan> apply(const spec::AppSpec& next);

    // Applies `next` and waits for it: `done` gets Ok once every group is
    // replaced (also those in `replace_anyway` that the plan leaves unchanged:
    // a new release's code) and every wanted group is ready; or the first
    // failure: a successor that never got ready (its old instance still
    // serves), an instance of a group the switch added or replaced that exits
    // before it is ready (at once, not at the deadline), or a group not ready
    // by `deadline`. Failures quote the instance's last output lines. Undoing
    // is the caller's: switching back to the spec it came from.
    Result<spec::Plan> switch_to(const spec::AppSpec& next, const std::set<std::string>& replace_anyway,
        std::chrono::milliseconds deadline, std::function<void(Result<void>)> done);

    // A target is a group name ("web") or an instance ("web.2").
    // `done` runs when the action has completed (for stop and restart).
    Result<void> start(const std::string& target);
    Result<void> stop(const std::string& target, std::function<void()> done);
    // Replaces the target's instances as its rollout says; `done` gets the outcome.
    Result<void> restart(const std::string& target, std::function<void(Result<void>)> done = {});

    // Stops every group, dependents before what they depend on, then ends any
    // descendant still alive. `done` runs once nothing is left.
    void shut_down(std::function<void()> done);

    // Housekeeping tick: tree CPU and memory for every instance.
    void tick();
    // An exit of a process nobody watches (an adopted orphan).
    void on_orphan_exit();

    [[nodiscard]] std::vector<GroupStatus> status() const;
    [[nodiscard]] const spec::AppSpec& spec() const { return m_spec; }
    [[nodiscard]] bool shutting_down() const { return m_shutting_down; }
    // The services instances share (tree killer, live pids, events), for job runs.
    [[nodiscard]] InstanceContext& context() { return m_context; }

private:
    struct Target {
        Group* group = nullptr;
        Instance* instance = nullptr;  // null: the whole group
    };
    Result<Target> resolve(const std::string& target);
    void reconcile();
    void schedule_reconcile();
    void continue_shutdown();
    [[nodiscard]] bool dependencies_ready(const Group& group) const;
    [[nodiscard]] bool dependents_settled(const Group& group) const;
    struct ReadyWaiter {
        std::function<void(Result<void>)> done;
        TimerId deadline = 0;
        std::set<std::string> groups;  // those the switch changed: one of them failing fails it
    };
    void await_all_ready(
        std::chrono::milliseconds deadline, std::set<std::string> groups, std::function<void(Result<void>)> done);
    // Why the switch waiting on `groups` has failed already; empty when it has not.
    [[nodiscard]] std::string failed_already(const std::set<std::string>& groups) const;
    void check_ready_waiters();
    [[nodiscard]] std::string not_ready() const;  // the first group not ready, with why; empty when all are

    Loop& m_loop;
    store::EventLog& m_events;
    SupervisorOptions m_options;
    Attribution m_attribution;
    TreeKiller m_killer;
    InstanceContext m_context;
    spec::AppSpec m_spec;
    std::map<std::string, std::unique_ptr<Group>> m_groups;
    std::map<std::string, std::unique_ptr<Group>> m_removed;  // stopping, then dropped; keyed NAME#N
    std::uint64_t m_next_removed = 0;
    bool m_reconcile_scheduled = false;
    bool m_shutting_down = false;
    bool m_final_sweep_done = false;
    std::function<void()> m_shutdown_done;
    std::vector<std::shared_ptr<ReadyWaiter>> m_ready_waiters;
    std::shared_ptr<Supervisor*> m_self;
};

}  // namespace tend::supervise
