#include "logs/format.h"

#include <cstring>
#include <ctime>
#include <fmt/format.h>

#include "base/escape.h"

namespace tend::logs {

std::string_view to_string(Stream stream)
{
    switch (stream) {
    case Stream::Out: return "out";
    case Stream::Err: return "err";
    case Stream::Tend: return "tend";
    }
    return "out";
}

void Stamper::prefix(std::string& out, WallTime time, std::string_view instance, Stream stream, bool partial)
{
    std::int64_t micros = to_micros(time);
    std::int64_t second = micros / 1'000'000;
    if (second != m_second) {
        m_second = second;
        auto as_time_t = static_cast<std::time_t>(second);
        std::tm parts{};
        gmtime_r(&as_time_t, &parts);
        m_rendered_length = std::strftime(m_rendered, sizeof m_rendered, "%Y-%m-%dT%H:%M:%S.", &parts);
    }
    out.append(m_rendered, m_rendered_length);
    // Six digits of microseconds, without a format call per line.
    char digits[7];
    auto fraction = static_cast<unsigned>(micros % 1'000'000);
    for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    out.append(digits, 6);
    out += "Z ";
    out.append(instance);
    out += ' ';
    out.append(to_string(stream));
    if (partial)
        out += '+';
    out += ": ";
}

namespace {

// Whether every byte is printable ASCII (0x20..0x7E) or, with `newlines`, a
// '\n': 32 bytes at a time with GCC vector extensions, the common case
// appended without looking at each byte.
bool printable(std::string_view text, bool newlines)
{
    using Bytes = signed char __attribute__((vector_size(16)));
    // The one extra byte let through: '\n', or else a space (printable anyway).
    Bytes allowed;
    std::memset(&allowed, newlines ? '\n' : ' ', sizeof allowed);
    // As a signed byte, c + 1 is above 0x20 exactly for c in 0x20..0x7E
    // (0x7F..0xFF wrap to 0x80..0x00). Two accumulators: two loads per round.
    Bytes good_even;
    Bytes good_odd;
    std::memset(&good_even, -1, sizeof good_even);
    std::memset(&good_odd, -1, sizeof good_odd);
    std::size_t i = 0;
    for (; i + 32 <= text.size(); i += 32) {
        Bytes even;
        Bytes odd;
        std::memcpy(&even, text.data() + i, 16);
        std::memcpy(&odd, text.data() + i + 16, 16);
        good_even &= ((even + 1) > 0x20) | (even == allowed);
        good_odd &= ((odd + 1) > 0x20) | (odd == allowed);
    }
    good_even &= good_odd;
    std::uint64_t halves[2];
    std::memcpy(halves, &good_even, sizeof halves);
    if ((halves[0] & halves[1]) != ~std::uint64_t{0})
        return false;
    for (; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 || c >= 0x7F) && !(newlines && c == '\n'))
            return false;
    }
    return true;
}

}  // namespace

bool plain_ascii(std::string_view text)
{
    return printable(text, false);
}

bool plain_lines(std::string_view text)
{
    return printable(text, true);
}

void append_escaped(std::string& out, std::string_view text)
{
    if (plain_ascii(text)) {
        out.append(text);
        return;
    }
    tend::append_escaped(out, text, Tabs::Keep);
}

std::optional<Record> parse_record(std::string_view line)
{
    // STAMP (27 chars) ' ' INSTANCE ' ' STREAM ': ' TEXT
    if (line.size() < 30 || line[26] != 'Z' || line[27] != ' ')
        return std::nullopt;
    Record record{.stamp = line.substr(0, 27)};
    std::string_view rest = line.substr(28);
    std::size_t space = rest.find(' ');
    if (space == std::string_view::npos)
        return std::nullopt;
    record.instance = rest.substr(0, space);
    rest = rest.substr(space + 1);
    std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos || colon > 5)
        return std::nullopt;
    record.stream = rest.substr(0, colon);
    record.text = rest.substr(colon + 2);
    return record;
}

std::optional<std::int64_t> parse_stamp(std::string_view stamp)
{
    if (stamp.size() < 27 || stamp[4] != '-' || stamp[10] != 'T' || stamp[19] != '.')
        return std::nullopt;
    auto number = [&](std::size_t at, std::size_t length) {
        int value = 0;
        for (std::size_t i = at; i < at + length; ++i) {
            if (stamp[i] < '0' || stamp[i] > '9')
                return -1;
            value = value * 10 + (stamp[i] - '0');
        }
        return value;
    };
    std::tm parts{};
    parts.tm_year = number(0, 4) - 1900;
    parts.tm_mon = number(5, 2) - 1;
    parts.tm_mday = number(8, 2);
    parts.tm_hour = number(11, 2);
    parts.tm_min = number(14, 2);
    parts.tm_sec = number(17, 2);
    int micros = number(20, 6);
    if (micros < 0 || parts.tm_year < 0 || parts.tm_mon < 0)
        return std::nullopt;
    std::int64_t seconds = timegm(&parts);
    return seconds * 1'000'000 + micros;
}

}  // namespace tend::logs
