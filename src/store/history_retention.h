// Retention of history: deletes old history from tend.db a small batch at a time, so
// the file stays bounded however long the app runs. Called from the daemon's
// housekeeping tick, off the path of runs and items.
//
// What goes, oldest first (by when it ended): finished runs, finished items
// (succeeded, dead) with their history rows, and events, past `max_age` or
// past the most recent `max_*`. Never deleted: a run that is queued or
// running, an item that is queued, running or waiting to retry, the newest
// row of each table (so run and item numbers are never reused), and the
// fire claims the no-double-run guarantee rests on: the newest claim of each
// job (catch-up starts after it), a claim whose run is queued or running, and
// every claim of the last `fire_horizon` (a clock set back by less than that
// never runs a fire twice).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/units.h"
#include "store/database.h"
#include "store/events.h"

namespace tend::store {

struct RetentionLimits {
    Duration max_age = std::chrono::days(90);
    std::int64_t max_runs = 500'000;
    std::int64_t max_items = 500'000;
    std::int64_t max_events = 1'000'000;
    Duration fire_horizon = std::chrono::days(7);
};

// Rows deleted by one prune().
struct Pruned {
    std::size_t runs = 0;
    std::size_t items = 0;
    std::size_t item_events = 0;
    std::size_t events = 0;
    std::size_t fires = 0;
    bool more = false;  // a batch was full: more is due

    [[nodiscard]] std::size_t total() const { return runs + items + item_events + events + fires; }
};

class HistoryRetention {
public:
    // `events`, when given, hears of failures of tick().
    explicit HistoryRetention(Database& db, EventLog* events = nullptr) : m_db(db), m_events(events) {}

    // One batch, from the housekeeping tick. A failure is recorded as an
    // event (once until it changes) and tried again on the next tick.
    void tick(const RetentionLimits& limits, std::int64_t now_us);

    // Deletes, in one transaction, at most `batch` runs, items (with their
    // history), events and fire claims that are past `limits` at `now_us`.
    // Fails with the store's error, deleting nothing.
    Result<Pruned> prune(const RetentionLimits& limits, std::int64_t now_us, std::size_t batch = default_batch);

    // The selections prune() makes, so a test can check that indexes serve them.
    static std::vector<std::string> queries();

    // Each kind per call (make bench: 3 ms a tick on average while items stream in).
    static constexpr std::size_t default_batch = 1000;

private:
    Result<std::size_t> prune_items(
        const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch, std::size_t& item_events);
    Result<std::size_t> prune_runs(const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch);
    Result<std::size_t> prune_events(const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch);
    Result<std::size_t> prune_fires(std::int64_t cutoff_us, std::size_t batch);
    Result<std::int64_t> newest_id(const char* table);
    Result<std::size_t> delete_ids(const char* sql, const std::vector<std::int64_t>& ids);

    Database& m_db;
    EventLog* m_events;
    std::string m_last_failure;
};

}  // namespace tend::store
