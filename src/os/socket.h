// Unix stream sockets for the control API: listen with a 0600 mode, connect,
// accept, and the peer's credentials.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>

#include "base/result.h"
#include "os/fd.h"

namespace tend::os {

// Binds and listens on a unix socket at `path` with mode 0600, removing a
// stale socket file first. The caller must hold the app's daemon lock.
Result<UniqueFd> listen_unix(const std::string& path);

// Connects (blocking). Fails with ECONNREFUSED or ENOENT when nobody listens.
Result<UniqueFd> connect_unix(const std::string& path);

// Accepts one connection as a non-blocking fd; nullopt when none is pending.
Result<std::optional<UniqueFd>> accept_connection(int listen_fd);

struct PeerCredentials {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};
Result<PeerCredentials> peer_credentials(int fd);

// The login name for uid, or the number as text.
std::string user_name(uid_t uid);

// Sets a receive timeout on a blocking socket (client side).
void set_receive_timeout(int fd, std::chrono::milliseconds timeout);

}  // namespace tend::os
