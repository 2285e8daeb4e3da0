// Durations, sizes and rates as people write them in the app file and on the
// command line: "100ms", "30s", "1h30m", "2d"; "600MiB", "5MB", "1G", "4096"; "2/s".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tend {

using Duration = std::chrono::milliseconds;

// The longest duration tend accepts: 3650 days (about 10 years). Every
// duration is then far inside the event loop's nanosecond timers (which end
// after 292 years), with room for adding it to the clock and to other durations.
inline constexpr Duration max_duration = std::chrono::hours(24 * 3650);

// Parses a sum of NUMBER UNIT terms (units ms s m h d w); a bare "0" is zero.
// Fails with a message quoting (an excerpt of) the text: on a bad unit, a
// missing number, or a total over max_duration (checked without overflow).
Result<Duration> parse_duration(std::string_view text);

// Renders the shortest exact form, e.g. 90000ms -> "1m30s".
std::string format_duration(Duration duration);

// Parses a byte size: NUMBER with an optional unit B, K/KB (1000), KiB (1024),
// M/MB, MiB, G/GB, GiB, T/TB, TiB. Fails on negative or overflowing sizes.
Result<std::uint64_t> parse_size(std::string_view text);

// Renders bytes for people: "512B", "1.5KiB", "600.0MiB".
std::string format_size(std::uint64_t bytes);

// The slowest and fastest rates tend accepts, in events per second: one per
// 1000 hours (0.001/h) and 1000/s (one per millisecond, the timers' unit).
inline constexpr double min_rate_per_second = 0.001 / 3600;
inline constexpr double max_rate_per_second = 1000;

// Parses "N/s", "N/m" or "N/h" with N a plain decimal ("2", "0.5"; no sign,
// exponent, hex, spaces, inf or nan) into events per second. Fails with the
// reason when the text is not of that form or the rate is outside the bounds above.
Result<double> parse_rate(std::string_view text);

}  // namespace tend
