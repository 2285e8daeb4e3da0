// The git commands a deploy runs (git is a child process like any other step;
// nothing here runs anything). A cached mirror (`git clone --mirror`) holds
// every ref of `source`, so each deploy fetches only what is new; a release is
// a local clone of the mirror (objects hard-linked) checked out at one commit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tend::deploy::git {

using Argv = std::vector<std::string>;

Argv clone_mirror(const std::string& source, const std::string& mirror);
Argv set_source(const std::string& mirror, const std::string& source);
Argv fetch(const std::string& mirror);
// Prints the full sha of `ref` (branch, tag or commit) to stdout.
Argv resolve(const std::string& mirror, const std::string& ref);
// Asks `source` (the mirror's origin) which branch its HEAD names: its default branch now.
Argv remote_head(const std::string& mirror);
// The branch in remote_head()'s output ("ref: refs/heads/master\tHEAD"); nullopt when it names none.
std::optional<std::string> parse_remote_head(std::string_view output);
Argv clone_release(const std::string& mirror, const std::string& directory);
Argv checkout(const std::string& directory, const std::string& sha);

// Environment for every git step: never prompt for credentials on a terminal nobody watches.
std::vector<std::pair<std::string, std::string>> environment();

// Whether text is a full 40-character (SHA-1) or 64-character (SHA-256) object name.
bool is_full_sha(std::string_view text);

// The directory name of a release: "<n>-<first 7 of sha>".
std::string release_name(std::int64_t number, std::string_view sha);

}  // namespace tend::deploy::git
