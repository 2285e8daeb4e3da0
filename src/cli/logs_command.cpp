#include "cli/logs_command.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>

#include "api/client.h"
#include "api/json_text.h"
#include "api/paths.h"
#include "base/escape.h"
#include "base/pattern.h"
#include "base/strings.h"
#include "base/units.h"
#include "cli/client_side.h"
#include "logs/format.h"
#include "logs/reader.h"

namespace tend::cli {
namespace {

constexpr std::size_t default_lines = 100;

void print_line(const logs::LogLine& line, bool json)
{
    if (!json) {
        // Records are written escaped; a file written by anything else still never drives the terminal.
        std::string shown;
        logs::append_escaped(shown, line.line);
        fmt::print("{}\n", shown);
        return;
    }
    nlohmann::json out{{"time", line.stamp}, {"instance", line.instance}, {"stream", line.stream}, {"text", line.text}};
    fmt::print("{}\n", api::to_json_text(out));
}

// tend's events in the window, as log lines with stream "event".
std::vector<logs::LogLine> fetch_events(const std::string& app, const logs::LogQuery& query, const std::string& target)
{
    std::map<std::string, std::string> parameters{{"limit", "100000"}};
    if (!target.empty())
        parameters["subject"] = target;
    auto result = api::call(api::paths_for(app).socket, "GET", "/v1/events", nullptr, parameters);
    std::vector<logs::LogLine> lines;
    // A name that no event was ever recorded for (a run, say) simply has none.
    if (result.failure == api::CallFailure::BadInput)
        return lines;
    if (!result.ok()) {
        fmt::print(stderr, "tend: events are not shown: {}\n", printable(result.message));
        return lines;
    }
    for (const auto& event : result.body["events"]) {
        logs::LogLine line{.stamp = event.value("time", ""),
            .instance = event.value("subject", ""),
            .stream = "event",
            .text = fmt::format("{} {}", event.value("kind", ""), event.value("detail", ""))};
        auto stamp = logs::parse_stamp(line.stamp);
        if (!stamp || (query.since && *stamp < *query.since) || (query.until && *stamp >= *query.until))
            continue;
        if (query.grep && !query.grep->search(line.text))
            continue;
        line.line = fmt::format("{} {} event: {}", line.stamp, line.instance, line.text);
        lines.push_back(std::move(line));
    }
    return lines;
}

// Every instance and run named in a group's logs, and the group's instances the
// daemon runs now (it may be down: the logs are read without it).
std::vector<std::string> instances_of(const std::string& app, const std::string& directory, const std::string& group)
{
    std::set<std::string> names;
    (void)logs::read_logs(
        directory, logs::LogQuery{.groups = {group}}, [&](const logs::LogLine& line) { names.insert(line.instance); });
    auto status = api::call(api::paths_for(app).socket, "GET", "/v1/status");
    if (status.ok()) {
        for (const auto& found : status.body["groups"]) {
            if (found.value("name", "") != group)
                continue;
            for (const auto& member : found["members"])
                names.insert(member.value("name", ""));
        }
    }
    return {names.begin(), names.end()};
}

// A NAME whose group has no logs names nothing: why, with "did you mean".
std::optional<std::string> unknown_group(
    const std::string& directory, const std::string& target, const std::string& group)
{
    if (!logs::files_of(directory, group).empty())
        return std::nullopt;
    auto suggestion = closest_match(target, logs::groups_in(directory));
    return fmt::format("no logs for \"{}\" in {}{}", printable(target), directory,
        suggestion ? fmt::format(" (did you mean \"{}\"?)", printable(*suggestion)) : std::string());
}

// An instance or run that never wrote a line and does not run now names nothing.
std::optional<std::string> unknown_instance(
    const std::string& app, const std::string& directory, const std::string& target, const std::string& group)
{
    std::vector<std::string> known = instances_of(app, directory, group);
    for (const std::string& name : known) {
        if (logs::names_instance(target, name))
            return std::nullopt;
    }
    auto suggestion = closest_match(target, known);
    return fmt::format("{} has no instance or run \"{}\"{}", printable(group), printable(target),
        suggestion ? fmt::format(" (did you mean \"{}\"?)", printable(*suggestion)) : std::string());
}

}  // namespace

std::optional<std::int64_t> parse_time_argument(const std::string& text)
{
    if (auto ago = parse_duration(text)) {
        auto now = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        return now.count() - std::chrono::duration_cast<std::chrono::microseconds>(*ago).count();
    }
    // Fill a partial stamp out to the full form: "2026-11-22" -> "2026-11-22T00:00:00.000000Z".
    std::string full = "0000-00-00T00:00:00.000000Z";
    std::string given = text;
    if (!given.empty() && given.back() == 'Z')
        given.pop_back();
    std::replace(given.begin(), given.end(), ' ', 'T');
    if (given.size() > 26 || given.size() < 10)
        return std::nullopt;
    full.replace(0, given.size(), given);
    return logs::parse_stamp(full);
}

int run_logs(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    api::AppPaths paths = api::paths_for(app);
    logs::LogQuery query;
    std::string group;
    if (!options.target.empty()) {
        // "web.2" is an instance of web; "fetch#12" is run 12 of the job fetch.
        std::size_t separator = options.target.find_first_of(".#");
        group = options.target.substr(0, separator);
        query.groups = {group};
        if (separator != std::string::npos)
            query.instance = options.target;
        if (auto unknown = unknown_group(paths.log_directory, options.target, group)) {
            fmt::print(stderr, "tend: {}\n", *unknown);
            return BadInput;
        }
    }
    for (auto [text, slot] : {std::pair{&options.since, &query.since}, std::pair{&options.until, &query.until}}) {
        if (text->empty())
            continue;
        *slot = parse_time_argument(*text);
        if (!*slot) {
            fmt::print(stderr,
                "tend: cannot read the time \"{}\" (use e.g. 1h, 30m, 2026-11-22, 2026-11-22T03:04:05Z)\n", *text);
            return BadInput;
        }
    }
    if (!options.grep.empty()) {
        auto pattern = Pattern::compile(options.grep);
        if (!pattern) {
            fmt::print(stderr, "tend: bad --grep pattern \"{}\": {}\n", printable(options.grep),
                printable(pattern.error().message()));
            return BadInput;
        }
        query.grep = std::move(*pattern);
    }
    if (options.log_lines >= 0)
        query.last = static_cast<std::size_t>(options.log_lines);
    else if (!query.since)
        query.last = default_lines;

    std::vector<logs::LogLine> lines;
    auto read = logs::read_logs(paths.log_directory, query, [&](const logs::LogLine& line) { lines.push_back(line); });
    if (!read) {
        fmt::print(stderr, "tend: {}\n", read.error().message());
        return ActionFailed;
    }
    if (options.events) {
        auto events = fetch_events(app, query, options.target);
        lines.insert(lines.end(), events.begin(), events.end());
        std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; });
        if (query.last && lines.size() > *query.last)
            lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(*query.last));
    }
    if (lines.empty() && !query.instance.empty()) {
        if (auto unknown = unknown_instance(app, paths.log_directory, options.target, group)) {
            fmt::print(stderr, "tend: {}\n", *unknown);
            return BadInput;
        }
    }
    for (const logs::LogLine& line : lines)
        print_line(line, options.json);
    std::fflush(stdout);
    if (!options.follow)
        return Success;
    auto followed = logs::follow_logs(paths.log_directory, query, [&](const logs::LogLine& line) {
        print_line(line, options.json);
        std::fflush(stdout);
    });
    fmt::print(stderr, "tend: {}\n", followed.error().message());
    return ActionFailed;
}

}  // namespace tend::cli
