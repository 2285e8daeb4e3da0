#include "supervise/environment.h"

#include "base/strings.h"
#include "os/env.h"

namespace tend::supervise {

std::map<std::string, std::string> base_environment(const spec::ProcessSpec& spec)
{
    std::map<std::string, std::string> merged;
    for (const std::string& entry : os::environment()) {
        std::size_t equals = entry.find('=');
        if (equals != std::string::npos && !entry.starts_with("NOTIFY_SOCKET=") && !entry.starts_with("LISTEN_"))
            merged[entry.substr(0, equals)] = entry.substr(equals + 1);
    }
    for (const auto& [key, value] : spec.env)
        merged[key] = value;
    for (const auto& [key, value] : spec.secret_env)
        merged[key] = value;
    merged["TEND_ENV"] = spec.environment;
    return merged;
}

std::vector<std::string> expand_placeholders(
    std::vector<std::string> argv, std::initializer_list<std::pair<std::string_view, std::string_view>> values)
{
    for (std::string& arg : argv) {
        if (arg.find('{') == std::string::npos)
            continue;
        for (const auto& [placeholder, value] : values)
            arg = replace_all(std::move(arg), placeholder, value);
    }
    return argv;
}

std::vector<std::string> to_entries(const std::map<std::string, std::string>& environment)
{
    std::vector<std::string> out;
    out.reserve(environment.size());
    for (const auto& [key, value] : environment)
        out.push_back(key + "=" + value);
    return out;
}

}  // namespace tend::supervise
