#include "spec/plan.h"

#include <fmt/format.h>
#include <functional>
#include <set>

#include "base/strings.h"

namespace tend::spec {
namespace {

// Every field whose change needs new processes, with how to say so.
struct FieldCheck {
    const char* name;
    std::function<bool(const ProcessSpec&, const ProcessSpec&)> differs;
};

template <typename Member>
FieldCheck field(const char* name, Member member)
{
    return FieldCheck{name, [member](const ProcessSpec& a, const ProcessSpec& b) { return a.*member != b.*member; }};
}

const std::vector<FieldCheck>& field_checks()
{
    static const std::vector<FieldCheck> checks{
        field("command", &ProcessSpec::argv),
        field("env", &ProcessSpec::env),
        field("env_file", &ProcessSpec::env_file),
        field("secrets in env_file", &ProcessSpec::secret_env),
        field("cwd", &ProcessSpec::cwd),
        field("user", &ProcessSpec::user),
        field("group", &ProcessSpec::group),
        field("port", &ProcessSpec::port),
        field("listen", &ProcessSpec::listen),
    };
    return checks;
}

// Settings that take effect without restarting anything.
bool policy_differs(const ProcessSpec& a, const ProcessSpec& b)
{
    return a.restart != b.restart || a.stable_after != b.stable_after || a.max_backoff != b.max_backoff
        || a.stop_signal != b.stop_signal || a.stop_timeout != b.stop_timeout || a.after != b.after
        || a.ready != b.ready || a.health != b.health || a.rollout != b.rollout || a.max_memory != b.max_memory
        || a.max_age != b.max_age || a.logs != b.logs;
}

GroupChange compare(const ProcessSpec& before, const ProcessSpec& after, const std::string& environment_change)
{
    GroupChange change{.name = before.name};
    for (const FieldCheck& check : field_checks()) {
        if (check.differs(before, after))
            change.reasons.push_back(fmt::format("{} changed", check.name));
    }
    if (!environment_change.empty() && !change.reasons.empty())
        change.reasons.push_back(environment_change);
    if (!change.reasons.empty()) {
        change.kind = ChangeKind::Changed;
    } else if (before.instances != after.instances) {
        change.kind = ChangeKind::Scaled;
    }
    if (before.instances != after.instances)
        change.reasons.push_back(fmt::format("instances {} -> {}", before.instances, after.instances));
    if (policy_differs(before, after))
        change.reasons.emplace_back("restart, stop or check settings changed (applied without a restart)");
    return change;
}

GroupChange compare_jobs(const JobSpec& before, const JobSpec& after)
{
    GroupChange change{.name = before.name};
    if (before.schedule != after.schedule)
        change.reasons.push_back(fmt::format("schedule \"{}\" -> \"{}\"", before.schedule, after.schedule));
    if (before.timezone != after.timezone)
        change.reasons.push_back(fmt::format("timezone {} -> {}", before.timezone, after.timezone));
    for (const FieldCheck& check : field_checks()) {
        if (check.differs(before.process, after.process))
            change.reasons.push_back(fmt::format("{} changed", check.name));
    }
    if (before.overlap != after.overlap || before.timeout != after.timeout || before.retry != after.retry
        || before.jitter != after.jitter || before.catchup != after.catchup
        || before.catchup_window != after.catchup_window || policy_differs(before.process, after.process))
        change.reasons.emplace_back("run settings changed");
    if (!change.reasons.empty())
        change.kind = ChangeKind::Changed;
    return change;
}

}  // namespace

Plan make_plan(const AppSpec& current, const AppSpec& next)
{
    std::set<std::string> names;
    for (const auto& [name, process] : current.processes)
        names.insert(name);
    for (const auto& [name, process] : next.processes)
        names.insert(name);
    std::string environment_change;
    if (current.environment != next.environment && !current.app.empty())
        environment_change
            = fmt::format("environment {} -> {}", current.environment.empty() ? "(none)" : current.environment,
                next.environment.empty() ? "(none)" : next.environment);
    Plan plan;
    for (const std::string& name : names) {
        auto before = current.processes.find(name);
        auto after = next.processes.find(name);
        if (before == current.processes.end())
            plan.groups.push_back({name, ChangeKind::Added, {}});
        else if (after == next.processes.end())
            plan.groups.push_back({name, ChangeKind::Removed, {}});
        else
            plan.groups.push_back(compare(before->second, after->second, environment_change));
    }
    std::set<std::string> jobs;
    for (const auto& [name, job] : current.jobs)
        jobs.insert(name);
    for (const auto& [name, job] : next.jobs)
        jobs.insert(name);
    for (const std::string& name : jobs) {
        auto before = current.jobs.find(name);
        auto after = next.jobs.find(name);
        if (before == current.jobs.end())
            plan.jobs.push_back({name, ChangeKind::Added, {}});
        else if (after == next.jobs.end())
            plan.jobs.push_back({name, ChangeKind::Removed, {}});
        else
            plan.jobs.push_back(compare_jobs(before->second, after->second));
    }
    return plan;
}

bool Plan::empty() const
{
    for (const auto* changes : {&groups, &jobs}) {
        for (const GroupChange& change : *changes) {
            if (change.kind != ChangeKind::Unchanged)
                return false;
        }
    }
    return true;
}

std::string Plan::describe() const
{
    std::string out;
    auto line = [&out](const GroupChange& group, std::string_view what) {
        char mark = ' ';
        switch (group.kind) {
        case ChangeKind::Added: mark = '+'; break;
        case ChangeKind::Removed: mark = '-'; break;
        case ChangeKind::Changed:
        case ChangeKind::Scaled: mark = '~'; break;
        case ChangeKind::Unchanged: break;
        }
        out += fmt::format("{} {}{} ({})", mark, what, group.name, to_string(group.kind));
        if (!group.reasons.empty())
            out += fmt::format(": {}", fmt::join(group.reasons, ", "));
        out += '\n';
    };
    for (const GroupChange& group : groups)
        line(group, "");
    for (const GroupChange& job : jobs)
        line(job, "job ");
    return out;
}

std::string_view to_string(ChangeKind kind)
{
    switch (kind) {
    case ChangeKind::Added: return "added";
    case ChangeKind::Removed: return "removed";
    case ChangeKind::Changed: return "changed";
    case ChangeKind::Scaled: return "scaled";
    case ChangeKind::Unchanged: return "unchanged";
    }
    return "unchanged";
}

}  // namespace tend::spec
