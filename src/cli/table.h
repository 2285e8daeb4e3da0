// Tables for the terminal. Every cell goes through printable() (base/escape.h):
// a file name or item key holding escape sequences or a newline is shown as
// \xNN and never reaches the terminal raw. Each column is as wide as its
// widest cell, so long names keep the table aligned.
#pragma once

#include <string>
#include <vector>

namespace tend::cli {

class Table {
public:
    enum class Align { Left, Right };
    struct Column {
        std::string header;
        Align align = Align::Left;
    };

    explicit Table(std::vector<Column> columns);

    // One row; missing cells are empty.
    void add(std::vector<std::string> cells);
    // A line under the last row, indented to the second column (e.g. a job's item counts).
    void add_note(std::string text);

    // The header and the rows; the last column is not padded.
    [[nodiscard]] std::string render() const;

private:
    struct Row {
        std::vector<std::string> cells;  // printable already
        std::vector<std::string> notes;
    };

    std::vector<Column> m_columns;
    std::vector<Row> m_rows;
};

// Columns a text takes on a terminal: one per code point.
std::size_t display_width(const std::string& text);

}  // namespace tend::cli
