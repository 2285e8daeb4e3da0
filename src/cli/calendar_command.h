// `tend calendar EXPR [--tz ZONE] [--from TIME] [-n N] [--json]`: the next fire
// times of a schedule expression, like `systemd-analyze calendar --iterations`.
// Needs no daemon and no app file.
#pragma once

#include "cli/commands.h"

namespace tend::cli {

int run_calendar(Options& options);

}  // namespace tend::cli
