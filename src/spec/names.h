// The rules for names in the app file.
//
// One rule for every name tend takes from the file: the app, environments,
// process groups, jobs and item steps. These names become file names
// (logs/NAME.log, the state directory), parts of instance names in log records
// (web.0, ingest#i3.convert), socket names (LISTEN_FDNAMES) and URL paths, so a
// name is plain text that cannot break any of them: 1 to 64 ASCII letters,
// digits, '-' and '_'.
//
// Environment variable names (`env` tables, env files) have their own rule.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "base/result.h"

namespace tend::spec {

inline constexpr std::size_t max_name_length = 64;

[[nodiscard]] bool valid_name(std::string_view name);

// Fails with why: `what` says whose name it is ("process", "step"), and the
// name is quoted as an excerpt with control bytes escaped.
Result<void> check_name(std::string_view what, std::string_view name);

// Where a variable name breaks the rule (ASCII letters, digits and '_', not
// starting with a digit; what every shell can set): the index of the first bad
// byte (0 for an empty name), or nothing when it is valid.
[[nodiscard]] std::optional<std::size_t> bad_variable_name_at(std::string_view name);

}  // namespace tend::spec
