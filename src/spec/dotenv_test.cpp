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

TEST(DotenvTest, NamesTheBadLineAndColumn)
{
    auto values = parse_dotenv("A=1\nnot a pair\n");
    ASSERT_FALSE(values);
    EXPECT_EQ(values.error().message(), "2:1: expected KEY=VALUE");
    EXPECT_EQ(parse_dotenv("1A=x").error().message(),
        "1:1: invalid variable name: a name has only letters, digits and '_', and does not start with a digit");
    EXPECT_EQ(parse_dotenv("A=\"open").error().message(), "1:3: unterminated quote");
    EXPECT_EQ(parse_dotenv("  export  =x").error().message(), "1:11: expected KEY=VALUE (the name is empty)");
}

// Issue 13 item 9 (F20): a PEM line pasted without its name was echoed in the error.
TEST(DotenvTest, NeverQuotesTheTextOfABadLine)
{
    const char* secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7SECRETKEYMATERIAL+ab";
    std::string text = std::string("A=1\n") + secret + "==\n";
    auto values = parse_dotenv(text);
    ASSERT_FALSE(values);
    EXPECT_EQ(values.error().message(),
        "2:70: invalid variable name: a name has only letters, digits and '_', and "
        "does not start with a digit");
    for (const char* line :
        {"MIIE SECRET=1", "SECRET", "\"SECRET\"", "SE-CRET=x", "SECRET=\"unterminated", "export SECRET", "SÉCRET=1"}) {
        auto bad = parse_dotenv(line);
        ASSERT_FALSE(bad) << line;
        EXPECT_EQ(bad.error().message().find("SECRET"), std::string::npos) << bad.error().message();
        EXPECT_EQ(bad.error().message().find("CRET"), std::string::npos) << bad.error().message();
    }
}

TEST(DotenvTest, RefusesANulByteInAValue)
{
    std::string text("A=x\0y\n", 6);
    auto values = parse_dotenv(text);
    ASSERT_FALSE(values);
    EXPECT_EQ(values.error().message(), "1:3: the value of A has a NUL byte");
}

}  // namespace
}  // namespace tend::spec
