#include "base/strings.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

using Argv = std::vector<std::string>;

struct SplitCase {
    const char* text;
    Argv expected;
};

TEST(StringsTest, SplitsCommandsWithoutAShell)
{
    const SplitCase cases[] = {
        {"python worker.py --env live", {"python", "worker.py", "--env", "live"}},
        {"  a   b  ", {"a", "b"}},
        {"echo 'a b' \"c d\"", {"echo", "a b", "c d"}},
        {"echo $HOME;rm -rf /", {"echo", "$HOME;rm", "-rf", "/"}},
        {"printf \"x\\\"y\"", {"printf", "x\"y"}},
        {"a\\ b c", {"a b", "c"}},
        {"''", {""}},
        {"echo it's'' fine'", {"echo", "its fine"}},
        {"", {}},
    };
    for (const auto& c : cases) {
        auto argv = split_command(c.text);
        ASSERT_TRUE(argv) << c.text;
        EXPECT_EQ(*argv, c.expected) << c.text;
    }
}

TEST(StringsTest, RejectsUnterminatedQuotes)
{
    EXPECT_FALSE(split_command("echo 'oops"));
    EXPECT_FALSE(split_command("echo \"oops"));
    EXPECT_FALSE(split_command("echo oops\\"));
}

TEST(StringsTest, JoinRoundTrips)
{
    Argv argv{"sh", "-c", "echo 'hi' $X", "", "plain"};
    auto back = split_command(join_command(argv));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, argv);
}

TEST(StringsTest, SuggestsClosestMatch)
{
    std::vector<std::string> keys{"command", "instances", "restart", "stop_timeout"};
    EXPECT_EQ(closest_match("instance", keys), "instances");
    EXPECT_EQ(closest_match("comand", keys), "command");
    EXPECT_EQ(closest_match("stop_timout", keys), "stop_timeout");
    EXPECT_FALSE(closest_match("zzzzzz", keys));
}

}  // namespace
}  // namespace tend
