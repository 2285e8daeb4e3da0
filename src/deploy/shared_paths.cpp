#include "deploy/shared_paths.h"

#include <fmt/format.h>

namespace tend::deploy {
namespace {

std::string_view describe(os::PathKind kind)
{
    switch (kind) {
    case os::PathKind::Regular: return "a file";
    case os::PathKind::Directory: return "a directory";
    case os::PathKind::Symlink: return "a symlink";
    case os::PathKind::Other: return "neither a file nor a directory";
    case os::PathKind::Missing: return "absent";
    }
    return "?";
}

std::string parent_of(const std::string& path)
{
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

Result<std::string> link_shared_path(
    const os::Beneath& release, const os::Beneath& shared, const std::string& written, Seed seed)
{
    std::string path = written;
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    auto in_release = release.kind(path);
    if (!in_release)
        return Error(fmt::format("in the repository, {}", in_release.error().message()), in_release.error().code());
    auto in_shared = shared.kind(path);
    if (!in_shared)
        return Error(fmt::format("in {}, {}", shared.root(), in_shared.error().message()), in_shared.error().code());
    os::PathKind repo = *in_release;
    os::PathKind kept = *in_shared;
    if (repo == os::PathKind::Symlink || repo == os::PathKind::Other)
        return Error(fmt::format(
            "it is {} in the repository; a shared path must be a file, a directory or absent there", describe(repo)));
    if (kept == os::PathKind::Other)
        return Error(fmt::format("{}/{} is {}", shared.root(), path, describe(kept)));
    bool mismatch = (repo == os::PathKind::Regular && kept == os::PathKind::Directory)
        || (repo == os::PathKind::Directory && kept == os::PathKind::Regular);
    if (mismatch)
        return Error(
            fmt::format("it is {} in the repository but {} in {}", describe(repo), describe(kept), shared.root()));

    std::string note;
    if (kept == os::PathKind::Missing) {
        if (std::string parent = parent_of(path); !parent.empty())
            TRY(shared.make_directories(parent, 0755));
        if (repo == os::PathKind::Regular) {
            if (seed == Seed::No)
                return std::string("would be seeded from the repository's file");
            TRY(shared.copy_file_from(release, path, path));
            note = fmt::format("seeded {}/{} from the repository's file", shared.root(), path);
        } else {
            TRY(shared.make_directories(path, 0755));
            note = fmt::format("made {}/{}", shared.root(), path);
        }
    }
    // The repository's copy gives way to the shared one.
    TRY(release.remove_tree(path));
    if (std::string parent = parent_of(path); !parent.empty())
        TRY(release.make_directories(parent, 0755));
    TRY(release.make_symlink(fmt::format("{}/{}", shared.root(), path), path));
    return note;
}

}  // namespace tend::deploy
