#include "os/files.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace tend::os {

Result<std::string> read_file(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return Error::from_errno(fmt::format("open {}", path));
    std::string content;
    char buffer[65536];
    for (;;) {
        auto n = read_some(fd.get(), buffer);
        if (!n)
            return n.error().context(path);
        if (*n == 0)
            return content;
        content.append(buffer, *n);
    }
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, unsigned mode)
{
    std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd.valid())
        return Error::from_errno(fmt::format("create {}", temp));
    auto written = write_all(fd.get(), content);
    if (!written || ::fsync(fd.get()) != 0) {
        Error error = written ? Error::from_errno(fmt::format("fsync {}", temp)) : written.error().context(temp);
        ::unlink(temp.c_str());
        return error;
    }
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        Error error = Error::from_errno(fmt::format("rename {} to {}", temp, path));
        ::unlink(temp.c_str());
        return error;
    }
    std::string directory = path.substr(0, path.rfind('/') == std::string::npos ? 1 : path.rfind('/'));
    UniqueFd dir(::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid())
        ::fsync(dir.get());
    return Ok{};
}

Result<FileInfo> file_info(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Error::from_errno(fmt::format("stat {}", path));
    return FileInfo{
        .mode = st.st_mode & 07777U,
        .uid = st.st_uid,
        .gid = st.st_gid,
        .is_directory = S_ISDIR(st.st_mode),
        .is_regular = S_ISREG(st.st_mode),
        .size = static_cast<std::uint64_t>(st.st_size),
        .modified_us = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000,
    };
}

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

Result<void> make_directories(const std::string& path, unsigned mode)
{
    for (std::size_t at = 1; at <= path.size(); ++at) {
        if (at != path.size() && path[at] != '/')
            continue;
        std::string prefix = path.substr(0, at);
        if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
            return Error::from_errno(fmt::format("mkdir {}", prefix));
    }
    return Ok{};
}

Result<void> remove_file(const std::string& path)
{
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return Error::from_errno(fmt::format("unlink {}", path));
    return Ok{};
}

Result<std::string> real_path(const std::string& path)
{
    char buffer[PATH_MAX];
    if (::realpath(path.c_str(), buffer) == nullptr)
        return Error::from_errno(path);
    return std::string(buffer);
}

std::string current_directory()
{
    char buffer[PATH_MAX];
    if (::getcwd(buffer, sizeof buffer) == nullptr)
        return ".";
    return buffer;
}

std::optional<std::string> find_executable(const std::string& name, const std::string& search_path)
{
    auto executable = [](const std::string& candidate) {
        struct stat st {};
        return ::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos)
        return executable(name) ? std::optional(name) : std::nullopt;
    std::size_t start = 0;
    while (start <= search_path.size()) {
        std::size_t end = search_path.find(':', start);
        if (end == std::string::npos)
            end = search_path.size();
        std::string directory = search_path.substr(start, end - start);
        std::string candidate = (directory.empty() ? std::string(".") : directory) + "/" + name;
        if (executable(candidate))
            return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

Result<UniqueFd> lock_file(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid())
        return Error::from_errno(fmt::format("open {}", path));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        return Error::from_errno(fmt::format("lock {}", path));
    return fd;
}

Result<UniqueFd> open_append(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!fd.valid())
        return Error::from_errno(fmt::format("open {}", path));
    return fd;
}

Result<UniqueFd> open_null()
{
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return Error::from_errno("open /dev/null");
    return fd;
}

Result<std::uint64_t> free_bytes(const std::string& path)
{
    struct statvfs info {};
    if (::statvfs(path.c_str(), &info) != 0)
        return Error::from_errno(fmt::format("statvfs {}", path));
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace tend::os

namespace tend::os {

Result<FileIdentity> identity_of(int fd)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return Error::from_errno("fstat");
    return FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
        static_cast<std::uint64_t>(st.st_size)};
}

Result<FileIdentity> identity_of(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Error::from_errno(fmt::format("stat {}", path));
    return FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
        static_cast<std::uint64_t>(st.st_size)};
}

PathKind kind_of(const std::string& path)
{
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0)
        return PathKind::Missing;
    if (S_ISREG(info.st_mode))
        return PathKind::Regular;
    if (S_ISDIR(info.st_mode))
        return PathKind::Directory;
    if (S_ISLNK(info.st_mode))
        return PathKind::Symlink;
    return PathKind::Other;
}

Result<void> make_symlink(const std::string& target, const std::string& link)
{
    if (::symlink(target.c_str(), link.c_str()) != 0)
        return Error::from_errno(fmt::format("symlink {} -> {}", link, target));
    return Ok{};
}

Result<void> replace_symlink(const std::string& target, const std::string& link)
{
    std::string temp = fmt::format("{}.new-{}", link, ::getpid());
    (void)::unlink(temp.c_str());
    TRY(make_symlink(target, temp));
    if (::rename(temp.c_str(), link.c_str()) != 0) {
        Error error = Error::from_errno(fmt::format("rename {} to {}", temp, link));
        (void)::unlink(temp.c_str());
        return error;
    }
    return Ok{};
}

std::optional<std::string> read_symlink(const std::string& link)
{
    char buffer[PATH_MAX];
    ssize_t length = ::readlink(link.c_str(), buffer, sizeof buffer);
    if (length < 0)
        return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(length));
}

Result<void> rename_file(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0)
        return Error::from_errno(fmt::format("rename {} to {}", from, to));
    return Ok{};
}

Result<void> rename_no_replace(const std::string& from, const std::string& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return Ok{};
    if (errno != EINVAL && errno != ENOSYS)
        return Error::from_errno(fmt::format("rename {} to {}", from, to));
    // A file system without RENAME_NOREPLACE: link(2) refuses an existing target just as well.
    if (::link(from.c_str(), to.c_str()) != 0)
        return Error::from_errno(fmt::format("link {} to {}", from, to));
    if (::unlink(from.c_str()) != 0)
        return Error::from_errno(fmt::format("unlink {}", from));
    return Ok{};
}

Result<std::vector<DirectoryEntry>> list_files(const std::string& directory, std::string_view prefix)
{
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr)
        return Error::from_errno(fmt::format("opendir {}", directory));
    std::vector<DirectoryEntry> entries;
    while (struct dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (!name.starts_with(prefix))
            continue;
        struct stat st {};
        std::string path = directory + "/" + std::string(name);
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            entries.push_back({std::string(name), static_cast<std::uint64_t>(st.st_size)});
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return entries;
}

int grow_pipe(int fd, int bytes)
{
    // Without CAP_SYS_RESOURCE the cap is /proc/sys/fs/pipe-max-size (1 MiB by
    // default): halve until the kernel accepts, never below the 64 KiB default.
    for (int size = bytes; size > 65536; size /= 2) {
        int got = ::fcntl(fd, F_SETPIPE_SZ, size);
        if (got >= 0)
            return got;
    }
    return ::fcntl(fd, F_GETPIPE_SZ);
}

int pipe_size(int fd)
{
    return ::fcntl(fd, F_GETPIPE_SZ);
}

}  // namespace tend::os
