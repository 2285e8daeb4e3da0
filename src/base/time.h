// Wall-clock instants as tend stores and shows them: microseconds since the
// Unix epoch, rendered as RFC 3339 UTC ("2026-11-22T03:04:05.123456Z").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tend {

using WallTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;
using MonoTime = std::chrono::steady_clock::time_point;

// "2026-11-22T03:04:05.123456Z"
std::string format_wall_time(WallTime time);

// "3s", "4m12s", "2h5m", "3d4h": an age or uptime, coarsened for people.
std::string format_age(std::chrono::milliseconds age);

inline std::int64_t to_micros(WallTime time)
{
    return time.time_since_epoch().count();
}
inline WallTime from_micros(std::int64_t micros)
{
    return WallTime(std::chrono::microseconds(micros));
}

}  // namespace tend
