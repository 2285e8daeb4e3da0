// Errors as values.
//
// `Result<T>` holds either a value or an `Error`, shaped like C++23's
// `std::expected`. `TRY(expr)` unwraps a result or returns its error from the
// enclosing function; `VERIFY(cond)` aborts on a broken invariant. No exception
// crosses a module boundary: libraries that throw are caught at their edge and
// turned into an `Error` there.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace tend {

// A failure with human context, e.g. "open /var/lib/tend/x: permission denied".
// `code` is the errno value when the failure came from the OS, otherwise 0.
class Error {
public:
    explicit Error(std::string message, int code = 0) : m_message(std::move(message)), m_code(code) {}

    // "WHAT: strerror(code)"; captures errno at the call site when code is omitted.
    static Error from_errno(std::string_view what, int code);
    static Error from_errno(std::string_view what);

    [[nodiscard]] const std::string& message() const { return m_message; }
    [[nodiscard]] int code() const { return m_code; }

    // Prefixes context: Error("x").context("apply") -> "apply: x".
    [[nodiscard]] Error context(std::string_view prefix) const;

private:
    std::string m_message;
    int m_code;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_storage(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : m_storage(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool has_value() const { return m_storage.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(m_storage); }
    const T& value() const& { return std::get<0>(m_storage); }
    T&& value() && { return std::get<0>(std::move(m_storage)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    [[nodiscard]] const Error& error() const { return std::get<1>(m_storage); }
    Error&& release_error() { return std::get<1>(std::move(m_storage)); }
    T release_value() { return std::get<0>(std::move(m_storage)); }

private:
    std::variant<T, Error> m_storage;
};

// Result of an operation with no value.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok /*unused*/) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool has_value() const { return !m_failed; }
    explicit operator bool() const { return has_value(); }
    [[nodiscard]] const Error& error() const { return m_error; }
    Error&& release_error() { return std::move(m_error); }
    void release_value() {}

private:
    Error m_error{""};
    bool m_failed = false;
};

[[noreturn]] void verify_failed(const char* condition, const char* file, int line);

}  // namespace tend

// Unwraps a Result or returns its error from the enclosing function.
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define TRY(expression)                          \
    ({                                           \
        auto _tend_result = (expression);        \
        if (!_tend_result.has_value())           \
            return _tend_result.release_error(); \
        _tend_result.release_value();            \
    })

// Aborts with the condition's text when an invariant does not hold.
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define VERIFY(condition)                                          \
    do {                                                           \
        if (!(condition))                                          \
            ::tend::verify_failed(#condition, __FILE__, __LINE__); \
    } while (0)
