#include "cli/deploy_command.h"

#include <fmt/format.h>

#include "api/client.h"
#include "api/paths.h"
#include "base/units.h"
#include "cli/client_side.h"

namespace tend::cli {
namespace {

using nlohmann::json;

// A deploy waits on its build; the daemon bounds each step with [deploy].timeout.
constexpr auto deploy_wait = std::chrono::hours(24);

std::string duration_text(const json& value)
{
    return value.is_null() ? "-" : format_duration(std::chrono::milliseconds(value.get<std::int64_t>()));
}

std::string render_steps(const json& steps)
{
    std::string out;
    for (const auto& step : steps) {
        std::string detail = step.value("detail", "");
        std::string outcome = step.value("outcome", "");
        out += fmt::format("  {:<9} {:<8} {:>8}  {}{}\n", step.value("kind", ""), outcome,
            duration_text(step["duration_ms"]), step.value("command", ""),
            outcome == "failed" && !detail.empty() ? "\n            -> " + detail : "");
    }
    return out;
}

int print_outcome(const api::CallResult& result, const Options& options, const std::string& app, const char* what)
{
    if (result.failure == api::CallFailure::Transport || result.failure == api::CallFailure::NotRunning
        || result.failure == api::CallFailure::BadInput)
        return report(result, app);
    const json& body = result.body;
    if (options.json) {
        fmt::print("{}\n", body.dump(2));
        return result.ok() ? Success : ActionFailed;
    }
    fmt::print("{}", render_steps(body.value("steps", json::array())));
    std::string sha = body.value("sha", "").substr(0, 7);
    if (result.ok()) {
        fmt::print("release {} ({}) is live{}\n", body.value("release", 0), sha.empty() ? "?" : sha,
            std::string_view(what) == "rollback" ? " again" : "");
        return Success;
    }
    fmt::print(stderr, "{} failed: {}\n", what, body.value("error", result.message));
    return ActionFailed;
}

// "steps from 1a2b3c4d5e6f:tend.toml:" and each command a deploy of it runs.
std::string render_deploy_steps(const json& body)
{
    std::string out = fmt::format("steps from {}:\n", body.value("steps_from", "?"));
    const json& steps = body.value("deploy_steps", json::object());
    std::size_t count = 0;
    for (const char* kind : {"build", "check", "release"}) {
        for (const auto& command : steps.value(kind, json::array())) {
            out += fmt::format("  {:<8} {}\n", kind, command.get<std::string>());
            ++count;
        }
    }
    if (!steps.value("shared", json::array()).empty()) {
        std::string shared;
        for (const auto& path : steps["shared"])
            shared += (shared.empty() ? "" : " ") + path.get<std::string>();
        out += fmt::format("  {:<8} {}\n", "shared", shared);
        ++count;
    }
    if (count == 0)
        out += "  (no build, check, release or shared)\n";
    return out;
}

int print_plan(const api::CallResult& result, const Options& options, const std::string& app)
{
    if (!result.ok())
        return report(result, app);
    if (options.json) {
        fmt::print("{}\n", result.body.dump(2));
        return Success;
    }
    fmt::print("{} is {}\n", result.body.value("ref", options.target), result.body.value("sha", ""));
    fmt::print("{}", render_deploy_steps(result.body));
    fmt::print("{}", result.body.value("text", ""));
    fmt::print("every running process group is replaced, rolling, by the new release's code\n");
    return Success;
}

}  // namespace

int run_deploy(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    json body{{"plan_only", options.plan}};
    if (!options.target.empty())
        body["ref"] = options.target;
    std::string socket = api::paths_for(app).socket;
    if (options.plan)
        return print_plan(api::call(socket, "POST", "/v1/deploy", body, {}, deploy_wait), options, app);
    // Begun first, so a deploy that cannot start says only why.
    body["wait"] = false;
    auto started = api::call(socket, "POST", "/v1/deploy", body);
    if (!started.ok())
        return report(started, app);
    return wait_for_deploy(options, app, started.body.value("release", std::int64_t{0}));
}

int wait_for_deploy(const Options& options, const std::string& app, std::int64_t release)
{
    if (!options.json)
        fmt::print("deploying release {}; output in `tend logs deploy -f`\n", release);
    auto result = api::call(api::paths_for(app).socket, "POST", "/v1/deploy", json{{"attach", true}}, {}, deploy_wait);
    if (result.failure == api::CallFailure::BadInput) {
        // Over before we asked: what the releases table says.
        auto releases = api::call(api::paths_for(app).socket, "GET", "/v1/releases", nullptr, {{"limit", "20"}});
        if (releases.ok()) {
            for (const auto& entry : releases.body["releases"]) {
                if (entry.value("id", 0) == release) {
                    bool good = entry.value("state", "") == "live" || entry.value("state", "") == "previous";
                    if (options.json)
                        fmt::print("{}\n", entry.dump(2));
                    else if (good)
                        fmt::print("release {} is {}\n", release, entry.value("state", ""));
                    else
                        fmt::print(stderr, "deploy failed: {}\n", entry.value("error", ""));
                    return good ? Success : ActionFailed;
                }
            }
        }
        return report(result, app);
    }
    return print_outcome(result, options, app, "deploy");
}

int run_rollback(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    json body = json::object();
    if (!options.target.empty()) {
        try {
            std::size_t used = 0;
            body["release"] = std::stoll(options.target, &used);
            if (used != options.target.size())
                throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
            fmt::print(stderr, "tend rollback: \"{}\" is not a release number (see tend releases)\n", options.target);
            return BadInput;
        }
    }
    auto result = api::call(api::paths_for(app).socket, "POST", "/v1/rollback", body, {}, deploy_wait);
    return print_outcome(result, options, app, "rollback");
}

int run_releases(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    auto result = api::call(
        api::paths_for(app).socket, "GET", "/v1/releases", nullptr, {{"limit", std::to_string(options.lines)}});
    if (!result.ok())
        return report(result, app);
    if (options.json) {
        fmt::print("{}\n", result.body.dump(2));
        return Success;
    }
    const json& releases = result.body["releases"];
    if (releases.empty()) {
        fmt::print("no releases yet (tend deploy makes one)\n");
        return Success;
    }
    fmt::print("{:<8} {:<8} {:<14} {:<9} {:<10} {:<21} {:>9}  {}\n", "RELEASE", "SHA", "REF", "STATE", "WHO", "WHEN",
        "DURATION", "ERROR");
    for (const auto& release : releases) {
        std::string state = release.value("state", "");
        if (release.value("removed", false))
            state += "*";
        fmt::print("{:<8} {:<8} {:<14} {:<9} {:<10} {:<21} {:>9}  {}\n", release.value("id", 0),
            release.value("sha", "").substr(0, 7), release.value("ref", ""), state, release.value("who", ""),
            release.value("created", "").substr(0, 19) + "Z", duration_text(release["duration_ms"]),
            release.value("error", ""));
    }
    if (!result.body["in_progress"].is_null()) {
        const json& busy = result.body["in_progress"];
        fmt::print("\n{} of release {} in progress since {} by {} ({})\n", busy.value("kind", ""),
            busy.value("release", 0), busy.value("since", ""), busy.value("who", ""), busy.value("phase", ""));
    }
    return Success;
}

}  // namespace tend::cli
