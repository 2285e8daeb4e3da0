// A regular expression a user gave tend (`tend logs --grep`, `tend feed
// --match`). Matched with RE2, whose time is linear in the text and whose
// stack use does not grow with it: an app's 16,000-character line or a 100 MB
// log cannot make a search crash or run away. The syntax is RE2's (POSIX
// extended plus Perl's classes and lazy repeats; no backreferences).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace re2 {
class RE2;
}

namespace tend {

class Pattern {
public:
    // Fails with RE2's reason, e.g. "missing ): (a|b".
    static Result<Pattern> compile(std::string_view expression);

    // Whether the pattern matches anywhere in text.
    [[nodiscard]] bool search(std::string_view text) const;

    [[nodiscard]] const std::string& expression() const { return m_expression; }

private:
    Pattern(std::string expression, std::shared_ptr<const re2::RE2> compiled);

    std::string m_expression;
    std::shared_ptr<const re2::RE2> m_compiled;  // shared: a compiled RE2 is immutable and thread-safe
};

}  // namespace tend
