#include "deploy/git.h"

#include <gtest/gtest.h>

namespace tend::deploy::git {
namespace {

TEST(GitTest, CommandsAreArgvAndNeverAShell)
{
    auto clone = clone_mirror("/srv/repo; rm -rf /", "/state/mirror.git");
    EXPECT_EQ(clone, (Argv{"git", "clone", "--mirror", "--quiet", "--", "/srv/repo; rm -rf /", "/state/mirror.git"}));
    auto resolved = resolve("/state/mirror.git", "v1.2");
    EXPECT_EQ(resolved.back(), "v1.2^{commit}");
    EXPECT_EQ(checkout("/r/3-abc", "abc").back(), "abc");
}

TEST(GitTest, ReleaseNamesUseTheShortSha)
{
    EXPECT_EQ(release_name(12, "0123456789abcdef0123456789abcdef01234567"), "12-0123456");
    EXPECT_TRUE(is_full_sha("0123456789abcdef0123456789abcdef01234567"));
    EXPECT_FALSE(is_full_sha("0123456"));
    EXPECT_FALSE(is_full_sha("0123456789ABCDEF0123456789abcdef01234567"));
    EXPECT_FALSE(is_full_sha(""));
}

TEST(GitTest, TheRemoteHeadNamesTheDefaultBranch)
{
    // UX 22: with no ref, a repository whose default branch is master deploys master, not "main".
    EXPECT_EQ(
        parse_remote_head("ref: refs/heads/master\tHEAD\n0123456789abcdef0123456789abcdef01234567\tHEAD\n"), "master");
    EXPECT_EQ(parse_remote_head("ref: refs/heads/release/2.x\tHEAD\n"), "release/2.x");
    EXPECT_EQ(parse_remote_head("0123456789abcdef0123456789abcdef01234567\tHEAD\n"), std::nullopt);
    EXPECT_EQ(parse_remote_head(""), std::nullopt);
    EXPECT_EQ(remote_head("/m.git"), (Argv{"git", "--git-dir", "/m.git", "ls-remote", "--symref", "origin", "HEAD"}));
}

}  // namespace
}  // namespace tend::deploy::git
