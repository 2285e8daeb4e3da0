#include "schedule/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <vector>

#include "base/quote.h"
#include "base/strings.h"

namespace tend::schedule {
namespace {

struct FieldRule {
    const char* name;
    int low;
    int high;  // the highest value written (7 for sunday in day of week)
    std::array<const char*, 13> names;  // names[i] is value low + i, when the field has names
    int largest_step;  // the field's span: a larger step could only ever pick the start
};

constexpr std::array rules{
    FieldRule{"minute", 0, 59, {}, 59},
    FieldRule{"hour", 0, 23, {}, 23},
    FieldRule{"day of month", 1, 31, {}, 30},
    FieldRule{"month", 1, 12,
        {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", nullptr}, 11},
    FieldRule{"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr}, 6},
};

constexpr std::array days_in_month{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

Result<int> parse_value(std::string_view text, const FieldRule& rule)
{
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) {
        if (value < rule.low || value > rule.high)
            return Error(fmt::format("{} {} out of range {}-{}", rule.name, value, rule.low, rule.high));
        return value;
    }
    std::string lower;
    for (char c : text)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < rule.names.size() && rule.names.at(i) != nullptr; ++i) {
        if (lower == rule.names.at(i))
            return rule.low + static_cast<int>(i);
    }
    return Error(fmt::format("{} is not a valid {}", quote(text), rule.name));
}

Result<int> parse_step(std::string_view text, const FieldRule& rule)
{
    int step = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), step);
    if (end == text.data() || end != text.data() + text.size())
        return Error(fmt::format("bad step {} in {}", quote(text), rule.name));
    if (text.front() == '-' || (ec == std::errc() && step == 0))
        return Error(fmt::format("bad step {} in {}: a step is at least 1", quote(text), rule.name));
    if (ec == std::errc::result_out_of_range || step > rule.largest_step)
        return Error(fmt::format("bad step {} in {}: larger than the field's range {}-{} (the largest step is {})",
            quote(text), rule.name, rule.low, rule.low + rule.largest_step, rule.largest_step));
    return step;
}

// One comma-separated element: *, N, N-M, with an optional /step; N/step means N-max/step.
Result<void> parse_element(std::string_view element, const FieldRule& rule, std::vector<bool>& set)
{
    int step = 1;
    std::size_t slash = element.find('/');
    std::string_view range = element.substr(0, slash);
    if (slash != std::string_view::npos)
        step = TRY(parse_step(element.substr(slash + 1), rule));
    int low = rule.low;
    int high = rule.high;
    if (range != "*") {
        std::size_t dash = range.find('-');
        low = TRY(parse_value(range.substr(0, dash), rule));
        if (dash != std::string_view::npos) {
            high = TRY(parse_value(range.substr(dash + 1), rule));
            if (high < low)
                return Error(fmt::format("reversed range {}-{} in {}", low, high, rule.name));
        } else if (slash == std::string_view::npos) {
            high = low;
        }
    }
    // Stops before `value + step` could pass `high`, so the sum never leaves the field's range.
    for (int value = low;; value += step) {
        set[static_cast<std::size_t>(value)] = true;
        if (high - value < step)
            break;
    }
    return Ok{};
}

Result<std::vector<bool>> parse_field(std::string_view text, const FieldRule& rule)
{
    std::vector<bool> set(static_cast<std::size_t>(rule.high) + 1, false);
    while (true) {
        std::size_t comma = text.find(',');
        std::string_view element = text.substr(0, comma);
        if (element.empty())
            return Error(fmt::format("empty element in {}", rule.name));
        TRY(parse_element(element, rule, set));
        if (comma == std::string_view::npos)
            return set;
        text.remove_prefix(comma + 1);
    }
}

template <std::size_t N>
std::bitset<N> to_bits(const std::vector<bool>& set, std::size_t offset = 0)
{
    std::bitset<N> bits;
    for (std::size_t i = 0; i < set.size() && i < N + offset; ++i) {
        if (set[i] && i >= offset)
            bits.set(i - offset);
    }
    return bits;
}

Result<void> check_fires(const CronFields& fields)
{
    // With the OR rule any matching weekday fires; otherwise some day must exist in some month.
    if (fields.weekdays_restricted && fields.days_restricted)
        return Ok{};
    for (int month = 1; month <= 12; ++month) {
        if (!fields.months.test(static_cast<std::size_t>(month)))
            continue;
        for (int day = 1; day <= days_in_month.at(static_cast<std::size_t>(month)); ++day) {
            if (fields.days.test(static_cast<std::size_t>(day)))
                return Ok{};
        }
    }
    return Error("never fires: no chosen day of the month occurs in the chosen months");
}

Result<Schedule> parse_cron(std::string_view text, std::string original)
{
    std::vector<std::string_view> parts;
    while (!text.empty()) {
        std::size_t start = text.find_first_not_of(" \t");
        if (start == std::string_view::npos)
            break;
        text.remove_prefix(start);
        std::size_t end = text.find_first_of(" \t");
        parts.push_back(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end);
    }
    if (parts.size() != 5)
        return Error(
            fmt::format("expected 5 fields (minute hour day-of-month month day-of-week), found {}", parts.size()));
    Schedule schedule{.kind = Schedule::Kind::Cron, .text = std::move(original)};
    CronFields& fields = schedule.cron;
    fields.minutes = to_bits<60>(TRY(parse_field(parts[0], rules[0])));
    fields.hours = to_bits<24>(TRY(parse_field(parts[1], rules[1])));
    fields.days = to_bits<32>(TRY(parse_field(parts[2], rules[2])));
    fields.months = to_bits<13>(TRY(parse_field(parts[3], rules[3])));
    auto weekdays = TRY(parse_field(parts[4], rules[4]));
    if (weekdays[7])
        weekdays[0] = true;  // 7 is sunday too
    fields.weekdays = to_bits<7>(weekdays);
    fields.days_restricted = parts[2] != "*";
    fields.weekdays_restricted = parts[4] != "*";
    fields.hour_fixed = !(parts[1] == "*" || parts[1].starts_with("*/"));
    TRY(check_fires(fields));
    return schedule;
}

}  // namespace

bool Schedule::day_matches(int month, int day_of_month, int weekday) const
{
    if (!cron.months.test(static_cast<std::size_t>(month)))
        return false;
    bool day = cron.days.test(static_cast<std::size_t>(day_of_month));
    bool week = cron.weekdays.test(static_cast<std::size_t>(weekday));
    if (cron.days_restricted && cron.weekdays_restricted)
        return day || week;
    return day && week;
}

Result<Schedule> parse_schedule(std::string_view text)
{
    std::string original(trim(text));
    std::string_view body = original;
    if (body.starts_with("every ")) {
        auto every = parse_duration(trim(body.substr(6)));
        if (!every)
            return every.error();
        if (*every < std::chrono::seconds(1))
            return Error("every: the shortest period is 1s");
        // Fires are whole seconds since the epoch; "every 1500ms" would silently become 1s.
        if (every->count() % 1000 != 0)
            return Error(fmt::format("every: the period must be whole seconds, not {}", format_duration(*every)));
        return Schedule{.kind = Schedule::Kind::Every, .text = original, .every = *every};
    }
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> macros{{
        {"@hourly", "0 * * * *"},
        {"@daily", "0 0 * * *"},
        {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},
        {"@monthly", "0 0 1 * *"},
        {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
    }};
    if (body == "@reboot")
        return Schedule{.kind = Schedule::Kind::Reboot, .text = original};
    for (const auto& [name, expansion] : macros) {
        if (body == name)
            return parse_cron(expansion, original);
    }
    if (body.starts_with("@"))
        return Error(fmt::format("unknown schedule {} (known: @hourly @daily @midnight @weekly @monthly "
                                 "@yearly @annually @reboot, or 5 cron fields, or \"every 5m\")",
            quote(body)));
    return parse_cron(body, original);
}

}  // namespace tend::schedule
