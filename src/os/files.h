// Files and directories: whole-file reads, crash-safe writes, modes, locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "os/fd.h"

namespace tend::os {

Result<std::string> read_file(const std::string& path);

// Writes a file crash-safely: temp file in the same directory, fsync, rename,
// fsync of the directory. Readers see the old or the new content, never a mix.
Result<void> write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);

struct FileInfo {
    unsigned mode = 0;  // permission bits only
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    bool is_directory = false;
    bool is_regular = false;
    std::uint64_t size = 0;
    std::int64_t modified_us = 0;  // mtime, microseconds since the epoch
};

// Follows symlinks. Fails with the errno of stat(2) (ENOENT when missing).
Result<FileInfo> file_info(const std::string& path);
bool exists(const std::string& path);

// Creates the directory and its parents with the given mode; fine if present.
Result<void> make_directories(const std::string& path, unsigned mode = 0755);

Result<void> remove_file(const std::string& path);
Result<std::string> real_path(const std::string& path);
std::string current_directory();

// Whether `path` names an executable regular file, searching PATH when it has
// no slash. Returns the resolved path.
std::optional<std::string> find_executable(const std::string& name, const std::string& search_path);

// Opens (creating) and takes an exclusive flock without waiting. The kernel
// drops the lock when the process dies, so it can never go stale.
// Fails with code EWOULDBLOCK when another process holds it.
Result<UniqueFd> lock_file(const std::string& path);

// Opens a file for appending (created 0640 when missing), close-on-exec.
Result<UniqueFd> open_append(const std::string& path);

// Open /dev/null read-only.
Result<UniqueFd> open_null();

// Bytes available to unprivileged users on the file system holding `path`.
Result<std::uint64_t> free_bytes(const std::string& path);

}  // namespace tend::os

namespace tend::os {

// Identity of an open file or a path (device and inode), to notice a log file
// deleted or replaced under tend.
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    bool operator==(const FileIdentity& other) const { return device == other.device && inode == other.inode; }
};
Result<FileIdentity> identity_of(int fd);
Result<FileIdentity> identity_of(const std::string& path);

Result<void> rename_file(const std::string& from, const std::string& to);
// Renames `from` to `to` only if nothing is at `to` (renameat2 RENAME_NOREPLACE;
// link and unlink on file systems without it): never replaces a file. Fails
// with code EEXIST when `to` exists.
Result<void> rename_no_replace(const std::string& from, const std::string& to);

struct DirectoryEntry {
    std::string name;
    std::uint64_t size = 0;
};
// Regular files in a directory whose names start with `prefix`, sorted by name.
Result<std::vector<DirectoryEntry>> list_files(const std::string& directory, std::string_view prefix);

// What a path names, without following a final symlink (lstat).
enum class PathKind { Missing, Regular, Directory, Symlink, Other };
PathKind kind_of(const std::string& path);

// Creates a symlink at `link` pointing to `target`.
Result<void> make_symlink(const std::string& target, const std::string& link);
// Points `link` at `target` atomically: a new symlink beside it, then rename(2)
// over it, so readers see the old target or the new one, never none.
Result<void> replace_symlink(const std::string& target, const std::string& link);
// The target of a symlink; nullopt when `link` is missing or not a symlink.
std::optional<std::string> read_symlink(const std::string& link);

// Makes a pipe's buffer as large as `bytes` or as large as the kernel allows
// (pipe-max-size without CAP_SYS_RESOURCE); returns the size it got.
int grow_pipe(int fd, int bytes);
// A pipe's buffer size in bytes (F_GETPIPE_SZ), or -1.
int pipe_size(int fd);

}  // namespace tend::os
