#include "base/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <limits>

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
    if (text == "0")
        return Duration::zero();
    if (text.empty())
        return Error("empty duration (expected e.g. \"30s\", \"5m\", \"1h30m\")");
    std::uint64_t total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        std::uint64_t number = 0;
        auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), number);
        if (ec != std::errc() || end == text.data() + at)
            return Error(fmt::format("invalid duration \"{}\" (expected e.g. \"30s\", \"5m\", \"1h30m\")", text));
        at = static_cast<std::size_t>(end - text.data());
        std::size_t unit_start = at;
        while (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at])) != 0)
            ++at;
        const Unit* unit = find_unit(duration_units, text.substr(unit_start, at - unit_start));
        if (unit == nullptr)
            return Error(fmt::format("invalid duration \"{}\": unit must be one of ms, s, m, h, d, w", text));
        if (number > std::numeric_limits<std::int64_t>::max() / unit->factor / 4)
            return Error(fmt::format("duration \"{}\" is too large", text));
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
    if (ec != std::errc() || end == text.data())
        return Error(fmt::format("invalid size \"{}\" (expected e.g. \"600MiB\", \"2GB\")", text));
    std::string_view suffix = text.substr(static_cast<std::size_t>(end - text.data()));
    while (!suffix.empty() && suffix.front() == ' ')
        suffix.remove_prefix(1);
    const Unit* unit = find_unit(size_units, lowercase(suffix));
    if (unit == nullptr)
        return Error(
            fmt::format("invalid size \"{}\": unit must be one of B, KB, KiB, MB, MiB, GB, GiB, TB, TiB", text));
    if (number > std::numeric_limits<std::uint64_t>::max() / unit->factor)
        return Error(fmt::format("size \"{}\" is too large", text));
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

}  // namespace tend
