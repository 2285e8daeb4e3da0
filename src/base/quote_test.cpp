#include "base/quote.h"

#include <gtest/gtest.h>

namespace tend {
namespace {

struct QuoteCase {
    std::string_view text;
    std::string_view expected;
};

TEST(QuoteTest, EscapesWhatCouldDriveATerminalOrForgeALine)
{
    using namespace std::string_view_literals;
    const QuoteCase cases[] = {
        {"web", "\"web\""},
        {"", "\"\""},
        {"a\nb", "\"a\\nb\""},
        {"tab\there", "\"tab\\there\""},
        {"say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\""},
        {"\x1b]0;title\x07", "\"\\x1b]0;title\\x07\""},
        {"nul\0byte"sv, "\"nul\\x00byte\""},
        {"del\x7f", "\"del\\x7f\""},
        {"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""},  // valid UTF-8 stays
        {"csi\xc2\x9b"
         "31m",
            "\"csi\\xc2\\x9b31m\""},  // C1 control
        {"bad\xff", "\"bad\\xff\""},
        {"overlong\xc0\xaf", "\"overlong\\xc0\\xaf\""},
        {"surrogate\xed\xa0\x80", "\"surrogate\\xed\\xa0\\x80\""},
        {"cut\xe2\x82", "\"cut\\xe2\\x82\""},
    };
    for (const QuoteCase& c : cases)
        EXPECT_EQ(quote(c.text), c.expected) << c.expected;
}

TEST(QuoteTest, CutsLongTextAndSaysHowLongItWas)
{
    std::string huge(5'000'000, 'x');
    std::string shown = quote(huge);
    EXPECT_EQ(shown, "\"" + std::string(quote_limit, 'x') + "...\" (5000000 bytes)");
    EXPECT_EQ(quote("abcdef", 3), "\"abc...\" (6 bytes)");
    // Never in the middle of a character.
    EXPECT_EQ(quote("ab\xc3\xa9", 3), "\"ab...\" (4 bytes)");
    EXPECT_EQ(quote(std::string(quote_limit, 'y')), "\"" + std::string(quote_limit, 'y') + "\"");
}

}  // namespace
}  // namespace tend
