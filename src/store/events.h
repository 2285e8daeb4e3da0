// tend's own history: every start, exit, restart and state change as an event
// row. Events are batched per loop iteration into one transaction; if a write
// fails (disk full) they stay pending, bounded, and are retried on the next
// tick; a daemon killed with SIGKILL loses nothing already committed.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "loop/loop.h"
#include "store/database.h"

namespace tend::store {

struct Event {
    std::int64_t id = 0;
    WallTime time;
    std::string subject;  // "web.2", "web", "daemon"
    std::string kind;  // "started", "exited", "state", "restart", ...
    std::string detail;
};

struct EventQuery {
    std::string subject;  // exact instance or group ("web" also matches "web.0"); empty: all
    std::int64_t after_id = 0;  // only events with a larger id
    std::size_t limit = 200;  // the most recent `limit` events, oldest first
};

class EventLog {
public:
    EventLog(Database& db, Loop& loop) : m_db(db), m_loop(loop) {}

    // Queues an event stamped now; it is committed after the current batch of
    // loop events. Never fails; failures surface through flush().
    void record(std::string subject, std::string kind, std::string detail = {});

    // Writes pending events in one transaction. On failure they stay pending
    // (at most `max_pending`, the oldest dropped and counted) for the next try.
    Result<void> flush();

    Result<std::vector<Event>> query(const EventQuery& query);

    [[nodiscard]] std::size_t pending() const { return m_pending.size(); }
    [[nodiscard]] std::uint64_t dropped() const { return m_dropped; }
    // Why the last flush failed; empty when the store is healthy.
    [[nodiscard]] const std::string& failure() const { return m_last_failure; }

    static constexpr std::size_t max_pending = 100'000;

private:
    Database& m_db;
    Loop& m_loop;
    std::deque<Event> m_pending;
    bool m_flush_scheduled = false;
    std::uint64_t m_dropped = 0;
    std::string m_last_failure;
};

// Every run tend has started and not yet seen end (instances, job runs, item
// steps, deploy steps), keyed by run id: a successor that shares its
// predecessor's name ("web.0") has its own row, so a rolling replacement never
// erases one. A daemon started after a crash finds and ends what they name.
struct LiveProcess {
    std::string run_id;  // TEND_RUN_ID, unique among the runs alive at once
    std::string name;  // "web.0", "nightly#12": the subject of its events
    std::int64_t pid = 0;
    std::int64_t start_ticks = 0;  // the pid's start time (clock ticks since boot): a reused pid never matches
    std::int64_t started_us = 0;  // wall time of the spawn
};

class LiveProcesses {
public:
    explicit LiveProcesses(Database& db) : m_db(db) {}
    // Records a run as alive; a row with the same run id is replaced.
    Result<void> add(const LiveProcess& process);
    // Forgets a run (its main process exited); no row is not an error.
    Result<void> remove(std::string_view run_id);
    Result<std::vector<LiveProcess>> all();
    Result<void> clear();

private:
    Database& m_db;
};

// Small key/value settings the daemon keeps across restarts.
class Settings {
public:
    explicit Settings(Database& db) : m_db(db) {}
    Result<void> set(std::string_view key, std::string_view value);
    Result<std::optional<std::string>> get(std::string_view key);

private:
    Database& m_db;
};

}  // namespace tend::store
