#include "os/env.h"

#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace tend::os {

std::optional<std::string> get_env(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr)
        return std::nullopt;
    return std::string(value);
}

std::vector<std::string> environment()
{
    std::vector<std::string> out;
    for (char** entry = environ; *entry != nullptr; ++entry)
        out.emplace_back(*entry);
    return out;
}

std::string self_executable()
{
    char buffer[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0)
        return "tend";
    return std::string(buffer, static_cast<std::size_t>(n));
}

void detach(const std::string& log_path)
{
    ::setsid();
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::close(null_fd);
    }
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd >= 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::close(log_fd);
    }
}

int fork_process()
{
    return ::fork();
}

void exit_now(int code)
{
    ::_exit(code);
}

void exec_self(const std::vector<std::string>& argv)
{
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (const std::string& arg : argv)
        raw.push_back(const_cast<char*>(arg.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    raw.push_back(nullptr);
    std::string self = self_executable();
    ::execv(self.c_str(), raw.data());
    ::_exit(127);
}

}  // namespace tend::os
