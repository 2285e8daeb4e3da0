#include "base/result.h"

#include <cstring>
#include <fmt/format.h>

namespace tend {

Error Error::from_errno(std::string_view what, int code)
{
    return Error(fmt::format("{}: {}", what, std::strerror(code)), code);
}

Error Error::from_errno(std::string_view what)
{
    return from_errno(what, errno);
}

Error Error::context(std::string_view prefix) const
{
    return Error(fmt::format("{}: {}", prefix, m_message), m_code);
}

void verify_failed(const char* condition, const char* file, int line)
{
    std::fprintf(stderr, "tend: VERIFY(%s) failed at %s:%d\n", condition, file, line);
    std::abort();
}

}  // namespace tend
