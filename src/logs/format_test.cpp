#include "logs/format.h"

#include <gtest/gtest.h>

namespace tend::logs {
namespace {

TEST(FormatTest, StampsAndParsesARecord)
{
    Stamper stamper;
    std::string out;
    stamper.prefix(out, from_micros(1'795'000'000'123'456), "web.2", Stream::Err, false);
    out += "hello";
    EXPECT_EQ(out, "2026-11-18T11:06:40.123456Z web.2 err: hello");
    auto record = parse_record(out);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->instance, "web.2");
    EXPECT_EQ(record->stream, "err");
    EXPECT_EQ(record->text, "hello");
    EXPECT_EQ(parse_stamp(record->stamp), 1'795'000'000'123'456);
}

TEST(FormatTest, EscapesControlBytesAndInvalidUtf8)
{
    std::string out;
    const char raw[] = "tab\there nul\0 bell\a caf\xc3\xa9 bad\xff\xc3 end";
    append_escaped(out, std::string(raw, sizeof raw - 1));
    EXPECT_EQ(out, "tab\there nul\\x00 bell\\x07 caf\xc3\xa9 bad\\xff\\xc3 end");
}

TEST(FormatTest, MarksPieces)
{
    Stamper stamper;
    std::string out;
    stamper.prefix(out, from_micros(0), "a.0", Stream::Out, true);
    EXPECT_EQ(out, "1970-01-01T00:00:00.000000Z a.0 out+: ");
}

}  // namespace
}  // namespace tend::logs

namespace tend::logs {
namespace {

TEST(FormatTest, PlainAsciiFastPathAgreesWithTheSlowOne)
{
    for (int c = 0; c < 256; ++c) {
        // 70 bytes: two rounds of 32 (both halves of each) and a tail of 6.
        for (std::size_t at : {0U, 3U, 8U, 13U, 16U, 31U, 40U, 63U, 64U, 69U}) {
            std::string text(70, 'a');
            text[at] = static_cast<char>(c);
            bool expected = c >= 0x20 && c < 0x7F;
            EXPECT_EQ(plain_ascii(text), expected) << "byte " << c << " at " << at;
            EXPECT_EQ(plain_lines(text), expected || c == '\n') << "byte " << c << " at " << at;
        }
    }
}

}  // namespace
}  // namespace tend::logs
