// The environment every child of tend starts from: the daemon's own (minus
// what describes the daemon's sockets), then the spec's `env`, then its
// secrets, then TEND_ENV (the spec's environment, empty for none).
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "spec/app_spec.h"

namespace tend::supervise {

std::map<std::string, std::string> base_environment(const spec::ProcessSpec& spec);
// Replaces each placeholder ("{env}", "{item}") with its value inside single
// argv elements, in the order given (a value replaced later is never searched
// for the ones before it): a value never becomes more than one argument, and
// no shell sees it. Every command tend runs (instances, exec checks, job runs,
// item steps, deploy steps) goes through here; "{env}" is always the spec's
// `environment` and "{app}" the app.
std::vector<std::string> expand_placeholders(
    std::vector<std::string> argv, std::initializer_list<std::pair<std::string_view, std::string_view>> values);

std::vector<std::string> to_entries(const std::map<std::string, std::string>& environment);

}  // namespace tend::supervise
