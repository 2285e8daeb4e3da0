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

TEST(UnitsTest, RefusesDurationsPastTheLimitWithoutWrapping)
{
    // 3650d is the limit: every duration then fits the loop's nanosecond timers.
    EXPECT_EQ(*parse_duration("3650d"), max_duration);
    EXPECT_EQ(*parse_duration("3649d23h59m59s999ms"), max_duration - 1ms);
    // Room to add it to the clock and to a few other durations in nanoseconds.
    EXPECT_LT(std::chrono::nanoseconds(max_duration).count(), std::chrono::nanoseconds::max().count() / 16);
    for (const char* text : {
             "3651d",
             "3650d1ms",
             "16000w",  // was 14 ms once converted to nanoseconds
             "2305843009213693951ms2305843009213693951ms2305843009213693951ms2305843009213693951ms"
             "2305843009213693951ms",  // the sum wrapped to a negative duration
             "1000000000w",
             "18446744073709551615ms",
             "18446744073709551616s",  // past uint64
             "99999999999999999999999999999999h",
             "3000d3000d",
         }) {
        auto parsed = parse_duration(text);
        ASSERT_FALSE(parsed) << text << " gave " << parsed->count() << "ms";
        EXPECT_NE(parsed.error().message().find("is longer than the limit of 3650d"), std::string::npos)
            << parsed.error().message();
    }
}

TEST(UnitsTest, QuotesOnlyAnExcerptOfABadDuration)
{
    std::string huge = std::string(1'000'000, '1') + "x";
    auto parsed = parse_duration(huge);
    ASSERT_FALSE(parsed);
    EXPECT_LT(parsed.error().message().size(), 300U) << parsed.error().message().substr(0, 300);
    EXPECT_NE(parsed.error().message().find("(1000001 bytes)"), std::string::npos);
}

struct RateCase {
    const char* text;
    double per_second;
};

TEST(UnitsTest, ParsesRates)
{
    const RateCase cases[] = {
        {"2/s", 2},
        {"30/m", 0.5},
        {"0.5/s", 0.5},
        {"3600/h", 1},
        {"1000/s", 1000},
        {"0.001/h", 0.001 / 3600},
        {".5/s", 0.5},
        {"007/s", 7},
    };
    for (const RateCase& c : cases) {
        auto parsed = parse_rate(c.text);
        ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message();
        EXPECT_DOUBLE_EQ(*parsed, c.per_second) << c.text;
    }
}

struct BadRateCase {
    const char* text;
    const char* reason;
};

TEST(UnitsTest, RefusesRatesThatAreNotPlainNumbersOrOutOfBounds)
{
    const char* form = "is not N/s, N/m or N/h with N a plain number";
    const BadRateCase cases[] = {
        {"nan/s", form},
        {"inf/s", form},
        {"infinity/s", form},
        {"0x10/s", form},
        {" 1/s", form},
        {"1 /s", form},
        {"+1/s", form},
        {"-1/s", form},
        {"1e3/s", form},
        {"1e-12/s", form},
        {"1.2.3/s", form},
        {"./s", form},
        {"/s", form},
        {"2", form},
        {"2/d", form},
        {"2/s ", form},
        {"2/ms", form},
        {"1e400/s", form},
        {"1001/s", "is faster than the limit of 1000/s"},
        {"100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000000000000000000000000000000000000/s",
            "is faster than the limit of 1000/s"},
        {"0/s", "is slower than the limit of 0.001/h"},
        {"0.0009/h", "is slower than the limit of 0.001/h"},
        {"0.000000000001/s", "is slower than the limit of 0.001/h"},
    };
    for (const BadRateCase& c : cases) {
        auto parsed = parse_rate(c.text);
        ASSERT_FALSE(parsed) << c.text << " gave " << *parsed;
        EXPECT_NE(parsed.error().message().find(c.reason), std::string::npos)
            << c.text << ": " << parsed.error().message();
    }
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
