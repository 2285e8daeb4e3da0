// Reading the app file: TOML in, a validated AppSpec out, or every problem at
// once as "file:line:col: what is wrong" lines.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "spec/app_spec.h"

namespace tend::spec {

// Whether what a [deploy] build creates must exist when a file is read.
enum class BuildOutputs {
    // A file with [deploy] stands for releases not built yet: a relative
    // program or working directory inside the file's directory
    // (".venv/bin/gunicorn") need not exist; `tend check` notes it instead.
    Pending,
    // The release's own file after its build (a deploy's load step): it must.
    Built,
};

// Reads and validates the app file at `path`, with the [environment.NAME]
// overlay applied when `environment` is not empty. Every other environment of
// the file is validated too (without the checks that depend on this host:
// users, programs, directories, secret files), so a typo in any of them is an
// error now. On failure the Error's message holds one "file:line:col: reason"
// line per problem, those of other environments ending in "(with --env NAME)".
// On success AppSpec::notes holds what `tend check` should say besides "ok".
Result<AppSpec> load_app_file(
    const std::string& path, const std::string& environment, BuildOutputs outputs = BuildOutputs::Pending);

// The same from text already read; `path` is used in messages and to resolve
// relative paths against its directory.
Result<AppSpec> parse_app_file(std::string_view text, const std::string& path, const std::string& environment,
    BuildOutputs outputs = BuildOutputs::Pending);

// Only the `app` key (the [environment.NAME] overlay's when `environment` sets
// one), for the CLI to find which daemon to talk to; fails unless it follows
// the name rule (names.h).
Result<std::string> read_app_name(const std::string& path, const std::string& environment = {});

}  // namespace tend::spec
