// What the commands share: finding the app and its daemon, calling the API,
// and starting a daemon in the background.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/client.h"
#include "api/paths.h"
#include "cli/commands.h"

namespace tend::cli {

// The app file: PATH if given (a directory means its tend.toml), else ./tend.toml.
std::string app_file(const Options& options);

// The app name from --app (which must have state on this host), else from the
// app file. Prints why and returns empty when neither works.
std::string resolve_app(const Options& options);

// Prints a failed call the way people need to read it and returns the exit code.
int report(const api::CallResult& result, const std::string& app);

// When no app of that name has state on this host: why, with the likeliest
// name ("no app named "x" on this host (did you mean "y"?)"). nullopt when it has.
std::optional<std::string> unknown_app(const std::string& app);

// Prints a --json answer: always one JSON object, written by api::to_json_text.
void print_json(const nlohmann::json& value);

// Starts `tend daemon --app APP` detached, waits until it answers. Returns
// false (after printing why) when it did not come up.
bool launch_daemon(const std::string& app);

}  // namespace tend::cli
