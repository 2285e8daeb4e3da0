#include "spec/retention_settings.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "spec/setting_values.h"

namespace tend::spec::retention_settings {
namespace {

// A limit below this would delete history faster than people can look at it.
constexpr auto shortest_age = std::chrono::hours(1);
constexpr std::int64_t largest_count = 1'000'000'000;

Result<std::int64_t> as_count(const toml::node& node, std::string_view key)
{
    const auto* number = node.as_integer();
    if (number == nullptr)
        return wrong_type(node, "an integer").context(key);
    if (number->get() < 1 || number->get() > largest_count)
        return Error(fmt::format("{} must be from 1 to {}", key, largest_count));
    return number->get();
}

}  // namespace

Result<void> apply_retention(AppSpec& spec, const toml::node& node)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table, e.g. [retention] with max_age = \"30d\"");
    RetentionSpec& retention = spec.retention;
    for (const auto& [key, value] : *table) {
        std::string_view name = key.str();
        if (name == "max_age") {
            auto age = as_duration(value);
            if (!age)
                return age.error().context("max_age");
            retention.max_age = *age;
            if (retention.max_age < shortest_age)
                return Error(fmt::format("max_age must be at least {}", format_duration(shortest_age)));
        } else if (name == "max_runs") {
            retention.max_runs = TRY(as_count(value, name));
        } else if (name == "max_items") {
            retention.max_items = TRY(as_count(value, name));
        } else if (name == "max_events") {
            retention.max_events = TRY(as_count(value, name));
        } else {
            std::vector<std::string> keys{"max_age", "max_runs", "max_items", "max_events"};
            auto suggestion = closest_match(name, keys);
            return Error(fmt::format("unknown key \"{}\" in retention{}", name,
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
        }
    }
    return Ok{};
}

}  // namespace tend::spec::retention_settings
