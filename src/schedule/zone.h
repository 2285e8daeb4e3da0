// IANA time zones for schedules, through cctz.
//
// "UTC" (the default) needs no library. Other zones load Debian's libcctz at
// run time, the first time one is asked for: libcctz is shared-only and pulls
// in the shared libstdc++, which costs the daemon about 1.7 MB of PSS even
// when no schedule uses a zone (measured with `make bench`), while tend links
// libstdc++ statically. The few cctz functions used are looked up by their
// mangled names; zone_test.cpp checks they are the library's own functions.
#pragma once

#include <cctz/civil_time.h>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace tend::schedule {

using CivilSecond = cctz::civil_second;

// Seconds since the Unix epoch (UTC).
using UnixSeconds = std::int64_t;

// A local time as a zone names it.
struct LocalTime {
    CivilSecond civil;
    int offset = 0;  // seconds east of UTC
    bool dst = false;
    std::string abbreviation;  // "EST", "+1030"
};

// What a local (civil) time means in a zone.
struct CivilLookup {
    enum class Kind {
        Unique,  // one instant: pre == trans == post
        Skipped,  // inside a gap: trans is the first instant after it
        Repeated,  // twice: pre is the first occurrence, post the second
    };
    Kind kind = Kind::Unique;
    UnixSeconds pre = 0;
    UnixSeconds trans = 0;
    UnixSeconds post = 0;
};

class Zone {
public:
    // "UTC" or an IANA name ("Europe/London"); unknown names fail with the name.
    static Result<Zone> load(const std::string& name);
    static Zone utc();

    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] LocalTime local(UnixSeconds instant) const;
    [[nodiscard]] CivilLookup lookup(const CivilSecond& civil) const;

    struct Impl;

private:
    Zone(std::string name, std::shared_ptr<const Impl> impl) : m_name(std::move(name)), m_impl(std::move(impl)) {}
    std::string m_name;
    std::shared_ptr<const Impl> m_impl;  // null for UTC
};

// "2026-03-08 03:00:00" from a civil time; "2026-03-08T08:00:00Z" from an instant.
std::string format_civil(const CivilSecond& civil);
std::string format_utc(UnixSeconds instant);

// Parses "2026-03-08 01:30", "2026-03-08T01:30:00" (local to zone, the first
// occurrence if repeated), a trailing "Z" (UTC), or "now".
Result<UnixSeconds> parse_time(const std::string& text, const Zone& zone, UnixSeconds now);

}  // namespace tend::schedule
