#include "base/quote.h"

#include <fmt/format.h>

namespace tend {
namespace {

bool continuation(std::string_view text, std::size_t at, unsigned char low = 0x80, unsigned char high = 0xbf)
{
    if (at >= text.size())
        return false;
    auto byte = static_cast<unsigned char>(text[at]);
    return byte >= low && byte <= high;
}

// Length of the well-formed UTF-8 sequence at `at` (RFC 3629), or 0.
std::size_t sequence_length(std::string_view text, std::size_t at)
{
    auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        return continuation(text, at + 1) ? 2 : 0;
    if (lead >= 0xe0 && lead <= 0xef) {
        unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;  // no overlong forms
        unsigned char high = lead == 0xed ? 0x9f : 0xbf;  // no surrogates
        return continuation(text, at + 1, low, high) && continuation(text, at + 2) ? 3 : 0;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        unsigned char low = lead == 0xf0 ? 0x90 : 0x80;
        unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;  // nothing past U+10FFFF
        return continuation(text, at + 1, low, high) && continuation(text, at + 2) && continuation(text, at + 3) ? 4
                                                                                                                 : 0;
    }
    return 0;
}

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
        std::size_t length = sequence_length(text, at);
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
