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
// replaced; any other file there is an error), `mode` (0666) within its directory.
Result<UniqueFd> listen_unix_stream(const std::string& path, int backlog = 1024, unsigned mode = 0666);

// Begins a non-blocking connect to "HOST:PORT" or "unix:PATH". The fd becomes
// writable when the connect finishes; connect_result() then says how.
Result<UniqueFd> start_connect(const std::string& address);
Result<void> connect_result(int fd);

// Who may send to a notify socket: the socket file's owner (the daemon's user,
// or under root the instance's user and group).
struct SocketOwner {
    uid_t uid;
    gid_t gid;
};

// A datagram socket bound at `path` for systemd notify messages (a stale
// socket file there is replaced). The file has mode 0600 and, with `owner`,
// belongs to that user, so only it (and root) can send; the kernel attaches
// each sender's credentials (SO_PASSCRED). Fails when the path is too long,
// and, with `owner`, when a directory on the way is not searchable by that
// user (the error names it and says what to change).
Result<UniqueFd> bind_notify_socket(const std::string& path, std::optional<SocketOwner> owner = std::nullopt);

struct Datagram {
    std::string text;
    pid_t pid = 0;  // the sender, from SCM_CREDENTIALS; 0 when the kernel gave none
    uid_t uid = 0;
};
// One datagram and its sender, or nullopt when none is waiting.
Result<std::optional<Datagram>> receive_datagram(int fd);

// Sets a receive timeout on a blocking socket (client side).
void set_receive_timeout(int fd, std::chrono::milliseconds timeout);

}  // namespace tend::os
