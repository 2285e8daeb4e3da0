#include "os/socket.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace tend::os {
namespace {

Result<sockaddr_un> unix_address(const std::string& path)
{
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return Error(fmt::format(
            "socket path too long ({} bytes, limit {}): {}", path.size(), sizeof address.sun_path - 1, path));
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

}  // namespace

Result<UniqueFd> listen_unix(const std::string& path)
{
    auto address = TRY(unix_address(path));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return Error::from_errno("socket");
    ::unlink(path.c_str());
    // The umask makes the socket 0600 from the moment it exists; the chmod
    // after makes sure of it whatever umask applied.
    mode_t old_mask = ::umask(0177);
    int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);  // NOLINT
    int bind_errno = errno;
    ::umask(old_mask);
    if (bound != 0)
        return Error::from_errno(fmt::format("bind {}", path), bind_errno);
    if (::chmod(path.c_str(), 0600) != 0)
        return Error::from_errno(fmt::format("chmod {}", path));
    if (::listen(fd.get(), 128) != 0)
        return Error::from_errno(fmt::format("listen {}", path));
    return fd;
}

Result<UniqueFd> connect_unix(const std::string& path)
{
    auto address = TRY(unix_address(path));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return Error::from_errno("socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)  // NOLINT
        return Error::from_errno(fmt::format("connect {}", path));
    return fd;
}

Result<std::optional<UniqueFd>> accept_connection(int listen_fd)
{
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
            return std::optional<UniqueFd>{};
        return Error::from_errno("accept");
    }
    return std::optional<UniqueFd>(UniqueFd(fd));
}

Result<PeerCredentials> peer_credentials(int fd)
{
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        return Error::from_errno("getsockopt SO_PEERCRED");
    return PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
}

std::string user_name(uid_t uid)
{
    struct passwd* entry = ::getpwuid(uid);
    return entry != nullptr ? entry->pw_name : std::to_string(uid);
}

void set_receive_timeout(int fd, std::chrono::milliseconds timeout)
{
    timeval value{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
        .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
}

}  // namespace tend::os
