#include "cli/table.h"

#include <algorithm>

#include "base/escape.h"

namespace tend::cli {

std::size_t display_width(const std::string& text)
{
    // Continuation bytes (10xxxxxx) add no column.
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

Table::Table(std::vector<Column> columns) : m_columns(std::move(columns)) {}

void Table::add(std::vector<std::string> cells)
{
    cells.resize(m_columns.size());
    for (std::string& cell : cells)
        cell = printable(cell);
    m_rows.push_back(Row{std::move(cells), {}});
}

void Table::add_note(std::string text)
{
    if (!m_rows.empty())
        m_rows.back().notes.push_back(printable(text));
}

std::string Table::render() const
{
    std::vector<std::size_t> widths;
    for (const Column& column : m_columns)
        widths.push_back(display_width(column.header));
    for (const Row& row : m_rows) {
        for (std::size_t i = 0; i < row.cells.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row.cells[i]));
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            bool last = i + 1 == cells.size();
            std::string padding(widths[i] - display_width(cells[i]), ' ');
            if (m_columns[i].align == Align::Right)
                text += padding + cells[i];
            else
                text += last ? cells[i] : cells[i] + padding;
            if (!last)
                text += ' ';
        }
        while (!text.empty() && text.back() == ' ')
            text.pop_back();
        out += text + '\n';
    };
    std::vector<std::string> headers;
    for (const Column& column : m_columns)
        headers.push_back(column.header);
    line(headers);
    std::string indent(widths.empty() ? 0 : widths[0] + 1, ' ');
    for (const Row& row : m_rows) {
        line(row.cells);
        for (const std::string& note : row.notes)
            out += indent + note + '\n';
    }
    return out;
}

}  // namespace tend::cli
