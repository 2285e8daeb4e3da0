#include "spec/deploy_settings.h"

#include <fmt/format.h>

#include "spec/setting_values.h"

namespace tend::spec::deploy_settings {

Result<void> apply_source(DeploySpec& deploy, const toml::node& node, const SettingContext& context)
{
    deploy.source = TRY(as_string(node));
    if (deploy.source.empty())
        return Error("source is empty");
    bool url = deploy.source.find("://") != std::string::npos || deploy.source.find('@') != std::string::npos;
    if (!url)
        deploy.source = absolute(context, deploy.source);
    return Ok{};
}

Result<void> check_ref(std::string_view ref)
{
    if (ref.empty() || ref.front() == '-' || ref.find("..") != std::string_view::npos
        || ref.find_first_of(" \t\n~^:?*[\\") != std::string_view::npos)
        return Error(fmt::format("\"{}\" is not a branch, tag or commit", ref));
    return Ok{};
}

Result<void> apply_ref(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.ref = TRY(as_string(node));
    return check_ref(deploy.ref);
}

// A list of commands: each a string (split like `command`) or an array (the argv).
namespace {

Result<std::vector<std::vector<std::string>>> as_command_list(const toml::node& node)
{
    std::vector<std::vector<std::string>> out;
    if (node.is_string()) {
        out.push_back(TRY(as_command(node)));
        return out;
    }
    const auto* array = node.as_array();
    if (array == nullptr)
        return wrong_type(node, "an array of commands, e.g. [\"make\", \"make test\"]");
    for (const auto& element : *array)
        out.push_back(TRY(as_command(element)));
    return out;
}

}  // namespace

Result<void> apply_build(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.build = TRY(as_command_list(node));
    return Ok{};
}

Result<void> apply_check(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.check = TRY(as_command_list(node));
    return Ok{};
}

Result<void> apply_release(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.release = TRY(as_command_list(node));
    return Ok{};
}

Result<void> apply_shared(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.shared = TRY(as_string_list(node));
    for (const std::string& path : deploy.shared) {
        if (path.empty() || path.front() == '/' || path == ".." || path.starts_with("../")
            || path.find("/../") != std::string::npos || path.ends_with("/.."))
            return Error(fmt::format("shared path \"{}\" must be relative and stay inside the release", path));
    }
    return Ok{};
}

Result<void> apply_keep(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* value = node.as_integer();
    if (value == nullptr)
        return wrong_type(node, "an integer");
    if (value->get() < 1 || value->get() > 1000)
        return Error(fmt::format("keep must be between 1 and 1000, not {}", value->get()));
    deploy.keep = static_cast<int>(value->get());
    return Ok{};
}

Result<void> apply_deploy_env(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.env = TRY(as_env_table(node));
    return Ok{};
}

Result<void> apply_deploy_timeout(DeploySpec& deploy, const toml::node& node, const SettingContext& /*context*/)
{
    deploy.timeout = TRY(as_duration(node));
    if (deploy.timeout.count() <= 0)
        return Error("timeout must be longer than zero");
    return Ok{};
}

}  // namespace tend::spec::deploy_settings
