#include "store/items.h"

#include <gtest/gtest.h>
#include <map>
#include <random>
#include <sstream>

#include "testing/store_test.h"

namespace tend::store {
namespace {

using ItemsTest = testing::StoreTest;

TEST_F(ItemsTest, ActiveKeysAreCoalescedAndFinishedOnesQueueAgain)
{
    Items items(*m_db);
    auto first = items.enqueue("ingest", {"a.zip", "b.zip", "a.zip"}, "feed", 1);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first->queued, 2);
    EXPECT_EQ(first->coalesced, 1);
    auto ready = *items.ready("ingest", 10, 10);
    ASSERT_EQ(ready.size(), 2U);
    store::Item done = ready[0];
    done.state = "succeeded";
    ASSERT_TRUE(items.update(done, {.item = done.id, .time_us = 5, .kind = "succeeded"}));
    auto again = *items.enqueue("ingest", {"a.zip", "b.zip"}, "feed", 6);
    EXPECT_EQ(again.queued, 1) << "a.zip finished, so it is a new item";
    EXPECT_EQ(again.coalesced, 1) << "b.zip is still queued";
    EXPECT_EQ(items.counts("ingest")->queued, 2);
    EXPECT_EQ(items.counts("ingest")->succeeded, 1);
}

TEST_F(ItemsTest, WaitingItemsAreCountedPerJob)
{
    Items items(*m_db);
    ASSERT_TRUE(items.enqueue("b-job", {"1", "2", "3"}, "feed", 10));
    ASSERT_TRUE(items.enqueue("a-job", {"x"}, "feed", 20));
    ASSERT_TRUE(items.enqueue("c-job", {"done"}, "feed", 30));
    auto ready = *items.ready("b-job", 100, 10);
    store::Item running = ready[0];
    running.state = "running";
    ASSERT_TRUE(items.update(running, {.item = running.id, .time_us = 40, .kind = "started"}));
    store::Item retrying = ready[1];
    retrying.state = "failed";
    ASSERT_TRUE(items.update(retrying, {.item = retrying.id, .time_us = 41, .kind = "step-failed"}));
    store::Item done = (*items.ready("c-job", 100, 10))[0];
    done.state = "succeeded";
    ASSERT_TRUE(items.update(done, {.item = done.id, .time_us = 42, .kind = "succeeded"}));

    auto waiting = items.waiting_by_job();
    ASSERT_TRUE(waiting) << waiting.error().message();
    ASSERT_EQ(waiting->size(), 2U) << "c-job has nothing waiting";
    EXPECT_EQ((*waiting)[0].first, "a-job");
    EXPECT_EQ((*waiting)[0].second.queued, 1);
    EXPECT_EQ((*waiting)[0].second.oldest_queued_us, 20);
    EXPECT_EQ((*waiting)[1].first, "b-job");
    EXPECT_EQ((*waiting)[1].second.queued, 1);
    EXPECT_EQ((*waiting)[1].second.running, 1);
    EXPECT_EQ((*waiting)[1].second.failed, 1);
}

TEST_F(ItemsTest, RunningItemsAreRequeuedAtStartAndDeadOnesRetried)
{
    Items items(*m_db);
    ASSERT_TRUE(items.enqueue("j", {"x", "y"}, "feed", 1));
    auto ready = *items.ready("j", 10, 10);
    store::Item running = ready[0];
    running.state = "running";
    running.step = 1;
    ASSERT_TRUE(items.update(running, {.item = running.id, .time_us = 2, .kind = "started"}));
    store::Item dead = ready[1];
    dead.state = "dead";
    dead.step = 2;
    dead.attempt = 3;
    ASSERT_TRUE(items.update(dead, {.item = dead.id, .time_us = 2, .kind = "dead"}));
    auto requeued = *items.requeue_running(3);
    ASSERT_EQ(requeued.size(), 1U);
    EXPECT_EQ(requeued[0].step, 1);
    EXPECT_EQ(items.history(running.id)->back().kind, "requeued");
    EXPECT_EQ(*items.retry_dead("j", std::string("y"), 4), 1);
    auto y = **items.latest("j", "y");
    EXPECT_EQ(y.state, "queued");
    EXPECT_EQ(y.step, 2) << "a retried item resumes at its failed step";
    EXPECT_EQ(y.attempt, 0);
    EXPECT_EQ(*items.retry_dead("j", std::nullopt, 5), 0);
}

TEST_F(ItemsTest, PickingTheNextItemsWalksAnIndexWhateverTheBacklog)
{
    // Regression (F19): `... state IN ('queued', 'failed') ... ORDER BY id` sorted every queued row.
    auto queries = Items::ready_queries();
    std::vector<std::string> indexes{"items_queue", "items_ready", "items_queue"};
    ASSERT_EQ(queries.size(), indexes.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        auto plan = m_db->query_plan(queries[i]);
        ASSERT_TRUE(plan) << plan.error().message();
        EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos) << queries[i] << "\n" << *plan;
        EXPECT_NE(plan->find("INDEX " + indexes[i] + " "), std::string::npos) << queries[i] << "\n" << *plan;
        std::istringstream steps(*plan);
        for (std::string step; std::getline(steps, step);)
            EXPECT_TRUE(step.starts_with("SEARCH items USING")) << queries[i] << "\n" << *plan;
    }
}

TEST_F(ItemsTest, ReadyTakesQueuedItemsInOrderAndRetriesOnceTheyAreDue)
{
    Items items(*m_db);
    ASSERT_TRUE(items.enqueue("j", {"a", "b", "c"}, "feed", 1));
    auto all = *items.ready("j", 10, 10);
    store::Item a = all[0];
    a.state = "failed";
    a.not_before_us = 100;
    ASSERT_TRUE(items.update(a, {.item = a.id, .time_us = 5, .kind = "step-failed"}));
    auto before = *items.ready("j", 50, 10);
    ASSERT_EQ(before.size(), 2U);
    EXPECT_EQ(before[0].key, "b");
    EXPECT_EQ(**items.next_ready("j"), 100);
    auto due = *items.ready("j", 100, 10);
    ASSERT_EQ(due.size(), 3U);
    EXPECT_EQ(due[0].key, "a") << "oldest first";
    EXPECT_EQ(due[1].key, "b");
    EXPECT_EQ(items.ready("j", 100, 2)->size(), 2U);
    EXPECT_EQ(items.counts("j")->oldest_queued_us, 1);
}

TEST_F(ItemsTest, CountsFollowEveryChangeOfState)
{
    Items items(*m_db);
    std::vector<std::string> keys;
    for (int i = 0; i < 200; ++i)
        keys.push_back(std::to_string(i));
    ASSERT_TRUE(items.enqueue("j", keys, "feed", 1));
    ASSERT_TRUE(items.enqueue("k", {"x", "y"}, "feed", 1));
    std::mt19937 random(7);
    std::vector<std::string> states{"queued", "running", "failed", "succeeded", "dead"};
    auto all = *items.query("j", false, 1000);
    for (store::Item item : all) {
        item.state = states[random() % states.size()];
        ASSERT_TRUE(items.update(item, {.item = item.id, .time_us = 2, .kind = "x"}));
    }
    ASSERT_TRUE(m_db->execute("DELETE FROM items WHERE job = 'j' AND id % 7 = 0 AND state IN ('succeeded', 'dead')"));
    auto counts = *items.counts("j");
    auto truth = m_db->prepare("SELECT state, COUNT(*) FROM items WHERE job = 'j' GROUP BY state").release_value();
    std::map<std::string, std::int64_t> expected;
    while (*truth.step())
        expected[truth.column_text(0)] = truth.column_int(1);
    EXPECT_EQ(counts.queued, expected["queued"]);
    EXPECT_EQ(counts.running, expected["running"]);
    EXPECT_EQ(counts.failed, expected["failed"]);
    EXPECT_EQ(counts.succeeded, expected["succeeded"]);
    EXPECT_EQ(counts.dead, expected["dead"]);
    EXPECT_EQ(items.counts("k")->queued, 2);
}

}  // namespace
}  // namespace tend::store
