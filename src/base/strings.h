// String helpers with no OS and no domain: splitting a command line into argv
// without a shell, "did you mean" suggestions, and small text utilities.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tend {

// Splits a command string into argv the way a POSIX shell splits words, but
// with no expansion of any kind: single quotes, double quotes (with \" \\ \$ \`
// escapes) and backslash escapes are honoured; $VAR, globs, pipes and `;` are
// plain characters. Fails on an unterminated quote or a trailing backslash.
Result<std::vector<std::string>> split_command(std::string_view text);

// Quotes argv for display so that split_command(join_command(argv)) == argv.
std::string join_command(std::span<const std::string> argv);

// Levenshtein distance between two strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo.
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates);

std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);

// Replaces every "{name}" in text with value.
std::string replace_all(std::string text, std::string_view pattern, std::string_view value);

}  // namespace tend
