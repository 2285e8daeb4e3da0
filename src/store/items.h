// The durable item queue: one row per item, one row per state change.
//
// Item states: queued -> running -> succeeded | failed (waiting to retry a
// step; counts as active) | dead (out of retries). While an item of a job is
// queued, running or failed, feeding the same key again is coalesced (a
// partial unique index says so). Every change is written with its history
// row in one transaction; an item found `running` at start was cut by a dead
// daemon and is put back in the queue (at-least-once delivery).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace tend::store {

struct Item {
    std::int64_t id = 0;
    std::string job;
    std::string key;
    std::string source;  // feed | watch | api
    std::string state;
    int step = 0;  // index of the step to run (or running)
    int attempt = 0;  // attempts of that step so far
    std::int64_t not_before_us = 0;
    std::int64_t created_us = 0;
    std::int64_t updated_us = 0;
    std::string error;
};

struct ItemEvent {
    std::int64_t item = 0;
    std::int64_t time_us = 0;
    std::string kind;  // queued, coalesced, started, step-succeeded, step-failed, retry, succeeded, dead, requeued, ...
    std::string step;
    int attempt = 0;
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::optional<std::int64_t> duration_ms;
    std::string detail;
};

struct ItemCounts {
    std::int64_t queued = 0;
    std::int64_t running = 0;
    std::int64_t failed = 0;
    std::int64_t dead = 0;
    std::int64_t succeeded = 0;
    std::optional<std::int64_t> oldest_queued_us;
};

struct EnqueueResult {
    std::int64_t queued = 0;
    std::int64_t coalesced = 0;
};

class Items {
public:
    explicit Items(Database& db) : m_db(db) {}

    // Queues keys for a job in one transaction; keys already active are coalesced.
    Result<EnqueueResult> enqueue(
        const std::string& job, const std::vector<std::string>& keys, const std::string& source, std::int64_t now_us);

    // Up to `limit` items of the job ready to run (queued, or failed with
    // not_before passed), oldest first. O(log n + limit) in the backlog.
    Result<std::vector<Item>> ready(const std::string& job, std::int64_t now_us, std::size_t limit);
    // The statements ready() and counts() run, so a test can check their plans.
    static std::vector<std::string> ready_queries();
    // The earliest not_before of an item of the job waiting to retry, to wake up for.
    Result<std::optional<std::int64_t>> next_ready(const std::string& job);

    // Writes the item's new state and its history rows, in one transaction.
    Result<void> update(const Item& item, const ItemEvent& event);
    Result<void> update(const Item& item, const std::vector<ItemEvent>& events);
    Result<void> record(const ItemEvent& event);

    // Items found running at start go back to the queue, with an event saying why.
    Result<std::vector<Item>> requeue_running(std::int64_t now_us);
    // Dead items back to the queue at their failed step: one key, or all of the job's.
    Result<std::int64_t> retry_dead(const std::string& job, const std::optional<std::string>& key, std::int64_t now_us);

    // From item_counts (kept by triggers) and one index lookup: cheap whatever the backlog.
    Result<ItemCounts> counts(const std::string& job);
    // Every job that has items queued, running or waiting to retry, with those
    // counts (done and dead ones are not counted): e.g. to find items left
    // waiting for a job no longer in the app file.
    Result<std::vector<std::pair<std::string, ItemCounts>>> waiting_by_job();
    // The newest item of a job with this key.
    Result<std::optional<Item>> latest(const std::string& job, const std::string& key);
    Result<std::vector<Item>> query(const std::string& job, bool failed_only, std::size_t limit);
    Result<std::vector<ItemEvent>> history(std::int64_t item);

private:
    Result<void> add_oldest_queued(const std::string& job, ItemCounts& counts);

    Database& m_db;
};

}  // namespace tend::store
