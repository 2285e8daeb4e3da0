// The `retention` setting of the table in settings.cpp: `[retention]` with
// max_age, max_runs, max_items and max_events (spec/retention_spec.h).
#pragma once

#include <toml++/toml.h>

#include "base/result.h"
#include "spec/app_spec.h"

namespace tend::spec::retention_settings {

// Reads the table; keys it does not set keep their defaults. The error names the key and why.
Result<void> apply_retention(AppSpec& spec, const toml::node& node);

}  // namespace tend::spec::retention_settings
