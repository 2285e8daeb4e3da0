// The environment every child of tend starts from: the daemon's own (minus
// what describes the daemon's sockets), then the spec's `env`, then its secrets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "spec/app_spec.h"

namespace tend::supervise {

std::map<std::string, std::string> base_environment(const spec::ProcessSpec& spec);
std::vector<std::string> to_entries(const std::map<std::string, std::string>& environment);

}  // namespace tend::supervise
