#include "spec/setting_values.h"

#include <fmt/format.h>

#include "base/strings.h"

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
    return argv;
}

Result<std::map<std::string, std::string>> as_env_table(const toml::node& node)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table of strings, e.g. { KEY = \"value\" }");
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : *table) {
        if (const auto* text = value.as_string())
            env[std::string(key.str())] = text->get();
        else if (const auto* number = value.as_integer())
            env[std::string(key.str())] = std::to_string(number->get());
        else if (const auto* flag = value.as_boolean())
            env[std::string(key.str())] = flag->get() ? "true" : "false";
        else
            return Error(fmt::format("env.{}: {}", key.str(), wrong_type(value, "a string").message()));
    }
    return env;
}

}  // namespace tend::spec
