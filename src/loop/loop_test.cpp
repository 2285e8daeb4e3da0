#include "loop/loop.h"

#include <csignal>
#include <gtest/gtest.h>

#include "os/spawn.h"

namespace tend {
namespace {

using namespace std::chrono_literals;

class LoopTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto created = Loop::create(m_clock);
        ASSERT_TRUE(created) << created.error().message();
        m_loop = created.release_value();
        // A deadline so a broken loop fails the test instead of hanging it.
        m_loop->add_timer(10s, [this] {
            m_timed_out = true;
            m_loop->stop();
        });
    }

    os::SystemClock m_clock;
    std::unique_ptr<Loop> m_loop;
    bool m_timed_out = false;
};

TEST_F(LoopTest, FiresTimersInDueOrder)
{
    std::vector<int> order;
    m_loop->add_timer(30ms, [&] {
        order.push_back(3);
        m_loop->stop();
    });
    m_loop->add_timer(10ms, [&] { order.push_back(1); });
    TimerId cancelled = m_loop->add_timer(15ms, [&] { order.push_back(99); });
    m_loop->add_timer(20ms, [&] { order.push_back(2); });
    m_loop->cancel_timer(cancelled);
    m_loop->run();
    EXPECT_FALSE(m_timed_out);
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(LoopTest, ReportsChildExitWithStatus)
{
    auto pid = os::spawn({.argv = {"sh", "-c", "exit 7"}, .env = {"PATH=/usr/bin:/bin"}});
    ASSERT_TRUE(pid);
    os::ExitStatus seen;
    m_loop->watch_child(*pid, [&](const os::ExitStatus& exit) {
        seen = exit;
        m_loop->stop();
    });
    m_loop->run();
    EXPECT_FALSE(m_timed_out);
    EXPECT_EQ(seen.pid, *pid);
    EXPECT_EQ(seen.exit_code, 7);
}

TEST_F(LoopTest, DeliversSignalsAsEvents)
{
    bool got = false;
    m_loop->on_signal(SIGHUP, [&] {
        got = true;
        m_loop->stop();
    });
    m_loop->defer([] { (void)os::send_signal(os::self_pid(), SIGHUP); });
    m_loop->run();
    EXPECT_FALSE(m_timed_out);
    EXPECT_TRUE(got);
}

TEST_F(LoopTest, RunsTheTickPeriodically)
{
    int ticks = 0;
    m_loop->set_tick(5ms, [&] {
        if (++ticks == 3)
            m_loop->stop();
    });
    m_loop->run();
    EXPECT_FALSE(m_timed_out);
    EXPECT_EQ(ticks, 3);
}

}  // namespace
}  // namespace tend
