#include "store/items.h"

#include <algorithm>

namespace tend::store {
namespace {

constexpr const char* item_columns
    = "id, job, key, source, state, step, attempt, not_before_us, created_us, updated_us, error";

// The queries of ready() (their plans are checked in items_test.cpp): ?1 job, ?2 limit, ?3 now.
constexpr const char* ready_queued_sql
    = "SELECT id, job, key, source, state, step, attempt, not_before_us, created_us, updated_us, error FROM items "
      "WHERE job = ?1 AND state = 'queued' ORDER BY id LIMIT ?2";
constexpr const char* ready_retries_sql
    = "SELECT id, job, key, source, state, step, attempt, not_before_us, created_us, updated_us, error FROM items "
      "WHERE job = ?1 AND state = 'failed' AND not_before_us <= ?3 ORDER BY not_before_us, id LIMIT ?2";
constexpr const char* oldest_queued_sql
    = "SELECT created_us FROM items WHERE job = ? AND state = 'queued' ORDER BY id LIMIT 1";

Item read_item(const Statement& row)
{
    return Item{
        .id = row.column_int(0),
        .job = row.column_text(1),
        .key = row.column_text(2),
        .source = row.column_text(3),
        .state = row.column_text(4),
        .step = static_cast<int>(row.column_int(5)),
        .attempt = static_cast<int>(row.column_int(6)),
        .not_before_us = row.column_int(7),
        .created_us = row.column_int(8),
        .updated_us = row.column_int(9),
        .error = row.column_text(10),
    };
}

void add_state_count(ItemCounts& counts, const std::string& state, std::int64_t count)
{
    if (state == "queued")
        counts.queued = count;
    else if (state == "running")
        counts.running = count;
    else if (state == "failed")
        counts.failed = count;
    else if (state == "dead")
        counts.dead = count;
    else if (state == "succeeded")
        counts.succeeded = count;
}

}  // namespace

Result<EnqueueResult> Items::enqueue(
    const std::string& job, const std::vector<std::string>& keys, const std::string& source, std::int64_t now_us)
{
    EnqueueResult result;
    auto transaction = TRY(Transaction::begin(m_db));
    auto insert = TRY(m_db.prepare("INSERT OR IGNORE INTO items (job, key, source, state, created_us, updated_us) "
                                   "VALUES (?, ?, ?, 'queued', ?, ?)"));
    auto event = TRY(m_db.prepare("INSERT INTO item_events (item, time_us, kind, detail) VALUES (?, ?, 'queued', ?)"));
    for (const std::string& key : keys) {
        insert.reset();
        insert.bind(1, job).bind(2, key).bind(3, source).bind(4, now_us).bind(5, now_us);
        TRY(insert.run());
        if (m_db.changes() == 0) {
            ++result.coalesced;
            continue;
        }
        ++result.queued;
        event.reset();
        event.bind(1, m_db.last_insert_id()).bind(2, now_us).bind(3, "from " + source);
        TRY(event.run());
    }
    TRY(transaction.commit());
    return result;
}

std::vector<std::string> Items::ready_queries()
{
    return {ready_queued_sql, ready_retries_sql, oldest_queued_sql};
}

Result<std::vector<Item>> Items::ready(const std::string& job, std::int64_t now_us, std::size_t limit)
{
    // Two walks along indexes, each O(log n + limit) whatever the backlog
    // (docs/store.md): queued items in order (items_queue), and retries whose
    // time has come, the earliest due first (items_ready). Oldest item first
    // across both.
    std::vector<Item> out;
    auto queued = TRY(m_db.prepare(ready_queued_sql));
    queued.bind(1, job).bind(2, static_cast<std::int64_t>(limit));
    while (TRY(queued.step()))
        out.push_back(read_item(queued));
    auto retries = TRY(m_db.prepare(ready_retries_sql));
    retries.bind(1, job).bind(2, static_cast<std::int64_t>(limit)).bind(3, now_us);
    while (TRY(retries.step()))
        out.push_back(read_item(retries));
    std::sort(out.begin(), out.end(), [](const Item& a, const Item& b) { return a.id < b.id; });
    if (out.size() > limit)
        out.resize(limit);
    return out;
}

Result<std::optional<std::int64_t>> Items::next_ready(const std::string& job)
{
    auto select = TRY(m_db.prepare("SELECT MIN(not_before_us) FROM items WHERE job = ? AND state = 'failed'"));
    select.bind(1, job);
    if (TRY(select.step()) && !select.column_is_null(0))
        return std::optional<std::int64_t>(select.column_int(0));
    return std::optional<std::int64_t>();
}

Result<void> Items::record(const ItemEvent& event)
{
    auto insert = TRY(m_db.prepare("INSERT INTO item_events (item, time_us, kind, step, attempt, exit_code, signal, "
                                   "duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.bind(1, event.item).bind(2, event.time_us).bind(3, event.kind).bind(4, event.step).bind(5, event.attempt);
    insert.bind(6, event.exit_code);
    insert.bind(7, event.signal);
    insert.bind(8, event.duration_ms);
    insert.bind(9, event.detail);
    return insert.run();
}

Result<void> Items::update(const Item& item, const ItemEvent& event)
{
    return update(item, std::vector<ItemEvent>{event});
}

Result<void> Items::update(const Item& item, const std::vector<ItemEvent>& events)
{
    auto transaction = TRY(Transaction::begin(m_db));
    auto statement = TRY(m_db.prepare("UPDATE items SET state = ?, step = ?, attempt = ?, not_before_us = ?, "
                                      "updated_us = ?, error = ? WHERE id = ?"));
    statement.bind(1, item.state)
        .bind(2, item.step)
        .bind(3, item.attempt)
        .bind(4, item.not_before_us)
        .bind(5, item.updated_us)
        .bind(6, item.error)
        .bind(7, item.id);
    TRY(statement.run());
    for (const ItemEvent& event : events)
        TRY(record(event));
    return transaction.commit();
}

Result<std::vector<Item>> Items::requeue_running(std::int64_t now_us)
{
    auto transaction = TRY(Transaction::begin(m_db));
    // Through item_counts and an index: a store of finished items is not read.
    auto select = TRY(m_db.prepare(std::string("SELECT ") + item_columns
        + " FROM items WHERE state = 'running' AND job IN "
          "(SELECT job FROM item_counts WHERE state = 'running' AND count > 0)"));
    std::vector<Item> out;
    while (TRY(select.step()))
        out.push_back(read_item(select));
    for (Item& item : out) {
        item.state = "queued";
        item.not_before_us = 0;
        item.updated_us = now_us;
        auto statement
            = TRY(m_db.prepare("UPDATE items SET state = 'queued', not_before_us = 0, updated_us = ? WHERE id = ?"));
        statement.bind(1, now_us).bind(2, item.id);
        TRY(statement.run());
        TRY(record({.item = item.id,
            .time_us = now_us,
            .kind = "requeued",
            .attempt = item.attempt,
            .detail = "the daemon stopped while it ran; it runs again from the step it was in"}));
    }
    TRY(transaction.commit());
    return out;
}

Result<std::int64_t> Items::retry_dead(
    const std::string& job, const std::optional<std::string>& key, std::int64_t now_us)
{
    auto transaction = TRY(Transaction::begin(m_db));
    auto select = TRY(m_db.prepare(
        "SELECT id FROM items WHERE job = ?1 AND state = 'dead' AND (?2 IS NULL OR key = ?2) ORDER BY id"));
    select.bind(1, job);
    if (key)
        select.bind(2, *key);
    else
        select.bind_null(2);
    std::vector<std::int64_t> ids;
    while (TRY(select.step()))
        ids.push_back(select.column_int(0));
    std::int64_t requeued = 0;
    for (std::int64_t id : ids) {
        auto update = TRY(m_db.prepare("UPDATE OR IGNORE items SET state = 'queued', attempt = 0, not_before_us = 0, "
                                       "updated_us = ?, error = '' WHERE id = ?"));
        update.bind(1, now_us).bind(2, id);
        TRY(update.run());
        if (m_db.changes() == 0)
            continue;  // the same key is active again as another item
        ++requeued;
        TRY(record({.item = id, .time_us = now_us, .kind = "retry", .detail = "requeued from its failed step"}));
    }
    TRY(transaction.commit());
    return requeued;
}

Result<ItemCounts> Items::counts(const std::string& job)
{
    // item_counts is kept by triggers; the oldest queued item is the first of items_queue.
    auto select = TRY(m_db.prepare("SELECT state, count FROM item_counts WHERE job = ?"));
    select.bind(1, job);
    ItemCounts counts;
    while (TRY(select.step()))
        add_state_count(counts, select.column_text(0), select.column_int(1));
    TRY(add_oldest_queued(job, counts));
    return counts;
}

Result<void> Items::add_oldest_queued(const std::string& job, ItemCounts& counts)
{
    if (counts.queued == 0)
        return Ok{};
    auto oldest = TRY(m_db.prepare(oldest_queued_sql));
    oldest.bind(1, job);
    if (TRY(oldest.step()))
        counts.oldest_queued_us = oldest.column_int(0);
    return Ok{};
}

Result<std::vector<std::pair<std::string, ItemCounts>>> Items::waiting_by_job()
{
    auto select = TRY(m_db.prepare("SELECT job, state, count FROM item_counts"
                                   " WHERE state IN ('queued', 'running', 'failed') AND count > 0 ORDER BY job"));
    std::vector<std::pair<std::string, ItemCounts>> out;
    while (TRY(select.step())) {
        std::string job = select.column_text(0);
        if (out.empty() || out.back().first != job)
            out.emplace_back(job, ItemCounts{});
        add_state_count(out.back().second, select.column_text(1), select.column_int(2));
    }
    for (auto& [job, counts] : out)
        TRY(add_oldest_queued(job, counts));
    return out;
}

Result<std::optional<Item>> Items::latest(const std::string& job, const std::string& key)
{
    auto select = TRY(m_db.prepare(
        std::string("SELECT ") + item_columns + " FROM items WHERE job = ? AND key = ? ORDER BY id DESC LIMIT 1"));
    select.bind(1, job).bind(2, key);
    if (TRY(select.step()))
        return std::optional<Item>(read_item(select));
    return std::optional<Item>();
}

Result<std::vector<Item>> Items::query(const std::string& job, bool failed_only, std::size_t limit)
{
    auto select = TRY(m_db.prepare(std::string("SELECT ") + item_columns
        + " FROM items WHERE job = ? AND (? = 0 OR state IN ('failed', 'dead')) ORDER BY id DESC LIMIT ?"));
    select.bind(1, job).bind(2, failed_only ? 1 : 0).bind(3, static_cast<std::int64_t>(limit));
    std::vector<Item> out;
    while (TRY(select.step()))
        out.push_back(read_item(select));
    std::reverse(out.begin(), out.end());
    return out;
}

Result<std::vector<ItemEvent>> Items::history(std::int64_t item)
{
    auto select = TRY(m_db.prepare("SELECT item, time_us, kind, step, attempt, exit_code, signal, duration_ms, detail "
                                   "FROM item_events WHERE item = ? ORDER BY id"));
    select.bind(1, item);
    std::vector<ItemEvent> out;
    while (TRY(select.step())) {
        ItemEvent event{.item = select.column_int(0),
            .time_us = select.column_int(1),
            .kind = select.column_text(2),
            .step = select.column_text(3),
            .attempt = static_cast<int>(select.column_int(4)),
            .detail = select.column_text(8)};
        if (auto code = select.column_optional(5))
            event.exit_code = static_cast<int>(*code);
        if (auto signal = select.column_optional(6))
            event.signal = static_cast<int>(*signal);
        event.duration_ms = select.column_optional(7);
        out.push_back(std::move(event));
    }
    return out;
}

}  // namespace tend::store
