#include "schedule/zone.h"

#include <cctz/time_zone.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

namespace tend::schedule {
namespace {

TEST(ZoneTest, UnknownZonesAreRejected)
{
    for (const char* name : {"Mars/Olympus_Mons", "", "/etc/passwd", "../../etc/passwd", "EST5EDT6"}) {
        auto zone = Zone::load(name);
        ASSERT_FALSE(zone) << name;
        EXPECT_NE(zone.error().message().find("unknown time zone"), std::string::npos) << zone.error().message();
    }
}

// The zone code calls cctz through symbols looked up by name; they must agree
// with the library linked here, instant by instant.
TEST(ZoneTest, AgreesWithCctzLinkedDirectly)
{
    for (const char* name : {"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"}) {
        auto zone = Zone::load(name);
        ASSERT_TRUE(zone) << name << ": " << zone.error().message();
        cctz::time_zone direct;
        ASSERT_TRUE(cctz::load_time_zone(name, &direct));
        for (UnixSeconds instant = 1767225600; instant < 1798761600; instant += 3571) {  // 2026, off the hour
            auto want = direct.lookup(std::chrono::system_clock::from_time_t(instant));
            LocalTime got = zone->local(instant);
            ASSERT_EQ(got.civil, want.cs) << name << " " << instant;
            ASSERT_EQ(got.offset, want.offset);
            ASSERT_EQ(got.abbreviation, want.abbr);
            auto civil_want = direct.lookup(want.cs);
            CivilLookup civil_got = zone->lookup(want.cs);
            ASSERT_EQ(static_cast<int>(civil_got.kind), static_cast<int>(civil_want.kind));
            ASSERT_EQ(civil_got.pre, civil_want.pre.time_since_epoch().count());
            ASSERT_EQ(civil_got.post, civil_want.post.time_since_epoch().count());
        }
    }
}

TEST(ZoneTest, UtcNeedsNoLibraryAndMatchesCctz)
{
    Zone zone = Zone::utc();
    for (UnixSeconds instant : {0L, 951782400L, 1798761599L, -86400L}) {
        EXPECT_EQ(zone.local(instant).civil,
            cctz::convert(std::chrono::system_clock::from_time_t(instant), cctz::utc_time_zone()));
        EXPECT_EQ(zone.lookup(zone.local(instant).civil).pre, instant);
    }
}

TEST(ZoneTest, ParsesTimes)
{
    auto york = Zone::load("America/New_York");
    ASSERT_TRUE(york);
    EXPECT_EQ(format_utc(*parse_time("2026-03-08 01:30", *york, 0)), "2026-03-08T06:30:00Z");
    EXPECT_EQ(format_utc(*parse_time("2026-03-08 02:30", *york, 0)), "2026-03-08T07:00:00Z");  // in the gap
    EXPECT_EQ(format_utc(*parse_time("2026-11-01T01:30:00", *york, 0)), "2026-11-01T05:30:00Z");  // first of two
    EXPECT_EQ(format_utc(*parse_time("2026-11-01T01:30:00Z", *york, 0)), "2026-11-01T01:30:00Z");
    EXPECT_EQ(format_utc(*parse_time("2026-11-01", *york, 0)), "2026-11-01T04:00:00Z");
    EXPECT_EQ(*parse_time("now", *york, 42), 42);
    for (const char* bad : {"2026-13-01", "2026-02-30", "yesterday", "2026-11-01 25:00", "2026-11-01 10:00 x"})
        EXPECT_FALSE(parse_time(bad, *york, 0)) << bad;
}

}  // namespace
}  // namespace tend::schedule
