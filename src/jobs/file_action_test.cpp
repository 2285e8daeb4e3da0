#include "jobs/file_action.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tend::jobs {
namespace {

using FileActionTest = ::testing::Test;

std::string read(const std::filesystem::path& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(FileActionTest, NamesForAnItemKeepTheExtension)
{
    EXPECT_EQ(name_for_item("report.zip", 17, 1), "report.17.zip");
    EXPECT_EQ(name_for_item("dup", 17, 1), "dup.17");
    EXPECT_EQ(name_for_item(".env", 17, 1), ".env.17");
    EXPECT_EQ(name_for_item("a.tar.gz", 17, 2), "a.tar.17-2.gz");
}

TEST_F(FileActionTest, AMoveNeverReplacesAFileOfTheSameName)
{
    testing::TempDir temp;
    auto in = temp.path() / "in";
    auto done = temp.path() / "done";
    std::filesystem::create_directories(in);
    std::ofstream(in / "dup") << "first";
    auto first = move_into((in / "dup").string(), done.string(), 1);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(*first, (done / "dup").string());

    std::ofstream(in / "dup") << "second";
    std::ofstream(done / "dup.2") << "someone else's";
    auto second = move_into((in / "dup").string(), done.string(), 2);
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(*second, (done / "dup.2-2").string());
    EXPECT_EQ(read(done / "dup"), "first");
    EXPECT_EQ(read(done / "dup.2"), "someone else's");
    EXPECT_EQ(read(done / "dup.2-2"), "second");
    EXPECT_FALSE(std::filesystem::exists(in / "dup"));
}

TEST_F(FileActionTest, AFileThatIsGoneIsAnError)
{
    testing::TempDir temp;
    auto moved = move_into((temp.path() / "nothing").string(), (temp.path() / "done").string(), 3);
    ASSERT_FALSE(moved);
    EXPECT_NE(moved.error().message().find("nothing"), std::string::npos) << moved.error().message();
}

}  // namespace
}  // namespace tend::jobs
