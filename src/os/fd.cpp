#include "os/fd.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tend::os {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept
{
    if (this != &other)
        reset(other.release());
    return *this;
}

void UniqueFd::reset(int fd)
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

Result<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return Error::from_errno("pipe");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> set_nonblocking(int fd)
{
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return Error::from_errno("fcntl O_NONBLOCK");
    return Ok{};
}

Result<std::size_t> read_some(int fd, std::span<char> buffer)
{
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno != EINTR)
            return Error::from_errno("read");
    }
}

Result<void> write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error::from_errno("write");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Ok{};
}

Result<std::size_t> write_some(int fd, std::string_view data)
{
    for (;;) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0)
            return static_cast<std::size_t>(n);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return std::size_t{0};
        return Error::from_errno("write");
    }
}

}  // namespace tend::os

namespace tend::os {
Result<void> clear_close_on_exec(int fd)
{
    if (::fcntl(fd, F_SETFD, 0) != 0)
        return Error::from_errno("fcntl FD_CLOEXEC");
    return Ok{};
}
}  // namespace tend::os

namespace tend::os {
Result<void> set_close_on_exec(int fd)
{
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        return Error::from_errno("fcntl FD_CLOEXEC");
    return Ok{};
}
}  // namespace tend::os

namespace tend::os {
Result<UniqueFd> redirect(int fd, int target)
{
    UniqueFd saved(::fcntl(target, F_DUPFD_CLOEXEC, 3));
    if (!saved.valid())
        return Error::from_errno("dup");
    if (::dup2(fd, target) < 0)
        return Error::from_errno("dup2");
    return saved;
}

void restore(const UniqueFd& saved, int target)
{
    if (saved.valid())
        ::dup2(saved.get(), target);
}
}  // namespace tend::os

namespace tend::os {
Result<UniqueFd> duplicate(int fd)
{
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return Error::from_errno("dup");
    return UniqueFd(copy);
}
}  // namespace tend::os
