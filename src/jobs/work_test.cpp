#include "jobs/work.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "supervise/supervisor.h"
#include "testing/temp_dir.h"

namespace tend::jobs {
namespace {

using namespace std::chrono_literals;

// The real loop, store and process runs, with a job of the test's choosing.
class WorkTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_loop = Loop::create(m_clock).release_value();
        m_db = store::Database::open((m_temp.path() / "tend.db").string()).release_value();
        m_events = std::make_unique<store::EventLog>(*m_db, *m_loop);
        m_live = std::make_unique<store::LiveProcesses>(*m_db);
        m_runs = std::make_unique<store::Runs>(*m_db);
        m_items = std::make_unique<store::Items>(*m_db);
        m_supervisor = std::make_unique<supervise::Supervisor>(
            *m_loop, *m_events, *m_live, supervise::SupervisorOptions{.app = "test", .log_directory = m_temp.string()});
        m_scheduler = std::make_unique<schedule::Scheduler>(
            m_supervisor->context(), *m_runs, schedule::SchedulerOptions{.log_directory = m_temp.string()});
        ASSERT_TRUE(m_scheduler->start());
        m_work = std::make_unique<Work>(m_supervisor->context(), *m_items, *m_scheduler);
        ASSERT_TRUE(m_work->start());
    }

    void TearDown() override
    {
        bool stopped = false;
        m_work->shut_down([&] { stopped = true; });
        run_until([&] { return stopped; });
    }

    void apply(std::vector<std::string> argv, int concurrency)
    {
        spec::AppSpec app{.app = "test", .directory = m_temp.string()};
        spec::JobSpec job{.name = "j", .timezone = "UTC", .concurrency = concurrency};
        job.process.name = "j";
        job.process.argv = std::move(argv);
        job.process.cwd = m_temp.string();
        app.jobs["j"] = job;
        ASSERT_TRUE(m_scheduler->apply(app));
        m_work->apply(app);
    }

    void run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = 15s)
    {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (!done() && std::chrono::steady_clock::now() < until) {
            m_loop->add_timer(10ms, [this] { m_loop->stop(); });
            m_loop->run();
        }
    }

    store::ItemCounts counts()
    {
        auto counts = m_items->counts("j");
        EXPECT_TRUE(counts);
        return counts ? *counts : store::ItemCounts{};
    }

    // Every write to the items table fails, as on a full disk, until heal().
    void break_item_writes()
    {
        ASSERT_TRUE(m_db->execute("CREATE TEMP TRIGGER full_disk BEFORE UPDATE ON items BEGIN "
                                  "SELECT RAISE(FAIL, 'database or disk is full'); END"));
    }
    void heal() { ASSERT_TRUE(m_db->execute("DROP TRIGGER temp.full_disk")); }

    std::vector<store::Event> item_events()
    {
        (void)m_events->flush();
        auto events = m_events->query({.subject = "items"});
        EXPECT_TRUE(events);
        return events ? *events : std::vector<store::Event>{};
    }

    testing::TempDir m_temp;
    os::SystemClock m_clock;
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<store::Database> m_db;
    std::unique_ptr<store::EventLog> m_events;
    std::unique_ptr<store::LiveProcesses> m_live;
    std::unique_ptr<store::Runs> m_runs;
    std::unique_ptr<store::Items> m_items;
    std::unique_ptr<supervise::Supervisor> m_supervisor;
    std::unique_ptr<schedule::Scheduler> m_scheduler;
    std::unique_ptr<Work> m_work;
};

TEST_F(WorkTest, ItemsStartByThemselvesOnceTheStoreCanRecordTheirStartAgain)
{
    apply({"true"}, 2);
    break_item_writes();
    ASSERT_TRUE(m_work->feed("j", {"a", "b", "c", "d", "e"}, "feed"));
    run_until([] { return false; }, 300ms);
    EXPECT_EQ(counts().queued, 5) << "nothing starts while a start cannot be recorded";
    EXPECT_EQ(counts().running, 0);

    heal();
    run_until([&] { return counts().succeeded == 5; });
    EXPECT_EQ(counts().succeeded, 5) << "the queue resumed without a new feed";
    auto events = item_events();
    ASSERT_GE(events.size(), 2U);
    EXPECT_EQ(events[0].kind, "store-failing");
    EXPECT_NE(events[0].detail.find("database or disk is full"), std::string::npos) << events[0].detail;
    EXPECT_EQ(events.back().kind, "store-recovered");
    EXPECT_NE(events.back().detail.find("waited to start"), std::string::npos) << events.back().detail;
}

TEST_F(WorkTest, StepsThatEndWhileTheStoreFailsAreRecordedOnceItWorksAgain)
{
    apply({"sh", "-c", "while [ ! -f go ]; do sleep 0.02; done"}, 2);
    ASSERT_TRUE(m_work->feed("j", {"a", "b", "c"}, "feed"));
    run_until([&] { return counts().running == 2; });
    ASSERT_EQ(counts().running, 2);

    break_item_writes();
    std::ofstream(m_temp.path() / "go") << "";
    run_until([] { return false; }, 500ms);
    EXPECT_EQ(counts().running, 2) << "their ends are not written yet";
    EXPECT_EQ(counts().queued, 1);

    heal();
    run_until([&] { return counts().succeeded == 3; });
    EXPECT_EQ(counts().succeeded, 3);
    EXPECT_EQ(counts().running, 0) << "no item is left running after its step ended";
    auto first = m_items->latest("j", "a");
    ASSERT_TRUE(first && first->has_value());
    auto history = *m_items->history((*first)->id);
    ASSERT_GE(history.size(), 2U);
    EXPECT_EQ(history[history.size() - 2].kind, "step-succeeded");
    EXPECT_EQ(history.back().kind, "succeeded");
    auto events = item_events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().kind, "store-recovered");
    EXPECT_NE(events.back().detail.find("2 change(s) of items whose steps ended were written late"), std::string::npos)
        << events.back().detail;
}

}  // namespace
}  // namespace tend::jobs
