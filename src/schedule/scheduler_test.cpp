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
        ASSERT_TRUE(m_scheduler->apply(app_with(hourly())));
    }

    void TearDown() override { stop(); }

    spec::JobSpec hourly() const
    {
        spec::JobSpec job{.name = "hourly", .schedule = "0 * * * *", .timezone = "UTC"};
        job.process.name = "hourly";
        job.process.argv = {"true"};
        job.process.cwd = m_temp.path().string();
        return job;
    }

    spec::AppSpec app_with(const spec::JobSpec& job) const
    {
        spec::AppSpec app{.app = "test", .directory = m_temp.path().string()};
        app.jobs[job.name] = job;
        return app;
    }

    void run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = 10s)
    {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (!done() && std::chrono::steady_clock::now() < until) {
            m_loop->add_timer(10ms, [this] { m_loop->stop(); });
            m_loop->run();
        }
    }

    // Stops the scheduler as a daemon's graceful stop does.
    void stop()
    {
        if (!m_scheduler)
            return;
        bool stopped = false;
        m_scheduler->shut_down([&] { stopped = true; });
        run_until([&] { return stopped; });
        ASSERT_TRUE(stopped);
        m_scheduler.reset();
    }

    // A new scheduler on the same store, as after a daemon restart.
    void restart(const spec::JobSpec& job)
    {
        stop();
        m_scheduler = std::make_unique<Scheduler>(
            m_supervisor->context(), *m_runs, SchedulerOptions{.log_directory = m_temp.path().string()});
        ASSERT_TRUE(m_scheduler->start());
        ASSERT_TRUE(m_scheduler->apply(app_with(job)));
    }

    // A fire claimed by a daemon that stopped before its run started (it waited for its jitter).
    std::int64_t claimed_waiting(const char* nominal)
    {
        auto claimed = m_runs->claim_fire({.job = "hourly",
            .nominal_us = to_micros(at(nominal)),
            .trigger = "schedule",
            .state = "queued",
            .created_us = to_micros(at(nominal))});
        EXPECT_TRUE(claimed && claimed->has_value());
        return claimed && claimed->has_value() ? **claimed : 0;
    }

    std::vector<store::Run> runs()
    {
        auto all = m_runs->query({.job = "hourly", .limit = 1000});
        EXPECT_TRUE(all);
        return all ? *all : std::vector<store::Run>{};
    }

    std::optional<store::Run> run_with_id(std::int64_t id)
    {
        for (const store::Run& run : runs()) {
            if (run.id == id)
                return run;
        }
        return std::nullopt;
    }

    bool has_event(const std::string& subject, const std::string& kind)
    {
        (void)m_events->flush();
        auto events = m_events->query({.subject = subject});
        EXPECT_TRUE(events);
        return events
            && std::any_of(events->begin(), events->end(), [&](const auto& event) { return event.kind == kind; });
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

TEST_F(SchedulerTest, AClaimedFireWhoseRunHadNotStartedRunsAfterARestart)
{
    std::int64_t id = claimed_waiting("2040-01-01T10:00:00Z");
    restart(hourly());
    run_until([&] { return run_with_id(id) && run_with_id(id)->state == "succeeded"; });
    auto run = run_with_id(id);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->state, "succeeded") << "the same run, not a new one, ran the fire";
    EXPECT_EQ(run->trigger, "schedule");
    EXPECT_EQ(runs().size(), 1U);
    EXPECT_TRUE(has_event("hourly", "run-resumed"));

    restart(hourly());
    run_until([] { return false; }, 300ms);
    ASSERT_EQ(runs().size(), 1U) << "a fire never runs twice";
    EXPECT_EQ(runs()[0].state, "succeeded");
}

TEST_F(SchedulerTest, AClaimedFireWhoseRunHadNotStartedFollowsCatchupNone)
{
    std::int64_t id = claimed_waiting("2040-01-01T10:00:00Z");
    spec::JobSpec job = hourly();
    job.catchup = spec::Catchup::None;
    restart(job);
    auto run = run_with_id(id);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->state, "skipped");
    EXPECT_NE(run->error.find("catchup = \"none\""), std::string::npos) << run->error;
}

TEST_F(SchedulerTest, AClaimedFireOlderThanTheCatchupWindowIsSkipped)
{
    std::int64_t id = claimed_waiting("2040-01-01T08:00:00Z");
    restart(hourly());
    auto run = run_with_id(id);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->state, "skipped");
    EXPECT_NE(run->error.find("older than catchup_window 1h"), std::string::npos) << run->error;
}

TEST_F(SchedulerTest, ANewerMissedFireWinsOverAWaitingOneWithCatchupLatest)
{
    std::int64_t id = claimed_waiting("2040-01-01T09:00:00Z");
    restart(hourly());
    run_until([&] { return runs().size() == 2 && runs()[1].state == "succeeded"; });
    auto all = runs();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].id, id);
    EXPECT_EQ(all[0].state, "skipped") << "catchup = latest runs only the 10:00 fire";
    EXPECT_EQ(all[1].trigger, "catch-up");
    EXPECT_EQ(all[1].nominal_us, to_micros(at("2040-01-01T10:00:00Z")));
    EXPECT_EQ(all[1].state, "succeeded");
}

TEST_F(SchedulerTest, AStopLeavesAWaitingRetryQueuedAndTheNextStartRunsIt)
{
    spec::JobSpec job = hourly();
    job.process.argv = {"false"};
    job.retry = {.attempts = 1, .backoff = std::chrono::hours(1)};
    restart(job);
    ASSERT_TRUE(m_scheduler->run_now("hourly"));
    run_until([&] { return runs().size() == 2; });
    ASSERT_EQ(runs().size(), 2U);
    std::int64_t retry = runs()[1].id;
    EXPECT_EQ(runs()[1].state, "queued") << "the retry waits for its backoff";

    stop();
    EXPECT_EQ(run_with_id(retry)->state, "queued") << "a stop does not give up a run that has not started";
    restart(job);
    run_until([&] { return run_with_id(retry)->state == "failed"; });
    auto run = run_with_id(retry);
    EXPECT_EQ(run->state, "failed");
    EXPECT_EQ(run->attempt, 2);
    run_until([] { return false; }, 200ms);
    EXPECT_EQ(runs().size(), 2U) << "no third attempt: retries are exhausted";
}

}  // namespace
}  // namespace tend::schedule
