#include "os/socket.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
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

namespace {

struct ResolvedAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

Result<ResolvedAddress> resolve(const std::string& host, int port, bool passive)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0 || found == nullptr)
        return Error(fmt::format("cannot resolve \"{}\": {}", host, ::gai_strerror(rc)));
    ResolvedAddress address;
    std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
    address.length = found->ai_addrlen;
    address.family = found->ai_family;
    ::freeaddrinfo(found);
    return address;
}

// Splits "HOST:PORT" ("[::1]:80" too).
Result<std::pair<std::string, int>> split_host_port(const std::string& text)
{
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos)
        return Error(fmt::format("\"{}\" is not HOST:PORT", text));
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = std::atoi(text.c_str() + colon + 1);
    if (port <= 0 || port > 65535)
        return Error(fmt::format("\"{}\": bad port", text));
    return std::pair{host, port};
}

}  // namespace

Result<UniqueFd> listen_tcp(const std::string& host, int port, int backlog)
{
    std::string what = fmt::format("listen {}:{}", host, port);
    auto address = resolve(host, port, true);
    if (!address)
        return address.error().context(what);
    UniqueFd fd(::socket(address->family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return Error::from_errno(what);
    int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address->storage), address->length) != 0) {  // NOLINT
        int code = errno;
        std::string hint = code == EACCES && port < 1024 ? " (ports below 1024 need root)"
            : code == EADDRINUSE                         ? " (another process listens there)"
                                                         : "";
        return Error(fmt::format("{}: {}{}", what, std::strerror(code), hint), code);
    }
    if (::listen(fd.get(), backlog) != 0)
        return Error::from_errno(what);
    return fd;
}

Result<UniqueFd> listen_unix_stream(const std::string& path, int backlog, unsigned mode)
{
    std::string what = fmt::format("listen unix:{}", path);
    auto address = unix_address(path);
    if (!address)
        return address.error().context(what);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return Error(fmt::format("{}: a file that is not a socket is in the way", what));
        ::unlink(path.c_str());
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return Error::from_errno(what);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&*address), sizeof *address) != 0)  // NOLINT
        return Error::from_errno(what);
    ::chmod(path.c_str(), mode);
    if (::listen(fd.get(), backlog) != 0)
        return Error::from_errno(what);
    return fd;
}

Result<UniqueFd> start_connect(const std::string& address_text)
{
    if (address_text.starts_with("unix:")) {
        std::string path = address_text.substr(5);
        auto address = TRY(unix_address(path));
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (!fd.valid())
            return Error::from_errno("socket");
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0  // NOLINT
            && errno != EINPROGRESS && errno != EAGAIN)
            return Error::from_errno(fmt::format("connect {}", address_text));
        return fd;
    }
    auto [host, port] = TRY(split_host_port(address_text));
    auto address = TRY(resolve(host, port, false));
    UniqueFd fd(::socket(address.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return Error::from_errno("socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address.storage), address.length) != 0  // NOLINT
        && errno != EINPROGRESS)
        return Error::from_errno(fmt::format("connect {}", address_text));
    return fd;
}

Result<void> connect_result(int fd)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        return Error::from_errno("getsockopt SO_ERROR");
    if (error != 0)
        return Error::from_errno("connect", error);
    return Ok{};
}

namespace {

// The first directory above `path` that this user cannot search, or empty.
// Owner, group and other bits only: supplementary groups and ACLs are not consulted.
std::string unsearchable_directory(const std::string& path, SocketOwner owner)
{
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        std::string directory = path.substr(0, slash);
        struct stat info {};
        if (::stat(directory.c_str(), &info) != 0)
            return directory;
        mode_t bit = info.st_uid == owner.uid ? S_IXUSR : info.st_gid == owner.gid ? S_IXGRP : S_IXOTH;
        if ((info.st_mode & bit) == 0)
            return directory;
    }
    return {};
}

}  // namespace

Result<UniqueFd> bind_notify_socket(const std::string& path, std::optional<SocketOwner> owner)
{
    auto address = TRY(unix_address(path));
    if (owner) {
        if (std::string blocked = unsearchable_directory(path, *owner); !blocked.empty())
            return Error(fmt::format("notify socket {}: user {} cannot search {} (make it searchable: chmod o+x {})",
                path, user_name(owner->uid), blocked, blocked));
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return Error::from_errno("socket");
    int on = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        return Error::from_errno("setsockopt SO_PASSCRED");
    ::unlink(path.c_str());
    mode_t old_mask = ::umask(0177);
    int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);  // NOLINT
    int bind_errno = errno;
    ::umask(old_mask);
    if (bound != 0)
        return Error::from_errno(fmt::format("bind notify socket {}", path), bind_errno);
    if (::chmod(path.c_str(), 0600) != 0)
        return Error::from_errno(fmt::format("chmod {}", path));
    if (owner && ::chown(path.c_str(), owner->uid, owner->gid) != 0)
        return Error::from_errno(fmt::format("chown {}", path));
    return fd;
}

Result<std::optional<Datagram>> receive_datagram(int fd)
{
    char buffer[4096];
    iovec vector{.iov_base = buffer, .iov_len = sizeof buffer};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return std::optional<Datagram>();
        return Error::from_errno("recvmsg");
    }
    Datagram datagram{.text = std::string(buffer, static_cast<std::size_t>(n))};
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS
            && header->cmsg_len == CMSG_LEN(sizeof(ucred))) {
            ucred credentials{};
            std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
            datagram.pid = credentials.pid;
            datagram.uid = credentials.uid;
        }
    }
    return std::optional<Datagram>(std::move(datagram));
}

void set_receive_timeout(int fd, std::chrono::milliseconds timeout)
{
    timeval value{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
        .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
}

}  // namespace tend::os
