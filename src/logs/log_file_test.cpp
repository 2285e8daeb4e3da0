#include "logs/log_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "logs/reader.h"
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

}  // namespace
}  // namespace tend::logs
