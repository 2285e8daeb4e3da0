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

// A listening TCP socket for an app (SO_REUSEADDR, close-on-exec; spawn()
// hands it to children). host may be a name, IPv4 or IPv6 ("::", "[::1]" without brackets).
// Errors say what to do: "listen 0.0.0.0:80: Permission denied (ports below 1024 need root)".
Result<UniqueFd> listen_tcp(const std::string& host, int port, int backlog = 1024);

// A listening unix stream socket for an app at `path` (a stale socket file is
// replaced; any other file there is an error), mode 0666 within its directory.
Result<UniqueFd> listen_unix_stream(const std::string& path, int backlog = 1024);

// Begins a non-blocking connect to "HOST:PORT" or "unix:PATH". The fd becomes
// writable when the connect finishes; connect_result() then says how.
Result<UniqueFd> start_connect(const std::string& address);
Result<void> connect_result(int fd);

// A datagram socket in the abstract namespace ("@NAME" in NOTIFY_SOCKET) that
// receives systemd notify messages; it also asks for the sender's credentials.
Result<UniqueFd> bind_notify_socket(const std::string& name);
// One datagram, or nullopt when none is waiting.
Result<std::optional<std::string>> receive_datagram(int fd);

// Sets a receive timeout on a blocking socket (client side).
void set_receive_timeout(int fd, std::chrono::milliseconds timeout);

}  // namespace tend::os
