#include "deploy/retention.h"

#include <gtest/gtest.h>

namespace tend::deploy {
namespace {

store::Release release(std::int64_t id, std::string state, bool removed = false)
{
    return store::Release{.id = id, .state = std::move(state), .removed = removed};
}

TEST(RetentionTest, KeepsGoodReleasesUpToKeepWithTheLiveOneCounted)
{
    std::vector<store::Release> all{release(1, "previous"), release(2, "previous"), release(3, "previous"),
        release(4, "previous"), release(5, "live")};
    EXPECT_EQ(releases_to_remove(all, 3), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(releases_to_remove(all, 5), (std::vector<std::int64_t>{}));
}

TEST(RetentionTest, NeverDeletesTheLiveOneOrTheLastGoodOne)
{
    std::vector<store::Release> all{release(1, "previous"), release(2, "previous"), release(3, "live")};
    EXPECT_EQ(releases_to_remove(all, 1), (std::vector<std::int64_t>{1}));
    // After a rollback from 3 to 1: 3 was just left (jobs may still run in it), 2 is not needed.
    std::vector<store::Release> rolled{release(1, "live"), release(2, "previous"), release(3, "previous")};
    EXPECT_EQ(releases_to_remove(rolled, 1, 3), (std::vector<std::int64_t>{2}));
    // A rollback to 2 keeps 1 as the next target back.
    std::vector<store::Release> back{release(1, "previous"), release(2, "live"), release(3, "previous")};
    EXPECT_EQ(releases_to_remove(back, 1), (std::vector<std::int64_t>{3}));
}

TEST(RetentionTest, FailedReleasesNeverCountAndGo)
{
    std::vector<store::Release> all{release(1, "previous"), release(2, "live"), release(3, "failed"),
        release(4, "failed"), release(5, "failed"), release(6, "building")};
    // keep = 2: both good ones stay, however many failed deploys came after them.
    EXPECT_EQ(releases_to_remove(all, 2), (std::vector<std::int64_t>{3, 4, 5}));
}

TEST(RetentionTest, RemovedReleasesAreNotDeletedTwice)
{
    std::vector<store::Release> all{
        release(1, "previous", true), release(2, "previous"), release(3, "previous"), release(4, "live")};
    EXPECT_EQ(releases_to_remove(all, 2), (std::vector<std::int64_t>{2}));
}

}  // namespace
}  // namespace tend::deploy
