#include "os/limits.h"

#include <sys/resource.h>

namespace tend::os {
namespace {

// The one piece of process-wide state here, as the limit itself is: set once
// by the daemon at start, read by spawn() before each clone.
std::optional<DescriptorLimit> saved_for_children;

}  // namespace

Result<RaisedLimit> raise_descriptor_limit()
{
    rlimit current{};
    if (::getrlimit(RLIMIT_NOFILE, &current) != 0)
        return Error::from_errno("getrlimit RLIMIT_NOFILE");
    DescriptorLimit before{current.rlim_cur, current.rlim_max};
    if (current.rlim_cur < current.rlim_max) {
        rlimit raised{current.rlim_max, current.rlim_max};
        if (::setrlimit(RLIMIT_NOFILE, &raised) != 0)
            return Error::from_errno("setrlimit RLIMIT_NOFILE");
    }
    if (!saved_for_children)
        saved_for_children = before;
    return RaisedLimit{before, DescriptorLimit{current.rlim_max, current.rlim_max}};
}

std::optional<DescriptorLimit> child_descriptor_limit()
{
    return saved_for_children;
}

}  // namespace tend::os
