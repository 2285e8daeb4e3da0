#include "cli/client_side.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/json_text.h"
#include "base/escape.h"
#include "base/strings.h"
#include "os/env.h"
#include "os/files.h"
#include "os/process.h"
#include "spec/names.h"
#include "spec/parse.h"

namespace tend::cli {

std::string app_file(const Options& options)
{
    std::string path = options.path.empty() ? "tend.toml" : options.path;
    auto info = os::file_info(path);
    if (info && info->is_directory)
        path += "/tend.toml";
    if (auto absolute = os::real_path(path))
        return *absolute;
    return path;
}

std::string resolve_app(const Options& options)
{
    if (!options.app.empty()) {
        // The name picks a state directory and a socket: never a path.
        if (auto named = spec::check_name("app", options.app); !named) {
            fmt::print(stderr, "tend: --app: {}\n", named.error().message());
            return {};
        }
        if (auto unknown = unknown_app(options.app)) {
            fmt::print(stderr, "tend: {}\n", *unknown);
            return {};
        }
        return options.app;
    }
    std::string file = app_file(options);
    auto name = spec::read_app_name(file, options.environment);
    if (!name) {
        fmt::print(stderr, "tend: {}\n(run in the directory of your tend.toml, or pass --app NAME)\n",
            printable(name.error().message()));
        return {};
    }
    return *name;
}

int report(const api::CallResult& result, const std::string& app)
{
    switch (result.failure) {
    case api::CallFailure::None: return Success;
    case api::CallFailure::NotRunning:
        fmt::print(stderr, "tend: no daemon is running for app \"{}\" (start it with `tend up`)\n", printable(app));
        return ActionFailed;
    case api::CallFailure::BadInput: fmt::print(stderr, "{}\n", printable(result.message)); return BadInput;
    case api::CallFailure::Failed:
    case api::CallFailure::Transport: fmt::print(stderr, "tend: {}\n", printable(result.message)); return ActionFailed;
    }
    return ActionFailed;
}

std::optional<std::string> unknown_app(const std::string& app)
{
    std::string state = api::paths_for(app).state_directory;
    if (os::exists(state))
        return std::nullopt;
    // Every app with state here has its directory beside this one.
    std::vector<std::string> apps;
    std::error_code failure;
    std::filesystem::path root = std::filesystem::path(state).parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(root, failure)) {
        std::error_code ignored;
        if (entry.is_directory(ignored) && std::filesystem::exists(entry.path() / "tend.db", ignored))
            apps.push_back(entry.path().filename().string());
    }
    std::sort(apps.begin(), apps.end());
    auto suggestion = closest_match(app, apps);
    return fmt::format("no app named \"{}\" on this host{}", printable(app),
        suggestion         ? fmt::format(" (did you mean \"{}\"?)", printable(*suggestion))
            : apps.empty() ? std::string(" (none has been started here: tend up starts one)")
                           : fmt::format(" (apps: {})", printable(fmt::format("{}", fmt::join(apps, ", ")))));
}

void print_json(const nlohmann::json& value)
{
    fmt::print("{}\n", api::to_json_text(value, 2));
}

bool launch_daemon(const std::string& app)
{
    api::AppPaths paths = api::paths_for(app);
    if (auto created = api::create_directories(paths); !created) {
        fmt::print(stderr, "tend: {}\n", created.error().message());
        return false;
    }
    // The daemon writes "ready" to this pipe once it listens; end of file
    // without it means the daemon gave up, and its log says why.
    auto ready = os::make_pipe();
    if (!ready) {
        fmt::print(stderr, "tend: {}\n", ready.error().message());
        return false;
    }
    int pid = os::fork_process();
    if (pid < 0) {
        fmt::print(stderr, "tend: cannot start the daemon: fork failed\n");
        return false;
    }
    if (pid == 0) {
        // Double fork so the daemon is nobody's child but init's (or its subreaper's).
        if (os::fork_process() != 0)
            os::exit_now(0);
        os::detach(paths.daemon_log);
        ready->read_end.reset();
        (void)os::clear_close_on_exec(ready->write_end.get());
        os::exec_self({"tend", "daemon", "--app", app, "--ready-fd", std::to_string(ready->write_end.get())});
    }
    ready->write_end.reset();
    os::reap(pid);
    std::string answer;
    char buffer[64];
    while (auto n = os::read_some(ready->read_end.get(), buffer)) {
        if (*n == 0)
            break;
        answer.append(buffer, *n);
    }
    if (answer.starts_with("ready"))
        return true;
    fmt::print(stderr, "tend: the daemon for \"{}\" did not come up; see {}\n", app, paths.daemon_log);
    if (auto log = os::read_file(paths.daemon_log)) {
        std::string_view text = *log;
        if (text.size() > 2000)
            text = text.substr(text.size() - 2000);
        fmt::print(stderr, "{}", text);
    }
    return false;
}

}  // namespace tend::cli
