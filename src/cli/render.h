// Turning API answers into text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tend::cli {

// The status table: one line per instance.
std::string render_status(const nlohmann::json& status);
// Events, one per line: "TIME SUBJECT KIND DETAIL".
std::string render_events(const nlohmann::json& events);

}  // namespace tend::cli
