#include "cli/client_side.h"

#include <chrono>
#include <fmt/format.h>

#include "os/env.h"
#include "os/files.h"
#include "os/process.h"
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
    if (!options.app.empty())
        return options.app;
    std::string file = app_file(options);
    auto name = spec::read_app_name(file, options.environment);
    if (!name) {
        fmt::print(
            stderr, "tend: {}\n(run in the directory of your tend.toml, or pass --app NAME)\n", name.error().message());
        return {};
    }
    return *name;
}

int report(const api::CallResult& result, const std::string& app)
{
    switch (result.failure) {
    case api::CallFailure::None: return Success;
    case api::CallFailure::NotRunning:
        fmt::print(stderr, "tend: no daemon is running for app \"{}\" (start it with `tend up`)\n", app);
        return ActionFailed;
    case api::CallFailure::BadInput: fmt::print(stderr, "{}\n", result.message); return BadInput;
    case api::CallFailure::Failed:
    case api::CallFailure::Transport: fmt::print(stderr, "tend: {}\n", result.message); return ActionFailed;
    }
    return ActionFailed;
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
