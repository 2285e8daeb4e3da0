#include "base/units.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

using namespace std::chrono_literals;

struct DurationCase {
    const char* text;
    Duration expected;
};

TEST(UnitsTest, ParsesDurations)
{
    const DurationCase cases[] = {
        {"0", 0ms},
        {"100ms", 100ms},
        {"30s", 30s},
        {"5m", 5min},
        {"1h30m", 90min},
        {"2d", 48h},
        {"1w", 168h},
        {"1m30s250ms", 90250ms},
    };
    for (const auto& c : cases) {
        auto parsed = parse_duration(c.text);
        ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message();
        EXPECT_EQ(*parsed, c.expected) << c.text;
    }
}

TEST(UnitsTest, RejectsBadDurations)
{
    for (const char* text : {"", "s", "10", "10x", "-5s", "1.5s", "5 m"}) {
        auto parsed = parse_duration(text);
        EXPECT_FALSE(parsed) << text;
    }
    EXPECT_NE(parse_duration("10x").error().message().find("unit must be one of"), std::string::npos);
}

TEST(UnitsTest, FormatsDurations)
{
    EXPECT_EQ(format_duration(90s), "1m30s");
    EXPECT_EQ(format_duration(100ms), "100ms");
    EXPECT_EQ(format_duration(0ms), "0s");
    EXPECT_EQ(format_duration(25h), "1d1h");
}

TEST(UnitsTest, ParsesSizes)
{
    EXPECT_EQ(*parse_size("4096"), 4096U);
    EXPECT_EQ(*parse_size("600MiB"), 600ULL << 20U);
    EXPECT_EQ(*parse_size("5MB"), 5'000'000U);
    EXPECT_EQ(*parse_size("1G"), 1'000'000'000U);
    EXPECT_EQ(*parse_size("2 GiB"), 2ULL << 30U);
    EXPECT_EQ(*parse_size("1kib"), 1024U);
    EXPECT_FALSE(parse_size("MiB"));
    EXPECT_FALSE(parse_size("5 parsecs"));
    EXPECT_FALSE(parse_size("99999999999TiB"));
}

TEST(UnitsTest, FormatsSizes)
{
    EXPECT_EQ(format_size(512), "512B");
    EXPECT_EQ(format_size(1536), "1.5KiB");
    EXPECT_EQ(format_size(600ULL << 20U), "600.0MiB");
}

}  // namespace
}  // namespace tend
