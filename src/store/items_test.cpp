#include "store/items.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tend::store
