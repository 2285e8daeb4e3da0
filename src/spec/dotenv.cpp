#include "spec/dotenv.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "os/files.h"

namespace tend::spec {
namespace {

bool valid_key(std::string_view key)
{
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])) != 0)
        return false;
    for (char c : key) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_')
            return false;
    }
    return true;
}

Result<std::string> unquote(std::string_view value, int line)
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
    return Error(fmt::format("line {}: unterminated quote", line));
}

}  // namespace

Result<std::map<std::string, std::string>> parse_dotenv(std::string_view text)
{
    std::map<std::string, std::string> values;
    int line_number = 0;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        if (line.empty() || line.front() == '#')
            continue;
        if (starts_with(line, "export "))
            line = trim(line.substr(7));
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos)
            return Error(fmt::format("line {}: expected KEY=VALUE", line_number));
        std::string_view key = trim(line.substr(0, equals));
        if (!valid_key(key))
            return Error(fmt::format("line {}: invalid variable name \"{}\"", line_number, key));
        values[std::string(key)] = TRY(unquote(trim(line.substr(equals + 1)), line_number));
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
        return values.error().context(path);
    return values;
}

}  // namespace tend::spec
