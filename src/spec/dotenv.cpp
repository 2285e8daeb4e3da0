#include "spec/dotenv.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "os/files.h"
#include "spec/names.h"

namespace tend::spec {
namespace {

// Errors point at a place in the file and say what is wrong there; they never
// quote the text, which may be a secret (a key pasted without its name).
Error at(int line, std::size_t column, std::string_view reason)
{
    return Error(fmt::format("{}:{}: {}", line, column, reason));
}

Result<std::string> unquote(std::string_view value, int line, std::size_t column)
{
    if (value.empty())
        return std::string();
    char quote = value.front();
    if (quote != '"' && quote != '\'') {
        // An unquoted value ends at a " #" comment.
        std::size_t comment = value.find(" #");
        return std::string(trim(value.substr(0, comment)));
    }
    std::string out;
    for (std::size_t i = 1; i < value.size(); ++i) {
        char c = value[i];
        if (c == quote)
            return out;
        if (quote == '"' && c == '\\' && i + 1 < value.size()) {
            char next = value[++i];
            out += next == 'n' ? '\n' : next;
            continue;
        }
        out += c;
    }
    return at(line, column, "unterminated quote");
}

}  // namespace

Result<std::map<std::string, std::string>> parse_dotenv(std::string_view text)
{
    std::map<std::string, std::string> values;
    int line_number = 0;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view raw = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        std::string_view line = trim(raw);
        auto column_of = [&](std::string_view part) { return static_cast<std::size_t>(part.data() - raw.data()) + 1; };
        if (line.empty() || line.front() == '#')
            continue;
        if (starts_with(line, "export "))
            line = trim(line.substr(7));
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos)
            return at(line_number, column_of(line), "expected KEY=VALUE");
        std::string_view key = trim(line.substr(0, equals));
        if (auto bad = bad_variable_name_at(key))
            return at(line_number, column_of(key) + *bad,
                key.empty() ? "expected KEY=VALUE (the name is empty)"
                            : "invalid variable name: a name has only letters, digits and '_', and does not start "
                              "with a digit");
        std::string_view value = trim(line.substr(equals + 1));
        std::string unquoted = TRY(unquote(value, line_number, column_of(value)));
        if (unquoted.find('\0') != std::string::npos)
            return at(line_number, column_of(value), fmt::format("the value of {} has a NUL byte", key));
        values[std::string(key)] = std::move(unquoted);
    }
    return values;
}

Result<std::map<std::string, std::string>> load_secret_file(const std::string& path)
{
    auto info = TRY(os::file_info(path));
    if (!info.is_regular)
        return Error(fmt::format("{} is not a regular file", path));
    if ((info.mode & 0037U) != 0)
        return Error(fmt::format("{} has mode {:04o}; secret files must not be group-writable or readable by others "
                                 "(fix: chmod 600 {})",
            path, info.mode, path));
    auto content = TRY(os::read_file(path));
    auto values = parse_dotenv(content);
    if (!values)
        return Error(fmt::format("{}:{}", path, values.error().message()));
    return values;
}

}  // namespace tend::spec
