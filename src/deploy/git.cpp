#include "deploy/git.h"

#include <algorithm>
#include <fmt/format.h>

namespace tend::deploy::git {

Argv clone_mirror(const std::string& source, const std::string& mirror)
{
    return {"git", "clone", "--mirror", "--quiet", "--", source, mirror};
}

Argv set_source(const std::string& mirror, const std::string& source)
{
    return {"git", "--git-dir", mirror, "remote", "set-url", "origin", source};
}

Argv fetch(const std::string& mirror)
{
    return {"git", "--git-dir", mirror, "fetch", "--prune", "--quiet", "origin"};
}

Argv resolve(const std::string& mirror, const std::string& ref)
{
    return {"git", "--git-dir", mirror, "rev-parse", "--verify", "--quiet", ref + "^{commit}"};
}

Argv remote_head(const std::string& mirror)
{
    return {"git", "--git-dir", mirror, "ls-remote", "--symref", "origin", "HEAD"};
}

std::optional<std::string> parse_remote_head(std::string_view output)
{
    constexpr std::string_view prefix = "ref: refs/heads/";
    while (!output.empty()) {
        std::size_t end = output.find('\n');
        std::string_view line = output.substr(0, end);
        output = end == std::string_view::npos ? std::string_view() : output.substr(end + 1);
        if (!line.starts_with(prefix))
            continue;
        line.remove_prefix(prefix.size());
        std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos || tab == 0 || line.substr(tab + 1) != "HEAD")
            continue;
        return std::string(line.substr(0, tab));
    }
    return std::nullopt;
}

Argv clone_release(const std::string& mirror, const std::string& directory)
{
    return {"git", "clone", "--quiet", "--no-checkout", "--", mirror, directory};
}

Argv checkout(const std::string& directory, const std::string& sha)
{
    return {"git", "-C", directory, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", sha};
}

std::vector<std::pair<std::string, std::string>> environment()
{
    return {{"GIT_TERMINAL_PROMPT", "0"}};
}

bool is_full_sha(std::string_view text)
{
    return (text.size() == 40 || text.size() == 64) && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

std::string release_name(std::int64_t number, std::string_view sha)
{
    return fmt::format("{}-{}", number, sha.substr(0, 7));
}

}  // namespace tend::deploy::git
