// The [deploy] settings of the table in settings.cpp.
#pragma once

#include <optional>
#include <string>
#include <toml++/toml.h>

#include "base/result.h"
#include "spec/settings.h"

namespace tend::spec::deploy_settings {

// The [deploy] table of the app file at `path`, with the [environment.NAME]
// overlay when `environment` is not empty, read on its own: the rest of the
// file is validated later (a release's commands may not exist before its
// build). nullopt when the file has no [deploy]. Errors carry file:line:col;
// `source` is not required (a deploy fetches from the host's).
Result<std::optional<DeploySpec>> read_deploy_table(const std::string& path, const std::string& environment);

// The [deploy] a deploy of a release uses: where to fetch from (`source`,
// `ref`) always from the host's file; every other setting (build, check,
// release, shared, keep, env, timeout) from the release's own [deploy] when
// it has one, else from the host's.
DeploySpec in_effect(const DeploySpec& host, const std::optional<DeploySpec>& release);

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
