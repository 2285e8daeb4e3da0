#include "base/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <limits>

#include "base/quote.h"

namespace tend {
namespace {

struct Unit {
    std::string_view name;
    std::uint64_t factor;
};

constexpr std::array duration_units{
    Unit{"ms", 1},
    Unit{"s", 1000},
    Unit{"m", 60'000},
    Unit{"h", 3'600'000},
    Unit{"d", 86'400'000},
    Unit{"w", 604'800'000},
};

constexpr std::array size_units{
    Unit{"", 1},
    Unit{"b", 1},
    Unit{"k", 1000},
    Unit{"kb", 1000},
    Unit{"kib", 1024},
    Unit{"m", 1000'000},
    Unit{"mb", 1000'000},
    Unit{"mib", 1U << 20U},
    Unit{"g", 1000'000'000},
    Unit{"gb", 1000'000'000},
    Unit{"gib", 1U << 30U},
    Unit{"t", 1000'000'000'000},
    Unit{"tb", 1000'000'000'000},
    Unit{"tib", 1ULL << 40U},
};

std::string lowercase(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name)
{
    for (const Unit& unit : units) {
        if (unit.name == name)
            return &unit;
    }
    return nullptr;
}

}  // namespace

Result<Duration> parse_duration(std::string_view text)
{
    constexpr std::string_view examples = "(expected e.g. \"30s\", \"5m\", \"1h30m\")";
    if (text == "0")
        return Duration::zero();
    if (text.empty())
        return Error(fmt::format("empty duration {}", examples));
    // Both bounds keep every product and sum below max_duration, so nothing can wrap.
    constexpr auto limit = static_cast<std::uint64_t>(max_duration.count());
    std::uint64_t total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        std::uint64_t number = 0;
        auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), number);
        if (end == text.data() + at)
            return Error(fmt::format("invalid duration {} {}", quote(text), examples));
        bool huge = ec == std::errc::result_out_of_range;
        at = static_cast<std::size_t>(end - text.data());
        std::size_t unit_start = at;
        while (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at])) != 0)
            ++at;
        const Unit* unit = find_unit(duration_units, text.substr(unit_start, at - unit_start));
        if (unit == nullptr)
            return Error(fmt::format("invalid duration {}: unit must be one of ms, s, m, h, d, w", quote(text)));
        if (huge || number > limit / unit->factor || total + number * unit->factor > limit)
            return Error(fmt::format("duration {} is longer than the limit of 3650d (about 10 years)", quote(text)));
        total += number * unit->factor;
    }
    return Duration(static_cast<Duration::rep>(total));
}

std::string format_duration(Duration duration)
{
    auto ms = static_cast<std::uint64_t>(duration.count());
    if (ms == 0)
        return "0s";
    std::string out;
    for (auto it = duration_units.rbegin(); it != duration_units.rend(); ++it) {
        if (it->name == "w")
            continue;
        if (ms >= it->factor) {
            out += fmt::format("{}{}", ms / it->factor, it->name);
            ms %= it->factor;
        }
    }
    return out;
}

Result<std::uint64_t> parse_size(std::string_view text)
{
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (end == text.data())
        return Error(fmt::format("invalid size {} (expected e.g. \"600MiB\", \"2GB\")", quote(text)));
    std::string_view suffix = text.substr(static_cast<std::size_t>(end - text.data()));
    while (!suffix.empty() && suffix.front() == ' ')
        suffix.remove_prefix(1);
    const Unit* unit = find_unit(size_units, lowercase(suffix));
    if (unit == nullptr)
        return Error(
            fmt::format("invalid size {}: unit must be one of B, KB, KiB, MB, MiB, GB, GiB, TB, TiB", quote(text)));
    if (ec == std::errc::result_out_of_range || number > std::numeric_limits<std::uint64_t>::max() / unit->factor)
        return Error(fmt::format("size {} is too large", quote(text)));
    return number * unit->factor;
}

std::string format_size(std::uint64_t bytes)
{
    constexpr std::array names{"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024)
        return fmt::format("{}B", bytes);
    auto value = static_cast<double>(bytes);
    std::size_t index = 0;
    while (value >= 1024 && index + 1 < names.size()) {
        value /= 1024;
        ++index;
    }
    return fmt::format("{:.1f}{}", value, names[index]);
}

Result<double> parse_rate(std::string_view text)
{
    auto invalid = [&] {
        return Error(
            fmt::format("rate {} is not N/s, N/m or N/h with N a plain number (e.g. \"2/s\", \"0.5/m\")", quote(text)));
    };
    std::size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return invalid();
    std::string_view number = text.substr(0, slash);
    std::string_view unit = text.substr(slash + 1);
    // Digits with at most one '.', and at least one digit: what strtod would
    // also take (signs, exponents, hex, inf, nan, spaces) is refused.
    bool digits = false;
    bool point = false;
    for (char c : number) {
        if (c == '.' && !point)
            point = true;
        else if (std::isdigit(static_cast<unsigned char>(c)) != 0)
            digits = true;
        else
            return invalid();
    }
    double seconds = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
    if (!digits || seconds == 0)
        return invalid();
    double count = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count, std::chars_format::fixed);
    if (end != number.data() + number.size())
        return invalid();
    if (ec == std::errc::result_out_of_range)  // too many digits either way: 1e400 or 1e-400
        count = number.find_first_of("123456789") < number.find('.') ? max_rate_per_second * 3600 + 1 : 0;
    double per_second = count / seconds;
    if (per_second > max_rate_per_second)
        return Error(fmt::format("rate {} is faster than the limit of 1000/s", quote(text)));
    if (per_second < min_rate_per_second)
        return Error(
            fmt::format("rate {} is slower than the limit of 0.001/h (it must be more than zero)", quote(text)));
    return per_second;
}

}  // namespace tend
