#include "spec/dotenv.h"

#include <gtest/gtest.h>

namespace tend::spec {
namespace {

TEST(DotenvTest, ParsesCommonForms)
{
    auto values
        = parse_dotenv("# comment\nA=1\nexport B = two words # note\nC=\"quoted # kept\\n\"\nD='$(touch x)'\n\nE=\n");
    ASSERT_TRUE(values) << values.error().message();
    EXPECT_EQ(values->at("A"), "1");
    EXPECT_EQ(values->at("B"), "two words");
    EXPECT_EQ(values->at("C"), "quoted # kept\n");
    EXPECT_EQ(values->at("D"), "$(touch x)");
    EXPECT_EQ(values->at("E"), "");
}

TEST(DotenvTest, NamesTheBadLine)
{
    auto values = parse_dotenv("A=1\nnot a pair\n");
    ASSERT_FALSE(values);
    EXPECT_EQ(values.error().message(), "line 2: expected KEY=VALUE");
    EXPECT_EQ(parse_dotenv("1A=x").error().message(), "line 1: invalid variable name \"1A\"");
    EXPECT_EQ(parse_dotenv("A=\"open").error().message(), "line 1: unterminated quote");
}

}  // namespace
}  // namespace tend::spec
