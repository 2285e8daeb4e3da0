#include "schedule/next_fire.h"

#include <gtest/gtest.h>
#include <vector>

namespace tend::schedule {
namespace {

struct Case {
    const char* expression;
    const char* zone;
    const char* from;  // UTC; fires strictly after it
    std::vector<const char*> fires;  // UTC, in order
    const char* why;
};

UnixSeconds utc(const char* text)
{
    auto parsed = parse_time(text, Zone::utc(), 0);
    EXPECT_TRUE(parsed) << text;
    return parsed ? *parsed : 0;
}

// Derived from the rules (cron fields, the OR rule, the DST policy) and the
// zones' published transitions: New York 2026-03-08 02:00 -> 03:00 and
// 2026-11-01 02:00 -> 01:00; London 2026-03-29 01:00 -> 02:00 and 2026-10-25
// 02:00 -> 01:00; Lord Howe (a 30-minute shift) 2026-04-05 02:00 -> 01:30 and
// 2026-10-04 02:00 -> 02:30.
const std::vector<Case> cases{
    {"30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", {"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"},
        "fixed hour in the gap: first instant after it"},
    {"0,30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
        {"2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:30:00Z"},
        "two times in the gap land on one instant and fire once"},
    {"0,30 2,3 * * *", "America/New_York", "2026-03-08T05:00:00Z",
        {"2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:00:00Z"},
        "gap times and 03:00 itself land on one instant"},
    {"30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", {"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
        "fixed hour repeated: first occurrence only"},
    {"30 * * * *", "America/New_York", "2026-11-01T04:00:00Z",
        {"2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"},
        "hour * follows elapsed time: both copies of 01:30"},
    {"30 * * * *", "America/New_York", "2026-03-08T05:00:00Z",
        {"2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"}, "hour * never fires inside the gap"},
    {"0 */2 * * *", "America/New_York", "2026-03-08T04:30:00Z",
        {"2026-03-08T05:00:00Z", "2026-03-08T08:00:00Z", "2026-03-08T10:00:00Z"},
        "*/2 is elapsed time too: 02:00 is skipped, 04:00 EDT follows 00:00 EST"},
    {"30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z", {"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
        "London gap"},
    {"30 1 * * *", "Europe/London", "2026-10-24T12:00:00Z", {"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
        "London repeated hour"},
    {"15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", {"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"},
        "Lord Howe 30-minute gap"},
    {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", {"2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"},
        "Lord Howe repeated half hour, fixed"},
    {"45 * * * *", "Australia/Lord_Howe", "2026-04-04T13:00:00Z",
        {"2026-04-04T13:45:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-04T16:15:00Z"},
        "Lord Howe repeated half hour, elapsed"},
    {"*/15 * * * *", "Australia/Lord_Howe", "2026-10-03T15:00:00Z",
        {"2026-10-03T15:15:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:45:00Z"},
        "Lord Howe gap: 02:00 and 02:15 do not exist"},
    {"0 0 31 * *", "UTC", "2026-02-01T00:00:00Z",
        {"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"},
        "months without a 31st are skipped"},
    {"0 12 29 2 *", "UTC", "2026-01-01T00:00:00Z", {"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"}, "leap years"},
    {"0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00Z"}, "2100 is not a leap year"},
    {"0 0 13 * 5", "UTC", "2026-11-01T00:00:00Z",
        {"2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z",
            "2026-12-04T00:00:00Z"},
        "OR rule: the 13th or a friday"},
    {"0 0 29 2 mon", "UTC", "2026-01-01T00:00:00Z",
        {"2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z", "2026-02-23T00:00:00Z",
            "2027-02-01T00:00:00Z"},
        "OR rule inside the chosen month"},
    {"0 0 * * 5", "UTC", "2026-11-01T00:00:00Z", {"2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z"},
        "only day of week restricted: fridays"},
    {"0 0 1-7 * *", "UTC", "2026-11-05T00:00:00Z",
        {"2026-11-06T00:00:00Z", "2026-11-07T00:00:00Z", "2026-12-01T00:00:00Z"}, "only day of month restricted"},
    {"0 0 */10 * 7", "UTC", "2026-11-01T00:00:00Z",
        {"2026-11-08T00:00:00Z", "2026-11-11T00:00:00Z", "2026-11-15T00:00:00Z"},
        "*/10 counts as restricted; 7 is sunday"},
    {"0 9 * * mon-fri", "UTC", "2026-11-20T10:00:00Z", {"2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z"},
        "weekday names and ranges"},
    {"5/20 * * * *", "UTC", "2026-11-22T10:00:00Z",
        {"2026-11-22T10:05:00Z", "2026-11-22T10:25:00Z", "2026-11-22T10:45:00Z", "2026-11-22T11:05:00Z"}, "N/step"},
    {"@yearly", "America/New_York", "2026-06-01T00:00:00Z", {"2027-01-01T05:00:00Z", "2028-01-01T05:00:00Z"},
        "macros in a zone"},
    {"@daily", "Australia/Lord_Howe", "2026-11-22T00:00:00Z", {"2026-11-22T13:00:00Z"}, "midnight at +11"},
    {"0 0 1 * *", "UTC", "2026-12-31T23:59:59Z", {"2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"}, "year end"},
    {"* * * * *", "UTC", "2026-11-22T10:00:00Z", {"2026-11-22T10:01:00Z", "2026-11-22T10:02:00Z"}, "strictly after"},
    {"every 5m", "America/New_York", "2026-11-22T10:02:30Z", {"2026-11-22T10:05:00Z", "2026-11-22T10:10:00Z"},
        "every: multiples of the period since the epoch, whatever the zone"},
    {"every 1s", "UTC", "2026-11-22T10:00:00Z", {"2026-11-22T10:00:01Z", "2026-11-22T10:00:02Z"}, "every 1s"},
    {"every 1d", "Europe/London", "2026-03-28T12:00:00Z", {"2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z"},
        "every is elapsed time: DST does not move it"},
};

TEST(NextFireTest, Table)
{
    for (const Case& c : cases) {
        auto schedule = parse_schedule(c.expression);
        ASSERT_TRUE(schedule) << c.expression << ": " << schedule.error().message();
        auto zone = Zone::load(c.zone);
        ASSERT_TRUE(zone) << c.zone << ": " << zone.error().message();
        UnixSeconds after = utc(c.from);
        for (const char* expected : c.fires) {
            auto next = next_fire(*schedule, *zone, after);
            ASSERT_TRUE(next) << c.expression << " in " << c.zone << " after " << format_utc(after);
            EXPECT_EQ(format_utc(*next), expected) << c.expression << " in " << c.zone << ": " << c.why;
            after = *next;
        }
    }
}

TEST(NextFireTest, RebootHasNoNextFire)
{
    auto schedule = parse_schedule("@reboot");
    ASSERT_TRUE(schedule);
    EXPECT_FALSE(next_fire(*schedule, Zone::utc(), 0));
}

}  // namespace
}  // namespace tend::schedule
