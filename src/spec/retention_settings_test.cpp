#include "spec/retention_settings.h"

#include <gtest/gtest.h>

#include "spec/parse.h"

namespace tend::spec {
namespace {

using RetentionSettingsTest = ::testing::Test;

Result<AppSpec> parse(std::string_view text)
{
    return parse_app_file(text, "/srv/app/tend.toml", "");
}

TEST_F(RetentionSettingsTest, DefaultsApplyWithoutATable)
{
    auto spec = parse("app = \"a\"\n");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->retention, RetentionSpec{});
    EXPECT_EQ(spec->retention.max_age, std::chrono::days(90));
    EXPECT_EQ(spec->retention.max_items, 500'000);
}

TEST_F(RetentionSettingsTest, ATableSetsWhatItNamesAndLeavesTheRest)
{
    auto spec = parse("app = \"a\"\n[retention]\nmax_age = \"30d\"\nmax_items = 1000\n");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->retention.max_age, std::chrono::days(30));
    EXPECT_EQ(spec->retention.max_items, 1000);
    EXPECT_EQ(spec->retention.max_runs, RetentionSpec{}.max_runs);
    auto inline_table = parse("app = \"a\"\nretention = { max_events = 10 }\n");
    ASSERT_TRUE(inline_table) << inline_table.error().message();
    EXPECT_EQ(inline_table->retention.max_events, 10);
}

TEST_F(RetentionSettingsTest, BadValuesAreRefusedWithWhereAndWhy)
{
    struct Case {
        const char* text;
        const char* error;
    };
    for (const Case& bad : {
             Case{"[retention]\nmax_age = \"5m\"\n", ":2:1: retention: max_age must be at least 1h"},
             Case{"[retention]\nmax_runs = 0\n", "max_runs must be from 1 to 1000000000"},
             Case{"[retention]\nmax_items = \"many\"\n", "max_items: expected an integer"},
             Case{"[retention]\nmax_evnts = 5\n",
                 "unknown key \"max_evnts\" in retention (did you mean \"max_events\"?)"},
             Case{"retention = 5\n", "retention: expected a table"},
         }) {
        auto spec = parse(std::string("app = \"a\"\n") + bad.text);
        ASSERT_FALSE(spec) << bad.text;
        EXPECT_NE(spec.error().message().find(bad.error), std::string::npos) << spec.error().message();
        EXPECT_NE(spec.error().message().find("/srv/app/tend.toml:"), std::string::npos) << spec.error().message();
    }
}

}  // namespace
}  // namespace tend::spec
