#include "api/paths.h"

#include <fmt/format.h>

#include "os/env.h"
#include "os/files.h"
#include "os/process.h"

namespace tend::api {

AppPaths paths_for(const std::string& app)
{
    auto home = os::get_env("TEND_HOME");
    bool root = os::effective_uid() == 0;
    std::string state;
    std::string socket;
    if (home && !home->empty()) {
        state = fmt::format("{}/{}", *home, app);
        socket = state + "/tend.sock";
    } else if (root) {
        state = fmt::format("/var/lib/tend/{}", app);
        socket = fmt::format("/run/tend/{}.sock", app);
    } else {
        auto xdg_state = os::get_env("XDG_STATE_HOME");
        std::string base = xdg_state && !xdg_state->empty()
            ? *xdg_state
            : fmt::format("{}/.local/state", os::get_env("HOME").value_or("/tmp"));
        state = fmt::format("{}/tend/{}", base, app);
        auto runtime = os::get_env("XDG_RUNTIME_DIR");
        socket = runtime && !runtime->empty() ? fmt::format("{}/tend/{}.sock", *runtime, app) : state + "/tend.sock";
    }
    return AppPaths{
        .state_directory = state,
        .database = state + "/tend.db",
        .log_directory = state + "/logs",
        .lock = state + "/daemon.lock",
        .daemon_log = state + "/daemon.log",
        .socket = socket,
    };
}

Result<void> create_directories(const AppPaths& paths)
{
    TRY(os::make_directories(paths.state_directory, 0700));
    TRY(os::make_directories(paths.log_directory, 0750));
    std::string socket_directory = paths.socket.substr(0, paths.socket.rfind('/'));
    // A runtime directory of its own (not the state directory) is searchable, so
    // an instance switched to another user reaches its notify socket (0600, its own).
    TRY(os::make_directories(socket_directory, socket_directory == paths.state_directory ? 0700 : 0711));
    return Ok{};
}

}  // namespace tend::api
