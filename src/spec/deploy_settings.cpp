#include "spec/deploy_settings.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "os/files.h"
#include "spec/setting_values.h"

namespace tend::spec::deploy_settings {
namespace {

std::string directory_of(const std::string& path)
{
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string at(const std::string& file, const toml::source_region& where, std::string_view message)
{
    return fmt::format("{}:{}:{}: {}", file, where.begin.line, where.begin.column, message);
}

}  // namespace

Result<std::optional<DeploySpec>> read_deploy_table(const std::string& path, const std::string& environment)
{
    auto text = TRY(os::read_file(path));
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& failure) {
        return Error(at(path, failure.source(), failure.description()));
    }
    const toml::table* base = root["deploy"].as_table();
    const toml::table* overlay = nullptr;
    if (!environment.empty()) {
        const toml::table* chosen = root["environment"][environment].as_table();
        if (chosen == nullptr)
            return Error(fmt::format("{}: unknown environment \"{}\"", path, environment));
        overlay = (*chosen)["deploy"].as_table();
    }
    if (base == nullptr && overlay == nullptr)
        return std::optional<DeploySpec>();
    const toml::table& header = base != nullptr ? *base : *overlay;
    DeploySpec deploy{
        .where = {path, static_cast<int>(header.source().begin.line), static_cast<int>(header.source().begin.column)}};
    SettingContext context{.directory = directory_of(path)};
    for (const toml::table* layer : {base, overlay}) {
        if (layer == nullptr)
            continue;
        for (const auto& [key, node] : *layer) {
            const Setting* setting = find_setting(Section::Deploy, key.str());
            if (setting == nullptr) {
                auto suggestion = closest_match(key.str(), keys_for(Section::Deploy));
                return Error(at(path, key.source(),
                    fmt::format("unknown key \"{}\" in [deploy]{}", key.str(),
                        suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string())));
            }
            if (auto applied = setting->apply_deploy(deploy, node, context); !applied)
                return Error(at(path, node.source(), fmt::format("{}: {}", key.str(), applied.error().message())));
        }
    }
    return std::optional<DeploySpec>(std::move(deploy));
}

DeploySpec in_effect(const DeploySpec& host, const std::optional<DeploySpec>& release)
{
    if (!release)
        return host;
    DeploySpec out = *release;
    out.source = host.source;
    out.ref = host.ref;
    return out;
}

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
