#include "spec/setting_values.h"

#include <fmt/format.h>

#include "base/quote.h"
#include "base/strings.h"
#include "spec/names.h"

namespace tend::spec {

namespace {

std::string type_name(const toml::node& node)
{
    switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
    }
}

}  // namespace

Error wrong_type(const toml::node& node, std::string_view expected)
{
    return Error(fmt::format("expected {}, found {}", expected, type_name(node)));
}

Result<std::string> as_string(const toml::node& node)
{
    if (const auto* value = node.as_string())
        return std::string(value->get());
    return wrong_type(node, "a string");
}

Result<Duration> as_duration(const toml::node& node)
{
    auto text = TRY(as_string(node));
    return parse_duration(text);
}

Result<std::vector<std::string>> as_string_list(const toml::node& node)
{
    const auto* array = node.as_array();
    if (array == nullptr)
        return wrong_type(node, "an array of strings");
    std::vector<std::string> out;
    for (const auto& element : *array) {
        const auto* value = element.as_string();
        if (value == nullptr)
            return wrong_type(element, "a string in the array");
        out.emplace_back(value->get());
    }
    return out;
}

std::string absolute(const SettingContext& context, std::string path)
{
    if (path.empty() || path.front() == '/')
        return path;
    return context.directory + "/" + path;
}

Result<std::vector<std::string>> as_command(const toml::node& node)
{
    std::vector<std::string> argv;
    if (const auto* text = node.as_string())
        argv = TRY(split_command(text->get()));
    else if (node.is_array())
        argv = TRY(as_string_list(node));
    else
        return wrong_type(node, "a string or an array of strings");
    if (argv.empty() || argv.front().empty())
        return Error("command is empty");
    for (const std::string& word : argv) {
        // execve would end the word at the NUL: the program would get another argument than the file says.
        if (word.find('\0') != std::string::npos)
            return Error(fmt::format("the argument {} has a NUL byte", quote(word)));
    }
    return argv;
}

Result<std::map<std::string, std::string>> as_env_table(const toml::node& node)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table of strings, e.g. { KEY = \"value\" }");
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : *table) {
        std::string_view name = key.str();
        if (auto bad = bad_variable_name_at(name)) {
            // "PATH=/evil:" as a name would set PATH for every process.
            if (name.empty())
                return Error("a variable name is empty");
            return Error(fmt::format("{} is not a variable name: the character at {} is not a letter, digit "
                                     "or '_'{}",
                quote(name), *bad + 1, *bad == 0 ? " (or the name starts with a digit)" : ""));
        }
        const auto* text = value.as_string();
        if (text == nullptr)
            return Error(
                fmt::format("{}: {} (quote it: {} = \"...\")", name, wrong_type(value, "a string").message(), name));
        if (text->get().find('\0') != std::string::npos)
            return Error(fmt::format("the value of {} has a NUL byte", name));
        env[std::string(name)] = text->get();
    }
    return env;
}

}  // namespace tend::spec
