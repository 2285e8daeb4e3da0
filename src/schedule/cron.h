// Schedule expressions: the Vixie/cronie cron dialect and `every DURATION`.
//
//   minute hour day-of-month month day-of-week
//   numbers, names (jan..dec, sun..sat; 7 is also sunday), lists (1,5), ranges (1-5),
//   steps (*/15, 1-30/5) and, as an extension, N/step (meaning N-max/step);
//   @hourly @daily @midnight @weekly @monthly @yearly @annually @reboot; every 5m
//
// When both day fields are restricted (not exactly `*`), a day matches if
// either matches. Parsing rejects what can never fire (`0 0 30 2 *`). This
// file knows no time zones; next-fire computation lives beside it.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/units.h"

namespace tend::schedule {

struct CronFields {
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> days;  // 1..31
    std::bitset<13> months;  // 1..12
    std::bitset<7> weekdays;  // 0..6, sunday = 0
    bool days_restricted = false;
    bool weekdays_restricted = false;
    // The hour field is neither `*` nor `*/n`: fires in a DST gap move to the
    // first instant after it, and a repeated hour fires once.
    bool hour_fixed = false;
};

struct Schedule {
    enum class Kind { Cron, Every, Reboot };
    Kind kind = Kind::Cron;
    std::string text;  // as written
    CronFields cron;  // Kind::Cron
    Duration every{0};  // Kind::Every

    // Whether the day matches the day-of-month/day-of-week rule (OR when both are restricted).
    [[nodiscard]] bool day_matches(int month, int day_of_month, int weekday) const;
};

// Fails with the reason: "minute 61 out of range 0-59", "reversed range 5-2",
// "never fires: day 30 never occurs in feb", "expected 5 fields, found 4".
Result<Schedule> parse_schedule(std::string_view text);

}  // namespace tend::schedule
