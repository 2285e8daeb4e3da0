// Watched directories: a file is an item once it is closed after writing or
// moved in (inotify IN_CLOSE_WRITE, IN_MOVED_TO), when its name matches the
// job's pattern. A directory that does not exist yet, or goes away, is waited
// for through a watch on its parent; only when the parent is missing too is
// it looked for again on the housekeeping tick. An inotify overflow rescans.
//
// Owns: one inotify fd and its watches. Persists: nothing (the queue does).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "loop/loop.h"
#include "os/fd.h"
#include "store/events.h"

namespace tend::jobs {

struct WatchSpec {
    std::string job;
    std::string directory;  // absolute
    std::string pattern;  // glob for file names
    bool operator==(const WatchSpec&) const = default;
};

class Watcher {
public:
    // `arrived(job, paths, scan)`: files that arrived (scan = found by a scan of the whole directory).
    using Arrived = std::function<void(const std::string& job, const std::vector<std::string>& paths, bool scan)>;

    Watcher(Loop& loop, store::EventLog& events, Arrived arrived);
    ~Watcher();
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    Result<void> start();
    // Watches exactly these (by job); new and changed ones are scanned once.
    void set(const std::vector<WatchSpec>& watches);
    // Scans every watched directory again (files that could not be queued earlier).
    void rescan();
    void tick();

private:
    struct Entry {
        WatchSpec spec;
        int watch = -1;  // on the directory
        int parent_watch = -1;  // on its parent, while the directory is missing
        bool reported_missing = false;
    };

    void arm(Entry& entry);
    void disarm(Entry& entry);
    void scan(Entry& entry);
    void on_readable();
    [[nodiscard]] bool matches(const Entry& entry, const std::string& name) const;

    Loop& m_loop;
    store::EventLog& m_events;
    Arrived m_arrived;
    os::UniqueFd m_fd;
    std::map<std::string, Entry> m_entries;  // by job
};

}  // namespace tend::jobs
