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

std::string_view environment_name(const std::string& environment)
{
    return environment.empty() ? std::string_view("(none)") : std::string_view(environment);
}

// What differs for new processes: code, environment, then each field.
std::vector<std::string> process_reasons(const ProcessSpec& before, const ProcessSpec& after, Code code)
{
    std::vector<std::string> reasons;
    if (code == Code::New)
        reasons.emplace_back("new release code");
    if (before.environment != after.environment)
        reasons.push_back(fmt::format(
            "environment {} -> {}", environment_name(before.environment), environment_name(after.environment)));
    for (const FieldCheck& check : field_checks()) {
        if (check.differs(before, after))
            reasons.push_back(fmt::format("{} changed", check.name));
    }
    return reasons;
}

GroupChange compare(const ProcessSpec& before, const ProcessSpec& after, Code code)
{
    GroupChange change{.name = before.name, .reasons = process_reasons(before, after, code)};
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

GroupChange compare_jobs(const JobSpec& before, const JobSpec& after, Code code)
{
    GroupChange change{.name = before.name, .reasons = process_reasons(before.process, after.process, code)};
    if (before.schedule != after.schedule)
        change.reasons.push_back(fmt::format("schedule \"{}\" -> \"{}\"", before.schedule, after.schedule));
    if (before.timezone != after.timezone)
        change.reasons.push_back(fmt::format("timezone {} -> {}", before.timezone, after.timezone));
    if (before.overlap != after.overlap || before.timeout != after.timeout || before.retry != after.retry
        || before.jitter != after.jitter || before.catchup != after.catchup
        || before.catchup_window != after.catchup_window || policy_differs(before.process, after.process))
        change.reasons.emplace_back("run settings changed");
    if (!change.reasons.empty())
        change.kind = ChangeKind::Changed;
    return change;
}

// `spec` as if each path under the directory `from` were under `to`: a
// release's paths compared with another release's.
ProcessSpec rebased(ProcessSpec spec, const std::string& from, const std::string& to)
{
    if (from.empty() || to.empty() || from == to)
        return spec;
    auto move = [&](std::string& path) {
        if (path == from)
            path = to;
        else if (path.starts_with(from + "/"))
            path = to + path.substr(from.size());
    };
    move(spec.cwd);
    move(spec.env_file);
    for (std::string& argument : spec.argv)
        move(argument);
    for (auto& [key, value] : spec.env)
        move(value);
    for (CheckSpec* check : {&spec.ready, &spec.health}) {
        for (std::string& argument : check->argv)
            move(argument);
    }
    return spec;
}

}  // namespace

Plan make_plan(const AppSpec& current, const AppSpec& next, Code code)
{
    std::set<std::string> names;
    for (const auto& [name, process] : current.processes)
        names.insert(name);
    for (const auto& [name, process] : next.processes)
        names.insert(name);
    Plan plan;
    for (const std::string& name : names) {
        auto before = current.processes.find(name);
        auto after = next.processes.find(name);
        if (before == current.processes.end())
            plan.groups.push_back({name, ChangeKind::Added, {}});
        else if (after == next.processes.end())
            plan.groups.push_back({name, ChangeKind::Removed, {}});
        else
            plan.groups.push_back(
                compare(code == Code::New ? rebased(before->second, current.directory, next.directory) : before->second,
                    after->second, code));
    }
    std::set<std::string> jobs;
    for (const auto& [name, job] : current.jobs)
        jobs.insert(name);
    for (const auto& [name, job] : next.jobs)
        jobs.insert(name);
    for (const std::string& name : jobs) {
        auto before = current.jobs.find(name);
        auto after = next.jobs.find(name);
        if (before == current.jobs.end()) {
            plan.jobs.push_back({name, ChangeKind::Added, {}});
        } else if (after == next.jobs.end()) {
            plan.jobs.push_back({name, ChangeKind::Removed, {}});
        } else {
            JobSpec earlier = before->second;
            if (code == Code::New)
                earlier.process = rebased(earlier.process, current.directory, next.directory);
            plan.jobs.push_back(compare_jobs(earlier, after->second, code));
        }
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
