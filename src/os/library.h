// Shared libraries loaded at run time (dlopen), for features only some apps use.
#pragma once

#include <string>

#include "base/result.h"

namespace tend::os {

// An opened shared library; it stays loaded for the life of the process.
class Library {
public:
    // dlopen(name, RTLD_NOW | RTLD_LOCAL); the error is dlerror()'s text.
    static Result<Library> open(const std::string& name);

    // The address of a symbol (a mangled name for C++), or an error naming it.
    [[nodiscard]] Result<void*> symbol(const char* name) const;

private:
    explicit Library(void* handle) : m_handle(handle) {}
    void* m_handle;
};

}  // namespace tend::os
