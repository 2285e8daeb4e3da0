#include "base/pattern.h"

#include <fmt/format.h>
#include <re2/re2.h>

namespace tend {

Pattern::Pattern(std::string expression, std::shared_ptr<const re2::RE2> compiled)
    : m_expression(std::move(expression))
    , m_compiled(std::move(compiled))
{}

Result<Pattern> Pattern::compile(std::string_view expression)
{
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto compiled = std::make_shared<const re2::RE2>(re2::StringPiece(expression.data(), expression.size()), options);
    if (!compiled->ok())
        return Error(compiled->error());
    return Pattern(std::string(expression), std::move(compiled));
}

bool Pattern::search(std::string_view text) const
{
    return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m_compiled);
}

}  // namespace tend
