// Turning API answers into text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tend::cli {

// The status table: one line per instance.
std::string render_status(const nlohmann::json& status);
// Events, one per line: "TIME SUBJECT KIND DETAIL".
std::string render_events(const nlohmann::json& events);
// The jobs table of `tend status`, and `tend history`.
std::string render_jobs(const nlohmann::json& jobs);
std::string render_runs(const nlohmann::json& runs);
// `tend history JOB --items`, and one item with its history (--item).
std::string render_items(const nlohmann::json& items);

}  // namespace tend::cli
