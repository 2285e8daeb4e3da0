// What the commands share: finding the app and its daemon, calling the API,
// and starting a daemon in the background.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/client.h"
#include "api/paths.h"
#include "cli/commands.h"

namespace tend::cli {

// The app file: PATH if given (a directory means its tend.toml), else ./tend.toml.
std::string app_file(const Options& options);

// The app name from --app, else from the app file. Prints why and returns
// empty when neither works.
std::string resolve_app(const Options& options);

// Prints a failed call the way people need to read it and returns the exit code.
int report(const api::CallResult& result, const std::string& app);

// Starts `tend daemon --app APP` detached, waits until it answers. Returns
// false (after printing why) when it did not come up.
bool launch_daemon(const std::string& app);

}  // namespace tend::cli
