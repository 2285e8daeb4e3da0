// Reading logs back: `tend logs`. Reads the files directly (the daemon does
// not need to be running), across rotated and gzip-compressed files, several
// groups merged in time order, seeking by timestamp instead of scanning.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/pattern.h"
#include "base/result.h"

namespace tend::logs {

struct LogQuery {
    std::vector<std::string> groups;  // whose files to read; empty: every group in the directory
    std::string
        instance;  // only this instance ("web.2") or run ("ingest#i4", and its steps "ingest#i4.convert"); empty: all
    std::optional<std::int64_t> since;  // microseconds since the epoch, inclusive
    std::optional<std::int64_t> until;  // exclusive
    std::optional<Pattern> grep;  // matched against the record's text
    std::optional<std::size_t> last;  // only the last N matching records
};

struct LogLine {
    std::string line;  // the whole record, as in the file
    std::string stamp;
    std::string instance;
    std::string stream;
    std::string text;
};

// The files of one group, oldest first: rotated ones (compressed or not), then NAME.log.
std::vector<std::string> files_of(const std::string& directory, const std::string& group);

// Group names that have a log in the directory.
std::vector<std::string> groups_in(const std::string& directory);

// Calls `emit` for every matching record in time order.
Result<void> read_logs(
    const std::string& directory, const LogQuery& query, const std::function<void(const LogLine&)>& emit);

// Follows the groups' current files after `read_logs`: blocks, calling `emit`
// for new matching records as they are written, across rotations. Returns only on error.
Result<void> follow_logs(
    const std::string& directory, const LogQuery& query, const std::function<void(const LogLine&)>& emit);

// Whether `name` given to `tend logs` names the record's instance: itself, or
// one of its parts ("ingest#i4" names "ingest#i4.convert"; "web.1" not "web.10").
bool names_instance(std::string_view name, std::string_view instance);

// Whether a parsed record passes the query's filters (not since/until).
bool matches(const LogQuery& query, const LogLine& line);

}  // namespace tend::logs
