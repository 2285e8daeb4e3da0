#include "base/time.h"

#include <ctime>
#include <fmt/format.h>

namespace tend {

std::string format_wall_time(WallTime time)
{
    std::int64_t micros = to_micros(time);
    std::int64_t seconds = micros / 1'000'000;
    std::int64_t fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction += 1'000'000;
        --seconds;
    }
    auto as_time_t = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&as_time_t, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", parts.tm_year + 1900, parts.tm_mon + 1,
        parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, fraction);
}

std::string format_age(std::chrono::milliseconds age)
{
    std::int64_t s = std::chrono::duration_cast<std::chrono::seconds>(age).count();
    if (s < 0)
        s = 0;
    if (s < 60)
        return fmt::format("{}s", s);
    if (s < 3600)
        return fmt::format("{}m{}s", s / 60, s % 60);
    if (s < 86400)
        return fmt::format("{}h{}m", s / 3600, (s % 3600) / 60);
    return fmt::format("{}d{}h", s / 86400, (s % 86400) / 3600);
}

}  // namespace tend
