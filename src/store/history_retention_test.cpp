#include "store/history_retention.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sstream>

#include "store/items.h"
#include "store/runs.h"
#include "testing/store_test.h"

namespace tend::store {
namespace {

using HistoryRetentionTest = testing::StoreTest;

constexpr std::int64_t day_us = 86'400'000'000;
constexpr std::int64_t now_us = 1000 * day_us;

std::int64_t count(Database& db, const std::string& sql)
{
    auto select = db.prepare(sql).release_value();
    EXPECT_TRUE(*select.step());
    return select.column_int(0);
}

// Items a..(n) of job j, finished one a second in that order; the first `active` stay queued.
std::vector<Item> finished_items(Items& items, int n, int active, std::int64_t ended_us)
{
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i)
        keys.push_back("item-" + std::to_string(i));
    EXPECT_TRUE(items.enqueue("j", keys, "feed", ended_us));
    auto all = *items.ready("j", ended_us, static_cast<std::size_t>(n));
    for (int i = active; i < n; ++i) {
        Item& item = all[static_cast<std::size_t>(i)];
        item.state = "succeeded";
        item.updated_us = ended_us + i * 1'000'000;
        EXPECT_TRUE(items.update(item, {.item = item.id, .time_us = item.updated_us, .kind = "succeeded"}));
    }
    return all;
}

TEST_F(HistoryRetentionTest, KeepsTheMostRecentFinishedItemsAndEveryActiveOne)
{
    Items items(*m_db);
    auto all = finished_items(items, 10, 2, now_us - day_us);
    HistoryRetention retention(*m_db);
    auto pruned = retention.prune({.max_items = 3}, now_us);
    ASSERT_TRUE(pruned) << pruned.error().message();
    EXPECT_EQ(pruned->items, 5U);
    EXPECT_EQ(pruned->item_events, 10U) << "each deleted item's queued and succeeded rows";
    EXPECT_FALSE(pruned->more);
    auto counts = *items.counts("j");
    EXPECT_EQ(counts.queued, 2) << "active items are never pruned";
    EXPECT_EQ(counts.succeeded, 3);
    EXPECT_TRUE(items.latest("j", "item-9")->has_value()) << "the most recent stay";
    EXPECT_FALSE(items.latest("j", "item-4")->has_value());
    EXPECT_EQ(count(*m_db, "SELECT COUNT(*) FROM item_events WHERE item NOT IN (SELECT id FROM items)"), 0);
    EXPECT_EQ(count(*m_db, "SELECT COUNT(*) FROM items"), 5);
}

TEST_F(HistoryRetentionTest, DeletesWhatEndedBeforeMaxAgeButNeverTheNewestRow)
{
    Items items(*m_db);
    finished_items(items, 4, 0, now_us - 100 * day_us);
    Runs runs(*m_db);
    for (int i = 0; i < 3; ++i) {
        auto id = *runs.insert({.job = "r", .trigger = "manual", .state = "running", .created_us = 1});
        ASSERT_TRUE(runs.finish({.id = id, .job = "r", .state = "succeeded", .ended_us = now_us - 100 * day_us}));
    }
    auto waiting = *runs.insert({.job = "r", .trigger = "retry", .state = "queued", .created_us = 1});
    auto recent = *runs.insert({.job = "r", .trigger = "manual", .state = "running", .created_us = 1});
    ASSERT_TRUE(runs.finish({.id = recent, .job = "r", .state = "succeeded", .ended_us = now_us - day_us}));
    ASSERT_TRUE(m_db->execute(fmt::format(
        "INSERT INTO events (time_us, subject, kind) VALUES ({0}, 'a', 'x'), ({0}, 'a', 'y'), ({1}, 'a', 'z')",
        now_us - 100 * day_us, now_us)));

    auto pruned = HistoryRetention(*m_db).prune({.max_age = std::chrono::days(90)}, now_us);
    ASSERT_TRUE(pruned) << pruned.error().message();
    EXPECT_EQ(pruned->items, 3U) << "the newest item stays, so item numbers are never reused";
    EXPECT_EQ(pruned->runs, 3U);
    EXPECT_EQ(pruned->events, 2U);
    auto left = *runs.query({.job = "r"});
    ASSERT_EQ(left.size(), 2U);
    EXPECT_EQ(left[0].id, waiting) << "a queued run is never pruned";
    EXPECT_EQ(left[1].id, recent);
}

TEST_F(HistoryRetentionTest, KeepsTheFireClaimsThatKeepAFireFromRunningTwice)
{
    Runs runs(*m_db);
    auto claim = [&](const char* job, std::int64_t nominal, const char* state) {
        auto id = runs.claim_fire(
            {.job = job, .nominal_us = nominal, .trigger = "schedule", .state = state, .created_us = nominal});
        ASSERT_TRUE(id && id->has_value());
        if (std::string(state) == "succeeded") {
            ASSERT_TRUE(runs.finish({.id = **id, .job = job, .state = state, .ended_us = nominal}));
        }
    };
    claim("daily", now_us - 30 * day_us, "succeeded");
    claim("daily", now_us - 29 * day_us, "queued");  // claimed, its run not started yet
    claim("daily", now_us - 28 * day_us, "succeeded");
    claim("daily", now_us - 20 * day_us, "succeeded");  // the newest claim of the job
    claim("tick", now_us - 8 * day_us, "succeeded");
    claim("tick", now_us - 6 * day_us, "succeeded");  // within the horizon
    claim("tick", now_us - 1, "succeeded");

    auto pruned = HistoryRetention(*m_db).prune({}, now_us);
    ASSERT_TRUE(pruned) << pruned.error().message();
    EXPECT_EQ(pruned->fires, 3U);
    EXPECT_EQ(count(*m_db, "SELECT COUNT(*) FROM fires WHERE job = 'daily'"), 2);
    EXPECT_EQ(**runs.last_fire("daily"), now_us - 20 * day_us) << "catch-up starts after the newest claim";
    EXPECT_EQ(count(*m_db, fmt::format("SELECT COUNT(*) FROM fires WHERE nominal_us = {}", now_us - 29 * day_us)), 1);
    EXPECT_EQ(count(*m_db, "SELECT COUNT(*) FROM fires WHERE job = 'tick'"), 2);
}

TEST_F(HistoryRetentionTest, PrunesInSmallBatches)
{
    Items items(*m_db);
    finished_items(items, 30, 0, now_us - day_us);
    HistoryRetention retention(*m_db);
    auto first = *retention.prune({.max_items = 5}, now_us, 10);
    EXPECT_EQ(first.items, 10U);
    EXPECT_TRUE(first.more);
    auto second = *retention.prune({.max_items = 5}, now_us, 10);
    EXPECT_EQ(second.items, 10U);
    auto third = *retention.prune({.max_items = 5}, now_us, 10);
    EXPECT_EQ(third.items, 5U);
    EXPECT_FALSE(third.more);
    EXPECT_EQ(items.counts("j")->succeeded, 5);
}

TEST_F(HistoryRetentionTest, EveryPruneWalksAnIndex)
{
    for (const std::string& sql : HistoryRetention::queries()) {
        auto plan = m_db->query_plan(sql);
        ASSERT_TRUE(plan) << plan.error().message();
        EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos) << sql << "\n" << *plan;
        // Every step goes through an index (a SEARCH, or a SCAN in an index's order), none reads a whole table.
        std::istringstream steps(*plan);
        for (std::string step; std::getline(steps, step);) {
            if (step.starts_with("SCAN") || step.starts_with("SEARCH")) {
                EXPECT_NE(step.find(" USING "), std::string::npos) << sql << "\n" << *plan;
            }
        }
    }
}

}  // namespace
}  // namespace tend::store
