// `tend deploy [REF] [--plan]`, `tend rollback [RELEASE]`, `tend releases`.
// Deploys and rollbacks answer when they are over (live, or failed with the
// reason); the steps print with their outcome and duration.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace tend::cli {

int run_deploy(Options& options);
int run_rollback(Options& options);
int run_releases(Options& options);

// Waits for the deploy `tend up` started and prints how it ended.
int wait_for_deploy(const Options& options, const std::string& app, std::int64_t release);

}  // namespace tend::cli
