// Durations and sizes as people write them in the app file and on the command
// line: "100ms", "30s", "1h30m", "2d"; "600MiB", "5MB", "1G", "4096".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tend {

using Duration = std::chrono::milliseconds;

// Parses a sum of NUMBER UNIT terms (units ms s m h d w); a bare "0" is zero.
// Fails with a message naming the offending text.
Result<Duration> parse_duration(std::string_view text);

// Renders the shortest exact form, e.g. 90000ms -> "1m30s".
std::string format_duration(Duration duration);

// Parses a byte size: NUMBER with an optional unit B, K/KB (1000), KiB (1024),
// M/MB, MiB, G/GB, GiB, T/TB, TiB. Fails on negative or overflowing sizes.
Result<std::uint64_t> parse_size(std::string_view text);

// Renders bytes for people: "512B", "1.5KiB", "600.0MiB".
std::string format_size(std::uint64_t bytes);

}  // namespace tend
