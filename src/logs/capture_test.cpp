#include "logs/capture.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

#include "logs/reader.h"
#include "testing/temp_dir.h"

namespace tend::logs {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Time that moves only when the test says so; the loop's timerfd still wakes
// it on real time, and then fires the timers due by this clock.
class ManualClock final : public os::Clock {
public:
    [[nodiscard]] WallTime wall_now() const override { return m_wall; }
    [[nodiscard]] MonoTime mono_now() const override { return m_mono; }
    void advance(std::chrono::milliseconds by)
    {
        m_wall += by;
        m_mono += by;
    }

private:
    WallTime m_wall = os::SystemClock().wall_now();
    MonoTime m_mono = os::SystemClock().mono_now();
};

class CaptureTest : public ::testing::Test {
protected:
    void SetUp() override { m_loop = Loop::create(m_clock).release_value(); }

    void run_for(std::chrono::milliseconds time)
    {
        m_loop->add_timer(time, [this] { m_loop->stop(); });
        m_loop->run();
    }

    // One pass of the loop: whatever the pipes hold now is read, no timer runs.
    void read_once()
    {
        m_loop->defer([this] { m_loop->stop(); });
        m_loop->run();
    }

    std::vector<std::string> lines(const std::string& name)
    {
        std::ifstream in(m_dir / (name + ".log"));
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);)
            out.push_back(line.substr(28));  // without the stamp
        return out;
    }

    os::SystemClock m_clock;
    std::unique_ptr<Loop> m_loop;
    testing::TempDir m_temp;
    const fs::path& m_dir = m_temp.path();
};

TEST_F(CaptureTest, StampsLinesPerStreamAndSplitsLongOnes)
{
    LogFile file(*m_loop, m_dir.string(), "web", RotationPolicy{});
    ASSERT_TRUE(file.open());
    Capture capture(*m_loop, file, "web.0");
    auto fds = capture.open();
    ASSERT_TRUE(fds);
    std::string long_line(Capture::max_line + 10, 'x');
    ASSERT_TRUE(os::write_all(fds->first, "one\ntwo\n"));
    ASSERT_TRUE(os::write_all(fds->second, "oops\n"));
    ASSERT_TRUE(os::write_all(fds->first, long_line + "\nunfinished"));
    run_for(400ms);  // past the flush delay
    capture.drain();
    // Order holds within a stream; the two streams interleave as they were read.
    std::vector<std::string> out;
    std::vector<std::string> err;
    for (const std::string& line : lines("web"))
        (line.starts_with("web.0 err") ? err : out).push_back(line.size() > 60 ? line.substr(0, 60) : line);
    std::string piece = "web.0 out+: " + std::string(48, 'x');
    EXPECT_EQ(out,
        (std::vector<std::string>{
            "web.0 out: one", "web.0 out: two", piece, "web.0 out: xxxxxxxxxx", "web.0 out+: unfinished"}));
    EXPECT_EQ(err, (std::vector<std::string>{"web.0 err: oops"}));
}

TEST_F(CaptureTest, ALineCutByOneReadIsCompletedByTheNext)
{
    LogFile file(*m_loop, m_dir.string(), "web", RotationPolicy{});
    ASSERT_TRUE(file.open());
    Capture capture(*m_loop, file, "web.0");
    auto fds = capture.open();
    ASSERT_TRUE(fds);
    ASSERT_TRUE(os::write_all(fds->first, "first half of li"));
    read_once();
    EXPECT_TRUE(lines("web").empty());  // held: neither written nor flushed
    // The rest of that line, plain lines, a line that needs escaping, then plain again.
    ASSERT_TRUE(os::write_all(fds->first, "ne one\nline two\nbell\a\nline four\r\nline five\nsix"));
    read_once();
    EXPECT_EQ(lines("web"),
        (std::vector<std::string>{"web.0 out: first half of line one", "web.0 out: line two", "web.0 out: bell\\x07",
            "web.0 out: line four", "web.0 out: line five"}));
    ASSERT_TRUE(os::write_all(fds->first, "\n"));
    read_once();
    EXPECT_EQ(lines("web").back(), "web.0 out: six");
}

// Issue 13 item 19: the flush timer of a line completed by a later read kept
// running, and cut whatever line was unfinished when it fired, however young.
TEST_F(CaptureTest, ALineCompletedByTheNextReadIsOneRecordWhateverTimerRanBefore)
{
    ManualClock clock;
    auto loop = Loop::create(clock).release_value();
    LogFile file(*loop, m_dir.string(), "web", RotationPolicy{});
    ASSERT_TRUE(file.open());
    Capture capture(*loop, file, "web.0");
    auto fds = capture.open();
    ASSERT_TRUE(fds);
    auto read_once = [&] {
        loop->defer([&] { loop->stop(); });
        loop->run();
    };
    ASSERT_TRUE(os::write_all(fds->first, "a"));
    read_once();  // "a" is unfinished: its flush is due in 200ms
    clock.advance(150ms);
    ASSERT_TRUE(os::write_all(fds->first, "\nb"));
    read_once();  // "a" is complete; "b" begins, 150ms into a's delay
    clock.advance(100ms);
    // Runs the timers due by now: a's flush would have been, b's is not.
    loop->add_timer(0ms, [&] { loop->stop(); });
    loop->run();
    ASSERT_TRUE(os::write_all(fds->first, "\n"));
    read_once();
    EXPECT_EQ(lines("web"), (std::vector<std::string>{"web.0 out: a", "web.0 out: b"}));
}

TEST_F(CaptureTest, QuotesTheLastLinesOfTheStreamWrittenLast)
{
    LogFile file(*m_loop, m_dir.string(), "web", RotationPolicy{});
    ASSERT_TRUE(file.open());
    Capture capture(*m_loop, file, "web.0");
    auto fds = capture.open();
    ASSERT_TRUE(fds);
    EXPECT_TRUE(capture.last_lines(3).empty());
    ASSERT_TRUE(os::write_all(fds->first, "booting\nloading app\n"));
    read_once();
    ASSERT_TRUE(os::write_all(fds->second,
        "Traceback (most recent call last):\n  File \"app.py\", line 1\n\n"
        "ModuleNotFoundError: No module named 'x'\a\r\n"));
    read_once();
    EXPECT_EQ(capture.last_lines(2, 20), (std::vector<std::string>{"  File \"app.py\", lin", "ModuleNotFoundError:"}));
    EXPECT_EQ(capture.last_lines(1), (std::vector<std::string>{"ModuleNotFoundError: No module named 'x'\\x07"}));
    capture.forget_last_lines();
    EXPECT_TRUE(capture.last_lines(3).empty());
    ASSERT_TRUE(os::write_all(fds->first, "a new run"));
    read_once();
    EXPECT_EQ(capture.last_lines(3), (std::vector<std::string>{"a new run"}));
}

TEST_F(CaptureTest, RotatesAndKeepsWithinLimits)
{
    RotationPolicy policy{.max_size = 4096, .keep = 3, .compress = false};
    LogFile file(*m_loop, m_dir.string(), "web", policy);
    ASSERT_TRUE(file.open());
    std::string record = "2026-11-22T00:00:00.000000Z web.0 out: " + std::string(100, 'y') + "\n";
    for (int i = 0; i < 400; ++i)
        file.append(record, 1);
    auto rotated = files_of(m_dir.string(), "web");
    // keep = 3 rotated files plus the current one.
    EXPECT_EQ(rotated.size(), 4U);
    for (const auto& path : rotated)
        EXPECT_LE(fs::file_size(path), 4096U + record.size());
}

TEST_F(CaptureTest, RecreatesADeletedFile)
{
    LogFile file(*m_loop, m_dir.string(), "web", RotationPolicy{});
    ASSERT_TRUE(file.open());
    file.note("web.0", "first");
    fs::remove(m_dir / "web.log");
    file.tick();
    file.note("web.0", "second");
    auto got = lines("web");
    ASSERT_EQ(got.size(), 1U);
    EXPECT_EQ(got[0], "web.0 tend: second");
}

}  // namespace
}  // namespace tend::logs
