#include "base/quote.h"

#include <fmt/format.h>

#include "base/escape.h"

namespace tend {
namespace {

void append_escaped_byte(std::string& out, unsigned char byte)
{
    switch (byte) {
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    default:
        if (byte < 0x20 || byte == 0x7f)
            out += fmt::format("\\x{:02x}", byte);
        else
            out += static_cast<char>(byte);
    }
}

}  // namespace

std::string quote(std::string_view text, std::size_t limit)
{
    std::string out = "\"";
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t length = utf8_sequence_length(text.substr(at));
        if (at + std::max<std::size_t>(length, 1) > limit)
            break;
        auto lead = static_cast<unsigned char>(text[at]);
        // C1 controls (U+0080..U+009F) are terminal commands too (0x9b is CSI).
        bool c1 = length == 2 && lead == 0xc2 && static_cast<unsigned char>(text[at + 1]) < 0xa0;
        if (length == 0 || c1) {
            for (std::size_t i = 0; i < std::max<std::size_t>(length, 1); ++i)
                out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at + i]));
        } else if (length == 1) {
            append_escaped_byte(out, lead);
        } else {
            out.append(text.substr(at, length));
        }
        at += std::max<std::size_t>(length, 1);
    }
    if (at < text.size())
        return out + fmt::format("...\" ({} bytes)", text.size());
    return out + "\"";
}

}  // namespace tend
