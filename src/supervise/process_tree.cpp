#include "supervise/process_tree.h"

namespace tend::supervise {

ProcessSnapshot ProcessSnapshot::take(pid_t self)
{
    ProcessSnapshot snapshot;
    snapshot.m_table = os::read_process_table();
    std::unordered_map<pid_t, std::vector<pid_t>> children;
    for (const auto& [pid, info] : snapshot.m_table)
        children[info.ppid].push_back(pid);
    std::vector<pid_t> pending{self};
    while (!pending.empty()) {
        pid_t parent = pending.back();
        pending.pop_back();
        for (pid_t child : children[parent]) {
            snapshot.m_descendants.push_back(child);
            pending.push_back(child);
        }
    }
    return snapshot;
}

const os::ProcessInfo* ProcessSnapshot::find(pid_t pid) const
{
    auto it = m_table.find(pid);
    return it == m_table.end() ? nullptr : &it->second;
}

bool ProcessSnapshot::is_descendant_of(pid_t pid, pid_t ancestor) const
{
    // Bounded walk: a parent chain in /proc cannot loop, but a racing scan might.
    for (int depth = 0; depth < 256 && pid > 1; ++depth) {
        if (pid == ancestor)
            return true;
        const os::ProcessInfo* info = find(pid);
        if (info == nullptr)
            return false;
        pid = info->ppid;
    }
    return false;
}

std::vector<ProcessId> Attribution::members(const ProcessSnapshot& snapshot, const RunIdentity& run)
{
    std::vector<ProcessId> out;
    for (pid_t pid : snapshot.descendants()) {
        const os::ProcessInfo* info = snapshot.find(pid);
        if (info == nullptr || info->state == 'Z')
            continue;
        ProcessId id{pid, info->start_ticks};
        bool member = pid == run.main_pid || info->sid == run.main_pid || info->pgid == run.main_pid
            || snapshot.is_descendant_of(pid, run.main_pid);
        if (!member) {
            auto seen = m_seen.find(id);
            if (seen != m_seen.end()) {
                member = seen->second == run.run_id;
            } else {
                // Reading the environment is the expensive path; only escaped processes get here.
                auto marker = os::read_environ_value(pid, "TEND_RUN_ID");
                m_seen[id] = marker.value_or("");
                member = marker == run.run_id;
            }
        }
        if (member) {
            m_seen[id] = run.run_id;
            if (pid == run.main_pid)
                out.insert(out.begin(), id);
            else
                out.push_back(id);
        }
    }
    return out;
}

void Attribution::prune(const ProcessSnapshot& snapshot)
{
    std::erase_if(m_seen, [&](const auto& entry) {
        const os::ProcessInfo* info = snapshot.find(entry.first.pid);
        return info == nullptr || info->start_ticks != entry.first.start_ticks;
    });
}

TreeUsage usage_of(const ProcessSnapshot& snapshot, const std::vector<ProcessId>& members)
{
    TreeUsage usage;
    for (const ProcessId& member : members) {
        if (const os::ProcessInfo* info = snapshot.find(member.pid)) {
            usage.rss_bytes += info->rss_bytes;
            usage.cpu_ticks += info->cpu_ticks;
            ++usage.processes;
        }
    }
    return usage;
}

bool belongs_to_run(pid_t pid, const RunIdentity& run, pid_t self)
{
    if (pid <= 0 || run.main_pid <= 0)
        return false;
    auto info = os::read_process(pid);
    if (!info)
        return false;
    if (pid == run.main_pid || info->sid == run.main_pid || info->pgid == run.main_pid)
        return true;
    // Bounded walk up: a parent chain in /proc cannot loop, but a racing read might.
    pid_t parent = info->ppid;
    for (int depth = 0; depth < 256 && parent > 1; ++depth) {
        if (parent == run.main_pid)
            return true;
        if (parent == self)
            return os::read_environ_value(pid, "TEND_RUN_ID") == run.run_id;
        auto up = os::read_process(parent);
        if (!up)
            return false;
        parent = up->ppid;
    }
    return false;
}

bool is_alive(const ProcessId& process)
{
    auto info = os::read_process(process.pid);
    return info && info->start_ticks == process.start_ticks && info->state != 'Z';
}

}  // namespace tend::supervise
