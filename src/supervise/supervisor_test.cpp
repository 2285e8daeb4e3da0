#include "supervise/supervisor.h"

#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>

#include "supervise/environment.h"
#include "testing/temp_dir.h"

namespace tend::supervise {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SupervisorTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_loop = Loop::create(m_clock).release_value();
        m_db = store::Database::open((m_dir / "tend.db").string()).release_value();
        m_events = std::make_unique<store::EventLog>(*m_db, *m_loop);
        m_live = std::make_unique<store::LiveProcesses>(*m_db);
        m_supervisor = std::make_unique<Supervisor>(*m_loop, *m_events, *m_live,
            SupervisorOptions{
                .app = "test", .log_directory = m_dir.string(), .runtime_directory = (m_dir / "run").string()});
        m_loop->on_unwatched_exit([this](const os::ExitStatus&) { m_supervisor->on_orphan_exit(); });
    }

    void TearDown() override
    {
        bool done = false;
        m_supervisor->shut_down([&] { done = true; });
        run_until([&] { return done; }, 20s);
    }

    // Runs the loop until `condition` holds or the deadline passes.
    bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline)
    {
        bool expired = false;
        TimerId timer = m_loop->add_timer(deadline, [&] { expired = true; });
        while (!condition() && !expired) {
            TimerId wake = m_loop->add_timer(5ms, [this] { m_loop->stop(); });
            m_loop->run();
            m_loop->cancel_timer(wake);
        }
        m_loop->cancel_timer(timer);
        return condition();
    }

    spec::AppSpec app(std::vector<spec::ProcessSpec> processes)
    {
        spec::AppSpec spec{.app = "test", .directory = m_dir.string()};
        for (auto& process : processes) {
            process.cwd = m_dir.string();
            spec.processes[process.name] = process;
        }
        return spec;
    }

    static spec::ProcessSpec process(const std::string& name, std::vector<std::string> argv, int instances = 1)
    {
        spec::ProcessSpec spec;
        spec.name = name;
        spec.argv = std::move(argv);
        spec.instances = instances;
        spec.env["PATH"] = "/usr/bin:/bin";
        spec.stop_timeout = 5s;
        return spec;
    }

    InstanceStatus instance(const std::string& group, std::size_t index)
    {
        for (const auto& status : m_supervisor->status()) {
            if (status.name == group)
                return status.members.at(index);
        }
        return {};
    }

    os::SystemClock m_clock;
    testing::TempDir m_temp;
    const fs::path& m_dir = m_temp.path();
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<store::Database> m_db;
    std::unique_ptr<store::EventLog> m_events;
    std::unique_ptr<store::LiveProcesses> m_live;
    std::unique_ptr<Supervisor> m_supervisor;
};

TEST_F(SupervisorTest, StartsInstancesAndRestartsAStableOneAtOnce)
{
    auto worker = process("worker", {"sleep", "100"}, 3);
    worker.stable_after = 0ms;
    ASSERT_TRUE(m_supervisor->apply(app({worker})));
    ASSERT_TRUE(run_until([&] { return instance("worker", 2).state == InstanceState::Running; }, 10s));
    pid_t first = instance("worker", 1).pid;
    ASSERT_GT(first, 0);
    ASSERT_TRUE(os::send_signal(first, SIGKILL));
    ASSERT_TRUE(run_until([&] { return instance("worker", 1).pid != first && instance("worker", 1).pid > 0; }, 10s));
    EXPECT_EQ(instance("worker", 1).restarts, 1);
    EXPECT_EQ(instance("worker", 1).last_exit, "signal 9 (KILL)");
}

TEST_F(SupervisorTest, BacksOffAndShowsCrashLooping)
{
    auto crasher = process("crasher", {"sh", "-c", "exit 3"});
    crasher.max_backoff = 400ms;
    ASSERT_TRUE(m_supervisor->apply(app({crasher})));
    ASSERT_TRUE(run_until([&] { return instance("crasher", 0).state == InstanceState::CrashLooping; }, 10s));
    EXPECT_EQ(instance("crasher", 0).last_exit, "exit 3");
    EXPECT_GE(instance("crasher", 0).restarts, 3);
    // It keeps retrying at the cap.
    int before = instance("crasher", 0).restarts;
    ASSERT_TRUE(run_until([&] { return instance("crasher", 0).restarts > before; }, 5s));
    ASSERT_TRUE(m_supervisor->restart("crasher"));
    EXPECT_EQ(instance("crasher", 0).restarts, 0);
}

TEST_F(SupervisorTest, StartsAfterDependenciesAreReady)
{
    auto web = process("web", {"sleep", "100"});
    auto decider = process("decider", {"sleep", "100"});
    decider.after = {"web"};
    ASSERT_TRUE(m_supervisor->apply(app({web, decider})));
    ASSERT_TRUE(run_until([&] { return instance("web", 0).state == InstanceState::Starting; }, 5s));
    EXPECT_EQ(instance("decider", 0).state, InstanceState::Stopped);
    ASSERT_TRUE(run_until([&] { return instance("decider", 0).state == InstanceState::Starting; }, 10s));
    EXPECT_EQ(instance("web", 0).state, InstanceState::Running);
}

TEST_F(SupervisorTest, ReportsSpawnFailureAndRetries)
{
    auto broken = process("broken", {"sleep", "100"});
    broken.cwd = "/nonexistent-tend-dir";
    spec::AppSpec spec = app({broken});
    spec.processes["broken"].cwd = "/nonexistent-tend-dir";
    ASSERT_TRUE(m_supervisor->apply(spec));
    ASSERT_TRUE(run_until([&] { return instance("broken", 0).restarts >= 2; }, 10s));
    EXPECT_EQ(instance("broken", 0).last_error, "chdir /nonexistent-tend-dir: No such file or directory");
}

TEST_F(SupervisorTest, StoppingOrRemovingAGroupOfZeroInstancesCompletes)
{
    auto idle = process("idle", {"sleep", "100"}, 0);
    ASSERT_TRUE(m_supervisor->apply(app({idle})));
    bool stopped = false;
    ASSERT_TRUE(m_supervisor->stop("idle", [&] { stopped = true; }));
    ASSERT_TRUE(run_until([&] { return stopped; }, 5s));
    // Removed from the app file, it goes, and shutting down does not wait for it forever.
    ASSERT_TRUE(m_supervisor->apply(app({})));
    bool down = false;
    m_supervisor->shut_down([&] { down = true; });
    ASSERT_TRUE(run_until([&] { return down; }, 5s));
}

TEST_F(SupervisorTest, SwitchReplacesUnchangedGroupsTooAndAnswersOnceAllAreReady)
{
    auto worker = process("worker", {"sleep", "100"}, 2);
    auto other = process("other", {"sleep", "101"});
    ASSERT_TRUE(m_supervisor->apply(app({worker, other})));
    ASSERT_TRUE(run_until([&] { return instance("worker", 1).state == InstanceState::Running; }, 10s));
    pid_t before = instance("worker", 0).pid;
    pid_t other_before = instance("other", 0).pid;
    auto changed = worker;
    changed.argv = {"sleep", "102"};
    std::optional<Result<void>> outcome;
    auto plan = m_supervisor->switch_to(
        app({changed, other}), {"other"}, 30s, [&](Result<void> done) { outcome = std::move(done); });
    ASSERT_TRUE(plan) << plan.error().message();
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 30s));
    ASSERT_TRUE(*outcome) << outcome->error().message();
    EXPECT_NE(instance("worker", 0).pid, before);
    EXPECT_NE(instance("other", 0).pid, other_before) << "an unchanged group in replace_anyway is replaced";
    EXPECT_EQ(instance("worker", 1).state, InstanceState::Running);
}

TEST_F(SupervisorTest, SwitchFailsWhenASuccessorNeverGetsReadyAndSwitchingBackKeepsTheOldOnes)
{
    auto worker = process("worker", {"sleep", "100"}, 2);
    worker.ready = spec::CheckSpec{.kind = spec::CheckKind::Exec, .argv = {"true"}, .timeout = 5s, .every = 50ms};
    auto before_spec = app({worker});
    ASSERT_TRUE(m_supervisor->apply(before_spec));
    ASSERT_TRUE(run_until([&] { return instance("worker", 1).state == InstanceState::Running; }, 10s));
    pid_t first = instance("worker", 0).pid;
    pid_t second = instance("worker", 1).pid;
    auto broken = worker;
    broken.argv = {"sh", "-c", "exit 1"};
    std::optional<Result<void>> outcome;
    ASSERT_TRUE(m_supervisor->switch_to(app({broken}), {}, 30s, [&](Result<void> done) { outcome = std::move(done); }));
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 30s));
    ASSERT_FALSE(*outcome);
    EXPECT_NE(outcome->error().message().find("never became ready"), std::string::npos) << outcome->error().message();
    // Switching back replaces nothing that still runs the old spec.
    outcome.reset();
    ASSERT_TRUE(m_supervisor->switch_to(before_spec, {}, 30s, [&](Result<void> done) { outcome = std::move(done); }));
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 30s));
    ASSERT_TRUE(*outcome) << outcome->error().message();
    EXPECT_EQ(instance("worker", 0).pid, first);
    EXPECT_EQ(instance("worker", 1).pid, second);
}

TEST_F(SupervisorTest, SwitchFailsWhenAGroupIsNotReadyByTheDeadline)
{
    ASSERT_TRUE(m_supervisor->apply(app({process("worker", {"sleep", "100"})})));
    auto silent = process("silent", {"sleep", "100"});
    silent.ready = spec::CheckSpec{.kind = spec::CheckKind::Exec, .argv = {"false"}, .timeout = 60s, .every = 50ms};
    std::optional<Result<void>> outcome;
    ASSERT_TRUE(m_supervisor->switch_to(app({process("worker", {"sleep", "100"}), silent}), {}, 1500ms,
        [&](Result<void> done) { outcome = std::move(done); }));
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 10s));
    ASSERT_FALSE(*outcome);
    EXPECT_NE(outcome->error().message().find("silent.0 is not ready (starting) after 1s500ms"), std::string::npos)
        << outcome->error().message();
}

// Issue 13 item 27: a switch waited out its deadline (90s) for an instance that
// had crashed at once, and then did not say why.
TEST_F(SupervisorTest, SwitchFailsAtOnceWithTheLastLinesWhenAnAddedGroupCrashes)
{
    ASSERT_TRUE(m_supervisor->apply(app({process("worker", {"sleep", "100"})})));
    auto crasher = process(
        "crasher", {"sh", "-c", "echo starting; echo \"ModuleNotFoundError: No module named 'x'\" >&2; exit 3"});
    std::optional<Result<void>> outcome;
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(m_supervisor->switch_to(app({process("worker", {"sleep", "100"}), crasher}), {}, 60s,
        [&](Result<void> done) { outcome = std::move(done); }));
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    ASSERT_FALSE(*outcome);
    EXPECT_EQ(outcome->error().message(),
        "crasher.0 exited before it was ready (exit 3); last output: ModuleNotFoundError: No module named 'x'");
}

TEST_F(SupervisorTest, SwitchOfACrashLoopingGroupFailsAtOnceWithTheLastLines)
{
    auto worker = process("worker", {"sh", "-c", "echo old is broken >&2; exit 1"}, 2);
    ASSERT_TRUE(m_supervisor->apply(app({worker})));
    ASSERT_TRUE(run_until([&] { return instance("worker", 1).restarts >= 1; }, 10s));
    auto still_broken = worker;
    still_broken.argv = {"sh", "-c", "echo new is broken too >&2; exit 2"};
    std::optional<Result<void>> outcome;
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        m_supervisor->switch_to(app({still_broken}), {}, 60s, [&](Result<void> done) { outcome = std::move(done); }));
    ASSERT_TRUE(run_until([&] { return outcome.has_value(); }, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    ASSERT_FALSE(*outcome);
    EXPECT_EQ(outcome->error().message(),
        "worker.0 never became ready: exited before it was ready (exit 2); last output: new is broken too");
}

}  // namespace
}  // namespace tend::supervise

namespace tend::supervise {
namespace {

TEST(PlaceholdersTest, ReplacedInsideOneElementInOrderAndNeverInALaterValue)
{
    auto argv = expand_placeholders({"run", "--app={app}", "{item}", "{env}-{env}", "plain"},
        {{"{env}", "live"}, {"{app}", "web"}, {"{item}", "a {app} b; rm -rf /"}});
    EXPECT_EQ(argv, (std::vector<std::string>{"run", "--app=web", "a {app} b; rm -rf /", "live-live", "plain"}));
}

}  // namespace
}  // namespace tend::supervise
