#include "base/pattern.h"

#include <chrono>
#include <gtest/gtest.h>

namespace tend {
namespace {

TEST(PatternTest, SearchesAnywhereInTheText)
{
    auto pattern = Pattern::compile("err(or)? [0-9]+");
    ASSERT_TRUE(pattern);
    EXPECT_TRUE(pattern->search("an error 42 here"));
    EXPECT_TRUE(pattern->search("err 7"));
    EXPECT_FALSE(pattern->search("error x"));
}

TEST(PatternTest, BadPatternFailsWithTheReason)
{
    auto pattern = Pattern::compile("(a|b");
    ASSERT_FALSE(pattern);
    EXPECT_NE(pattern.error().message().find("missing )"), std::string::npos) << pattern.error().message();
    EXPECT_FALSE(Pattern::compile("a**{"));
}

// F14: std::regex recursed once per character and overflowed the stack on
// a 16,000-character line; 'a*b' over megabytes of 'a' took quadratic time.
TEST(PatternTest, LongLinesNeitherCrashNorRunAway)
{
    std::string line(16000, 'a');
    auto alternation = Pattern::compile("(a|b)*c");
    ASSERT_TRUE(alternation);
    EXPECT_FALSE(alternation->search(line));
    std::string huge(8U << 20U, 'a');
    auto star = Pattern::compile("a*b");
    ASSERT_TRUE(star);
    auto began = std::chrono::steady_clock::now();
    EXPECT_FALSE(star->search(huge));
    EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tend
