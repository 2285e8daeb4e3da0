// How tend shows bytes that are not plain text. File names, item keys and a
// process's output can hold any byte; tend writes each byte that is a control
// character or not part of valid UTF-8 as \xNN (two lower-case hex digits),
// the same escape in the log files, on the terminal and in JSON:
//
//   printable()      for a terminal: no byte of the result moves the cursor,
//                    changes colours or ends a line; tables stay one line a row.
//   valid_utf8_text() for JSON, which must be UTF-8: only the bytes that are
//                    not valid UTF-8 are escaped (JSON escapes controls itself),
//                    and so is every backslash, so unescape_bytes() gives the
//                    original bytes back exactly.
//   unescape_bytes() reads every \xNN back as the byte NN.
#pragma once

#include <string>
#include <string_view>

namespace tend {

// Length of the valid UTF-8 sequence at the start of text (1 for ASCII), or 0
// when it does not start with one (a stray byte, an overlong form, a surrogate).
std::size_t utf8_sequence_length(std::string_view text);

bool is_valid_utf8(std::string_view text);

enum class Tabs { Keep, Escape };

// Appends text with every C0 control byte (except a tab with Tabs::Keep), DEL,
// every C1 control character (U+0080..U+009F) and every byte that is not part
// of valid UTF-8 written as \xNN. Backslashes are left as they are.
void append_escaped(std::string& out, std::string_view text, Tabs tabs);

// text with every control byte, tabs included, and every invalid byte as \xNN.
std::string printable(std::string_view text);

// text itself when it is valid UTF-8; otherwise each byte that is not part of
// valid UTF-8 as \xNN and each backslash as \x5c, so that
// unescape_bytes(valid_utf8_text(t)) == t for every t.
std::string valid_utf8_text(std::string_view text);

// Every \xNN (two hex digits, either case) read back as the byte NN; anything
// else is kept as it is.
std::string unescape_bytes(std::string_view text);

}  // namespace tend
