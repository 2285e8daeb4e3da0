// `tend logs`: reads the app's log files directly, so it works with the
// daemon down too; --events merges tend's own events from the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace tend::cli {

int run_logs(Options& options);

// "1h" (that long ago), "2026-11-22", "2026-11-22T03:04", "2026-11-22T03:04:05.5Z" (UTC).
// Returns microseconds since the epoch.
std::optional<std::int64_t> parse_time_argument(const std::string& text);

}  // namespace tend::cli
