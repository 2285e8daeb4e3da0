// The [job.NAME] settings of the table in settings.cpp: schedules, overlap,
// retries, catch-up, and the item keys (watch, concurrency, rate, steps, file actions).
#pragma once

#include <toml++/toml.h>

#include "base/result.h"
#include "spec/settings.h"

namespace tend::spec::job_settings {

Result<void> apply_schedule(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_job_timezone(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_overlap(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_timeout(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_retry(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_jitter(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_catchup(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_catchup_window(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_watch(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_concurrency(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_rate(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_steps(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_on_success(JobSpec& job, const toml::node& node, const SettingContext& context);
Result<void> apply_on_failure(JobSpec& job, const toml::node& node, const SettingContext& context);

}  // namespace tend::spec::job_settings
