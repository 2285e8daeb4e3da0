#include "jobs/file_action.h"

#include <cerrno>
#include <fmt/format.h>

#include "os/files.h"

namespace tend::jobs {
namespace {

constexpr int name_attempts = 100;

std::string base_name(const std::string& path)
{
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string name_for_item(const std::string& name, std::int64_t item, int attempt)
{
    std::string tag = attempt <= 1 ? fmt::format("{}", item) : fmt::format("{}-{}", item, attempt);
    std::size_t dot = name.rfind('.');
    // A leading dot starts a hidden name, not an extension.
    if (dot == std::string::npos || dot == 0)
        return fmt::format("{}.{}", name, tag);
    return fmt::format("{}.{}{}", name.substr(0, dot), tag, name.substr(dot));
}

Result<std::string> move_into(const std::string& path, const std::string& directory, std::int64_t item)
{
    TRY(os::make_directories(directory));
    std::string name = base_name(path);
    for (int attempt = 0; attempt <= name_attempts; ++attempt) {
        std::string target = directory + "/" + (attempt == 0 ? name : name_for_item(name, item, attempt));
        auto moved = os::rename_no_replace(path, target);
        if (moved)
            return target;
        if (moved.error().code() != EEXIST)
            return moved.error();
    }
    return Error(fmt::format("{} and {} other names for it are taken in {}", name, name_attempts, directory));
}

}  // namespace tend::jobs
