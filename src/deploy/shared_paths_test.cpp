#include "deploy/shared_paths.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tend::deploy {
namespace {

namespace fs = std::filesystem;

class SharedPathsTest : public ::testing::Test {
protected:
    SharedPathsTest()
    {
        fs::create_directories(release());
        fs::create_directories(shared());
    }
    fs::path release() const { return m_dir.path() / "releases" / "1-abcdef0"; }
    fs::path shared() const { return m_dir.path() / "shared"; }
    static void write(const fs::path& path, const std::string& text)
    {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }
    static std::string read(const fs::path& path)
    {
        std::ifstream in(path);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    Result<std::string> link(const std::string& path, Seed seed = Seed::Yes) const
    {
        auto in_release = os::Beneath::open(release().string());
        auto in_shared = os::Beneath::open(shared().string());
        EXPECT_TRUE(in_release && in_shared);
        return link_shared_path(*in_release, *in_shared, path, seed);
    }

    testing::TempDir m_dir;
};

TEST_F(SharedPathsTest, ASymlinkInTheRepositoryNeverLeadsOutside)
{
    // F10: `a -> /victim` committed, shared = ["a/data"]: the deploy deleted /victim/data.
    fs::path victim = m_dir.path() / "victim";
    write(victim / "data" / "file.txt", "precious\n");
    fs::create_directory_symlink(victim, release() / "a");
    auto linked = link("a/data");
    ASSERT_FALSE(linked);
    EXPECT_NE(linked.error().message().find("\"a\" is a symlink"), std::string::npos) << linked.error().message();
    EXPECT_EQ(read(victim / "data" / "file.txt"), "precious\n");
    EXPECT_FALSE(fs::exists(shared() / "a"));
    // The symlink itself as the shared path is refused too.
    linked = link("a");
    ASSERT_FALSE(linked);
    EXPECT_NE(linked.error().message().find("it is a symlink in the repository"), std::string::npos);
    EXPECT_TRUE(fs::exists(victim / "data" / "file.txt"));
}

TEST_F(SharedPathsTest, ASymlinkPlantedInSharedIsNeverWrittenThrough)
{
    fs::path victim = m_dir.path() / "victim";
    fs::create_directories(victim);
    fs::create_directory_symlink(victim, shared() / "cache");
    auto linked = link("cache/new");
    ASSERT_FALSE(linked);
    EXPECT_FALSE(fs::exists(victim / "new"));
    // As the last component it is the operator's: linked to, never written through.
    ASSERT_TRUE(link("cache"));
    EXPECT_EQ(fs::read_symlink(release() / "cache"), shared() / "cache");
    EXPECT_TRUE(fs::is_empty(victim));
}

TEST_F(SharedPathsTest, AFileInSharedIsLinkedAsAFile)
{
    // B8: shared = ["settings.py"] made a directory, and the app crash-looped.
    write(shared() / "settings.py", "SECRET = 'host'\n");
    write(release() / "settings.py", "SECRET = 'default'\n");
    ASSERT_TRUE(link("settings.py"));
    EXPECT_TRUE(fs::is_symlink(release() / "settings.py"));
    EXPECT_EQ(read(release() / "settings.py"), "SECRET = 'host'\n");
}

TEST_F(SharedPathsTest, AFileOnlyTheRepositoryHasSeedsSharedOnce)
{
    write(release() / "conf" / "settings.py", "SECRET = 'default'\n");
    auto linked = link("conf/settings.py");
    ASSERT_TRUE(linked) << linked.error().message();
    EXPECT_NE(linked->find("seeded"), std::string::npos);
    EXPECT_EQ(read(shared() / "conf" / "settings.py"), "SECRET = 'default'\n");
    EXPECT_EQ(read(release() / "conf" / "settings.py"), "SECRET = 'default'\n");
    EXPECT_TRUE(fs::is_symlink(release() / "conf" / "settings.py"));
    // Edited on the host, then the next release brings its own default: the host's copy stays.
    write(shared() / "conf" / "settings.py", "SECRET = 'edited'\n");
    fs::remove(release() / "conf" / "settings.py");
    write(release() / "conf" / "settings.py", "SECRET = 'new default'\n");
    ASSERT_TRUE(link("conf/settings.py"));
    EXPECT_EQ(read(release() / "conf" / "settings.py"), "SECRET = 'edited'\n");
}

TEST_F(SharedPathsTest, APlanNeverSeeds)
{
    write(release() / "settings.py", "x\n");
    ASSERT_TRUE(link("settings.py", Seed::No));
    EXPECT_FALSE(fs::exists(shared() / "settings.py"));
    EXPECT_FALSE(fs::is_symlink(release() / "settings.py"));
}

TEST_F(SharedPathsTest, DirectoriesGiveWayAndMissingPathsBecomeEmptyDirectories)
{
    write(release() / "uploads" / ".gitkeep", "");
    ASSERT_TRUE(link("uploads/"));
    EXPECT_TRUE(fs::is_directory(shared() / "uploads"));
    EXPECT_FALSE(fs::exists(shared() / "uploads" / ".gitkeep"));
    EXPECT_EQ(fs::read_symlink(release() / "uploads"), shared() / "uploads");
    ASSERT_TRUE(link("var/tmp"));
    EXPECT_TRUE(fs::is_directory(shared() / "var" / "tmp"));
    EXPECT_TRUE(fs::is_directory(release() / "var"));
    EXPECT_EQ(fs::read_symlink(release() / "var" / "tmp"), shared() / "var" / "tmp");
}

TEST_F(SharedPathsTest, AFileWhereSharedHasADirectoryFails)
{
    fs::create_directories(shared() / "uploads");
    write(release() / "uploads", "a file\n");
    auto linked = link("uploads");
    ASSERT_FALSE(linked);
    EXPECT_EQ(linked.error().message(),
        fmt::format("it is a file in the repository but a directory in {}", shared().string()));
    EXPECT_TRUE(fs::is_regular_file(release() / "uploads"));
}

}  // namespace
}  // namespace tend::deploy
