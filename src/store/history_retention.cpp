#include "store/history_retention.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>
#include <vector>

namespace tend::store {
namespace {

// The selections of each prune (their plans are checked in retention_test.cpp).
constexpr const char* finished_items_sql
    = "SELECT id, updated_us FROM items WHERE state IN ('succeeded', 'dead') ORDER BY updated_us LIMIT ?";
constexpr const char* runs_over_count_sql
    = "SELECT id FROM runs WHERE id <= ? AND state NOT IN ('queued', 'running') ORDER BY id LIMIT ?";
constexpr const char* runs_too_old_sql
    = "SELECT id FROM runs WHERE ended_us < ? AND state NOT IN ('queued', 'running') ORDER BY ended_us LIMIT ?";
constexpr const char* events_over_count_sql = "SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT ?";
constexpr const char* events_too_old_sql = "SELECT id FROM events WHERE time_us < ? ORDER BY time_us LIMIT ?";
// Old claims only; never a job's newest, nor one whose run has yet to end.
constexpr const char* old_fires_sql
    = "SELECT f.rowid FROM fires f WHERE f.nominal_us < ?1"
      " AND f.nominal_us < (SELECT MAX(g.nominal_us) FROM fires g WHERE g.job = f.job)"
      " AND (f.job, f.nominal_us) NOT IN (SELECT job, nominal_us FROM runs WHERE state IN ('queued', 'running')"
      " AND nominal_us IS NOT NULL) ORDER BY f.nominal_us LIMIT ?2";

std::int64_t micros(Duration duration)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
}

}  // namespace

std::vector<std::string> HistoryRetention::queries()
{
    return {finished_items_sql, runs_over_count_sql, runs_too_old_sql, events_over_count_sql, events_too_old_sql,
        old_fires_sql};
}

Result<Pruned> HistoryRetention::prune(const RetentionLimits& limits, std::int64_t now_us, std::size_t batch)
{
    Pruned pruned;
    std::int64_t cutoff = now_us - micros(limits.max_age);
    auto transaction = TRY(Transaction::begin(m_db));
    pruned.items = TRY(prune_items(limits, cutoff, batch, pruned.item_events));
    pruned.runs = TRY(prune_runs(limits, cutoff, batch));
    pruned.events = TRY(prune_events(limits, cutoff, batch));
    pruned.fires = TRY(prune_fires(now_us - micros(limits.fire_horizon), batch));
    TRY(transaction.commit());
    pruned.more = std::max({pruned.items, pruned.runs, pruned.events, pruned.fires}) >= batch;
    return pruned;
}

void HistoryRetention::tick(const RetentionLimits& limits, std::int64_t now_us)
{
    auto pruned = prune(limits, now_us);
    if (pruned) {
        m_last_failure.clear();
        return;
    }
    if (m_events != nullptr && pruned.error().message() != m_last_failure)
        m_events->record("daemon", "retention-failed",
            fmt::format("old history could not be deleted (tried again every second): {}", pruned.error().message()));
    m_last_failure = pruned.error().message();
}

Result<std::int64_t> HistoryRetention::newest_id(const char* table)
{
    auto select = TRY(m_db.prepare(fmt::format("SELECT COALESCE(MAX(id), 0) FROM {}", table)));
    TRY(select.step());
    return select.column_int(0);
}

Result<std::size_t> HistoryRetention::delete_ids(const char* sql, const std::vector<std::int64_t>& ids)
{
    std::size_t deleted = 0;
    for (std::int64_t id : ids) {
        auto erase = TRY(m_db.prepare(sql));
        erase.bind(1, id);
        TRY(erase.run());
        deleted += static_cast<std::size_t>(m_db.changes());
    }
    return deleted;
}

Result<std::size_t> HistoryRetention::prune_items(
    const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch, std::size_t& item_events)
{
    std::int64_t newest = TRY(newest_id("items"));
    auto count
        = TRY(m_db.prepare("SELECT COALESCE(SUM(count), 0) FROM item_counts WHERE state IN ('succeeded', 'dead')"));
    TRY(count.step());
    std::int64_t excess = std::max<std::int64_t>(0, count.column_int(0) - limits.max_items);
    count.reset();
    // The items_finished index gives finished items in the order they ended.
    auto select = TRY(m_db.prepare(finished_items_sql));
    select.bind(1, static_cast<std::int64_t>(batch));
    std::vector<std::int64_t> victims;
    while (TRY(select.step())) {
        bool over_count = static_cast<std::int64_t>(victims.size()) < excess;
        if (!over_count && select.column_int(1) >= cutoff_us)
            break;
        if (select.column_int(0) != newest)
            victims.push_back(select.column_int(0));
    }
    select.reset();
    item_events += TRY(delete_ids("DELETE FROM item_events WHERE item = ?", victims));
    return delete_ids("DELETE FROM items WHERE id = ?", victims);
}

Result<std::size_t> HistoryRetention::prune_runs(
    const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch)
{
    std::int64_t newest = TRY(newest_id("runs"));
    std::set<std::int64_t> victims;
    auto over_count = TRY(m_db.prepare(runs_over_count_sql));
    over_count.bind(1, newest - limits.max_runs).bind(2, static_cast<std::int64_t>(batch));
    while (TRY(over_count.step()))
        victims.insert(over_count.column_int(0));
    over_count.reset();
    auto too_old = TRY(m_db.prepare(runs_too_old_sql));
    too_old.bind(1, cutoff_us).bind(2, static_cast<std::int64_t>(batch));
    while (TRY(too_old.step()) && victims.size() < batch)
        victims.insert(too_old.column_int(0));
    too_old.reset();
    victims.erase(newest);
    return delete_ids("DELETE FROM runs WHERE id = ?", std::vector<std::int64_t>(victims.begin(), victims.end()));
}

Result<std::size_t> HistoryRetention::prune_events(
    const RetentionLimits& limits, std::int64_t cutoff_us, std::size_t batch)
{
    std::int64_t newest = TRY(newest_id("events"));
    std::set<std::int64_t> victims;
    auto over_count = TRY(m_db.prepare(events_over_count_sql));
    over_count.bind(1, newest - limits.max_events).bind(2, static_cast<std::int64_t>(batch));
    while (TRY(over_count.step()))
        victims.insert(over_count.column_int(0));
    over_count.reset();
    auto too_old = TRY(m_db.prepare(events_too_old_sql));
    too_old.bind(1, cutoff_us).bind(2, static_cast<std::int64_t>(batch));
    while (TRY(too_old.step()) && victims.size() < batch)
        victims.insert(too_old.column_int(0));
    too_old.reset();
    victims.erase(newest);
    return delete_ids("DELETE FROM events WHERE id = ?", std::vector<std::int64_t>(victims.begin(), victims.end()));
}

Result<std::size_t> HistoryRetention::prune_fires(std::int64_t cutoff_us, std::size_t batch)
{
    auto erase = TRY(m_db.prepare(fmt::format("DELETE FROM fires WHERE rowid IN ({})", old_fires_sql)));
    erase.bind(1, cutoff_us).bind(2, static_cast<std::int64_t>(batch));
    TRY(erase.run());
    return static_cast<std::size_t>(m_db.changes());
}

}  // namespace tend::store
