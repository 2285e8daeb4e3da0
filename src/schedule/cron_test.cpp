#include "schedule/cron.h"

#include <gtest/gtest.h>

namespace tend::schedule {
namespace {

struct Rejected {
    const char* text;
    const char* reason;
};

TEST(CronTest, RejectsWithTheReason)
{
    const Rejected cases[] = {
        {"61 * * * *", "minute 61 out of range 0-59"},
        {"* 24 * * *", "hour 24 out of range 0-23"},
        {"* * 0 * *", "day of month 0 out of range 1-31"},
        {"* * * 13 *", "month 13 out of range 1-12"},
        {"* * * * 8", "day of week 8 out of range 0-7"},
        {"5-2 * * * *", "reversed range 5-2 in minute"},
        {"*/0 * * * *", "bad step \"0\" in minute"},
        {"* * * foo *", "\"foo\" is not a valid month"},
        {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
        {"0 0 30 2 *", "never fires: no chosen day of the month occurs in the chosen months"},
        {"0 0 31 4,6,9,11 *", "never fires: no chosen day of the month occurs in the chosen months"},
        {"1,,2 * * * *", "empty element in minute"},
        {"@fortnightly", "unknown schedule \"@fortnightly\""},
        {"every 10x", "invalid duration \"10x\": unit must be one of ms, s, m, h, d, w"},
        {"every 500ms", "every: the shortest period is 1s"},
    };
    for (const auto& c : cases) {
        auto schedule = parse_schedule(c.text);
        ASSERT_FALSE(schedule) << c.text;
        EXPECT_EQ(schedule.error().message().substr(0, std::string_view(c.reason).size()), c.reason) << c.text;
    }
}

TEST(CronTest, ParsesFieldsNamesStepsAndMacros)
{
    auto schedule = parse_schedule("*/15 9-17 * jan,jul mon-fri");
    ASSERT_TRUE(schedule) << schedule.error().message();
    const CronFields& f = schedule->cron;
    EXPECT_EQ(f.minutes.count(), 4U);
    EXPECT_TRUE(f.minutes.test(45));
    EXPECT_EQ(f.hours.count(), 9U);
    EXPECT_TRUE(f.months.test(1) && f.months.test(7) && f.months.count() == 2);
    EXPECT_TRUE(f.weekdays.test(1) && f.weekdays.test(5) && !f.weekdays.test(0) && !f.weekdays.test(6));
    EXPECT_TRUE(f.hour_fixed);
    EXPECT_FALSE(parse_schedule("0 */2 * * *")->cron.hour_fixed);
    EXPECT_FALSE(parse_schedule("0 * * * *")->cron.hour_fixed);

    auto extension = parse_schedule("5/20 * * * *");
    ASSERT_TRUE(extension);
    EXPECT_EQ(extension->cron.minutes.count(), 3U);  // 5, 25, 45
    EXPECT_TRUE(extension->cron.minutes.test(25));

    EXPECT_TRUE(parse_schedule("* * * * 7")->cron.weekdays.test(0));
    EXPECT_EQ(parse_schedule("@daily")->cron.hours.count(), 1U);
    EXPECT_EQ(parse_schedule("@reboot")->kind, Schedule::Kind::Reboot);
    EXPECT_EQ(parse_schedule("every 5m")->every, std::chrono::minutes(5));
    EXPECT_TRUE(parse_schedule("0 0 29 2 *"));  // leap days exist
}

TEST(CronTest, DayFieldsCombineWithOrWhenBothAreRestricted)
{
    auto both = parse_schedule("0 0 1 * mon");
    ASSERT_TRUE(both);
    EXPECT_TRUE(both->day_matches(3, 1, 4));  // the 1st, a thursday
    EXPECT_TRUE(both->day_matches(3, 9, 1));  // a monday, not the 1st
    EXPECT_FALSE(both->day_matches(3, 10, 2));
    auto only_weekday = parse_schedule("0 0 * * mon");
    EXPECT_FALSE(only_weekday->day_matches(3, 1, 4));
    EXPECT_TRUE(only_weekday->day_matches(3, 9, 1));
    auto stepped_day = parse_schedule("0 0 */2 * mon");  // "*/2" is restricted: OR applies
    EXPECT_TRUE(stepped_day->day_matches(3, 9, 1));
    EXPECT_TRUE(stepped_day->day_matches(3, 3, 5));
}

}  // namespace
}  // namespace tend::schedule
