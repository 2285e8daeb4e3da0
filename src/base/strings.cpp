#include "base/strings.h"

#include <algorithm>
#include <numeric>

namespace tend {
namespace {

// Characters that force quoting when an argument is displayed.
bool needs_quoting(std::string_view word)
{
    if (word.empty())
        return true;
    return word.find_first_of(" \t\n'\"\\$`;&|<>(){}*?[]#~") != std::string_view::npos;
}

class Splitter {
public:
    explicit Splitter(std::string_view text) : m_text(text) {}

    Result<std::vector<std::string>> run()
    {
        while (m_at < m_text.size()) {
            char c = m_text[m_at++];
            if (c == ' ' || c == '\t' || c == '\n') {
                finish_word();
            } else if (c == '\'') {
                TRY(single_quoted());
            } else if (c == '"') {
                TRY(double_quoted());
            } else if (c == '\\') {
                if (m_at == m_text.size())
                    return Error("command ends with a lone backslash");
                append(m_text[m_at++]);
            } else {
                append(c);
            }
        }
        finish_word();
        return std::move(m_words);
    }

private:
    Result<void> single_quoted()
    {
        m_in_word = true;
        while (m_at < m_text.size()) {
            char c = m_text[m_at++];
            if (c == '\'')
                return Ok{};
            m_word += c;
        }
        return Error("unterminated single quote in command");
    }

    Result<void> double_quoted()
    {
        m_in_word = true;
        while (m_at < m_text.size()) {
            char c = m_text[m_at++];
            if (c == '"')
                return Ok{};
            if (c == '\\' && m_at < m_text.size()
                && std::string_view("\"\\$`").find(m_text[m_at]) != std::string_view::npos)
                c = m_text[m_at++];
            m_word += c;
        }
        return Error("unterminated double quote in command");
    }

    void append(char c)
    {
        m_in_word = true;
        m_word += c;
    }

    void finish_word()
    {
        if (m_in_word)
            m_words.push_back(std::move(m_word));
        m_word.clear();
        m_in_word = false;
    }

    std::string_view m_text;
    std::size_t m_at = 0;
    std::string m_word;
    bool m_in_word = false;
    std::vector<std::string> m_words;
};

}  // namespace

Result<std::vector<std::string>> split_command(std::string_view text)
{
    return Splitter(text).run();
}

std::string join_command(std::span<const std::string> argv)
{
    std::string out;
    for (const std::string& word : argv) {
        if (!out.empty())
            out += ' ';
        if (!needs_quoting(word)) {
            out += word;
            continue;
        }
        out += '\'';
        for (char c : word)
            out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates)
{
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const std::string& candidate : candidates) {
        // The distance is at least the difference in length: a long word (a 5 MB key) costs nothing.
        std::size_t longer = std::max(word.size(), candidate.size());
        if (longer - std::min(word.size(), candidate.size()) >= best_distance)
            continue;
        std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string_view trim(std::string_view text)
{
    while (
        !text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

bool starts_with(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

std::string replace_all(std::string text, std::string_view pattern, std::string_view value)
{
    std::size_t at = 0;
    while ((at = text.find(pattern, at)) != std::string::npos) {
        text.replace(at, pattern.size(), value);
        at += value.size();
    }
    return text;
}

}  // namespace tend
