// The one place JSON becomes text, for the daemon's answers and for every
// request and --json output of the CLI.
//
// JSON must be UTF-8, but file names, item keys and arguments can hold any
// bytes. A string that is not valid UTF-8 is written as valid_utf8_text()
// makes it (each invalid byte, and each backslash, as \xNN: base/escape.h);
// nothing is ever refused or thrown on. unescape_bytes() on such a string
// gives the original bytes back.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tend::api {

// value as JSON text; `indent` < 0: compact, one line.
std::string to_json_text(const nlohmann::json& value, int indent = -1);

// The same value with every string (object keys too) made valid UTF-8.
nlohmann::json with_valid_utf8(const nlohmann::json& value);

}  // namespace tend::api
