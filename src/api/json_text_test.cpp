#include "api/json_text.h"

#include <gtest/gtest.h>

#include "base/escape.h"

namespace tend::api {
namespace {

using nlohmann::json;

// F8: one watched file named with invalid UTF-8 made every listing that held
// its key answer 400, and the CLI abort on such an argument.
TEST(JsonTextTest, InvalidUtf8IsEscapedNeverThrown)
{
    json value{{"items", json::array({json{{"item", "bad\xffname"}, {"id", 1}}})}, {"ok", "caf\xc3\xa9"}};
    std::string text;
    ASSERT_NO_THROW(text = to_json_text(value));
    json back = json::parse(text);
    EXPECT_EQ(back["items"][0]["item"], "bad\\xffname");
    EXPECT_EQ(back["items"][0]["id"], 1);
    EXPECT_EQ(back["ok"], "caf\xc3\xa9");
    EXPECT_EQ(unescape_bytes(back["items"][0]["item"].get<std::string>()), "bad\xffname");
}

TEST(JsonTextTest, ObjectKeysAndIndentation)
{
    json value{{"k\xfe", json::array({"\xff", 2, nullptr})}};
    std::string text = to_json_text(value, 2);
    EXPECT_EQ(json::parse(text), json({{"k\\xfe", json::array({"\\xff", 2, nullptr})}}));
    EXPECT_NE(text.find('\n'), std::string::npos);
}

TEST(JsonTextTest, ValidValuesAreWrittenAsNlohmannWritesThem)
{
    json value{{"a", "x\x1b\n"}, {"b", 1.5}, {"c", true}};
    EXPECT_EQ(to_json_text(value), value.dump());
}

}  // namespace
}  // namespace tend::api
