#include "schedule/next_fire.h"

namespace tend::schedule {
namespace {

constexpr int search_days = 366 * 30;

int weekday_number(const cctz::civil_day& day)
{
    switch (cctz::get_weekday(day)) {
    case cctz::weekday::sunday: return 0;
    case cctz::weekday::monday: return 1;
    case cctz::weekday::tuesday: return 2;
    case cctz::weekday::wednesday: return 3;
    case cctz::weekday::thursday: return 4;
    case cctz::weekday::friday: return 5;
    case cctz::weekday::saturday: return 6;
    }
    return 0;
}

// The instant a matching local minute fires at, if any is after `after`.
std::optional<UnixSeconds> fire_instant(const CivilLookup& found, bool hour_fixed, UnixSeconds after)
{
    switch (found.kind) {
    case CivilLookup::Kind::Unique:
        if (found.pre > after)
            return found.pre;
        return std::nullopt;
    case CivilLookup::Kind::Skipped:
        if (hour_fixed && found.trans > after)
            return found.trans;
        return std::nullopt;
    case CivilLookup::Kind::Repeated:
        if (found.pre > after)
            return found.pre;
        if (!hour_fixed && found.post > after)
            return found.post;
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<UnixSeconds> next_cron(const Schedule& schedule, const Zone& zone, UnixSeconds after)
{
    const CronFields& fields = schedule.cron;
    // A DST shift moves local time by at most a few hours, so start a day
    // early in local time and keep the earliest instant after `after`.
    cctz::civil_day first = cctz::civil_day(zone.local(after).civil) - 1;
    std::optional<UnixSeconds> best;
    for (int offset = 0; offset < search_days; ++offset) {
        cctz::civil_day day = first + offset;
        // Once a whole day starts after the best instant found, nothing later can beat it.
        if (best && zone.lookup(CivilSecond(day)).pre > *best + 86400)
            break;
        if (!schedule.day_matches(day.month(), day.day(), weekday_number(day)))
            continue;
        for (int hour = 0; hour < 24; ++hour) {
            if (!fields.hours.test(static_cast<std::size_t>(hour)))
                continue;
            for (int minute = 0; minute < 60; ++minute) {
                if (!fields.minutes.test(static_cast<std::size_t>(minute)))
                    continue;
                CivilSecond local(day.year(), day.month(), day.day(), hour, minute, 0);
                auto instant = fire_instant(zone.lookup(local), fields.hour_fixed, after);
                if (instant && (!best || *instant < *best))
                    best = instant;
            }
        }
    }
    return best;
}

}  // namespace

std::optional<UnixSeconds> next_fire(const Schedule& schedule, const Zone& zone, UnixSeconds after)
{
    switch (schedule.kind) {
    case Schedule::Kind::Reboot: return std::nullopt;
    case Schedule::Kind::Every: {
        UnixSeconds period = std::chrono::duration_cast<std::chrono::seconds>(schedule.every).count();
        UnixSeconds base = after >= 0 ? after / period * period : ((after - period + 1) / period) * period;
        return base + period;
    }
    case Schedule::Kind::Cron: return next_cron(schedule, zone, after);
    }
    return std::nullopt;
}

}  // namespace tend::schedule
