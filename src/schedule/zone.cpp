#include "schedule/zone.h"

#include <cctz/time_zone.h>
#include <cstdio>
#include <fmt/format.h>
#include <optional>

#include "base/quote.h"
#include "os/library.h"

namespace tend::schedule {
namespace {

using Seconds = cctz::time_point<cctz::seconds>;

// cctz's functions as plain function pointers. A const member function takes
// `this` as its first argument in the Itanium C++ ABI that g++ uses.
struct Cctz {
    bool (*load)(const std::string&, cctz::time_zone*) = nullptr;
    cctz::time_zone::absolute_lookup (*absolute)(const cctz::time_zone*, const Seconds&) = nullptr;
    cctz::time_zone::civil_lookup (*civil)(const cctz::time_zone*, const CivilSecond&) = nullptr;
};

constexpr const char* load_symbol
    = "_ZN4cctz14load_time_zoneERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEPNS_9time_zoneE";
constexpr const char* absolute_symbol
    = "_ZNK4cctz9time_zone6lookupERKNSt6chrono10time_pointINS1_3_V212system_clockENS1_"
      "8durationIlSt5ratioILl1ELl1EEEEEE";
constexpr const char* civil_symbol = "_ZNK4cctz9time_zone6lookupERKNS_6detail10civil_timeINS1_10second_tagEEE";

Result<Cctz> load_cctz()
{
    auto library = TRY(os::Library::open("libcctz.so.2"));
    Cctz functions;
    functions.load = reinterpret_cast<decltype(functions.load)>(TRY(library.symbol(load_symbol)));
    functions.absolute = reinterpret_cast<decltype(functions.absolute)>(TRY(library.symbol(absolute_symbol)));
    functions.civil = reinterpret_cast<decltype(functions.civil)>(TRY(library.symbol(civil_symbol)));
    return functions;
}

// Loaded once, on the first named zone.
const Result<Cctz>& cctz_functions()
{
    static const Result<Cctz> functions = load_cctz();
    return functions;
}

const CivilSecond epoch(1970, 1, 1, 0, 0, 0);

UnixSeconds to_unix(const Seconds& instant)
{
    return instant.time_since_epoch().count();
}

}  // namespace

struct Zone::Impl {
    cctz::time_zone zone;
    const Cctz* functions = nullptr;
};

Result<Zone> Zone::load(const std::string& name)
{
    if (name == "UTC" || name == "Etc/UTC")
        return utc();
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos
        || name.find('\0') != std::string::npos)
        return Error(fmt::format("unknown time zone {} (use an IANA name like \"Europe/London\")", quote(name)));
    const Result<Cctz>& functions = cctz_functions();
    if (!functions)
        return functions.error().context("time zones");
    auto impl = std::make_shared<Impl>();
    impl->functions = &functions.value();
    if (!functions->load(name, &impl->zone))
        return Error(fmt::format("unknown time zone {} (use an IANA name like \"Europe/London\")", quote(name)));
    return Zone(name, std::move(impl));
}

Zone Zone::utc()
{
    return Zone("UTC", nullptr);
}

LocalTime Zone::local(UnixSeconds instant) const
{
    if (!m_impl)
        return LocalTime{.civil = epoch + instant, .offset = 0, .dst = false, .abbreviation = "UTC"};
    auto found = m_impl->functions->absolute(&m_impl->zone, Seconds(cctz::seconds(instant)));
    return LocalTime{.civil = found.cs, .offset = found.offset, .dst = found.is_dst, .abbreviation = found.abbr};
}

CivilLookup Zone::lookup(const CivilSecond& civil) const
{
    if (!m_impl) {
        UnixSeconds instant = civil - epoch;
        return CivilLookup{.kind = CivilLookup::Kind::Unique, .pre = instant, .trans = instant, .post = instant};
    }
    auto found = m_impl->functions->civil(&m_impl->zone, civil);
    CivilLookup out{.pre = to_unix(found.pre), .trans = to_unix(found.trans), .post = to_unix(found.post)};
    switch (found.kind) {
    case cctz::time_zone::civil_lookup::UNIQUE: out.kind = CivilLookup::Kind::Unique; break;
    case cctz::time_zone::civil_lookup::SKIPPED: out.kind = CivilLookup::Kind::Skipped; break;
    case cctz::time_zone::civil_lookup::REPEATED: out.kind = CivilLookup::Kind::Repeated; break;
    }
    return out;
}

std::string format_civil(const CivilSecond& civil)
{
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", civil.year(), civil.month(), civil.day(), civil.hour(),
        civil.minute(), civil.second());
}

std::string format_utc(UnixSeconds instant)
{
    CivilSecond civil = epoch + instant;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", civil.year(), civil.month(), civil.day(), civil.hour(),
        civil.minute(), civil.second());
}

Result<UnixSeconds> parse_time(const std::string& text, const Zone& zone, UnixSeconds now)
{
    if (text == "now")
        return now;
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    char separator = ' ';
    int consumed = 0;
    int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n%c%2d:%2d%n:%2d%n", &year, &month, &day, &consumed, &separator,
        &hour, &minute, &consumed, &second, &consumed);
    std::string rest = text.substr(static_cast<std::size_t>(consumed));
    bool utc = rest == "Z";
    bool ok = (fields == 3 || fields == 6 || fields == 7) && (rest.empty() || utc)
        && (fields == 3 || separator == ' ' || separator == 'T');
    CivilSecond civil(year, month, day, hour, minute, second);
    ok = ok && civil.year() == year && civil.month() == month && civil.day() == day && civil.hour() == hour
        && civil.minute() == minute && civil.second() == second;
    if (!ok)
        return Error(
            fmt::format("invalid time {} (use \"YYYY-MM-DD\", \"YYYY-MM-DD HH:MM[:SS]\", a trailing Z for UTC, or now)",
                quote(text)));
    if (utc)
        return Zone::utc().lookup(civil).pre;
    CivilLookup found = zone.lookup(civil);
    return found.kind == CivilLookup::Kind::Skipped ? found.trans : found.pre;
}

}  // namespace tend::schedule
