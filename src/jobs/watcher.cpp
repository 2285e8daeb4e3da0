#include "jobs/watcher.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include "os/events.h"
#include "os/files.h"

namespace tend::jobs {

Watcher::Watcher(Loop& loop, store::EventLog& events, Arrived arrived)
    : m_loop(loop)
    , m_events(events)
    , m_arrived(std::move(arrived))
{}

Watcher::~Watcher()
{
    if (m_fd.valid())
        m_loop.remove_fd(m_fd.get());
}

Result<void> Watcher::start()
{
    m_fd = TRY(os::make_inotify_nonblocking());
    TRY(m_loop.add_fd(m_fd.get(), os::Interest::Read, [this](FdEvent) { on_readable(); }));
    return Ok{};
}

void Watcher::set(const std::vector<WatchSpec>& watches)
{
    std::map<std::string, Entry> next;
    for (const WatchSpec& spec : watches) {
        auto it = m_entries.find(spec.job);
        if (it != m_entries.end() && it->second.spec == spec) {
            next[spec.job] = std::move(it->second);
            m_entries.erase(it);
            continue;
        }
        next[spec.job] = Entry{.spec = spec};
    }
    for (auto& [job, entry] : m_entries)
        disarm(entry);
    m_entries = std::move(next);
    for (auto& [job, entry] : m_entries) {
        if (entry.watch < 0 && entry.parent_watch < 0)
            arm(entry);
    }
}

void Watcher::arm(Entry& entry)
{
    disarm(entry);
    auto watch = os::add_watch(m_fd.get(), entry.spec.directory, os::WatchKind::Arrivals);
    if (watch) {
        entry.watch = *watch;
        if (entry.reported_missing)
            m_events.record(entry.spec.job, "watch", fmt::format("{} is there now; watching it", entry.spec.directory));
        entry.reported_missing = false;
        scan(entry);
        return;
    }
    const std::string& directory = entry.spec.directory;
    std::size_t slash = directory.rfind('/');
    std::string parent = slash == 0 || slash == std::string::npos ? std::string("/") : directory.substr(0, slash);
    auto parent_watch = os::add_watch(m_fd.get(), parent, os::WatchKind::Appearance);
    if (parent_watch)
        entry.parent_watch = *parent_watch;
    if (!entry.reported_missing) {
        m_events.record(entry.spec.job, "watch-missing",
            fmt::format("cannot watch {} ({}); {}", directory, watch.error().message(),
                parent_watch ? "waiting for it to appear" : "looking for it again every few seconds"));
        entry.reported_missing = true;
    }
    // It may have appeared between the two calls.
    if (parent_watch && os::exists(directory))
        arm(entry);
}

void Watcher::disarm(Entry& entry)
{
    if (entry.watch >= 0)
        os::remove_watch(m_fd.get(), std::exchange(entry.watch, -1));
    if (entry.parent_watch >= 0)
        os::remove_watch(m_fd.get(), std::exchange(entry.parent_watch, -1));
}

bool Watcher::matches(const Entry& entry, const std::string& name) const
{
    return !name.empty() && ::fnmatch(entry.spec.pattern.c_str(), name.c_str(), FNM_PERIOD) == 0;
}

void Watcher::scan(Entry& entry)
{
    auto files = os::list_files(entry.spec.directory, "");
    if (!files)
        return;
    std::vector<std::string> paths;
    for (const auto& file : *files) {
        if (matches(entry, file.name))
            paths.push_back(fmt::format("{}/{}", entry.spec.directory, file.name));
    }
    if (!paths.empty())
        m_arrived(entry.spec.job, paths, true);
}

void Watcher::rescan()
{
    for (auto& [job, entry] : m_entries) {
        if (entry.watch >= 0)
            scan(entry);
    }
}

void Watcher::on_readable()
{
    while (true) {
        auto events = os::read_inotify(m_fd.get());
        if (!events || events->empty())
            return;
        std::map<std::string, std::vector<std::string>> arrived;
        for (const os::InotifyEvent& event : *events) {
            if (os::is_overflow(event.mask)) {
                m_events.record("daemon", "watch-overflow", "inotify lost events; rescanning watched directories");
                rescan();
                continue;
            }
            for (auto& [job, entry] : m_entries) {
                if (event.watch == entry.watch && entry.watch >= 0) {
                    if (os::is_watch_gone(event.mask)) {
                        m_events.record(job, "watch-missing",
                            fmt::format("{} went away; waiting for it to come back", entry.spec.directory));
                        entry.watch = -1;
                        entry.reported_missing = true;
                        arm(entry);
                    } else if (os::is_arrival(event.mask) && matches(entry, event.name)) {
                        arrived[job].push_back(fmt::format("{}/{}", entry.spec.directory, event.name));
                    }
                } else if (event.watch == entry.parent_watch && entry.parent_watch >= 0 && os::is_appearance(event.mask)
                    && entry.spec.directory.substr(entry.spec.directory.rfind('/') + 1) == event.name) {
                    arm(entry);
                }
            }
        }
        for (const auto& [job, paths] : arrived)
            m_arrived(job, paths, false);
    }
}

void Watcher::tick()
{
    for (auto& [job, entry] : m_entries) {
        if (entry.watch < 0 && entry.parent_watch < 0)
            arm(entry);
    }
}

}  // namespace tend::jobs
