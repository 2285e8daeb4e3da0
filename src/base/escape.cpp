#include "base/escape.h"

namespace tend {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char byte)
{
    out += "\\x";
    out += hex_digits[byte >> 4U];
    out += hex_digits[byte & 0xFU];
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text)
{
    if (text.empty())
        return 0;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    std::size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
    if (length == 0 || text.size() < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
    }
    // Overlong and surrogate forms, and code points past U+10FFFF.
    if (lead == 0xE0 && byte(1) < 0xA0)
        return 0;
    if (lead == 0xED && byte(1) > 0x9F)
        return 0;
    if (lead == 0xF0 && byte(1) < 0x90)
        return 0;
    if (lead == 0xF4 && byte(1) > 0x8F)
        return 0;
    return length;
}

bool is_valid_utf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0)
            return false;
        i += length;
    }
    return true;
}

void append_escaped(std::string& out, std::string_view text, Tabs tabs)
{
    std::size_t clean_start = 0;
    std::size_t i = 0;
    auto escape = [&](std::size_t count) {
        out.append(text.substr(clean_start, i - clean_start));
        for (std::size_t k = 0; k < count; ++k)
            append_hex_escape(out, static_cast<unsigned char>(text[i + k]));
        i += count;
        clean_start = i;
    };
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c >= 0x20 && c < 0x7F) || (c == '\t' && tabs == Tabs::Keep)) {
            ++i;
            continue;
        }
        if (c < 0x80) {
            escape(1);
            continue;
        }
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) {
            escape(1);
            continue;
        }
        // U+0080..U+009F are C1 controls (0xC2 0x80..0x9F): some terminals obey them.
        if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            escape(2);
            continue;
        }
        i += length;
    }
    out.append(text.substr(clean_start));
}

std::string printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text, Tabs::Escape);
    return out;
}

std::string valid_utf8_text(std::string_view text)
{
    if (is_valid_utf8(text))
        return std::string(text);
    std::string out;
    out.reserve(text.size() + 16);
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0 || c == '\\') {
            append_hex_escape(out, c);
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

std::string unescape_bytes(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
            int high = hex_value(text[i + 2]);
            int low = hex_value(text[i + 3]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 4;
                continue;
            }
        }
        out += text[i];
        ++i;
    }
    return out;
}

}  // namespace tend
