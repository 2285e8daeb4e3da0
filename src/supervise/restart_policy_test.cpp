#include "supervise/restart_policy.h"

#include <gtest/gtest.h>

namespace tend::supervise {
namespace {

using namespace std::chrono_literals;

spec::ProcessSpec make_spec(spec::RestartPolicy policy = spec::RestartPolicy::Always)
{
    spec::ProcessSpec spec;
    spec.restart = policy;
    spec.stable_after = 10s;
    spec.max_backoff = 1s;
    return spec;
}

const os::ExitStatus crashed{.exit_code = 1};
const os::ExitStatus clean{.exit_code = 0};

TEST(RestartPolicyTest, RestartsWithBackoffAfterQuickCrashes)
{
    auto spec = make_spec();
    FailureCount failures;
    std::vector<std::chrono::milliseconds> delays;
    std::vector<bool> looping;
    for (int i = 0; i < 6; ++i) {
        auto decision = decide_restart(spec, crashed, 50ms, false, failures);
        ASSERT_TRUE(decision.restart);
        delays.push_back(decision.delay);
        looping.push_back(decision.crash_looping);
    }
    EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1s, 1s}));
    EXPECT_EQ(looping, (std::vector<bool>{false, false, false, false, true, true}));
}

TEST(RestartPolicyTest, RestartsAtOnceAfterAStableRunAndResetsBackoff)
{
    auto spec = make_spec();
    FailureCount failures{.consecutive = 7};
    auto decision = decide_restart(spec, crashed, 11s, false, failures);
    EXPECT_TRUE(decision.restart);
    EXPECT_EQ(decision.delay, 0ms);
    EXPECT_EQ(failures.consecutive, 0);
    EXPECT_EQ(decide_restart(spec, crashed, 1s, false, failures).delay, 100ms);
}

TEST(RestartPolicyTest, FollowsThePolicy)
{
    FailureCount failures;
    EXPECT_FALSE(decide_restart(make_spec(spec::RestartPolicy::Never), crashed, 1s, false, failures).restart);
    EXPECT_FALSE(decide_restart(make_spec(spec::RestartPolicy::OnFailure), clean, 1s, false, failures).restart);
    EXPECT_TRUE(decide_restart(make_spec(spec::RestartPolicy::OnFailure), crashed, 1s, false, failures).restart);
    EXPECT_TRUE(decide_restart(make_spec(spec::RestartPolicy::OnFailure), clean, 1s, true, failures).restart);
    EXPECT_TRUE(decide_restart(make_spec(spec::RestartPolicy::Always), clean, 1s, false, failures).restart);
}

TEST(RestartPolicyTest, NeverOverflowsInALongCrashLoop)
{
    auto spec = make_spec();
    spec.max_backoff = 30s;
    FailureCount failures{.consecutive = 100000};
    auto decision = decide_restart(spec, crashed, 0ms, false, failures);
    EXPECT_EQ(decision.delay, 30s);
    EXPECT_TRUE(decision.crash_looping);
}

// Issue 13 item 18: a max_memory below the app's size recycled it every 2-3s
// for ever, with no backoff: recycles count like exits.
TEST(RestartPolicyTest, QuickRecyclesInARowBackOffToTheCap)
{
    auto spec = make_spec();
    FailureCount failures;
    std::vector<std::chrono::milliseconds> delays;
    std::vector<bool> looping;
    for (int i = 0; i < 7; ++i) {
        auto decision = decide_recycle(spec, 2s, false, failures);
        ASSERT_TRUE(decision.restart);
        delays.push_back(decision.delay);
        looping.push_back(decision.crash_looping);
    }
    EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{0ms, 100ms, 200ms, 400ms, 800ms, 1s, 1s}));
    EXPECT_EQ(looping, (std::vector<bool>{false, false, false, false, false, true, true}));
    // A run that lasted past stable_after starts the count again.
    EXPECT_EQ(decide_recycle(spec, 11s, false, failures).delay, 0ms);
    EXPECT_EQ(failures.consecutive, 0);
    // A recycle whose successor failed counts as quick however long the run was.
    EXPECT_EQ(decide_recycle(spec, 11s, true, failures).delay, 0ms);
    EXPECT_EQ(decide_recycle(spec, 11s, true, failures).delay, 100ms);
}

}  // namespace
}  // namespace tend::supervise
