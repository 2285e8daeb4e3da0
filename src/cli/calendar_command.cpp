#include "cli/calendar_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/escape.h"
#include "cli/client_side.h"
#include "os/clock.h"
#include "schedule/next_fire.h"

namespace tend::cli {
namespace {

std::string format_offset(int offset)
{
    int minutes = (offset < 0 ? -offset : offset) / 60;
    return fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

}  // namespace

int run_calendar(Options& options)
{
    auto schedule = schedule::parse_schedule(options.target);
    if (!schedule) {
        fmt::print(stderr, "tend calendar: \"{}\": {}\n", printable(options.target), schedule.error().message());
        return BadInput;
    }
    auto zone = schedule::Zone::load(options.timezone);
    if (!zone) {
        fmt::print(stderr, "tend calendar: --tz: {}\n", zone.error().message());
        return BadInput;
    }
    if (options.count < 1 || options.count > 10000) {
        fmt::print(stderr, "tend calendar: -n must be between 1 and 10000\n");
        return BadInput;
    }
    schedule::UnixSeconds now = to_micros(os::SystemClock().wall_now()) / 1'000'000;
    schedule::UnixSeconds from = now;
    if (!options.since.empty()) {
        auto parsed = schedule::parse_time(options.since, *zone, now);
        if (!parsed) {
            fmt::print(stderr, "tend calendar: --from: {}\n", parsed.error().message());
            return BadInput;
        }
        // Fires at exactly --from count: the search is for times after it.
        from = *parsed - 1;
    }
    if (schedule->kind == schedule::Schedule::Kind::Reboot) {
        if (options.json)
            print_json(nlohmann::json{{"fires", nlohmann::json::array()}});
        else
            fmt::print("@reboot fires once each time the daemon starts\n");
        return Success;
    }
    nlohmann::json fires = nlohmann::json::array();
    std::string text;
    schedule::UnixSeconds after = from;
    for (int i = 0; i < options.count; ++i) {
        auto next = schedule::next_fire(*schedule, *zone, after);
        if (!next)
            break;
        schedule::LocalTime local = zone->local(*next);
        std::string civil = schedule::format_civil(local.civil);
        std::string utc = schedule::format_utc(*next);
        fires.push_back({{"local", civil}, {"offset", format_offset(local.offset)}, {"zone", local.abbreviation},
            {"dst", local.dst}, {"utc", utc}, {"unix", *next}});
        text += fmt::format(
            "{} {} ({}{})  {}\n", civil, local.abbreviation, format_offset(local.offset), local.dst ? " dst" : "", utc);
        after = *next;
    }
    if (options.json)
        print_json(nlohmann::json{{"fires", fires}});
    else
        fmt::print("{}", text);
    return Success;
}

}  // namespace tend::cli
