#include "cli/render.h"

#include <fmt/format.h>

#include "base/time.h"
#include "base/units.h"

namespace tend::cli {
namespace {

std::string or_dash(const std::string& text)
{
    return text.empty() ? "-" : text;
}

std::string state_text(const nlohmann::json& member)
{
    std::string state = member.value("state", "");
    if (!member["retry_in_ms"].is_null())
        state += fmt::format(
            " (retry in {})", format_duration(std::chrono::milliseconds(member["retry_in_ms"].get<std::int64_t>())));
    return state;
}

}  // namespace

std::string render_status(const nlohmann::json& status)
{
    const auto& daemon = status["daemon"];
    std::string out = fmt::format("app {} (daemon pid {}, up {}){}\n", status.value("app", "?"), daemon.value("pid", 0),
        format_age(std::chrono::milliseconds(daemon.value("uptime_ms", std::int64_t{0}))),
        status.value("environment", "").empty() ? "" : fmt::format(", env {}", status.value("environment", "")));
    if (status.contains("store") && !status["store"].value("error", "").empty())
        out += fmt::format("warning: events are not being stored ({} pending): {}\n",
            status["store"].value("pending_events", 0), status["store"].value("error", ""));
    if (!status.value("file", "").empty())
        out += fmt::format("file {}\n", status.value("file", ""));
    if (status["groups"].empty())
        return out + "no process groups (apply an app file with `tend up`)\n";
    out += fmt::format("\n{:<20} {:<26} {:>8} {:>8} {:>8} {:>6} {:>9}  {}\n", "NAME", "STATE", "PID", "UPTIME",
        "RESTARTS", "CPU%", "RSS", "LAST EXIT");
    for (const auto& group : status["groups"]) {
        for (const auto& member : group["members"]) {
            std::string uptime = member["uptime_ms"].is_null()
                ? "-"
                : format_age(std::chrono::milliseconds(member["uptime_ms"].get<std::int64_t>()));
            std::string pid = member.value("pid", 0) > 0 ? std::to_string(member.value("pid", 0)) : "-";
            std::string rss = member.value("rss_bytes", std::uint64_t{0}) > 0
                ? format_size(member.value("rss_bytes", std::uint64_t{0}))
                : "-";
            std::string last = or_dash(member.value("last_exit", ""));
            if (!member.value("last_error", "").empty())
                last = member.value("last_error", "");
            out += fmt::format("{:<20} {:<26} {:>8} {:>8} {:>8} {:>6.1f} {:>9}  {}\n", member.value("name", ""),
                state_text(member), pid, uptime, member.value("restarts", 0), member.value("cpu_percent", 0.0), rss,
                last);
        }
    }
    return out;
}

std::string render_events(const nlohmann::json& events)
{
    std::string out;
    for (const auto& event : events["events"]) {
        out += fmt::format("{} {:<12} {:<14} {}\n", event.value("time", ""), event.value("subject", ""),
            event.value("kind", ""), event.value("detail", ""));
    }
    return out;
}

}  // namespace tend::cli
