#include "store/runs.h"

#include <gtest/gtest.h>

#include "testing/store_test.h"

namespace tend::store {
namespace {

using RunsTest = testing::StoreTest;

TEST_F(RunsTest, AFireIsClaimedOnce)
{
    Runs runs(*m_db);
    store::Run run{
        .job = "fetch", .nominal_us = 60'000'000, .trigger = "schedule", .state = "running", .created_us = 1};
    auto first = runs.claim_fire(run);
    ASSERT_TRUE(first) << first.error().message();
    ASSERT_TRUE(first->has_value());
    auto again = runs.claim_fire(run);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->has_value());
    run.job = "other";
    EXPECT_TRUE(runs.claim_fire(run)->has_value());
    EXPECT_EQ(**runs.last_fire("fetch"), 60'000'000);
    EXPECT_FALSE(runs.last_fire("never")->has_value());
    EXPECT_EQ(runs.query({.job = "fetch"})->size(), 1U);
}

TEST_F(RunsTest, RunningRunsAreInterruptedAndFinishedOnesStay)
{
    Runs runs(*m_db);
    auto done = *runs.insert({.job = "a", .trigger = "manual", .state = "running", .created_us = 1});
    auto left = *runs.insert({.job = "a", .trigger = "manual", .state = "running", .created_us = 2});
    store::Run finished{.id = done, .job = "a", .state = "succeeded", .ended_us = 5, .exit_code = 0};
    ASSERT_TRUE(runs.finish(finished));
    auto interrupted = runs.interrupt_running(9);
    ASSERT_TRUE(interrupted);
    ASSERT_EQ(interrupted->size(), 1U);
    EXPECT_EQ(interrupted->front().id, left);
    auto all = *runs.query({.job = "a"});
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].state, "succeeded");
    EXPECT_EQ(all[1].state, "interrupted");
    EXPECT_EQ(runs.query({.job = "a", .failed_only = true})->size(), 1U);
    EXPECT_EQ((*runs.last_finished("a"))->id, left);
}

TEST_F(RunsTest, AWaitingRunStaysQueuedAcrossARestartAndStartsOnce)
{
    Runs runs(*m_db);
    auto claimed = runs.claim_fire(
        {.job = "a", .nominal_us = 60'000'000, .trigger = "schedule", .state = "queued", .created_us = 1});
    ASSERT_TRUE(claimed && claimed->has_value());
    EXPECT_TRUE(runs.interrupt_running(9)->empty()) << "a run that never started was not interrupted";
    auto waiting = *runs.waiting();
    ASSERT_EQ(waiting.size(), 1U);
    EXPECT_EQ(waiting[0].id, **claimed);
    EXPECT_EQ(waiting[0].state, "queued");
    EXPECT_TRUE(*runs.mark_started(**claimed, 10));
    EXPECT_FALSE(*runs.mark_started(**claimed, 11)) << "a run leaves queued once";
    EXPECT_TRUE(runs.waiting()->empty());
}

}  // namespace
}  // namespace tend::store
