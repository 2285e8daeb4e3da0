// Paths strictly beneath a directory tend owns (a release, shared/).
//
// Every path given here is resolved by the kernel with openat2(RESOLVE_BENEATH
// | RESOLVE_NO_SYMLINKS) from the directory's own descriptor: an absolute
// path, a ".." that leaves it, or a symlink in any component fails instead of
// leading elsewhere. The last component is never followed either: it is looked
// at, removed or created with the *at calls on its parent's descriptor. So a
// symlink committed in a repository (`a -> /victim`) can never turn a deploy's
// rm, mkdir or copy into one outside the release.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "os/fd.h"
#include "os/files.h"

namespace tend::os {

class Beneath {
public:
    // Opens `root` itself (a directory tend made; the path to it is trusted).
    static Result<Beneath> open(const std::string& root);

    [[nodiscard]] const std::string& root() const { return m_root_path; }

    // What `relative` names, its last component not followed (Symlink). A
    // missing component gives Missing. Fails when a component before the last
    // is a symlink or not a directory, or the path leaves the root; the message
    // names the component ("a/data: \"a\" is a symlink").
    [[nodiscard]] Result<PathKind> kind(std::string_view relative) const;

    // Creates `relative` and the directories above it that are missing (mkdir
    // -p). Fails when a component is a symlink or a file.
    [[nodiscard]] Result<void> make_directories(std::string_view relative, unsigned mode) const;

    // Removes `relative` and everything under it (rm -rf), following no
    // symlink: a symlink found anywhere is removed, never what it points to.
    // A missing path is fine.
    [[nodiscard]] Result<void> remove_tree(std::string_view relative) const;

    // Creates a symlink at `relative` (whose parent must exist) with `target`
    // as its text; the target is not resolved.
    [[nodiscard]] Result<void> make_symlink(const std::string& target, std::string_view relative) const;

    // Copies the regular file `from` beneath `source` to `relative` here with
    // the same permission bits: written to a temporary name, fsynced, then
    // renamed without replacing. Fails (EEXIST) when `relative` exists, and
    // when `from` is not a regular file.
    [[nodiscard]] Result<void> copy_file_from(
        const Beneath& source, std::string_view from, std::string_view relative) const;

private:
    Beneath(UniqueFd root, std::string path) : m_root(std::move(root)), m_root_path(std::move(path)) {}

    // openat2 of `relative` beneath the root with no symlink anywhere; errors name `shown` (default: relative).
    [[nodiscard]] Result<UniqueFd> open_beneath(
        std::string_view relative, int flags, std::string_view shown = {}) const;
    // The parent directory of `relative` (O_PATH) and its last component.
    [[nodiscard]] Result<std::pair<UniqueFd, std::string>> open_parent(std::string_view relative) const;
    // Why `relative` could not be resolved: the first component that is a symlink or not a directory.
    [[nodiscard]] Error explain(std::string_view relative, int code) const;

    UniqueFd m_root;
    std::string m_root_path;
};

}  // namespace tend::os
