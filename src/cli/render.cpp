#include "cli/render.h"

#include <fmt/format.h>

#include "base/escape.h"
#include "base/time.h"
#include "base/units.h"
#include "cli/table.h"

namespace tend::cli {
namespace {

using Align = Table::Align;

std::string or_dash(const std::string& text)
{
    return text.empty() ? "-" : text;
}

// A string field shown on the terminal: never a raw control byte.
std::string shown(const nlohmann::json& object, const char* key)
{
    return printable(object.value(key, ""));
}

std::string state_text(const nlohmann::json& member)
{
    std::string state = member.value("state", "");
    if (!member["retry_in_ms"].is_null())
        state += fmt::format(
            " (retry in {})", format_duration(std::chrono::milliseconds(member["retry_in_ms"].get<std::int64_t>())));
    // During a rolling replacement two instances share a name: the successor
    // on trial and the one it replaces.
    std::string rollout
        = member.contains("rollout") && member["rollout"].is_string() ? member["rollout"].get<std::string>() : "";
    if (rollout == "new")
        state += " (new)";
    else if (rollout == "old")
        state += " (old)";
    return state;
}

// "items: 3 queued, 1 running, ...": with the finished ones for a job in the
// app file; only the waiting ones for a removed job (the daemon counts no more).
std::string item_counts_text(const nlohmann::json& items, bool with_finished)
{
    std::string out = fmt::format("items: {} queued, {} running, {} failed (retrying)", items.value("queued", 0),
        items.value("running", 0), items.value("failed", 0));
    if (with_finished)
        out += fmt::format(", {} dead, {} done", items.value("dead", 0), items.value("succeeded", 0));
    if (!items["oldest_queued_age_ms"].is_null())
        out += fmt::format(", oldest queued {} ago",
            format_age(std::chrono::milliseconds(items["oldest_queued_age_ms"].get<std::int64_t>())));
    return out;
}

std::string render_header(const nlohmann::json& status)
{
    const auto& daemon = status["daemon"];
    std::string out = fmt::format("app {} (daemon pid {}, up {}){}\n", shown(status, "app"), daemon.value("pid", 0),
        format_age(std::chrono::milliseconds(daemon.value("uptime_ms", std::int64_t{0}))),
        status.value("environment", "").empty() ? "" : fmt::format(", env {}", shown(status, "environment")));
    if (status.contains("store") && !status["store"].value("error", "").empty())
        out += fmt::format("warning: events are not being stored ({} pending): {}\n",
            status["store"].value("pending_events", 0), shown(status["store"], "error"));
    if (!status.value("file", "").empty())
        out += fmt::format("file {}\n", shown(status, "file"));
    if (status.contains("deploy")) {
        const auto& deploy = status["deploy"];
        if (!deploy["live"].is_null())
            out += fmt::format("release {} ({} {}) live since {}\n", deploy["live"].value("id", 0),
                shown(deploy["live"], "ref"), shown(deploy["live"], "sha").substr(0, 7),
                shown(deploy["live"], "live_since"));
        if (!deploy["last"].is_null() && deploy["last"].value("state", "") == "failed")
            out += fmt::format(
                "last deploy: release {} failed: {}\n", deploy["last"].value("id", 0), shown(deploy["last"], "error"));
        if (!deploy["in_progress"].is_null())
            out += fmt::format("{} of release {} in progress since {} by {} ({})\n",
                shown(deploy["in_progress"], "kind"), deploy["in_progress"].value("release", 0),
                shown(deploy["in_progress"], "since"), shown(deploy["in_progress"], "who"),
                shown(deploy["in_progress"], "phase"));
    }
    return out;
}

std::string render_instances(const nlohmann::json& groups)
{
    Table table({{"NAME"}, {"STATE"}, {"PID", Align::Right}, {"UPTIME", Align::Right}, {"RESTARTS", Align::Right},
        {"CPU%", Align::Right}, {"RSS", Align::Right}, {"LAST EXIT"}});
    for (const auto& group : groups) {
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
            table.add(
                {member.value("name", ""), state_text(member), pid, uptime, std::to_string(member.value("restarts", 0)),
                    fmt::format("{:.1f}", member.value("cpu_percent", 0.0)), rss, last});
        }
    }
    return table.render();
}

}  // namespace

std::string render_status(const nlohmann::json& status)
{
    std::string out = render_header(status);
    bool no_jobs = !status.contains("jobs") || status["jobs"].empty();
    bool no_waiting = !status.contains("items_of_removed_jobs") || status["items_of_removed_jobs"].empty();
    if (status["groups"].empty() && no_jobs && no_waiting)
        return out + "no process groups or jobs (apply an app file with `tend up`)\n";
    if (!status["groups"].empty())
        out += "\n" + render_instances(status["groups"]);
    if (!no_jobs)
        out += render_jobs(status["jobs"]);
    if (!no_waiting) {
        out += "\nitems of jobs not in the app file (they run when the job is added back):\n";
        Table table({{"JOB"}, {"ITEMS"}});
        for (const auto& waiting : status["items_of_removed_jobs"])
            table.add({waiting.value("job", ""), item_counts_text(waiting, false)});
        out += table.render();
    }
    return out;
}

std::string render_jobs(const nlohmann::json& jobs)
{
    Table table({{"JOB"}, {"SCHEDULE"}, {"NEXT FIRE"}, {"RUNNING"}, {"LAST RUN"}});
    for (const auto& job : jobs) {
        std::string schedule = job.value("schedule", "");
        if (schedule.empty())
            schedule = "(manual)";
        else if (job.value("timezone", "UTC") != "UTC")
            schedule += " " + job.value("timezone", "");
        std::string running = "-";
        if (!job["running"].empty()) {
            running.clear();
            for (const auto& id : job["running"])
                running += fmt::format("{}#{}", running.empty() ? "" : ",", id.get<std::int64_t>());
        }
        if (job.value("waiting", 0) > 0)
            running += fmt::format(" +{} waiting", job.value("waiting", 0));
        std::string last = "-";
        if (!job["last"].is_null()) {
            const auto& run = job["last"];
            last = fmt::format("#{} {} at {}", run.value("id", 0), run.value("state", ""), run.value("ended", ""));
            if (!run["exit_code"].is_null() && run["exit_code"].get<int>() != 0)
                last += fmt::format(" (exit {})", run["exit_code"].get<int>());
        }
        std::string next = job["next_fire"].is_null() ? "-" : job.value("next_fire", "").substr(0, 19) + "Z";
        table.add({job.value("name", ""), schedule, next, running, last});
        if (job.contains("items")) {
            const auto& items = job["items"];
            std::int64_t total = 0;
            for (const char* key : {"queued", "running", "failed", "dead", "succeeded"})
                total += items.value(key, std::int64_t{0});
            if (total > 0)
                table.add_note(item_counts_text(items, true));
        }
    }
    return "\n" + table.render();
}

std::string render_runs(const nlohmann::json& runs)
{
    Table table({{"RUN", Align::Right}, {"JOB"}, {"TRIGGER"}, {"FIRE TIME"}, {"STARTED"}, {"DURATION", Align::Right},
        {"STATE"}, {"RESULT"}});
    for (const auto& run : runs) {
        auto brief = [](const nlohmann::json& value) {
            return value.is_null() ? std::string("-") : value.get<std::string>().substr(0, 19) + "Z";
        };
        std::string duration = run["duration_ms"].is_null()
            ? "-"
            : format_duration(std::chrono::milliseconds(run["duration_ms"].get<std::int64_t>()));
        std::string result;
        if (!run["signal"].is_null())
            result = fmt::format("signal {}", run["signal"].get<int>());
        else if (!run["exit_code"].is_null())
            result = fmt::format("exit {}", run["exit_code"].get<int>());
        if (!run.value("error", "").empty())
            result += (result.empty() ? "" : ": ") + run.value("error", "");
        std::string trigger = run.value("trigger", "");
        if (run.value("attempt", 1) > 1)
            trigger += fmt::format(" {}", run.value("attempt", 1));
        table.add({std::to_string(run.value("id", 0)), run.value("job", ""), trigger, brief(run["nominal"]),
            brief(run["started"]), duration, run.value("state", ""), or_dash(result)});
    }
    return table.render();
}

std::string render_events(const nlohmann::json& events)
{
    std::string out;
    for (const auto& event : events["events"]) {
        out += fmt::format("{} {:<12} {:<14} {}\n", shown(event, "time"), shown(event, "subject"), shown(event, "kind"),
            shown(event, "detail"));
    }
    return out;
}

std::string render_items(const nlohmann::json& items)
{
    std::string out;
    if (items.size() == 1 && items[0].contains("history")) {
        const auto& item = items[0];
        out += fmt::format("item {} of {}: {} ({}), step {}, attempt {}\n", item.value("id", 0), shown(item, "job"),
            shown(item, "item"), shown(item, "state"), shown(item, "step"), item.value("attempt", 0));
        if (!item.value("error", "").empty())
            out += fmt::format("error: {}\n", shown(item, "error"));
        for (const auto& event : item["history"]) {
            std::string result;
            if (!event["signal"].is_null())
                result = fmt::format("signal {}", event["signal"].get<int>());
            else if (!event["exit_code"].is_null())
                result = fmt::format("exit {}", event["exit_code"].get<int>());
            std::string took = event["duration_ms"].is_null()
                ? ""
                : format_duration(std::chrono::milliseconds(event["duration_ms"].get<std::int64_t>()));
            out += fmt::format("  {} {:<15} {:<12} {:>3} {:<8} {:>8}  {}\n", shown(event, "time"), shown(event, "kind"),
                shown(event, "step"), event.value("attempt", 0) > 0 ? std::to_string(event.value("attempt", 0)) : "",
                result, took, shown(event, "detail"));
        }
        return out;
    }
    Table table({{"ITEM", Align::Right}, {"STATE"}, {"STEP"}, {"ATTEMPT", Align::Right}, {"UPDATED"}, {"KEY"}});
    for (const auto& item : items) {
        std::string key = item.value("item", "");
        if (!item.value("error", "").empty())
            key += "  (" + item.value("error", "") + ")";
        table.add({std::to_string(item.value("id", 0)), item.value("state", ""), item.value("step", ""),
            std::to_string(item.value("attempt", 0)), item.value("updated", "").substr(0, 19) + "Z", key});
    }
    return table.render();
}

}  // namespace tend::cli
