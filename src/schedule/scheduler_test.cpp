#include "schedule/scheduler.h"

#include <gtest/gtest.h>

#include "supervise/supervisor.h"
#include "testing/temp_dir.h"

namespace tend::schedule {
namespace {

using namespace std::chrono_literals;

// Real monotonic time; a wall clock the test sets (far in the future, so the
// scheduler's real CLOCK_REALTIME timer never fires during the test).
class SettableClock final : public os::Clock {
public:
    [[nodiscard]] WallTime wall_now() const override
    {
        return m_wall + std::chrono::duration_cast<std::chrono::microseconds>(mono_now() - m_set_at);
    }
    [[nodiscard]] MonoTime mono_now() const override { return std::chrono::steady_clock::now(); }
    void set(WallTime wall)
    {
        m_wall = wall;
        m_set_at = mono_now();
    }

private:
    WallTime m_wall;
    MonoTime m_set_at = std::chrono::steady_clock::now();
};

WallTime at(const char* text)
{
    return from_micros(*parse_time(text, Zone::utc(), 0) * 1'000'000);
}

class SchedulerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_clock.set(at("2040-01-01T10:00:00Z") + 500ms);
        m_loop = Loop::create(m_clock).release_value();
        m_db = store::Database::open((m_temp.path() / "tend.db").string()).release_value();
        m_events = std::make_unique<store::EventLog>(*m_db, *m_loop);
        m_live = std::make_unique<store::LiveProcesses>(*m_db);
        m_runs = std::make_unique<store::Runs>(*m_db);
        m_supervisor = std::make_unique<supervise::Supervisor>(*m_loop, *m_events, *m_live,
            supervise::SupervisorOptions{.app = "test", .log_directory = m_temp.path().string()});
        m_scheduler = std::make_unique<Scheduler>(
            m_supervisor->context(), *m_runs, SchedulerOptions{.log_directory = m_temp.path().string()});
        ASSERT_TRUE(m_scheduler->start());
        spec::AppSpec app{.app = "test", .directory = m_temp.path().string()};
        spec::JobSpec job{.name = "hourly", .schedule = "0 * * * *", .timezone = "UTC"};
        job.process.name = "hourly";
        job.process.argv = {"true"};
        job.process.cwd = m_temp.path().string();
        app.jobs["hourly"] = job;
        ASSERT_TRUE(m_scheduler->apply(app));
    }

    std::string next_fire() const
    {
        auto status = m_scheduler->status();
        return status.at(0).next_fire ? format_wall_time(*status.at(0).next_fire) : "none";
    }

    std::vector<std::string> scheduler_events()
    {
        std::vector<std::string> kinds;
        auto events = m_events->query({.subject = "scheduler"});
        EXPECT_TRUE(events);
        if (events) {
            for (const auto& event : *events)
                kinds.push_back(event.kind);
        }
        return kinds;
    }

    testing::TempDir m_temp;
    SettableClock m_clock;
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<store::Database> m_db;
    std::unique_ptr<store::EventLog> m_events;
    std::unique_ptr<store::LiveProcesses> m_live;
    std::unique_ptr<store::Runs> m_runs;
    std::unique_ptr<supervise::Supervisor> m_supervisor;
    std::unique_ptr<Scheduler> m_scheduler;
};

TEST_F(SchedulerTest, PlansTheNextFireFromTheWallClock)
{
    EXPECT_EQ(next_fire(), "2040-01-01T11:00:00.000000Z");
    m_scheduler->tick();
    EXPECT_TRUE(scheduler_events().empty());
}

TEST_F(SchedulerTest, ASmallJumpIsRecordedAndTheScheduleGoesOn)
{
    m_clock.set(at("2040-01-01T10:20:00Z"));
    m_scheduler->tick();
    EXPECT_EQ(scheduler_events(), std::vector<std::string>{"clock-jump"});
    EXPECT_EQ(next_fire(), "2040-01-01T11:00:00.000000Z");
}

TEST_F(SchedulerTest, AJumpOverThreeHoursIsAResetWithoutCatchUp)
{
    m_clock.set(at("2040-01-01T15:30:00Z"));
    m_scheduler->tick();
    EXPECT_EQ(scheduler_events(), std::vector<std::string>{"clock-reset"});
    EXPECT_EQ(next_fire(), "2040-01-01T16:00:00.000000Z");
    EXPECT_TRUE(m_runs->query({.job = "hourly"})->empty()) << "nothing in between is caught up";
}

TEST_F(SchedulerTest, AClockSetBackByMoreThanThreeHoursStartsOverFromTheNewTime)
{
    m_clock.set(at("2040-01-01T04:10:00Z"));
    m_scheduler->tick();
    EXPECT_EQ(scheduler_events(), std::vector<std::string>{"clock-reset"});
    EXPECT_EQ(next_fire(), "2040-01-01T05:00:00.000000Z");
}

}  // namespace
}  // namespace tend::schedule
