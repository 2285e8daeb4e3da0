#include "os/beneath.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tend::os {
namespace {

namespace fs = std::filesystem;

class BeneathTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fs::create_directories(root());
        fs::create_directories(victim() / "data");
        std::ofstream(victim() / "data" / "file.txt") << "precious\n";
        fs::create_directory_symlink(victim(), root() / "a");
    }
    fs::path root() const { return m_dir.path() / "release"; }
    fs::path victim() const { return m_dir.path() / "victim"; }
    Beneath opened() const
    {
        auto beneath = Beneath::open(root().string());
        EXPECT_TRUE(beneath) << beneath.error().message();
        return std::move(beneath).release_value();
    }

    testing::TempDir m_dir;
};

TEST_F(BeneathTest, RemoveTreeRefusesAPathThroughASymlink)
{
    // F10: a committed `a -> /victim` with shared = ["a/data"] deleted /victim/data.
    auto removed = opened().remove_tree("a/data");
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code(), ELOOP);
    EXPECT_NE(removed.error().message().find("\"a\" is a symlink"), std::string::npos) << removed.error().message();
    EXPECT_TRUE(fs::exists(victim() / "data" / "file.txt"));
}

TEST_F(BeneathTest, KindNamesTheSymlinkOnTheWay)
{
    auto kind = opened().kind("a/data");
    ASSERT_FALSE(kind);
    EXPECT_EQ(kind.error().message(), "a/data: \"a\" is a symlink");
    auto last = opened().kind("a");
    ASSERT_TRUE(last);
    EXPECT_EQ(*last, PathKind::Symlink);
    EXPECT_EQ(*opened().kind("nothing/here"), PathKind::Missing);
}

TEST_F(BeneathTest, RemoveTreeRemovesSymlinksInsideNeverTheirTargets)
{
    fs::create_directories(root() / "tree" / "deep");
    std::ofstream(root() / "tree" / "deep" / "x") << "x";
    fs::create_directory_symlink(victim(), root() / "tree" / "deep" / "escape");
    fs::create_symlink(victim() / "data" / "file.txt", root() / "tree" / "file-link");
    ASSERT_TRUE(opened().remove_tree("tree"));
    EXPECT_FALSE(fs::exists(root() / "tree"));
    EXPECT_TRUE(fs::exists(victim() / "data" / "file.txt"));
    ASSERT_TRUE(opened().remove_tree("a"));  // the link itself
    EXPECT_FALSE(fs::is_symlink(root() / "a"));
    EXPECT_TRUE(fs::exists(victim() / "data" / "file.txt"));
    EXPECT_TRUE(opened().remove_tree("missing/too"));
}

TEST_F(BeneathTest, MakeDirectoriesRefusesASymlinkOrFileInTheWay)
{
    auto made = opened().make_directories("a/new", 0755);
    ASSERT_FALSE(made);
    EXPECT_FALSE(fs::exists(victim() / "new"));
    std::ofstream(root() / "file") << "f";
    made = opened().make_directories("file/new", 0755);
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message().find("\"file\" is not a directory"), std::string::npos) << made.error().message();
    ASSERT_TRUE(opened().make_directories("b/c/d", 0755));
    EXPECT_TRUE(fs::is_directory(root() / "b" / "c" / "d"));
}

TEST_F(BeneathTest, RefusesDotDotAndAbsolutePaths)
{
    for (const char* path : {"../victim/data", "b/../../victim", "/etc", ""}) {
        EXPECT_FALSE(opened().remove_tree(path)) << path;
        EXPECT_FALSE(opened().make_directories(path, 0755)) << path;
    }
    EXPECT_TRUE(fs::exists(victim() / "data" / "file.txt"));
}

TEST_F(BeneathTest, MakeSymlinkNeverGoesThroughOne)
{
    EXPECT_FALSE(opened().make_symlink("/x", "a/link"));
    EXPECT_FALSE(fs::exists(victim() / "link"));
    ASSERT_TRUE(opened().make_symlink("/x", "link"));
    EXPECT_EQ(fs::read_symlink(root() / "link"), "/x");
}

TEST_F(BeneathTest, CopyFileFromKeepsTheModeAndNeverOverwrites)
{
    fs::create_directories(m_dir.path() / "shared");
    std::ofstream(root() / "settings.py") << "DEBUG = False\n";
    fs::permissions(root() / "settings.py", fs::perms::owner_read | fs::perms::owner_write);
    auto shared = Beneath::open((m_dir.path() / "shared").string());
    ASSERT_TRUE(shared);
    ASSERT_TRUE(shared->copy_file_from(opened(), "settings.py", "settings.py"));
    std::ifstream copied(m_dir.path() / "shared" / "settings.py");
    std::string text((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "DEBUG = False\n");
    EXPECT_EQ(fs::status(m_dir.path() / "shared" / "settings.py").permissions() & fs::perms::all,
        fs::perms::owner_read | fs::perms::owner_write);
    auto again = shared->copy_file_from(opened(), "settings.py", "settings.py");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), EEXIST);
    // Never read through a symlink either.
    EXPECT_FALSE(shared->copy_file_from(opened(), "a/data/file.txt", "stolen"));
    EXPECT_FALSE(fs::exists(m_dir.path() / "shared" / "stolen"));
}

}  // namespace
}  // namespace tend::os
