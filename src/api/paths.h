// Where an app's state lives, shared by the daemon and the CLI.
//
//   state:  $TEND_HOME/APP, else /var/lib/tend/APP (root), else $XDG_STATE_HOME/tend/APP
//           (default ~/.local/state/tend/APP): tend.db, logs/, daemon.lock, daemon.log,
//           and for deploys releases/, shared/, current, mirror.git
//   socket: $TEND_HOME/APP/tend.sock, else /run/tend/APP.sock (root), else
//           $XDG_RUNTIME_DIR/tend/APP.sock, else the state directory's tend.sock
#pragma once

#include <string>

#include "base/result.h"

namespace tend::api {

struct AppPaths {
    std::string state_directory;
    std::string database;
    std::string log_directory;
    std::string lock;
    std::string daemon_log;
    std::string socket;
};

AppPaths paths_for(const std::string& app);

// Creates the state, log and socket directories (0700 for state and socket).
Result<void> create_directories(const AppPaths& paths);

}  // namespace tend::api
