// The daemon's limit on open descriptors. Each instance costs the daemon about
// four (capture pipes, a pidfd-free SIGCHLD path, probes), so the usual soft
// limit of 1024 runs out near 250 instances. The daemon raises its soft limit
// to the hard limit at start, and every child it spawns gets the soft limit
// back (as systemd does for services: many programs still use select(), which
// breaks on descriptors past 1023).
#pragma once

#include <cstdint>
#include <optional>

#include "base/result.h"

namespace tend::os {

struct DescriptorLimit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit and remembers the
// soft limit it had, for children. Returns the limits before and after. Fails
// (changing nothing) with the reason.
struct RaisedLimit {
    DescriptorLimit before;
    DescriptorLimit after;
};
Result<RaisedLimit> raise_descriptor_limit();

// What spawn() gives each child: the limit before raise_descriptor_limit(),
// or nullopt when it was never raised (children inherit the process's own).
std::optional<DescriptorLimit> child_descriptor_limit();

}  // namespace tend::os
