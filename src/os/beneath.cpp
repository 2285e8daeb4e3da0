#include "os/beneath.h"

#include <cerrno>
#include <cstdio>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace tend::os {
namespace {

constexpr std::uint64_t strict = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;

// The components of a relative path; "." and empty ones are skipped, ".." and
// absolute paths refused (the kernel would refuse one that leaves the root,
// but the last component is used with *at calls, which it does not check).
Result<std::vector<std::string>> components(std::string_view path)
{
    if (path.starts_with('/'))
        return Error(fmt::format("{}: not a relative path", path), EINVAL);
    std::vector<std::string> out;
    std::string_view relative = path;
    while (!relative.empty()) {
        std::size_t slash = relative.find('/');
        std::string_view part = relative.substr(0, slash);
        relative = slash == std::string_view::npos ? std::string_view() : relative.substr(slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            return Error(fmt::format("{}: \"..\" is not allowed", path), EINVAL);
        out.emplace_back(part);
    }
    if (out.empty())
        return Error("an empty path names the directory itself", EINVAL);
    return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t count)
{
    std::string out;
    for (std::size_t i = 0; i < count && i < parts.size(); ++i)
        out += (i == 0 ? "" : "/") + parts[i];
    return out.empty() ? std::string(".") : out;
}

// openat2 with no symlink anywhere, never leaving `directory`.
Result<UniqueFd> open_strict(int directory, const std::string& path, int flags, unsigned mode = 0)
{
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
    how.mode = (flags & O_CREAT) != 0 ? mode : 0;
    how.resolve = strict;
    long fd = 0;
    do {
        fd = ::syscall(SYS_openat2, directory, path.c_str(), &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return Error::from_errno(fmt::format("open {}", path));
    return UniqueFd(static_cast<int>(fd));
}

Result<void> remove_entry(int parent, const std::string& name, const std::string& shown)
{
    struct stat info {};
    if (::fstatat(parent, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return Ok{};
        return Error::from_errno(fmt::format("stat {}", shown));
    }
    if (!S_ISDIR(info.st_mode)) {
        if (::unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT)
            return Error::from_errno(fmt::format("unlink {}", shown));
        return Ok{};
    }
    // O_NOFOLLOW: a directory swapped for a symlink since the stat fails here.
    int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return Error::from_errno(fmt::format("open {}", shown));
    DIR* directory = ::fdopendir(fd);
    if (directory == nullptr) {
        Error error = Error::from_errno(fmt::format("read {}", shown));
        ::close(fd);
        return error;
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(directory)) {
        std::string_view entry_name = entry->d_name;
        if (entry_name != "." && entry_name != "..")
            names.emplace_back(entry_name);
    }
    Result<void> removed = Ok{};
    for (const std::string& child : names) {
        removed = remove_entry(::dirfd(directory), child, shown + "/" + child);
        if (!removed)
            break;
    }
    ::closedir(directory);
    if (!removed)
        return removed;
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return Error::from_errno(fmt::format("rmdir {}", shown));
    return Ok{};
}

}  // namespace

Result<Beneath> Beneath::open(const std::string& root)
{
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return Error::from_errno(fmt::format("open {}", root));
    return Beneath(UniqueFd(fd), root);
}

Result<UniqueFd> Beneath::open_beneath(std::string_view relative, int flags, std::string_view shown) const
{
    auto opened = open_strict(m_root.get(), std::string(relative), flags);
    int code = opened ? 0 : opened.error().code();
    if (code == ELOOP || code == ENOTDIR || code == EXDEV)
        return explain(shown.empty() ? relative : shown, code);
    return opened;
}

Result<std::pair<UniqueFd, std::string>> Beneath::open_parent(std::string_view relative) const
{
    auto parts = TRY(components(relative));
    auto parent = TRY(open_beneath(join(parts, parts.size() - 1), O_RDONLY | O_DIRECTORY, relative));
    return std::pair{std::move(parent), parts.back()};
}

Error Beneath::explain(std::string_view relative, int code) const
{
    auto parts = components(relative);
    if (!parts)
        return parts.error();
    int directory = m_root.get();
    UniqueFd held;
    for (std::size_t i = 0; i < parts->size(); ++i) {
        const std::string& part = (*parts)[i];
        struct stat info {};
        if (::fstatat(directory, part.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0)
            break;
        std::string shown = join(*parts, i + 1);
        if (S_ISLNK(info.st_mode))
            return Error(fmt::format("{}: \"{}\" is a symlink", relative, shown), ELOOP);
        if (!S_ISDIR(info.st_mode)) {
            if (i + 1 < parts->size())
                return Error(fmt::format("{}: \"{}\" is not a directory", relative, shown), ENOTDIR);
            break;
        }
        int next = ::openat(directory, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            break;
        held.reset(next);
        directory = next;
    }
    return Error::from_errno(fmt::format("{} (beneath {})", relative, m_root_path), code);
}

Result<PathKind> Beneath::kind(std::string_view relative) const
{
    auto parent = open_parent(relative);
    if (!parent) {
        if (parent.error().code() == ENOENT)
            return PathKind::Missing;
        return parent.error();
    }
    struct stat info {};
    if (::fstatat(parent->first.get(), parent->second.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return PathKind::Missing;
        return Error::from_errno(fmt::format("stat {}", relative));
    }
    if (S_ISREG(info.st_mode))
        return PathKind::Regular;
    if (S_ISDIR(info.st_mode))
        return PathKind::Directory;
    if (S_ISLNK(info.st_mode))
        return PathKind::Symlink;
    return PathKind::Other;
}

Result<void> Beneath::make_directories(std::string_view relative, unsigned mode) const
{
    auto parts = TRY(components(relative));
    UniqueFd directory = TRY(open_beneath(".", O_RDONLY | O_DIRECTORY));
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        if (::mkdirat(directory.get(), part.c_str(), mode) != 0 && errno != EEXIST)
            return Error::from_errno(fmt::format("mkdir {}", join(parts, i + 1)));
        auto next = open_strict(directory.get(), part, O_RDONLY | O_DIRECTORY);
        if (!next)
            return explain(relative, next.error().code());
        directory = next.release_value();
    }
    return Ok{};
}

Result<void> Beneath::remove_tree(std::string_view relative) const
{
    auto parent = open_parent(relative);
    if (!parent) {
        if (parent.error().code() == ENOENT)
            return Ok{};
        return parent.error();
    }
    return remove_entry(parent->first.get(), parent->second, std::string(relative));
}

Result<void> Beneath::make_symlink(const std::string& target, std::string_view relative) const
{
    auto [parent, name] = TRY(open_parent(relative));
    if (::symlinkat(target.c_str(), parent.get(), name.c_str()) != 0)
        return Error::from_errno(fmt::format("symlink {} -> {}", relative, target));
    return Ok{};
}

Result<void> Beneath::copy_file_from(const Beneath& source, std::string_view from, std::string_view relative) const
{
    TRY(components(from));
    UniqueFd input = TRY(source.open_beneath(from, O_RDONLY | O_NOFOLLOW));
    struct stat info {};
    if (::fstat(input.get(), &info) != 0)
        return Error::from_errno(fmt::format("stat {}", from));
    if (!S_ISREG(info.st_mode))
        return Error(fmt::format("{} is not a regular file", from), EINVAL);
    auto [parent, name] = TRY(open_parent(relative));
    std::string temporary = fmt::format(".{}.tend-{}", name, ::getpid());
    (void)::unlinkat(parent.get(), temporary.c_str(), 0);
    int out = ::openat(
        parent.get(), temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, info.st_mode & 07777);
    if (out < 0)
        return Error::from_errno(fmt::format("create {}", relative));
    UniqueFd output(out);
    auto fail = [&](Error error) -> Result<void> {
        (void)::unlinkat(parent.get(), temporary.c_str(), 0);
        return error;
    };
    char buffer[1 << 16];
    while (true) {
        ssize_t n = ::read(input.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(Error::from_errno(fmt::format("read {}", from)));
        if (n == 0)
            break;
        if (auto written = write_all(output.get(), std::string_view(buffer, static_cast<std::size_t>(n))); !written)
            return fail(written.error().context(fmt::format("write {}", relative)));
    }
    if (::fsync(output.get()) != 0)
        return fail(Error::from_errno(fmt::format("fsync {}", relative)));
    output.reset();
    if (::renameat2(parent.get(), temporary.c_str(), parent.get(), name.c_str(), RENAME_NOREPLACE) != 0)
        return fail(Error::from_errno(fmt::format("rename to {}", relative)));
    (void)::fsync(parent.get());
    return Ok{};
}

}  // namespace tend::os
