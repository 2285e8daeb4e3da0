// User text inside messages. Errors quote what the user wrote so they can find
// it, but never more than a short excerpt (a 5 MB command is not echoed), and
// never a byte that could drive a terminal or start a forged line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tend {

// The most bytes of user text a message quotes.
inline constexpr std::size_t quote_limit = 64;

// `text` in double quotes: `"`, `\`, control bytes (C0, DEL, C1) and invalid
// UTF-8 are escaped (\", \\, \n, \t, \xNN). Text longer than `limit` bytes is
// cut at a character boundary and marked with its size: "abc..." (5000000 bytes).
std::string quote(std::string_view text, std::size_t limit = quote_limit);

}  // namespace tend
