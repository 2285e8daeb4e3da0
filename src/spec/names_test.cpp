#include "spec/names.h"

#include <gtest/gtest.h>

namespace tend::spec {
namespace {

TEST(NamesTest, OneRuleForEveryName)
{
    for (std::string_view name : {"web", "web-2", "spms_csv", "A", "0", "-"})
        EXPECT_TRUE(valid_name(name)) << name;
    std::string longest(max_name_length, 'a');
    EXPECT_TRUE(valid_name(longest));
    for (std::string_view name :
        {"", "a b", "a.b", "a/b", "..", "a\nweb.0 out: FORGED", "caf\xc3\xa9", "a:b", "{item}", "a#1"})
        EXPECT_FALSE(valid_name(name)) << name;
    EXPECT_FALSE(valid_name(longest + "a"));
}

TEST(NamesTest, SaysWhyANameIsRefused)
{
    EXPECT_TRUE(check_name("step", "convert"));
    EXPECT_EQ(check_name("step", "a\nweb.0 out: FORGED").error().message(),
        "step name \"a\\nweb.0 out: FORGED\" may contain only letters, digits, '-' and '_'");
    EXPECT_EQ(
        check_name("job", "").error().message(), "job name is empty (a name is 1 to 64 letters, digits, '-' and '_')");
    EXPECT_EQ(check_name("process", std::string(65, 'a')).error().message(),
        "process name \"" + std::string(64, 'a') + "...\" (65 bytes) is longer than 64 characters");
}

TEST(NamesTest, VariableNames)
{
    EXPECT_FALSE(bad_variable_name_at("PATH"));
    EXPECT_FALSE(bad_variable_name_at("_x1"));
    EXPECT_EQ(bad_variable_name_at(""), 0U);
    EXPECT_EQ(bad_variable_name_at("1A"), 0U);
    EXPECT_EQ(bad_variable_name_at("PATH=/evil:"), 4U);
    EXPECT_EQ(bad_variable_name_at("A-B"), 1U);
    EXPECT_EQ(bad_variable_name_at(std::string_view("A\0B", 3)), 1U);
}

}  // namespace
}  // namespace tend::spec
