// What happens to a watched file once its item has ended (`on_success`,
// `on_failure`): kept, deleted, or moved into a directory, never over a file
// already there.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace tend::jobs {

// The name a moved file gets when its own is taken in the target directory:
// the item id before the extension ("report.zip" -> "report.17.zip"; "dup" ->
// "dup.17"; ".env" -> ".env.17"), then "report.17-2.zip", "report.17-3.zip", ...
std::string name_for_item(const std::string& name, std::int64_t item, int attempt);

// Moves the file at `path` into `directory` (created if needed) under its own
// name, or under name_for_item() when that is taken: an existing file is never
// replaced (rename with RENAME_NOREPLACE). Returns the path it now has; fails
// when the move cannot be made (another file system, 100 names taken, ...).
Result<std::string> move_into(const std::string& path, const std::string& directory, std::int64_t item);

}  // namespace tend::jobs
