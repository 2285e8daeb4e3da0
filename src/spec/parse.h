// Reading the app file: TOML in, a validated AppSpec out, or every problem at
// once as "file:line:col: what is wrong" lines.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "spec/app_spec.h"

namespace tend::spec {

// Reads and validates the app file at `path`, with the [environment.NAME]
// overlay applied when `environment` is not empty. On failure the Error's
// message holds one "file:line:col: reason" line per problem.
Result<AppSpec> load_app_file(const std::string& path, const std::string& environment);

// The same from text already read; `path` is used in messages and to resolve
// relative paths against its directory.
Result<AppSpec> parse_app_file(std::string_view text, const std::string& path, const std::string& environment);

// Only the `app` key (the [environment.NAME] overlay's when `environment` sets
// one), for the CLI to find which daemon to talk to.
Result<std::string> read_app_name(const std::string& path, const std::string& environment = {});

}  // namespace tend::spec
