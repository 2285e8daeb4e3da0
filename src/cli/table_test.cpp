#include "cli/table.h"

#include <gtest/gtest.h>

namespace tend::cli {
namespace {

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// UX 12: a long name pushed the rest of its row out of line.
TEST(TableTest, ColumnsAreAsWideAsTheirWidestCell)
{
    Table table({{"NAME"}, {"STATE"}, {"PID", Table::Align::Right}, {"LAST"}});
    table.add({"queue_workflow_starter.0", "running", "3988", "-"});
    table.add({"web.0", "crash-looping (retry in 1s216ms)", "12", "exit 1"});
    auto lines = lines_of(table.render());
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[0], "NAME                     STATE                             PID LAST");
    EXPECT_EQ(lines[1], "queue_workflow_starter.0 running                          3988 -");
    EXPECT_EQ(lines[2], "web.0                    crash-looping (retry in 1s216ms)   12 exit 1");
}

// F18: a watched file named with escape sequences drove the operator's terminal,
// and a newline in a key broke the table.
TEST(TableTest, CellsNeverCarryControlBytes)
{
    Table table({{"ITEM", Table::Align::Right}, {"KEY"}});
    table.add({"1", "\x1b]0;TITLE\a\x1b[2J\x1b[31mfake-ok"});
    table.add({"2", "two\nlines\xff"});
    table.add_note("note\r");
    std::string text = table.render();
    for (char c : text)
        EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7F)) << static_cast<int>(c);
    auto lines = lines_of(text);
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[1], "   1 \\x1b]0;TITLE\\x07\\x1b[2J\\x1b[31mfake-ok");
    EXPECT_EQ(lines[2], "   2 two\\x0alines\\xff");
    EXPECT_EQ(lines[3], "     note\\x0d");
}

TEST(TableTest, WidthCountsCharactersNotBytes)
{
    Table table({{"NAME"}, {"X"}});
    table.add({"caf\xc3\xa9", "1"});
    auto lines = lines_of(table.render());
    EXPECT_EQ(lines[0], "NAME X");
    EXPECT_EQ(lines[1], "caf\xc3\xa9 1");
}

}  // namespace
}  // namespace tend::cli
