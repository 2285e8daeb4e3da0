// The plan: what applying a new app file changes, group by group, and why.
// `tend apply --plan` prints it; `tend apply` and `tend up` carry it out.
#pragma once

#include <string>
#include <vector>

#include "spec/app_spec.h"

namespace tend::spec {

enum class ChangeKind {
    Added,  // a new group: start it
    Removed,  // gone from the file: stop it
    Changed,  // something that needs new processes: restart every instance
    Scaled,  // only `instances` differs: start or stop the difference
    Unchanged,
};

struct GroupChange {
    std::string name;
    ChangeKind kind = ChangeKind::Unchanged;
    std::vector<std::string> reasons;  // e.g. "command changed", "instances 5 -> 3"; secrets never shown
};

struct Plan {
    std::vector<GroupChange> groups;  // every group of either spec, in name order
    std::vector<GroupChange> jobs;  // every job of either spec; Changed takes effect from the next run

    [[nodiscard]] bool empty() const;
    // Human lines: "+ web (added)", "~ worker: command changed", "  decider (unchanged)".
    [[nodiscard]] std::string describe() const;
};

// Whether the next spec runs other code than the current one (a deploy or a
// rollback switches release directories).
enum class Code {
    Same,  // `tend apply`: a group is replaced only when a setting that needs new processes changed
    New,  // every group in both is replaced ("new release code"), and a path under the current app
          // file's directory compares equal to the same path under the next one's
};

// What applying `next` over `current` changes. A change of environment
// (--env) changes every group and job: it is part of each one's identity
// ({env}, TEND_ENV).
Plan make_plan(const AppSpec& current, const AppSpec& next, Code code = Code::Same);

std::string_view to_string(ChangeKind kind);

}  // namespace tend::spec
