// The size of tend.db under a long stream of work, with the default retention.
//
//   tend_bench_store DIR [ITEMS] [ITEMS_PER_TICK]
//
// Writes ITEMS (1,000,000) items through the store exactly as the daemon does
// for a one-step job (queued, started, step-succeeded, succeeded: one items
// row and four item_events), ITEMS_PER_TICK (500) between two housekeeping
// ticks, each tick pruning with the default limits as the daemon's does; then
// measures what one run (with its fire claim) and one event take. Prints one
// JSON object. No processes run: this measures the store, not the spawning.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/history_retention.h"
#include "store/items.h"
#include "store/runs.h"

namespace {

using namespace tend;
namespace fs = std::filesystem;

std::uint64_t store_bytes(const fs::path& db)
{
    std::uint64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code error;
        auto size = fs::file_size(db.string() + suffix, error);
        if (!error)
            total += size;
    }
    return total;
}

// The writes of Items::update for an item that starts (attempt 1) and succeeds.
Result<void> finish(store::Database& db, std::int64_t id, std::int64_t now_us)
{
    auto update = TRY(db.prepare("UPDATE items SET state = ?, step = 0, attempt = 1, not_before_us = 0, "
                                 "updated_us = ?, error = '' WHERE id = ?"));
    auto event = TRY(db.prepare("INSERT INTO item_events (item, time_us, kind, step, attempt, exit_code, signal, "
                                "duration_ms, detail) VALUES (?, ?, ?, 'run', 1, ?, NULL, ?, ?)"));
    update.bind(1, "running").bind(2, now_us).bind(3, id);
    TRY(update.run());
    event.bind(1, id).bind(2, now_us).bind(3, "started").bind_null(4).bind_null(5).bind(6, "");
    TRY(event.run());
    update.bind(1, "succeeded").bind(2, now_us + 1000).bind(3, id);
    TRY(update.run());
    event.bind(1, id).bind(2, now_us + 1000).bind(3, "step-succeeded").bind(4, 0).bind(5, 1);
    event.bind(6, "succeeded (exit 0)");
    TRY(event.run());
    event.bind(1, id).bind(2, now_us + 1000).bind(3, "succeeded").bind_null(4).bind_null(5).bind(6, "");
    TRY(event.run());
    return Ok{};
}

struct ItemsResult {
    std::uint64_t peak_bytes = 0;
    std::uint64_t final_bytes = 0;
    std::uint64_t bytes_at_limit = 0;  // the file (WAL checkpointed) when the items first reached max_items
    std::int64_t kept = 0;
    double seconds = 0;
    double prune_ms_max = 0;
    double prune_ms_mean = 0;
    double prune_ms_p99 = 0;
};

Result<ItemsResult> stream_items(const fs::path& path, std::int64_t count, std::int64_t per_tick)
{
    auto db = TRY(store::Database::open(path.string()));
    store::Items items(*db);
    store::HistoryRetention retention(*db);
    store::RetentionLimits limits;
    ItemsResult result;
    std::int64_t now_us = 2'000'000'000'000'000;
    std::vector<double> prune_ms;
    auto began = std::chrono::steady_clock::now();
    for (std::int64_t fed = 0; fed < count; fed += per_tick) {
        std::vector<std::string> keys;
        for (std::int64_t i = fed; i < std::min(count, fed + per_tick); ++i)
            keys.push_back(fmt::format("/srv/inbox/batch-{:04d}/article-{:07d}.zip", i / 1000, i));
        TRY(items.enqueue("ingest", keys, "watch", now_us));
        // The rows Items::update writes as each item starts and succeeds; one
        // transaction per tick here (the daemon commits each change), which
        // changes the time this takes, not what the file holds.
        auto ready = TRY(items.ready("ingest", now_us, keys.size()));
        auto transaction = TRY(store::Transaction::begin(*db));
        for (const store::Item& item : ready)
            TRY(finish(*db, item.id, now_us));
        TRY(transaction.commit());
        now_us += 1'000'000;  // one housekeeping tick a second
        auto prune_began = std::chrono::steady_clock::now();
        TRY(retention.prune(limits, now_us));
        double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - prune_began).count();
        prune_ms.push_back(took);
        std::uint64_t bytes = store_bytes(path);
        result.peak_bytes = std::max(result.peak_bytes, bytes);
        if (result.bytes_at_limit == 0 && fed + per_tick >= limits.max_items) {
            TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
            result.bytes_at_limit = store_bytes(path);
        }
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (!prune_ms.empty()) {
        std::sort(prune_ms.begin(), prune_ms.end());
        double total = 0;
        for (double ms : prune_ms)
            total += ms;
        result.prune_ms_mean = total / static_cast<double>(prune_ms.size());
        result.prune_ms_p99 = prune_ms[prune_ms.size() * 99 / 100];
        result.prune_ms_max = prune_ms.back();
    }
    auto counts = TRY(items.counts("ingest"));
    result.kept = counts.succeeded;
    TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    result.final_bytes = store_bytes(path);
    return result;
}

// Bytes a row takes, from the growth of a fresh file by `count` of them.
Result<double> bytes_per_run(const fs::path& path, std::int64_t count)
{
    auto db = TRY(store::Database::open(path.string()));
    store::Runs runs(*db);
    TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::uint64_t before = store_bytes(path);
    std::int64_t nominal = 2'000'000'000'000'000;
    for (std::int64_t i = 0; i < count; ++i, nominal += 1'000'000) {
        // claim_fire has its own transaction: each run commits twice, as in the daemon.
        auto id = TRY(runs.claim_fire({.job = "tick",
            .nominal_us = nominal,
            .trigger = "schedule",
            .state = "running",
            .created_us = nominal,
            .started_us = nominal}));
        TRY(runs.finish({.id = *id,
            .job = "tick",
            .nominal_us = nominal,
            .trigger = "schedule",
            .state = "succeeded",
            .started_us = nominal,
            .ended_us = nominal + 20'000,
            .exit_code = 0}));
    }
    TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    return static_cast<double>(store_bytes(path) - before) / static_cast<double>(count);
}

Result<double> bytes_per_event(const fs::path& path, std::int64_t count)
{
    auto db = TRY(store::Database::open(path.string()));
    TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::uint64_t before = store_bytes(path);
    auto transaction = TRY(store::Transaction::begin(*db));
    auto insert = TRY(db->prepare("INSERT INTO events (time_us, subject, kind, detail) VALUES (?, ?, ?, ?)"));
    for (std::int64_t i = 0; i < count; ++i) {
        insert.bind(1, 2'000'000'000'000'000 + i).bind(2, "tick").bind(3, "run-finished");
        insert.bind(4, fmt::format("run #{} succeeded (exit 0) after 20ms", i + 1));
        TRY(insert.run());
    }
    TRY(transaction.commit());
    TRY(db->execute("PRAGMA wal_checkpoint(TRUNCATE)"));
    return static_cast<double>(store_bytes(path) - before) / static_cast<double>(count);
}

int run(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: tend_bench_store DIR [ITEMS] [ITEMS_PER_TICK]\n");
        return 2;
    }
    fs::path dir = argv[1];
    std::int64_t count = argc > 2 ? std::stoll(argv[2]) : 1'000'000;
    std::int64_t per_tick = argc > 3 ? std::stoll(argv[3]) : 500;
    fs::create_directories(dir);
    auto items = stream_items(dir / "items.db", count, per_tick);
    auto run = bytes_per_run(dir / "runs.db", 50'000);
    auto event = bytes_per_event(dir / "events.db", 200'000);
    for (const auto* failed :
        {items ? nullptr : &items.error(), run ? nullptr : &run.error(), event ? nullptr : &event.error()}) {
        if (failed != nullptr) {
            std::fprintf(stderr, "tend_bench_store: %s\n", failed->message().c_str());
            return 1;
        }
    }
    store::RetentionLimits limits;
    std::printf("%s\n",
        fmt::format("{{\"items\": {}, \"items_per_tick\": {}, \"seconds\": {:.1f}, \"kept\": {}, "
                    "\"peak_bytes\": {}, \"final_bytes\": {}, \"bytes_at_limit\": {}, \"prune_ms_mean\": {:.2f}, "
                    "\"prune_ms_p99\": {:.2f}, \"prune_ms_max\": {:.2f}, \"bytes_per_run_and_fire\": {:.1f}, "
                    "\"bytes_per_event\": {:.1f}, "
                    "\"max_items\": {}, \"max_runs\": {}, \"max_events\": {}}}",
            count, per_tick, items->seconds, items->kept, items->peak_bytes, items->final_bytes, items->bytes_at_limit,
            items->prune_ms_mean, items->prune_ms_p99, items->prune_ms_max, *run, *event, limits.max_items,
            limits.max_runs, limits.max_events)
            .c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    return run(argc, argv);
}
