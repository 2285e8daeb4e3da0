#include "logs/log_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "logs/reader.h"
#include "os/files.h"
#include "testing/temp_dir.h"

namespace tend::logs {
namespace {

using namespace std::chrono_literals;

TEST(LogFileTest, RetentionDeletesOldestFirstEvenWhileTheOldestIsBeingCompressed)
{
    os::SystemClock clock;
    auto loop = Loop::create(clock).release_value();
    testing::TempDir temp;
    std::string directory = temp.path().string();
    LogFile log(*loop, directory, "chatty",
        RotationPolicy{.max_size = 4096, .keep = 2, .max_total = 1ULL << 30U, .compress = true});
    ASSERT_TRUE(log.open());
    // Many rotations before the loop runs: the first gzip cannot have been
    // reaped yet, so every rotation after the first happens while it compresses.
    Stamper stamper;
    for (int i = 0; i < 2000; ++i) {
        std::string record;
        stamper.prefix(record, clock.wall_now(), "chatty.0", Stream::Out, false);
        record += fmt::format("line {:05d}\n", i);
        log.append(record, 1);
    }
    // Let every gzip finish and retention run after each.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    auto rotated_plain = [&] {
        for (const std::string& file : files_of(directory, "chatty")) {
            if (file.find(".log-") != std::string::npos && !file.ends_with(".gz"))
                return true;
        }
        return false;
    };
    while (
        (rotated_plain() || files_of(directory, "chatty").size() > 3) && std::chrono::steady_clock::now() < deadline) {
        loop->add_timer(20ms, [&] { loop->stop(); });
        loop->run();
    }
    std::vector<int> numbers;
    ASSERT_TRUE(read_logs(directory, LogQuery{.groups = {"chatty"}},
        [&](const LogLine& line) { numbers.push_back(std::stoi(line.text.substr(5))); }));
    ASSERT_FALSE(numbers.empty());
    EXPECT_EQ(numbers.back(), 1999);
    for (std::size_t i = 1; i < numbers.size(); ++i)
        ASSERT_EQ(numbers[i], numbers[i - 1] + 1) << "a gap after line " << numbers[i - 1];
    EXPECT_EQ(files_of(directory, "chatty").size(), 3U);  // two rotations and the current file
}

std::string record_of(Stamper& stamper, os::Clock& clock, std::string_view text)
{
    std::string record;
    stamper.prefix(record, clock.wall_now(), "tend", Stream::Out, false);
    record += text;
    record += '\n';
    return record;
}

std::vector<std::string> texts_in(const std::string& directory, const std::string& group)
{
    std::vector<std::string> texts;
    EXPECT_TRUE(
        read_logs(directory, LogQuery{.groups = {group}}, [&](const LogLine& line) { texts.push_back(line.text); }));
    return texts;
}

// F6: at EMFILE the daemon wrote the same line tens of thousands of times a second.
TEST(LogFileTest, FoldedRepeatsAreCountedInOneRecord)
{
    os::SystemClock clock;
    auto loop = Loop::create(clock).release_value();
    testing::TempDir temp;
    std::string directory = temp.path().string();
    LogFile log(*loop, directory, "@tend", RotationPolicy{});
    log.set_repeats(Repeats::Fold);
    ASSERT_TRUE(log.open());
    Stamper stamper;
    log.append(record_of(stamper, clock, "starting"), 1);
    std::string burst;
    for (int i = 0; i < 5000; ++i)
        burst += record_of(stamper, clock, "accept: Too many open files");
    log.append(burst, 5000);
    log.append(record_of(stamper, clock, "accept: Too many open files") + record_of(stamper, clock, "recovered"), 2);
    log.append(record_of(stamper, clock, "recovered"), 1);
    log.tick();
    std::vector<std::string> texts = texts_in(directory, "@tend");
    ASSERT_EQ(texts.size(), 5U) << fmt::format("{}", fmt::join(texts, "\n"));
    EXPECT_EQ(texts[0], "starting");
    EXPECT_EQ(texts[1], "accept: Too many open files");
    EXPECT_TRUE(texts[2].starts_with("the record before was repeated 5000 more time(s)")) << texts[2];
    EXPECT_EQ(texts[3], "recovered");
    EXPECT_TRUE(texts[4].starts_with("the record before was repeated 1 more time(s)")) << texts[4];
}

TEST(LogFileTest, RepeatsAreWrittenUnlessFolded)
{
    os::SystemClock clock;
    auto loop = Loop::create(clock).release_value();
    testing::TempDir temp;
    LogFile log(*loop, temp.path().string(), "app", RotationPolicy{});
    ASSERT_TRUE(log.open());
    Stamper stamper;
    for (int i = 0; i < 3; ++i)
        log.append(record_of(stamper, clock, "same"), 1);
    EXPECT_EQ(texts_in(temp.path().string(), "app").size(), 3U);
}

// F6: out of descriptors, retention could not list the directory and kept
// nothing in check: the daemon's own log grew past 700 MiB.
TEST(LogFileTest, RetentionHoldsWhenTheDirectoryCannotBeListed)
{
    os::SystemClock clock;
    auto loop = Loop::create(clock).release_value();
    testing::TempDir temp;
    std::string directory = temp.path().string();
    LogFile log(*loop, directory, "busy", RotationPolicy{.max_size = 4096, .keep = 2, .compress = false});
    ASSERT_TRUE(log.open());
    Stamper stamper;
    auto rotations = [&] { return files_of(directory, "busy").size() - 1; };
    std::string line(100, 'x');
    while (rotations() < 2)
        log.append(record_of(stamper, clock, line), 1);
    // Use up every descriptor, then write until the file rotates once more.
    std::vector<os::UniqueFd> hoard;
    while (auto fd = os::open_null())
        hoard.push_back(std::move(*fd));
    for (int i = 0; i < 100; ++i)
        log.append(record_of(stamper, clock, line), 1);
    hoard.clear();
    std::size_t rotated = 0;
    for (const std::string& file : files_of(directory, "busy"))
        rotated += file.find(".log-") != std::string::npos ? 1 : 0;
    EXPECT_EQ(rotated, 2U);
}

}  // namespace
}  // namespace tend::logs
