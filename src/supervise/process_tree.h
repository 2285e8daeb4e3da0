// Which processes belong to an instance's run, however they were started.
//
// Every process an instance starts is a descendant of tend (tend is a child
// subreaper, so orphans come back to it). A process belongs to a run when it
// descends from the run's main pid, shares its session (every run starts as a
// session leader), carries the run's TEND_RUN_ID in its initial environment
// (which survives setsid and double forks), or was seen in the run's tree by
// an earlier scan. Only a process that leaves the session, clears its
// environment and double-forks between two scans escapes all four.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "os/process.h"

namespace tend::supervise {

// A process identity that survives pid reuse.
struct ProcessId {
    pid_t pid = 0;
    std::uint64_t start_ticks = 0;
    auto operator<=>(const ProcessId&)
        const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
};

struct RunIdentity {
    std::string run_id;  // the TEND_RUN_ID value
    pid_t main_pid = 0;  // also the run's session id and process group id
};

// One scan of the process table, restricted to tend's descendants.
class ProcessSnapshot {
public:
    // Reads /proc once. `self` is tend's pid.
    static ProcessSnapshot take(pid_t self);

    [[nodiscard]] const os::ProcessInfo* find(pid_t pid) const;
    [[nodiscard]] const std::vector<pid_t>& descendants() const { return m_descendants; }
    [[nodiscard]] bool is_descendant_of(pid_t pid, pid_t ancestor) const;

private:
    std::unordered_map<pid_t, os::ProcessInfo> m_table;
    std::vector<pid_t> m_descendants;  // of self, excluding self
};

// Remembers which run each seen process belonged to, so a process adopted by
// tend after its parent died is still counted where it came from.
class Attribution {
public:
    // Members of the run in this snapshot, main pid first when alive.
    std::vector<ProcessId> members(const ProcessSnapshot& snapshot, const RunIdentity& run);
    // Drops memory of processes not in the snapshot.
    void prune(const ProcessSnapshot& snapshot);

private:
    std::map<ProcessId, std::string> m_seen;
};

struct TreeUsage {
    std::uint64_t rss_bytes = 0;
    std::uint64_t cpu_ticks = 0;
    std::size_t processes = 0;
};
TreeUsage usage_of(const ProcessSnapshot& snapshot, const std::vector<ProcessId>& members);

// Whether `pid` belongs to the run as /proc says now: it is the main process,
// shares its session or process group, descends from it, or descends from
// tend (`self`) carrying the run's TEND_RUN_ID. A process that is gone, or
// that does not descend from tend at all, does not belong.
bool belongs_to_run(pid_t pid, const RunIdentity& run, pid_t self);

// Whether the process still runs (a zombie counts as gone).
bool is_alive(const ProcessId& process);

}  // namespace tend::supervise
