#include "http/message.h"

#include <gtest/gtest.h>

namespace tend::http {
namespace {

TEST(HttpTest, ParsesARequestFedInPieces)
{
    std::string wire = serialize(
        Request{.method = "POST", .path = "/v1/stop", .query = {{"a b", "c&d"}}, .body = "{\"target\":\"web\"}"});
    MessageParser parser(MessageKind::Request);
    for (char c : wire) {
        ASSERT_TRUE(parser.feed(std::string_view(&c, 1)));
    }
    ASSERT_TRUE(parser.complete());
    EXPECT_EQ(parser.request().method, "POST");
    EXPECT_EQ(parser.request().path, "/v1/stop");
    EXPECT_EQ(parser.request().query.at("a b"), "c&d");
    EXPECT_EQ(parser.request().body, "{\"target\":\"web\"}");
}

TEST(HttpTest, ParsesAResponse)
{
    MessageParser parser(MessageKind::Response);
    ASSERT_TRUE(parser.feed(serialize(Response{409, "{\"error\":\"x\"}"})));
    ASSERT_TRUE(parser.complete());
    EXPECT_EQ(parser.response().status, 409);
    EXPECT_EQ(parser.response().body, "{\"error\":\"x\"}");
}

TEST(HttpTest, RejectsGarbageAndOversizedBodies)
{
    MessageParser garbage(MessageKind::Request);
    EXPECT_FALSE(garbage.feed("NOT HTTP AT ALL\r\n\r\n"));
    MessageParser small(MessageKind::Request, 4);
    EXPECT_FALSE(small.feed(serialize(Request{.method = "POST", .path = "/", .body = "0123456789"})));
}

}  // namespace
}  // namespace tend::http
