#include "cli/commands.h"

#include <array>
#include <chrono>
#include <fmt/format.h>
#include <thread>

#include "base/escape.h"
#include "base/strings.h"
#include "cli/calendar_command.h"
#include "cli/client_side.h"
#include "cli/deploy_command.h"
#include "cli/feed_command.h"
#include "cli/logs_command.h"
#include "cli/render.h"
#include "daemon/daemon.h"
#include "os/files.h"
#include "spec/parse.h"
#include "spec/settings.h"

namespace tend::cli {
namespace {

using nlohmann::json;

void add_path(CLI::App& command, Options& options)
{
    command.add_option("path", options.path, "The app file, or its directory (default ./tend.toml)");
}

void add_environment(CLI::App& command, Options& options)
{
    command.add_option("--env", options.environment, "Apply the [environment.NAME] overlay")
        ->each([&options](const std::string&) { options.environment_given = true; });
}

void add_target(CLI::App& command, Options& options)
{
    command.add_option("name", options.target, "A process group (web) or one instance (web.2)")->required();
}

api::CallResult call(const Options& options, const std::string& app, const std::string& method, const std::string& path,
    const json& body = nullptr, const std::map<std::string, std::string>& query = {})
{
    (void)options;
    return api::call(api::paths_for(app).socket, method, path, body, query);
}

// --- commands ---------------------------------------------------------------

int run_check(Options& options)
{
    if (options.reference) {
        fmt::print("{}", spec::settings_reference());
        return Success;
    }
    std::string file = app_file(options);
    auto spec = spec::load_app_file(file, options.environment);
    if (!spec) {
        fmt::print(stderr, "{}\n", spec.error().message());
        return BadInput;
    }
    int instances = 0;
    for (const auto& [name, process] : spec->processes)
        instances += process.instances;
    fmt::print("{}: ok, app \"{}\", {} process group(s), {} instance(s){}\n", spec->file, spec->app,
        spec->processes.size(), instances, options.environment.empty() ? "" : ", env " + options.environment);
    for (const std::string& note : spec->notes)
        fmt::print("{}\n", note);
    return Success;
}

json apply_body(const Options& options, bool plan_only)
{
    json body{{"plan_only", plan_only}};
    if (!options.path.empty() || options.app.empty())
        body["file"] = app_file(options);
    if (options.environment_given)
        body["environment"] = options.environment;
    return body;
}

int print_plan(const api::CallResult& result, const Options& options)
{
    if (options.json) {
        print_json(result.body);
        return Success;
    }
    std::string text = result.body.value("text", "");
    if (!result.body.value("note", "").empty())
        fmt::print("{}\n", result.body.value("note", ""));
    fmt::print("{}", text.empty() ? "no process groups\n" : text);
    if (!result.body.value("changed", false))
        fmt::print("nothing to change\n");
    return Success;
}

int run_up(Options& options)
{
    // Validate here first, so a bad file never starts a daemon.
    std::string file = app_file(options);
    if (!os::exists(file)) {
        fmt::print(stderr,
            "tend: no app file at {}\n(run in the directory of your tend.toml, or give its path: tend up PATH)\n",
            printable(file));
        return BadInput;
    }
    auto spec = spec::load_app_file(file, options.environment);
    if (!spec) {
        fmt::print(stderr, "{}\n", spec.error().message());
        return BadInput;
    }
    std::string app = options.app.empty() ? spec->app : options.app;
    auto probe = call(options, app, "GET", "/v1/status");
    if (probe.failure == api::CallFailure::NotRunning) {
        if (!launch_daemon(app))
            return ActionFailed;
        fmt::print("started the tend daemon for {}\n", app);
    } else if (!probe.ok()) {
        return report(probe, app);
    }
    json body{{"plan_only", false}, {"file", spec->file}, {"environment", options.environment}};
    auto result = call(options, app, "POST", "/v1/apply", body);
    if (!result.ok())
        return report(result, app);
    if (result.body.contains("deploying") && result.body["deploying"].is_number_integer())
        return wait_for_deploy(options, app, result.body["deploying"].get<std::int64_t>());
    return print_plan(result, options);
}

int run_apply(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    auto result = call(options, app, "POST", "/v1/apply", apply_body(options, options.plan));
    if (!result.ok())
        return report(result, app);
    return print_plan(result, options);
}

// `tend status --check`: exit 1 when an instance is not running or events are
// not being stored, naming each; a script's or a monitor's health check.
int check_status(const json& status)
{
    std::vector<std::string> problems;
    for (const auto& group : status["groups"]) {
        for (const auto& member : group["members"]) {
            std::string state = member.value("state", "");
            if (state != "running" && state != "starting")
                problems.push_back(fmt::format("{} is {}", member.value("name", ""), state));
        }
    }
    if (!status["store"].value("error", "").empty())
        problems.push_back("events are not being stored");
    if (problems.empty())
        return Success;
    fmt::print(stderr, "tend status --check: {}\n", printable(fmt::format("{}", fmt::join(problems, "; "))));
    return ActionFailed;
}

int run_status(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    if (options.events) {
        std::map<std::string, std::string> query{{"limit", std::to_string(options.lines)}};
        if (!options.target.empty())
            query["subject"] = options.target;
        auto result = call(options, app, "GET", "/v1/events", nullptr, query);
        if (!result.ok())
            return report(result, app);
        if (options.json)
            print_json(result.body);
        else
            fmt::print("{}", render_events(result.body));
        return Success;
    }
    auto result = call(options, app, "GET", "/v1/status");
    if (!result.ok())
        return report(result, app);
    if (options.json)
        print_json(result.body);
    else
        fmt::print("{}", render_status(result.body));
    return options.check ? check_status(result.body) : Success;
}

std::function<int(Options&)> target_action(const char* verb, const char* done)
{
    return [verb, done](Options& options) {
        std::string app = resolve_app(options);
        if (app.empty())
            return static_cast<int>(BadInput);
        auto result = call(options, app, "POST", fmt::format("/v1/{}", verb), json{{"target", options.target}});
        if (!result.ok())
            return report(result, app);
        fmt::print("{} {}\n", done, printable(options.target));
        return static_cast<int>(Success);
    };
}

int run_job(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    auto result = call(options, app, "POST", "/v1/run", json{{"job", options.target}, {"wait", options.wait}});
    if (!result.ok())
        return report(result, app);
    const json& run = result.body["run"];
    if (options.json) {
        print_json(run);
    } else if (!options.wait) {
        fmt::print("started run #{} of {}\n", run.value("id", 0), printable(options.target));
    } else {
        fmt::print("{}", render_runs(json::array({run})));
    }
    return options.wait && run.value("state", "") != "succeeded" ? ActionFailed : Success;
}

int run_item_history(Options& options, const std::string& app)
{
    std::map<std::string, std::string> query{{"job", options.target}, {"limit", std::to_string(options.lines)}};
    if (!options.item.empty())
        query["item"] = options.item;
    if (options.failed)
        query["failed"] = "1";
    auto result = call(options, app, "GET", "/v1/items", nullptr, query);
    if (!result.ok())
        return report(result, app);
    if (options.json)
        print_json(result.body);
    else
        fmt::print("{}", render_items(result.body["items"]));
    return Success;
}

int run_history(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    if (!options.item.empty() || options.items_only) {
        if (options.target.empty()) {
            fmt::print(stderr, "tend history: --item and --items need the JOB\n");
            return BadInput;
        }
        return run_item_history(options, app);
    }
    std::map<std::string, std::string> query{{"limit", std::to_string(options.lines)}};
    if (!options.target.empty())
        query["job"] = options.target;
    if (options.failed)
        query["failed"] = "1";
    auto result = call(options, app, "GET", "/v1/history", nullptr, query);
    if (!result.ok())
        return report(result, app);
    // A job that only ever had items shows its items.
    if (!options.target.empty() && result.body["runs"].empty() && !options.json) {
        auto found = call(options, app, "GET", "/v1/items", nullptr,
            {{"job", options.target}, {"limit", std::to_string(options.lines)}});
        if (found.ok() && !found.body["items"].empty()) {
            fmt::print("{}", render_items(found.body["items"]));
            return Success;
        }
    }
    if (options.json)
        print_json(result.body);
    else
        fmt::print("{}", render_runs(result.body["runs"]));
    return Success;
}

int run_down(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    auto result = call(options, app, "POST", "/v1/down");
    if (result.failure == api::CallFailure::NotRunning) {
        fmt::print("nothing to stop: no daemon is running for {}\n", printable(app));
        return Success;
    }
    if (!result.ok())
        return report(result, app);
    // The daemon answers, then exits; its lock is free once it has.
    std::string lock = api::paths_for(app).lock;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (os::lock_file(lock))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    fmt::print("stopped every process of {}; the daemon has exited\n", app);
    return Success;
}

int run_daemon(Options& options)
{
    daemon::DaemonOptions daemon_options{
        .environment = options.environment, .resume = options.resume, .ready_fd = options.ready_fd};
    // With neither a path nor --app, the tend.toml here is the app file.
    if (!options.path.empty() || (options.app.empty() && os::exists("tend.toml"))) {
        daemon_options.file = app_file(options);
        auto app = spec::read_app_name(daemon_options.file, options.environment);
        if (!app) {
            fmt::print(stderr, "{}\n", app.error().message());
            return BadInput;
        }
        daemon_options.app = *app;
    }
    if (!options.app.empty())
        daemon_options.app = options.app;
    if (daemon_options.app.empty()) {
        fmt::print(stderr, "tend daemon: give the app file (tend daemon PATH) or --app NAME\n");
        return BadInput;
    }
    return daemon::run(daemon_options);
}

const std::array table{
    Command{"up", "Start the daemon if needed, apply the app file, print what changed",
        [](CLI::App& command, Options& options) {
            add_path(command, options);
            add_environment(command, options);
            command.add_flag("--json", options.json, "Print the plan as JSON");
        },
        run_up},
    Command{"status", "Show every process group and instance",
        [](CLI::App& command, Options& options) {
            command.add_flag("--json", options.json, "Print JSON");
            command.add_flag("--events", options.events, "Show tend's recent events instead");
            command.add_flag("--check", options.check,
                "Exit 1 (naming each) when an instance is not running or events are not being stored");
            command.add_option("name", options.target, "With --events: only this group or instance");
            command.add_option("-n", options.lines, "With --events: how many (default 20)");
        },
        run_status},
    Command{"logs", "Show output of every process, stamped; follow it, filter by time or pattern",
        [](CLI::App& command, Options& options) {
            command.add_option("name", options.target, "A process group (web) or one instance (web.2)");
            command.add_flag("-f,--follow", options.follow, "Keep printing new lines as they are written");
            command.add_option(
                "--since", options.since, "From this time on: 1h, 30m, 2026-11-22, 2026-11-22T03:04:05Z");
            command.add_option("--until", options.until, "Before this time");
            command.add_option("--grep", options.grep, "Only lines whose text matches this (extended) regex");
            command.add_option("-n,--lines", options.log_lines, "Only the last N lines (default 100 without --since)");
            command.add_flag("--json", options.json, "One JSON object per line");
            command.add_flag("--events", options.events, "Interleave tend's own events");
        },
        run_logs},
    Command{"start", "Start a process group or one instance",
        [](CLI::App& command, Options& options) { add_target(command, options); }, target_action("start", "started")},
    Command{"stop", "Stop a process group or one instance (waits until its whole tree is gone)",
        [](CLI::App& command, Options& options) { add_target(command, options); }, target_action("stop", "stopped")},
    Command{"restart", "Restart a process group or one instance (resets its failure counters)",
        [](CLI::App& command, Options& options) { add_target(command, options); },
        target_action("restart", "restarted")},
    Command{"apply", "Re-read the app file and restart only what changed",
        [](CLI::App& command, Options& options) {
            add_path(command, options);
            add_environment(command, options);
            command.add_flag("--plan", options.plan, "Only show what would change");
            command.add_flag("--json", options.json, "Print the plan as JSON");
        },
        run_apply},
    Command{"check", "Validate the app file; errors carry file:line:col",
        [](CLI::App& command, Options& options) {
            add_path(command, options);
            add_environment(command, options);
            command.add_flag("--reference", options.reference, "Print the settings reference (Markdown)");
        },
        run_check},
    Command{"run", "Run a job now (whatever its overlap policy)",
        [](CLI::App& command, Options& options) {
            command.add_option("job", options.target, "The job")->required();
            command.add_flag("--wait", options.wait, "Wait until the run ends; exit 1 unless it succeeded");
            command.add_flag("--json", options.json, "Print the run as JSON");
        },
        run_job},
    Command{"history", "List job runs: fire time, trigger, start, duration, outcome",
        [](CLI::App& command, Options& options) {
            command.add_option("job", options.target, "Only this job");
            command.add_flag("--failed", options.failed,
                "Only failed, timed-out and interrupted runs (failed and "
                "dead items with --items)");
            command.add_option("--item", options.item, "One item's history: every step's attempts, exits, durations");
            command.add_flag("--items", options.items_only, "The job's items instead of its runs");
            command.add_option("-n", options.lines, "How many of the most recent (default 20)");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_history},
    Command{"feed", "Queue items for a job: arguments, files under --from DIR, or lines on stdin",
        [](CLI::App& command, Options& options) {
            command.add_option("job", options.target, "The job")->required();
            command.add_option("items", options.items, "Items (paths, keys, ...)");
            command.add_option("--from", options.from, "Every file under this directory (recursively)");
            command.add_option("--match", options.match, "With --from: only paths matching this (extended) regex");
            command.add_option("--rate", options.rate, "Send at most this many: 2/s, 30/m");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_feed},
    Command{"retry", "Put a dead item (or every dead item) back in the queue at its failed step",
        [](CLI::App& command, Options& options) {
            command.add_option("job", options.target, "The job")->required();
            command.add_option("item", options.items, "The item")->expected(0, 1);
            command.add_flag("--failed", options.failed, "Every dead item of the job");
        },
        run_retry},
    Command{"calendar", "Print the next fire times of a schedule expression",
        [](CLI::App& command, Options& options) {
            command.add_option("expression", options.target, "\"0 9 * * mon-fri\", \"@daily\", \"every 5m\"")
                ->required();
            command.add_option("--tz", options.timezone, "IANA time zone (default UTC)");
            command.add_option("--from", options.since, "Start after this local time: 2026-03-08 01:30, or ...Z");
            command.add_option("-n", options.count, "How many fire times (default 5)");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_calendar},
    Command{"deploy", "Deploy REF (default [deploy].ref): fetch, build, check, switch with zero downtime",
        [](CLI::App& command, Options& options) {
            command.add_option("ref", options.target, "A branch, tag or commit");
            command.add_flag("--plan", options.plan, "Only fetch and show what would change");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_deploy},
    Command{"rollback", "Switch back to the previous good release (or RELEASE), rolling",
        [](CLI::App& command, Options& options) {
            command.add_option("release", options.target, "A release number from tend releases");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_rollback},
    Command{"releases", "List releases: number, sha, ref, state, who, when, duration",
        [](CLI::App& command, Options& options) {
            command.add_option("-n", options.lines, "How many of the most recent (default 20)");
            command.add_flag("--json", options.json, "Print JSON");
        },
        run_releases},
    Command{"down", "Stop everything gracefully and end the daemon", [](CLI::App&, Options&) {}, run_down},
    Command{"daemon", "Run the daemon in the foreground (what a systemd unit runs)",
        [](CLI::App& command, Options& options) {
            add_path(command, options);
            add_environment(command, options);
            command.add_flag("--resume", options.resume, "Apply the app file applied last");
            command.add_option("--ready-fd", options.ready_fd, "Write \"ready\" to this fd once listening")->group("");
        },
        run_daemon},
};

// The first word that is not an option names the command; say so when no
// command has that name, with the likeliest one.
std::optional<std::string> unknown_command(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word == "--app") {
            ++i;
            continue;
        }
        if (word == "--version")
            return std::nullopt;
        if (word.starts_with("-"))
            continue;
        std::vector<std::string> names;
        for (const Command& command : table) {
            if (word == command.name)
                return std::nullopt;
            names.emplace_back(command.name);
        }
        auto suggestion = closest_match(word, names);
        return fmt::format("tend: unknown command \"{}\"{}; see tend --help", printable(word),
            suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string());
    }
    return std::nullopt;
}

}  // namespace

std::span<const Command> commands()
{
    return table;
}

int main(int argc, char** argv)
{
    CLI::App app{"tend: runs a web app, its workers and its jobs from one file, tend.toml\n"
                 "Exit codes: 0 ok, 1 the action failed, 2 bad usage or bad input."};
    app.set_version_flag("--version", fmt::format("tend {}", TEND_VERSION));
    app.require_subcommand(1);
    app.fallthrough();
    Options options;
    app.add_option("--app", options.app, "The app, when not taken from ./tend.toml");
    std::vector<std::pair<CLI::App*, const Command*>> registered;
    for (const Command& command : table) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        command.setup(*sub, options);
        registered.emplace_back(sub, &command);
    }
    if (auto unknown = unknown_command(argc, argv)) {
        fmt::print(stderr, "{}\n", *unknown);
        return BadInput;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? Success : BadInput;
    }
    for (auto& [sub, command] : registered) {
        if (sub->parsed())
            return command->run(options);
    }
    return BadInput;
}

}  // namespace tend::cli
