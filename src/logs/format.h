// The log line format (docs/logs.md): one record per line, plain text that
// grep and tail -f read as is:
//
//   2026-11-22T03:04:05.123456Z web.2 out: the line the process wrote
//
// The stamp is the UTC time tend read the bytes (microseconds); then the
// instance; then the stream: `out`, `err`, or `tend` for tend's own lines. A
// stream written `out+` (or `err+`) is a piece of a longer line that the next
// record of that stream continues: a line over the length limit, or one left
// unfinished longer than the flush delay. Control bytes and invalid UTF-8
// are written as \xNN, so a record is always one valid UTF-8 line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.h"

namespace tend::logs {

enum class Stream { Out, Err, Tend };
std::string_view to_string(Stream stream);

// Formats stamps fast: the date and time are rendered once per second.
class Stamper {
public:
    // Appends "STAMP INSTANCE STREAM[+]: " to out.
    void prefix(std::string& out, WallTime time, std::string_view instance, Stream stream, bool partial);

private:
    std::int64_t m_second = -1;
    char m_rendered[32] = {};  // "2026-11-22T03:04:05."
    std::size_t m_rendered_length = 0;
};

// Whether every byte is printable ASCII, checked a word at a time.
bool plain_ascii(std::string_view text);

// Whether every byte is printable ASCII or a newline: a chunk of lines that need no escaping.
bool plain_lines(std::string_view text);

// Appends text with control bytes (C0 but tab, DEL, C1) and invalid UTF-8
// escaped as \xNN (see base/escape.h).
void append_escaped(std::string& out, std::string_view text);

struct Record {
    std::string_view stamp;  // "2026-11-22T03:04:05.123456Z"
    std::string_view instance;  // "web.2"
    std::string_view stream;  // "out", "err+", "tend"
    std::string_view text;
};

// Splits one line of a log file; nullopt when it is not a record.
std::optional<Record> parse_record(std::string_view line);

// Parses a stamp to microseconds since the epoch.
std::optional<std::int64_t> parse_stamp(std::string_view stamp);

}  // namespace tend::logs
