// The [deploy] settings of the table in settings.cpp.
#pragma once

#include <toml++/toml.h>

#include "base/result.h"
#include "spec/settings.h"

namespace tend::spec::deploy_settings {

// A branch, tag or commit as tend accepts one (from [deploy].ref or `tend deploy REF`):
// not empty, no leading '-', none of git's forbidden characters or "..".
Result<void> check_ref(std::string_view ref);

Result<void> apply_source(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_ref(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_build(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_check(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_release(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_shared(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_keep(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_deploy_env(DeploySpec& deploy, const toml::node& node, const SettingContext& context);
Result<void> apply_deploy_timeout(DeploySpec& deploy, const toml::node& node, const SettingContext& context);

}  // namespace tend::spec::deploy_settings
