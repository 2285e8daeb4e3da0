#include "spec/names.h"

#include <fmt/format.h>

#include "base/quote.h"

namespace tend::spec {
namespace {

bool ascii_letter_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool valid_name(std::string_view name)
{
    if (name.empty() || name.size() > max_name_length)
        return false;
    for (char c : name) {
        if (!ascii_letter_or_digit(c) && c != '-' && c != '_')
            return false;
    }
    return true;
}

Result<void> check_name(std::string_view what, std::string_view name)
{
    if (valid_name(name))
        return Ok{};
    if (name.empty())
        return Error(
            fmt::format("{} name is empty (a name is 1 to {} letters, digits, '-' and '_')", what, max_name_length));
    if (name.size() > max_name_length)
        return Error(fmt::format("{} name {} is longer than {} characters", what, quote(name), max_name_length));
    return Error(fmt::format("{} name {} may contain only letters, digits, '-' and '_'", what, quote(name)));
}

std::optional<std::size_t> bad_variable_name_at(std::string_view name)
{
    if (name.empty())
        return 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool digit = c >= '0' && c <= '9';
        if ((!ascii_letter_or_digit(c) && c != '_') || (i == 0 && digit))
            return i;
    }
    return std::nullopt;
}

}  // namespace tend::spec
