// File descriptors: an owning RAII wrapper and the few raw operations on them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace tend::os {

// Owns one file descriptor and closes it on destruction.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] bool valid() const { return m_fd >= 0; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1);

private:
    int m_fd = -1;
};

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

// A close-on-exec pipe.
Result<Pipe> make_pipe();

Result<void> set_nonblocking(int fd);

// Reads up to buffer.size() bytes; 0 means end of file. EINTR is retried;
// EAGAIN is reported as an Error with code EAGAIN.
Result<std::size_t> read_some(int fd, std::span<char> buffer);

// Writes all of data, retrying on EINTR and short writes (blocking fds only).
Result<void> write_all(int fd, std::string_view data);

// Writes what the fd takes now; returns the count written (0 when it would block).
Result<std::size_t> write_some(int fd, std::string_view data);

}  // namespace tend::os

namespace tend::os {
// Lets fd survive exec (for handing a pipe to a program tend starts).
Result<void> clear_close_on_exec(int fd);
}  // namespace tend::os

namespace tend::os {
Result<void> set_close_on_exec(int fd);
}  // namespace tend::os

namespace tend::os {
// Points `target` (e.g. 2, stderr) at `fd`; returns a duplicate of what
// `target` was, to restore it later.
Result<UniqueFd> redirect(int fd, int target);
// Puts back what redirect() returned.
void restore(const UniqueFd& saved, int target);
}  // namespace tend::os

namespace tend::os {
// A second descriptor for the same open file or socket (close-on-exec).
Result<UniqueFd> duplicate(int fd);
}  // namespace tend::os
