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

// Issue 13 item 1 (F1): a step near INT_MAX overflowed the loop that expands a
// range and wrote outside the field; steps wider than the field are refused.
TEST(CronTest, RefusesStepsWiderThanTheFieldWithoutOverflow)
{
    const Rejected cases[] = {
        {"5/2147483647 * * * *", "bad step \"2147483647\" in minute: larger than the field's range 0-59"},
        {"* * * * 6/2147483647", "bad step \"2147483647\" in day of week: larger than the field's range 0-6"},
        {"* 7-7 */2147483647 * *", "bad step \"2147483647\" in day of month: larger than the field's range 1-31"},
        {"1-5/2147483647 * * * *", "bad step \"2147483647\" in minute"},
        {"* 23/2147483646 * * *", "bad step \"2147483646\" in hour"},
        {"* * * 12/2147483647 *", "bad step \"2147483647\" in month"},
        {"59/2147483600 * * * *", "bad step \"2147483600\" in minute"},
        {"*/99999999999999999999 * * * *", "bad step \"99999999999999999999\" in minute: larger than"},
        {"*/1000 * * * *", "bad step \"1000\" in minute: larger than the field's range 0-59 (the largest step is 59)"},
        {"*/60 * * * *", "bad step \"60\" in minute"},
        {"* */24 * * *", "bad step \"24\" in hour"},
        {"* * */31 * *", "bad step \"31\" in day of month"},
        {"* * * */12 *", "bad step \"12\" in month"},
        {"* * * * */7", "bad step \"7\" in day of week"},
        {"*/-1 * * * *", "bad step \"-1\" in minute: a step is at least 1"},
        {"*/-2147483648 * * * *", "bad step \"-2147483648\" in minute: a step is at least 1"},
        {"*/-99999999999999999999 * * * *", "bad step \"-99999999999999999999\" in minute: a step is at least 1"},
        {"*/0 * * * *", "bad step \"0\" in minute: a step is at least 1"},
        {"*/ * * * *", "bad step \"\" in minute"},
        {"*/1/2 * * * *", "bad step \"1/2\" in minute"},
        {"*/+5 * * * *", "bad step \"+5\" in minute"},
        {"*/5x * * * *", "bad step \"5x\" in minute"},
        {"2147483647 * * * *", "minute 2147483647 out of range 0-59"},
        {"99999999999 * * * *", "\"99999999999\" is not a valid minute"},
        {"0-2147483647 * * * *", "minute 2147483647 out of range 0-59"},
        {"-1 * * * *", "\"\" is not a valid minute"},
        {"5- * * * *", "\"\" is not a valid minute"},
        {"1-2-3 * * * *", "\"2-3\" is not a valid minute"},
        {"* * * * 8/1", "day of week 8 out of range 0-7"},
        {"* * * jan-dec/12 *", "bad step \"12\" in month"},
        {"every 1500ms", "every: the period must be whole seconds, not 1s500ms"},
        {"every 2500ms", "every: the period must be whole seconds"},
        {"every 1000000000w", "duration \"1000000000w\" is longer than the limit of 3650d"},
        {"every 16000w", "duration \"16000w\" is longer than the limit"},
        {"* * * * \x1b[2J", "\"\\x1b[2J\" is not a valid day of week"},
    };
    for (const auto& c : cases) {
        auto schedule = parse_schedule(c.text);
        ASSERT_FALSE(schedule) << c.text;
        EXPECT_EQ(schedule.error().message().substr(0, std::string_view(c.reason).size()), c.reason)
            << c.text << "\n got: " << schedule.error().message();
    }
}

TEST(CronTest, AcceptsTheWidestStepOfEachField)
{
    auto schedule = parse_schedule("*/59 */23 */30 */11 */6");
    ASSERT_TRUE(schedule) << schedule.error().message();
    EXPECT_EQ(schedule->cron.minutes.count(), 2U);  // 0, 59
    EXPECT_TRUE(schedule->cron.minutes.test(59));
    EXPECT_EQ(schedule->cron.hours.count(), 2U);  // 0, 23
    EXPECT_EQ(schedule->cron.days.count(), 2U);  // 1, 31
    EXPECT_TRUE(schedule->cron.days.test(31));
    EXPECT_EQ(schedule->cron.months.count(), 2U);  // 1, 12
    EXPECT_EQ(schedule->cron.weekdays.count(), 2U);  // 0, 6
    EXPECT_EQ(parse_schedule("59/59 * * * *")->cron.minutes.count(), 1U);
    EXPECT_EQ(parse_schedule("58-59/59 * * * *")->cron.minutes.count(), 1U);
    EXPECT_EQ(parse_schedule("* * * * 1-7/6")->cron.weekdays.count(), 2U);  // monday, sunday (7)
    EXPECT_EQ(parse_schedule("every 3650d")->every, std::chrono::hours(24 * 3650));
    EXPECT_EQ(parse_schedule("every 1m30s")->every, std::chrono::seconds(90));
}

TEST(CronTest, QuotesOnlyAnExcerptOfAHugeField)
{
    std::string huge = std::string(5'000'000, 'x') + " * * * *";
    auto schedule = parse_schedule(huge);
    ASSERT_FALSE(schedule);
    EXPECT_LT(schedule.error().message().size(), 200U);
    EXPECT_NE(schedule.error().message().find("(5000000 bytes)"), std::string::npos) << schedule.error().message();
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
