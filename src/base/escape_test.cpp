#include "base/escape.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

using namespace std::string_literals;

struct EscapeCase {
    std::string text;
    std::string shown;
};

TEST(EscapeTest, PrintableEscapesEveryByteThatDrivesATerminal)
{
    const EscapeCase cases[] = {
        {"plain text: 1/2 (ok)", "plain text: 1/2 (ok)"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},  // UTF-8 stays
        {"\x1b]0;TITLE\a\x1b[2J\x1b[31mfake-ok", "\\x1b]0;TITLE\\x07\\x1b[2J\\x1b[31mfake-ok"},  // F18
        {"two\nlines\r", "two\\x0alines\\x0d"},
        {"a\tb", "a\\x09b"},
        {"del\x7f", "del\\x7f"},
        {"csi\xc2\x9b"
         "31m",
            "csi\\xc2\\x9b31m"},  // C1 CSI, valid UTF-8
        {"bad\xffname", "bad\\xffname"},
        {"cut \xe2\x82", "cut \\xe2\\x82"},
        {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
        {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
        {"nul "s + '\0' + "x", "nul \\x00x"},
        {"back\\slash", "back\\slash"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(printable(c.text), c.shown) << c.shown;
}

TEST(EscapeTest, LogTextKeepsTabs)
{
    std::string out;
    append_escaped(out, "a\tb\x1b", Tabs::Keep);
    EXPECT_EQ(out, "a\tb\\x1b");
}

TEST(EscapeTest, ValidUtf8TextLeavesValidTextAlone)
{
    for (std::string text : {"plain"s, "caf\xc3\xa9"s, "ctl \x1b[31m and \\x41"s, ""s})
        EXPECT_EQ(valid_utf8_text(text), text);
}

TEST(EscapeTest, ValidUtf8TextRoundTripsAnyBytes)
{
    const EscapeCase cases[] = {
        {"bad\xffutf8", "bad\\xffutf8"},
        {"C:\\dir\\\xfe", "C:\\x5cdir\\x5c\\xfe"},
        {"lit \\xff and \xff", "lit \\x5cxff and \\xff"},
        {"caf\xc3\xa9\xc3", "caf\xc3\xa9\\xc3"},
    };
    for (const auto& c : cases) {
        std::string wire = valid_utf8_text(c.text);
        EXPECT_EQ(wire, c.shown);
        EXPECT_TRUE(is_valid_utf8(wire));
        EXPECT_EQ(unescape_bytes(wire), c.text);
    }
    std::string every_byte;
    for (int byte = 0; byte < 256; ++byte)
        every_byte += static_cast<char>(byte);
    EXPECT_EQ(unescape_bytes(valid_utf8_text(every_byte)), every_byte);
}

TEST(EscapeTest, UnescapeReadsShownBytesBack)
{
    EXPECT_EQ(unescape_bytes("bad\\xffname"), "bad\xffname");
    EXPECT_EQ(unescape_bytes("\\x1B[31m"), "\x1b[31m");
    EXPECT_EQ(unescape_bytes("no \\xg1 or \\x4 here\\"), "no \\xg1 or \\x4 here\\");
    EXPECT_EQ(unescape_bytes(printable("key\x1b\n\xff")), "key\x1b\n\xff");
}

}  // namespace
}  // namespace tend
