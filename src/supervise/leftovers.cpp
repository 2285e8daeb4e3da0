#include "supervise/leftovers.h"

#include <csignal>
#include <fmt/format.h>
#include <unordered_map>

#include "base/units.h"
#include "os/process.h"

namespace tend::supervise {
namespace {

// The leftover's main process and everything that still hangs from it: its
// group, its session, and the descendants of any of them.
std::vector<pid_t> tree_of(pid_t main, const std::unordered_map<pid_t, os::ProcessInfo>& table)
{
    std::vector<pid_t> members;
    for (const auto& [pid, info] : table) {
        bool member = pid == main || info.pgid == main || info.sid == main;
        // Bounded walk up: a parent chain in /proc cannot loop, but a racing scan might.
        pid_t parent = info.ppid;
        for (int depth = 0; !member && depth < 256 && parent > 1; ++depth) {
            member = parent == main;
            auto up = table.find(parent);
            parent = up == table.end() ? 0 : up->second.ppid;
        }
        if (member)
            members.push_back(pid);
    }
    return members;
}

}  // namespace

std::size_t end_leftovers(store::LiveProcesses& live, store::EventLog& events, std::chrono::milliseconds timeout)
{
    auto leftovers = live.all();
    if (!leftovers)
        return 0;
    auto table = os::read_process_table();
    std::vector<pid_t> ended;
    std::size_t runs = 0;
    for (const store::LiveProcess& run : *leftovers) {
        auto main = static_cast<pid_t>(run.pid);
        auto found = table.find(main);
        if (found == table.end() || found->second.start_ticks != static_cast<std::uint64_t>(run.start_ticks)
            || found->second.state == 'Z')
            continue;
        std::vector<pid_t> members = tree_of(main, table);
        (void)os::send_group_signal(main, SIGKILL);
        for (pid_t pid : members)
            (void)os::send_signal(pid, SIGKILL);
        ended.insert(ended.end(), members.begin(), members.end());
        ++runs;
        events.record(run.name, "leftover-killed",
            fmt::format("pid {} (run {}) was left running by a daemon that did not stop cleanly{}", run.pid, run.run_id,
                members.size() > 1 ? fmt::format(", with {} more process(es) of its tree", members.size() - 1)
                                   : std::string()));
    }
    if (std::size_t left = os::await_exits(ended, timeout); left > 0)
        events.record("daemon", "leftover-killed",
            fmt::format("{} leftover process(es) still ran after {}", left, format_duration(timeout)));
    (void)live.clear();
    return runs;
}

}  // namespace tend::supervise
