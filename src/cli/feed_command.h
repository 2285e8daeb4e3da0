// `tend feed JOB ITEM..`, `tend feed JOB --from DIR [--match RE] [--rate N/s]`,
// or items as lines on stdin; `tend retry JOB [ITEM|--failed]`.
// Items go to the daemon in batches (one transaction each); with --rate they
// are paced on this side, so the queue sees them arrive at that rate.
#pragma once

#include "cli/commands.h"

namespace tend::cli {

int run_feed(Options& options);
int run_retry(Options& options);

}  // namespace tend::cli
