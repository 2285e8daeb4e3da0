#include "store/releases.h"

#include <gtest/gtest.h>

#include "testing/store_test.h"

namespace tend::store {
namespace {

class ReleasesTest : public testing::StoreTest {
protected:
    std::int64_t add(std::string_view ref)
    {
        Releases releases(*m_db);
        auto id = releases.create({.ref = std::string(ref), .state = "building", .who = "ada", .created_us = 1});
        EXPECT_TRUE(id) << id.error().message();
        return id ? *id : 0;
    }
};

TEST_F(ReleasesTest, OneReleaseIsLiveAndTheOneBeforeItIsPrevious)
{
    Releases releases(*m_db);
    EXPECT_EQ(*releases.next_id(), 1);
    std::int64_t first = add("main");
    std::int64_t second = add("v2");
    EXPECT_EQ(*releases.next_id(), 3);
    EXPECT_FALSE(releases.live()->has_value());
    ASSERT_TRUE(releases.make_live(first, 10));
    EXPECT_EQ((*releases.live())->id, first);
    ASSERT_TRUE(releases.make_live(second, 20));
    EXPECT_EQ((*releases.live())->id, second);
    auto before = *releases.find(first);
    EXPECT_EQ(before->state, "previous");
    EXPECT_TRUE(before->good());
    EXPECT_EQ(before->live_us, 10);
    // A rollback makes the previous one live again: the other becomes previous.
    ASSERT_TRUE(releases.make_live(first, 30));
    EXPECT_EQ((*releases.find(second))->state, "previous");
    EXPECT_EQ((*releases.live())->live_us, 30);
    auto all = *releases.list();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].id, second);  // newest first
}

TEST_F(ReleasesTest, ADeployCutByADyingDaemonIsFailedWithItsRunningStep)
{
    Releases releases(*m_db);
    std::int64_t live = add("main");
    ASSERT_TRUE(releases.make_live(live, 5));
    std::int64_t cut = add("main");
    auto step = releases.begin_step(cut, "build", "make", 7);
    ASSERT_TRUE(step);
    auto failed = releases.fail_unfinished(9);
    ASSERT_TRUE(failed);
    ASSERT_EQ(failed->size(), 1U);
    EXPECT_EQ((*failed)[0].id, cut);
    auto row = *releases.find(cut);
    EXPECT_EQ(row->state, "failed");
    EXPECT_FALSE(row->good());
    EXPECT_NE(row->error.find("interrupted"), std::string::npos);
    auto steps = *releases.steps(cut);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0].outcome, "failed");
    EXPECT_EQ(steps[0].ended_us, 9);
    EXPECT_EQ((*releases.live())->id, live);
    EXPECT_TRUE(releases.fail_unfinished(10)->empty());
}

TEST_F(ReleasesTest, StepsKeepTheirOutcomeAndARemovedReleaseIsNoTarget)
{
    Releases releases(*m_db);
    std::int64_t id = add("main");
    auto fetch = *releases.begin_step(id, "fetch", "git fetch", 1);
    ASSERT_TRUE(releases.end_step(fetch, "ok", "", 2));
    auto check = *releases.begin_step(id, "check", "pytest", 3);
    ASSERT_TRUE(releases.end_step(check, "failed", "exit 1", 4));
    auto steps = *releases.steps(id);
    ASSERT_EQ(steps.size(), 2U);
    EXPECT_EQ(steps[1].detail, "exit 1");
    ASSERT_TRUE(releases.make_live(id, 5));
    ASSERT_TRUE(releases.mark_removed(id));
    EXPECT_FALSE((*releases.find(id))->good());
}

}  // namespace
}  // namespace tend::store
