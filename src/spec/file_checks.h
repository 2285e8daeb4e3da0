// Checks of a parsed app file that look across settings and tables: `after`
// names and cycles, probes with nothing to probe, user switching without root,
// and the file's size limits. Each problem is one "file:line:col: reason" line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "spec/app_spec.h"
#include "spec/settings.h"

namespace tend::spec {

// Limits of one app file (docs/app-file.md). The daemon keeps a few
// descriptors and a little memory per instance, and reads every group on each
// apply; past these numbers a file is a mistake, not a deployment.
inline constexpr std::size_t max_process_groups = 1000;
inline constexpr std::size_t max_jobs = 1000;
inline constexpr int max_instances_per_group = 10000;
inline constexpr int max_total_instances = 10000;

// Every problem found; empty when there is none. With HostChecks::No, what
// depends on this host (running as root) is not checked.
std::vector<std::string> check_whole_file(const AppSpec& spec, HostChecks host);

}  // namespace tend::spec
